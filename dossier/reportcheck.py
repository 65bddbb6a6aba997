"""Whether the year-end report that would go out may go out: the judge ``pack`` asks.

A report finished by hand in Word is welcome — that is how counties complete it — but it
must not go out with the tool's 【待审阅】 markers still in it, nor state a total or a grade
other than the score's (after a claim was changed in the manifest, say). This module
reads the report DOCX as it is now and returns blocking findings that name the paragraph
and say where to fix it; it draws nothing and converts nothing. Before the first build
there is no DOCX: ``predicted_findings`` says, from the manifest, which parts the build
would draft (one finding per part), so that what ``check`` passes ``pack`` packs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

from dossier.buildrecord import OutputRecord
from dossier.cnformat import pts
from dossier.finding import Finding
from dossier.outputs import output_path
from dossier.reportdraft import REVIEW_MARK, SECTIONS, draft_report

DEPARTMENT = "办公室"
KIND = "report"  # the kind of every finding here, predicted or read
_TOTAL = re.compile(r"自评总分(?:为)?\s*(\d+(?:\.\d+)?)\s*分")
_SUBHEADING = re.compile(r"^（([一二三四五六七八九十]+)）")
_NUMERALS = "一二三四五六七八九十"


def report_findings(project, score) -> list[Finding]:
    """Blocking findings for the current report DOCX: draft markers, a wrong total or grade."""
    path = output_path(project, "report_docx")
    if not path.is_file():
        return []
    where = _rel(project, path)
    # as the build wrote it (not edited in Word): a stale figure is fixed by building again
    as_built = OutputRecord(project).as_written("report", path)
    try:
        import docx

        document = docx.Document(str(path))
    except Exception:  # noqa: BLE001 - any damage: python-docx raises many kinds
        return [_finding(where, f"年度报告 {path.name} 无法打开，不能确认其中的内容。"
                         "请用 Word 或 WPS 打开后另存为 .docx，或删除该文件后运行 dossier build 重新生成。")]
    findings = []
    for section, text in _paragraphs(document):
        if REVIEW_MARK in text:
            findings.append(_finding(where, f"年度报告中{_name(section, text)}仍有"
                                     f"“{REVIEW_MARK}”标注：请在 Word 中审阅该段、删除标注后保存；"
                                     f"或把定稿文字写入清单 report: 的 {_key(section)}，"
                                     "再运行 dossier build。"))
        for value in _TOTAL.findall(text):
            if _decimal(value) != score.total:
                findings.append(_finding(where, _differs(as_built, section, text, f"自评总分{value}分",
                                                         f"自评总分{pts(score.total)}分")))
        grade = stated_grade(project.standard, text)
        if grade is not None and grade != score.grade:
            findings.append(_finding(where, _differs(as_built, section, text, f"等次为{grade}",
                                                     f"等次为{score.grade}")))
    table_total = _table_total(document)
    if table_total is not None and _decimal(table_total) != score.total:
        findings.append(_finding(where, _differs(as_built, "自评得分表", "合计", f"合计{table_total}分",
                                                 f"合计{pts(score.total)}分")))
    return findings


def predicted_findings(project, score) -> list[Finding]:
    """Blocking findings for the report the next build would write: one per drafted part.

    The parts are those whose ``report:`` key is empty, so the build drafts them with
    【待审阅】; the finding names the key to fill, or the edit in Word after the build.
    """
    content = draft_report(project, score)
    parts = [(SECTIONS[0][0], content.opening), (SECTIONS[1][0], content.summary),
             *((f"{SECTIONS[2][0]}{part.heading}", part.paragraphs) for part in content.progress),
             (SECTIONS[3][0], content.problems), (SECTIONS[4][0], content.plans)]
    where = f"manifests/{project.manifest.path.name}"
    return [_finding(where, f"清单 report: 的 {_key(section)}未填写，dossier build 将起草年度报告的"
                            f"“{section}”并标注“{REVIEW_MARK}”，这样不能报送：请把定稿文字写入该项；"
                            "或运行 dossier build 后在 Word 中审阅该部分、删除标注后保存。")
            for section, paragraphs in parts if any(p.draft for p in paragraphs)]


def stated_grade(standard, text: str) -> str | None:
    """The grade a sentence says the unit reached (“达到年度规范化单位标准”), if any.

    “未达到年度规范化单位标准” states the grade below it; comparisons with last year
    (“等次由…变为…”) are not statements of this year's grade and are not read.
    """
    grades = sorted(standard.grades, key=lambda g: -g.min)
    names = "|".join(re.escape(g.name) for g in grades)
    m = re.search(rf"(未)?达到(?:年度)?({names})(?:标准)?", text)
    if m is None:
        return None
    if not m.group(1):
        return m.group(2)
    below = [g.name for g in grades if g.min < next(x.min for x in grades if x.name == m.group(2))]
    return below[0] if below else standard.grade_below


def _paragraphs(document) -> Iterator[tuple[str, str]]:
    """(section, text) of every body paragraph in order; section is its heading path."""
    headings = {heading: heading for heading, _ in SECTIONS}
    section, sub = SECTIONS[0][0], ""
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        if text in headings:
            section, sub = text, ""
            continue
        if section == SECTIONS[2][0] and _SUBHEADING.match(text) and len(text) < 30:
            sub = text
            continue
        yield (f"{section}{sub}", text)


def _name(section: str, text: str) -> str:
    start = text.replace(REVIEW_MARK, "")[:16]
    return f"“{section}”下以“{start}…”开头的段落"


def _key(section: str) -> str:
    for heading, key in SECTIONS:
        if section.startswith(heading):
            m = _SUBHEADING.search(section[len(heading):])
            if key == "work" and m:
                return f'work 的 "{_NUMERALS.index(m.group(1)[-1]) + 1}" 项'
            return f"{key} 项"
    return "相应项"


def _differs(as_built: bool, section: str, text: str, stated: str, actual: str) -> str:
    head = f"年度报告中{_name(section, text)}写的是“{stated}”，与当前自评得分（{actual}）不一致："
    if as_built:  # nobody edited it: the manifest changed since the build
        return head + "清单在生成报告后改过，运行 dossier build 即按当前清单重新生成（pack 也会先重新生成）。"
    return head + ("请在 Word 中改正后保存；或删除该文件后运行 dossier build "
                   "按清单重新生成（修改过的版本会备份）。")


def _table_total(document) -> str | None:
    """The 自评得分 of the score table's 合计 row."""
    for table in document.tables:
        header = [c.text.strip() for c in table.rows[0].cells]
        if "自评得分" not in header:
            continue
        column = header.index("自评得分")
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            if "合计" in cells and len(cells) > column:
                return cells[column]
    return None


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip().lstrip("+"))
    except (InvalidOperation, AttributeError):
        return None


def _rel(project, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _finding(where: str, message: str) -> Finding:
    return Finding(severity="error", kind=KIND, code=None, path=where, message=message,
                   department=DEPARTMENT)
