"""The text of the year-end report (年度工作进展和总结报告), drafted from the model.

Pure functions: a Project and its Score (and last year's Score, when there is one) in,
a ``ReportContent`` out, which the Word template renders. The report has the four parts
county reports have (基本情况；主要工作及成效；存在的问题和不足；下一步工作计划). What staff
wrote in the manifest's ``report:`` section is used as written; every other paragraph is
drafted from the claims, their 自评说明, the facts, the bonus and deduction data and the
evidence counts — the same data the score is computed from, so that the report cannot
contradict it — and is marked 【待审阅】 for review. ``SECTIONS`` says which ``report:``
key replaces each drafted part. What belongs to the office (points at risk, claims not
filled in, what the tool would do) never appears here: ``check`` and ``score`` say it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from dossier.cnformat import cn_date as date_text
from dossier.cnformat import cn_number, percent, pts
from dossier.cntext import clean_text, end_sentence, open_sentence
from dossier.errors import InputError
from dossier.manifest import date_value

REVIEW_MARK = "【待审阅】"
DEFAULT_TITLE = "关于{year}年度生态环境保护综合行政执法机构规范化建设工作进展情况的报告"
TITLE_WIDTH = 20  # characters of 2号 (22 pt) on a 156 mm line
COLOPHON_WIDTH = 31.5  # characters of 4号 (14 pt) on a 156 mm line
MIN_SCALE = 80  # narrowest 字符缩放 (%) for the 印发 line
DEFAULT_REPORT_DAY = (12, 10)  # 成文日期 without one in the manifest: the first half of December
_NUMBERED = re.compile(r"^\s*(\d+[.．、]|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[、是])")
ORDINALS = "一二三四五六七八九十"

# The report's parts: heading, the ``report:`` key that replaces the drafted text.
SECTIONS = (("开头", "opening"), ("一、基本情况", "summary"), ("二、主要工作及成效", "work"),
            ("三、存在的问题和不足", "problems"), ("四、下一步工作计划", "plans"))


@dataclass(frozen=True)
class Para:
    """One body paragraph: an optional bold lead (“1.坚持党建引领。”) and its text."""

    text: str
    lead: str = ""
    draft: bool = False


@dataclass(frozen=True)
class Part:
    heading: str  # “（一）机构职能规范化”
    paragraphs: tuple[Para, ...]


@dataclass(frozen=True)
class ScoreRow:
    no: str
    name: str
    max: str
    claimed: str
    lost: str = ""
    last: str = ""
    change: str = ""


@dataclass(frozen=True)
class ReportContent:
    title: str
    title_lines: tuple[str, ...]
    recipient: str
    unit: str
    date_text: str
    total: Decimal
    grade: str
    opening: tuple[Para, ...]
    summary: tuple[Para, ...]
    score_text: tuple[Para, ...]
    score_rows: tuple[ScoreRow, ...]
    work_intro: tuple[Para, ...]
    progress: tuple[Part, ...]
    problems: tuple[Para, ...]
    plans: tuple[Para, ...]
    last_year: int | None = None
    closing: str = "特此报告。"
    doc_number: str = ""
    signer: str = ""
    issuer_mark: str = ""
    contact: str = ""
    copy_to_text: str = ""
    printed_by: str = ""
    printed_one_line: bool = True
    printed_scale: int = 100  # 字符缩放 of the 印发 line
    colophon_breaks: int = 0  # page breaks before the 版记 (set after the first layout)
    colophon_space: int = 20  # twips of space above the 版记 (set after the first layout)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_colophon(self) -> bool:
        """Whether the report has a 版记 (抄送, 印发)."""
        return bool(self.copy_to_text or self.printed_by)

    def context(self) -> dict[str, Any]:
        """The variables of the Word template (see templates/README.md)."""
        data = asdict(self)
        data.update(redhead=bool(self.doc_number), printed_date=self.date_text,
                    colophon=self.has_colophon,
                    total=pts(self.total), colophon_pages=list(range(self.colophon_breaks)))
        data.update(self.extra)
        return data

    def paragraphs(self) -> list[Para]:
        return [*self.opening, *self.summary, *self.score_text, *self.work_intro,
                *(p for part in self.progress for p in part.paragraphs), *self.problems,
                *self.plans]

    def drafted(self) -> int:
        """How many paragraphs were drafted by the tool (to review)."""
        return sum(p.draft for p in self.paragraphs())

    def drafted_keys(self) -> list[str]:
        """The ``report:`` keys that would replace the drafted paragraphs."""
        parts = {"opening": self.opening, "summary": self.summary, "problems": self.problems,
                 "plans": self.plans}
        keys = [k for k, paras in parts.items() if any(p.draft for p in paras)]
        if any(p.draft for part in self.progress for p in part.paragraphs):
            keys.insert(2, "work")
        return keys


# -- small formatters ------------------------------------------------------------------


def signed(value: Decimal) -> str:
    """+1.5, -0.5 or 0 (ASCII signs: the 仿宋 substitutes lack U+2212 “−”)."""
    if value > 0:
        return f"+{pts(value)}"
    return f"-{pts(-value)}" if value < 0 else "0"


def text_width(text: str, latin: float = 0.5) -> float:
    """Width in full-width characters: ASCII letters and digits count ``latin`` (about half)."""
    return sum(latin if ord(ch) < 0x2E80 else 1 for ch in text)


def split_title(title: str, width: float = TITLE_WIDTH) -> tuple[str, ...]:
    """Break a long title into lines of at most ``width`` characters.

    Breaks fall before words such as 规范化 or 工作 where possible, so that no word is cut,
    and lines are kept as even as possible (GB/T 9704: 词意完整，排列对称).
    """
    if text_width(title) <= width:
        return (title,)
    words = ("规范化", "工作", "生态环境", "综合行政", "执法机构", "的报告", "情况", "关于", "建设")
    candidates = sorted({m.start() for w in words for m in re.finditer(w, title) if m.start()})
    best = None
    for i in candidates or range(1, len(title)):
        head, tail = title[:i], title[i:]
        if text_width(head) > width:
            continue
        rest = split_title(tail, width)
        if any(text_width(line) > width for line in rest):
            continue
        lines = (head, *rest)
        spread = max(map(text_width, lines)) - min(map(text_width, lines))
        key = (len(lines), spread)
        if best is None or key < best[0]:
            best = (key, lines)
    if best is None:  # no word boundary fits: cut evenly
        n = int(len(title) / width) + 1
        size = -(-len(title) // n)
        return tuple(title[i:i + size] for i in range(0, len(title), size))
    return best[1]


def texts(value: Any) -> list[str]:
    """A manifest text: a string (one paragraph per line) or a list of strings, cleaned."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).splitlines()
    return [t for t in (clean_text(item) for item in items if item is not None) if t]


def self_name(unit: str) -> str:
    """How the unit calls itself in its report: 我队, 我局 or 我单位."""
    if unit.endswith(("大队", "支队", "中队", "总队")):
        return "我队"
    if unit.endswith("局"):
        return "我局"
    return "我单位"


def default_recipient(unit: str) -> str:
    """The city bureau above a county unit: 泉州市示例县… → 泉州市生态环境局."""
    m = re.match(r"^(.{2,5}?市)", unit)
    return f"{m.group(1) if m else '市'}生态环境局"


def full_stop(text: str) -> str:
    """End a sentence that staff left open with “。”."""
    return end_sentence(text)


def numbered(items: list[str]) -> tuple[Para, ...]:
    """Staff-written items, numbered 1. 2. … unless they carry their own numbers."""
    return tuple(Para(full_stop(item if _NUMBERED.match(item) else f"{i}.{item}"))
                 for i, item in enumerate(items, start=1))


def report_date(manifest):
    """成文日期: ``report: date``, else the manifest's ``date:``, else 10 December."""
    import datetime as dt

    value = (manifest.report or {}).get("date")
    if value not in (None, ""):
        try:
            return date_value(value)
        except ValueError:
            raise InputError(f"report 中的成文日期“{value}”格式不正确。", path=manifest.path,
                             line=manifest.line_of("report"),
                             hint="写成 2022-12-10 的形式。") from None
    if manifest.line_of("date"):
        return manifest.date
    return dt.date(manifest.year, *DEFAULT_REPORT_DAY)


# -- drafting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LastYear:
    """Last year's score, for the comparison in 一、基本情况 and its table."""

    year: int
    score: Any  # dossier.score.Score


def draft_report(project, score, last: LastYear | None = None) -> ReportContent:
    """The whole report: the manifest's ``report:`` texts where given, drafts elsewhere."""
    manifest, standard = project.manifest, project.standard
    report = manifest.report or {}
    year, unit = project.year, project.unit
    title = clean_text(report.get("title")) or DEFAULT_TITLE.format(year=year)
    recipient = (clean_text(report.get("recipient")) or default_recipient(unit)).rstrip(":：")
    issuer = clean_text(report.get("issuer")) or unit
    contact = clean_text(report.get("contact"))
    if contact and not contact.startswith(("（", "(")):
        contact = f"（{contact}）" if "联系人" in contact else f"（联系人：{contact}）"
    copy_to = texts(report.get("copy_to"))
    printed_by = clean_text(report.get("printed_by")) or (unit if copy_to else "")
    we = self_name(unit)
    written = report_date(manifest)

    opening = tuple(Para(full_stop(t)) for t in texts(report.get("opening"))) or (
        Para(f"根据规范化建设工作要求，{we}对照《{standard.title}》，开展了{year}年度"
             "规范化建设自查自评。现将有关情况报告如下：", draft=True),)
    summary = tuple(Para(full_stop(t)) for t in texts(report.get("summary"))) or draft_summary(
        project)
    highlights = texts(report.get("highlights"))
    problems = numbered(texts(report.get("problems"))) or draft_problems(project, score)
    plans = numbered(texts(report.get("plans"))) or draft_plans(project, score)
    printed_date = date_text(written)
    # 印发机关 left and 印发日期 right on one line, their characters narrowed to fit
    # (Word's 字符缩放) down to MIN_SCALE; below that, the date goes on a line of its own.
    needed = text_width(printed_by + printed_date + "印发", latin=0.6) + 3.5  # indents, gap
    scale = min(100, int(COLOPHON_WIDTH / needed * 100))
    return ReportContent(
        title=title, title_lines=split_title(title), recipient=recipient + "：", unit=unit,
        date_text=printed_date, total=Decimal(score.total), grade=score.grade, opening=opening,
        summary=summary, score_text=score_paragraphs(project, score, last),
        score_rows=score_rows(project, score, last),
        work_intro=highlights_paragraph(project, highlights),
        progress=draft_progress(project, score, highlights), problems=problems, plans=plans,
        last_year=last.year if last else None,
        doc_number=clean_text(report.get("doc_number")),
        signer=clean_text(report.get("signer")),
        issuer_mark=issuer if issuer.endswith("文件") else issuer + "文件",
        contact=contact, copy_to_text="，".join(copy_to) + "。" if copy_to else "",
        printed_by=printed_by, printed_scale=scale, printed_one_line=scale >= MIN_SCALE)


def _staff_clauses(facts: dict) -> list[str]:
    f = {k: v for k, v in facts.items() if v is not None}
    out = []
    if f.get("staff_total"):
        out.append(f"现有人员{f['staff_total']}名")
    if f.get("enforcement_staff"):
        out.append(f"执法人员{f['enforcement_staff']}名")
    if f.get("frontline_staff") is not None and f.get("staff_total"):
        out.append(f"一线执法人员{f['frontline_staff']}名（占{percent(f['frontline_staff'], f['staff_total'])}%）")
    if f.get("college_staff") is not None and f.get("enforcement_staff"):
        out.append(f"执法人员中大专以上学历{f['college_staff']}名（占比"
                   f"{percent(f['college_staff'], f['enforcement_staff'])}%）")
    if f.get("certified_excl_new") is not None and f.get("enforcement_staff_excl_new"):
        out.append(f"持证执法人员{f['certified_excl_new']}名（不含近三年新进人员，持证率"
                   f"{percent(f['certified_excl_new'], f['enforcement_staff_excl_new'])}%）")
    if f.get("new_hires_3y"):
        relevant = f.get("new_hires_3y_relevant")
        out.append(f"近三年新入编{f['new_hires_3y']}名" + (
            f"，其中法学类或生态环境相关专业{relevant}名" if relevant is not None else ""))
    if f.get("seconded_staff") is not None:
        out.append(f"借调到其他单位非执法岗位{f['seconded_staff']}名" if f["seconded_staff"]
                   else "无人员借调到其他单位非执法岗位")
    return out


def draft_summary(project) -> tuple[Para, ...]:
    """一、基本情况: the unit's staff from the facts, then how the self-assessment was run."""
    unit, standard = project.unit, project.standard
    clauses = _staff_clauses(project.manifest.facts or {})
    first = (unit + "，".join(clauses[:3]) + ("；" + "，".join(clauses[3:]) if clauses[3:] else "")
             + "。") if clauses else f"{unit}承担本辖区生态环境保护综合行政执法职责。"
    departments: list[str] = []
    for t in standard.tertiaries():
        departments += [d for d in t.departments if d not in departments]
    n_criteria = sum(1 for _ in standard.criteria())
    second = (f"{project.year}年，{self_name(unit)}对照评价标准{n_criteria}项评价内容逐项开展自查自评，"
              f"将任务分解到{'、'.join(departments[:6])}等责任科室，全年共整理佐证材料"
              f"{len(project.all_items())}件。")
    return Para(first, draft=True), Para(second, draft=True)


# -- 二、主要工作及成效 ------------------------------------------------------------------------

# One overview sentence per primary indicator, each used once (the seventh wraps around).
OVERVIEWS = (
    "{we}围绕{name}逐项抓好落实，{met}，整理佐证材料{e}件，自评得分{c}分（满分{m}分）。",
    "{name}方面，{we}自评{c}分，占该项分值{m}分的{pct}%；{met}，相关佐证材料{e}件。",
    "在{name}上，{met}，共形成佐证材料{e}件，该项自评{c}分（满分{m}分）。",
    "{we}把{name}作为规范化建设的重要内容，{met}，自评{c}分、满分{m}分，佐证材料{e}件。",
    "{name}共{n}项评价内容，{met_short}，自评得分{c}分（满分{m}分），整理佐证材料{e}件。",
    "{name}一项满分{m}分，{we}自评{c}分，得分率{pct}%，{met}，佐证材料{e}件。",
)
# What was done where staff wrote no 自评说明, in turns.
DONE = ("{items}等工作均已落实", "完成了{items}等工作", "{items}达到标准要求",
        "按要求做好{items}等工作")
NOTES_PER_SECONDARY = 4


def _met_short(scores) -> str:
    """“其中5项全部达到要求、1项部分达到”, after the number of criteria was said."""
    met = sum(1 for cs in scores if cs.claimed >= cs.max)
    partial = sum(1 for cs in scores if 0 < cs.claimed < cs.max)
    if met == len(scores):
        return "均已达到要求"
    return f"其中{met}项全部达到要求" + (f"、{partial}项部分达到" if partial else "")


def _met_text(scores) -> str:
    n = len(scores)
    met = sum(1 for cs in scores if cs.claimed >= cs.max)
    partial = sum(1 for cs in scores if 0 < cs.claimed < cs.max)
    if n == 1:
        return ("该项评价内容达到要求" if met else
                "该项评价内容部分达到要求" if partial else "该项评价内容尚未达到要求")
    if met == n:
        return f"{n}项评价内容全部达到要求"
    return f"{n}项评价内容中{met}项全部达到要求" + (f"、{partial}项部分达到" if partial else "")


def _common(a: str, b: str, size: int = 6) -> bool:
    """Whether two texts share a run of ``size`` characters (a highlight repeats a note)."""
    return any(a[i:i + size] in b for i in range(0, max(0, len(a) - size + 1)))


def _fact_clause(project, cs) -> str:
    """What the facts say for a criterion they decide, in words (no note was written)."""
    rule = project.standard.fact_rules.get(cs.code)
    f = {k: v for k, v in (project.manifest.facts or {}).items() if v is not None}
    if rule == "efficiency_score" and "efficiency_score" in f:
        return (f"{project.year}年度执法效能评估得分{pts(Decimal(str(f['efficiency_score'])))}分，"
                f"按{pts(cs.max)}分折算计{pts(cs.claimed)}分")
    if rule == "education" and f.get("enforcement_staff") and "college_staff" in f:
        return (f"执法人员中大专以上学历{f['college_staff']}名，"
                f"占{percent(f['college_staff'], f['enforcement_staff'], at_least=90)}%")
    if rule == "certification" and f.get("enforcement_staff_excl_new") and \
            "certified_excl_new" in f:
        return (f"执法人员（不含近三年新进人员）持证率"
                f"{percent(f['certified_excl_new'], f['enforcement_staff_excl_new'], at_least=80)}%")
    if rule == "frontline_ratio" and f.get("staff_total") and "frontline_staff" in f:
        return (f"一线执法人员{f['frontline_staff']}名，"
                f"占单位人员的{percent(f['frontline_staff'], f['staff_total'], at_least=80)}%")
    if rule in ("secondment_ratio", "secondment_reported") and f.get("staff_total") and \
            "seconded_staff" in f:
        return (f"借调到其他单位非执法岗位{f['seconded_staff']}名，"
                f"占单位人员的{percent(f['seconded_staff'], f['staff_total'], at_most=10)}%")
    if rule == "grid_leads" and "grid_leads" in f:
        return f"全年网格巡查线索转执法{f['grid_leads']}条"
    if rule == "mobile_logins" and "avg_monthly_logins" in f:
        return f"在岗人员平均每月登录移动执法系统{f['avg_monthly_logins']}次"
    return ""


def _secondary_clause(project, secondary, by_code, highlights, turn: int) -> str:
    """What was done under one secondary indicator: its notes (at most a few), else names."""
    scores = [by_code[c.code] for t in secondary.tertiary for c in t.criteria]
    done = [cs for cs in scores if cs.claimed > 0]
    if not done:
        return ""
    notes = []
    for cs in done:
        claim = project.claim(cs.code)
        note = open_sentence(clean_text(claim.note)) if claim is not None and claim.note else ""
        note = note or open_sentence(_fact_clause(project, cs))
        if note and not any(_common(note, h) for h in highlights) and note not in notes:
            notes.append(note)
    if len(notes) > NOTES_PER_SECONDARY:  # keep the ones with figures, in printed order
        keep = sorted(notes, key=lambda n: not re.search(r"\d", n))[:NOTES_PER_SECONDARY]
        notes = [n for n in notes if n in keep]
    if notes:
        return "，".join(notes) if len(notes) == 1 else "；".join(notes)
    names = "、".join(project.standard.criterion(cs.code).short for cs in done[:4])
    return DONE[turn % len(DONE)].format(items=names)


def draft_progress(project, score, highlights: list[str] = ()) -> tuple[Part, ...]:
    """二、主要工作及成效: per primary indicator, an overview with its figures, then what was done."""
    standard = project.standard
    report_work = (project.manifest.report or {}).get("work") or {}
    if not isinstance(report_work, dict):
        raise InputError("report 中的 work 应按一级指标编号分项填写，如 “\"1\": 文字”。",
                         path=project.manifest.path, line=project.manifest.line_of("report"))
    unknown = [str(k) for k in report_work if str(k) not in {p.code for p in standard.primary}]
    if unknown:
        raise InputError(f"report 的 work 中没有一级指标“{'、'.join(unknown)}”。",
                         path=project.manifest.path, line=project.manifest.line_of("report"),
                         hint="一级指标编号为 1 至 6。")
    by_code = {c.code: c for c in score.criteria}
    primary = {p.code: p for p in score.primary}
    we = self_name(project.unit)
    parts, turn = [], 0
    for n, p in enumerate(standard.primary, start=1):
        heading = f"（{cn_number(n)}）{p.name}"
        staff = texts(report_work.get(p.code))
        if staff:
            parts.append(Part(heading, tuple(Para(full_stop(t)) for t in staff)))
            continue
        scores = [by_code[c.code] for s in p.secondary for t in s.tertiary for c in t.criteria]
        evidence = sum(len(project.items_for(t.code)) for s in p.secondary for t in s.tertiary)
        evidence += sum(cs.evidence for cs in scores)
        sub = primary[p.code]
        overview = OVERVIEWS[(n - 1) % len(OVERVIEWS)].format(
            we=we, name=p.name, n=len(scores), met=_met_text(scores),
            met_short=_met_short(scores), e=evidence,
            c=pts(sub.claimed), m=pts(sub.max),
            pct=percent(int(sub.claimed * 100), int(sub.max * 100)) if sub.max else "0")
        clauses = []
        for s in p.secondary:
            clause = _secondary_clause(project, s, by_code, highlights, turn)
            if clause:
                clauses.append((s.name, clause))
                turn += 1
        paras = [Para(overview, draft=True)]
        if len(clauses) == 1:
            paras.append(Para(end_sentence(clauses[0][1]), draft=True))
        elif clauses:
            paras.append(Para("；".join(f"{ORDINALS[i]}是{name}，{clause}" for i, (name, clause)
                                       in enumerate(clauses)) + "。", draft=True))
        parts.append(Part(heading, tuple(paras)))
    return tuple(parts)


def highlights_paragraph(project, highlights: list[str]) -> tuple[Para, ...]:
    """Staff's 工作亮点 as the opening of 二、 (said once; notes repeating them are left out)."""
    if not highlights:
        return ()
    items = "；".join(open_sentence(h) for h in highlights)
    return (Para(f"{project.year}年，{self_name(project.unit)}在规范化建设中形成了一些特色做法：{items}。"),)


# -- the score in words ------------------------------------------------------------------


def _grade_phrase(project, score) -> str:
    grade = project.standard.grade_for(score.total)
    grades = sorted(project.standard.grades, key=lambda g: g.min)
    if grades and grade.name == project.standard.grade_below:
        low = grades[0]
        return (f"未达到年度{low.name}标准（{pts(low.min)}分以上），"
                f"尚差{pts(low.min - score.total)}分")
    text = f"达到年度{grade.name}标准（{pts(grade.min)}分以上）"
    return text + ("，待省级生态环境部门复核确认" if grade.note else "")


def _rules_say_last_year(project, code: str) -> bool:
    item = next((b for b in (*project.standard.bonus, *project.standard.deductions)
                 if b.code == code), None)
    return bool(item) and any("上年度" in rule for rule in item.rules)


def bonus_clauses(project, score) -> list[str]:
    """Each bonus item in words, from the same manifest data the score counts."""
    data = project.manifest.bonus or {}
    out = []
    for item in score.bonus_items:
        if not item.points:
            continue
        value = data.get(item.code)
        if item.code == "B1" and isinstance(value, dict):
            when = "上年度" if _rules_say_last_year(project, "B1") else ""  # as the standard counts
            won = []
            if value.get("national_collective"):
                won.append("获评全国生态环境保护执法大练兵表现突出集体")
            elif value.get("provincial_collective"):
                won.append("获评全省生态环境保护执法大练兵表现突出集体")
            if n := int(value.get("national_individuals") or 0):
                won.append(f"{n}人次获评全国生态环境保护执法大练兵表现突出个人")
            if n := int(value.get("provincial_individuals") or 0):
                won.append(f"{n}人次获评全省生态环境保护执法大练兵表现突出个人")
            out.append(f"{when}{self_name(project.unit)}{'，'.join(won)}，加{pts(item.points)}分")
        elif item.code == "B2":
            out.append(f"为本单位人员购买第三方意外保险，加{pts(item.points)}分")
        else:
            out.append(f"{item.name}加{pts(item.points)}分")
    return out


def deduction_clauses(project, score) -> list[str]:
    data = project.manifest.deductions or {}
    out = []
    for item in score.deduction_items:
        if not item.points:
            continue
        value = data.get(item.code) or {}
        if item.code == "D1" and isinstance(value, dict):
            who = "、".join(w for k, w in (("unit_or_leadership", "本单位或领导班子成员"),
                                          ("staff", "在编人员")) if value.get(k))
            out.append(f"{who}因违规违纪受到处分，扣{pts(item.points)}分")
        elif item.code == "D2" and isinstance(value, dict):
            times = [f"在{level}稽查中被通报批评或约谈{n}次" for key, level in
                     (("provincial", "省级"), ("city", "市级")) if (n := int(value.get(key) or 0))]
            out.append(f"{'，'.join(times)}，扣{pts(item.points)}分")
        else:
            out.append(f"{item.name}扣{pts(item.points)}分")
    return out


def _compare(project, score, last: LastYear) -> str:
    """How this year compares with last year's self-assessment (动态调整)."""
    before = Decimal(last.score.total)
    diff = Decimal(score.total) - before
    change = "持平" if diff == 0 else f"{'提高' if diff > 0 else '下降'}{pts(abs(diff))}分"
    text = f"与{last.year}年度自评的{pts(before)}分相比{change}"
    if last.score.grade != score.grade:
        text += f"，等次由{last.score.grade}变为{score.grade}"
    else:
        text += f"，等次保持为{score.grade}"
    prev = {p.code: p for p in last.score.primary}
    rose = [(p.name, p.claimed - prev[p.code].claimed) for p in score.primary
            if p.code in prev and p.claimed > prev[p.code].claimed]
    fell = [(p.name, prev[p.code].claimed - p.claimed) for p in score.primary
            if p.code in prev and p.claimed < prev[p.code].claimed]
    moves = []
    if rose:
        moves.append("、".join(f"{name}提高{pts(d)}分" for name, d in rose))
    if fell:
        moves.append("、".join(f"{name}下降{pts(d)}分" for name, d in fell))
    if moves:
        text += "；其中" + "，".join(moves)
    elif diff:
        text += "，各一级指标得分与上年相同"
    return text + "。"


def score_paragraphs(project, score, last: LastYear | None) -> tuple[Para, ...]:
    """The self-assessment result in words (computed, never marked for review)."""
    we = self_name(project.unit)
    plus, minus = bonus_clauses(project, score), deduction_clauses(project, score)
    text = (f"经逐项自查，{we}{project.year}年度自评基本分{pts(score.base)}分；"
            + (f"加分{pts(score.bonus)}分（{'；'.join(plus)}）；" if plus else "")
            + (f"扣分{pts(score.deductions)}分（{'；'.join(minus)}）；" if minus else "")
            + f"自评总分{pts(score.total)}分，{_grade_phrase(project, score)}。")
    if last is not None:
        text += _compare(project, score, last)
    return (Para(text),)


def score_rows(project, score, last: LastYear | None) -> tuple[ScoreRow, ...]:
    """The table of 一、基本情况: six primaries, bonus, deductions, total."""
    before = {p.code: p for p in last.score.primary} if last else {}
    rows = []
    for n, p in enumerate(score.primary, start=1):
        prev = before.get(p.code)
        rows.append(ScoreRow(
            no=cn_number(n), name=p.name, max=pts(p.max), claimed=pts(p.claimed),
            lost=pts(p.max - p.claimed) if p.claimed < p.max else "",
            last=pts(prev.claimed) if prev else "", change=signed(p.claimed - prev.claimed)
            if prev else ""))
    extra = [("加分项", score.bonus, last.score.bonus if last else None, 1),
             ("扣分项", score.deductions, last.score.deductions if last else None, -1)]
    for name, value, prev, sign in extra:
        rows.append(ScoreRow(no="", name=name, max="", claimed=signed(sign * value) if value else "0",
                             last=(signed(sign * prev) if prev else "0") if last else "",
                             change=signed(sign * (value - prev)) if last else ""))
    total_max = project.standard.total
    rows.append(ScoreRow(no="", name="合计", max=pts(total_max), claimed=pts(score.total),
                         lost="", last=pts(last.score.total) if last else "",
                         change=signed(score.total - last.score.total) if last else ""))
    return tuple(rows)


# -- 三、存在的问题和不足 and 四、下一步工作计划 --------------------------------------------------

PROBLEM_LEADS = ("{name}仍有差距。", "{name}还有短板。", "{name}有待加强。", "{name}尚需完善。",
                 "{name}存在薄弱环节。")
PLAN_TEXTS = (
    "由{dept}牵头，对照{items}的要求逐项整改，力争{next}年度达到标准。",
    "{dept}针对{items}存在的不足制定整改措施，明确责任人和完成时限。",
    "围绕{items}，{dept}加强统筹协调，尽快补齐短板。",
    "把{items}作为{next}年度的工作重点，{dept}抓好落实。",
    "{dept}对{items}建立工作台账，定期调度推进。",
)


def _losses(project, score) -> list[tuple[Any, list]]:
    """Per secondary, the criteria that lost points, in printed order."""
    by_code = {c.code: c for c in score.criteria}
    out = []
    for s in project.standard.secondaries():
        lost = [by_code[c.code] for t in s.tertiary for c in t.criteria
                if by_code[c.code].claimed < by_code[c.code].max]
        if lost:
            out.append((s, lost))
    return out


LACKING = ("{items}方面尚有差距", "{items}尚未完全达到标准要求", "{items}还需加强",
           "{items}仍有不足", "{items}有待完善")


def _lacking(project, lost, turn: int) -> str:
    """What is lacking under one secondary: staff's 自评说明 where written, else the standard."""
    notes, rest = [], []
    for cs in lost:
        claim = project.claim(cs.code)
        if claim is not None and claim.note:
            notes.append(open_sentence(clean_text(claim.note)))
        else:
            rest.append(project.standard.criterion(cs.code).short)
    if rest:
        notes.append(LACKING[turn % len(LACKING)].format(items="、".join(rest)))
    return "；".join(notes)


def draft_problems(project, score) -> tuple[Para, ...]:
    """三、存在的问题和不足: what is lacking where points were lost, and deductions."""
    paras = []
    for i, (s, lost) in enumerate(_losses(project, score)):
        lead = PROBLEM_LEADS[i % len(PROBLEM_LEADS)].format(name=s.name)
        paras.append((lead, _lacking(project, lost, i) + "。"))
    minus = deduction_clauses(project, score)
    if minus:
        paras.append(("执法规范化水平有待提高。", f"{project.year}年度"
                      + "；".join(m.rsplit("，扣", 1)[0] for m in minus) + "。"))
    if not paras:
        return (Para("对照评价标准，本年度各项评价内容均已达到要求，但规范化建设是一项长期工作，"
                     "仍需在日常工作中持续巩固提升。", draft=True),)
    return tuple(Para(text, lead=f"{i}.{lead}", draft=True)
                 for i, (lead, text) in enumerate(paras, start=1))


def draft_plans(project, score) -> tuple[Para, ...]:
    """四、下一步工作计划: one plan per problem, then a closing commitment."""
    next_year = project.year + 1
    paras = []
    for i, (s, lost) in enumerate(_losses(project, score)):
        shorts = "、".join(project.standard.criterion(cs.code).short for cs in lost)
        departments: list[str] = []
        for cs in lost:
            departments += [d for d in project.standard.criterion(cs.code).departments
                            if d not in departments]
        text = PLAN_TEXTS[i % len(PLAN_TEXTS)].format(
            dept="、".join(departments) or self_name(project.unit), items=shorts, next=next_year)
        paras.append((f"{s.name}。", text))
    paras.append(("持续巩固提升。", "把规范化建设融入日常执法工作，重视相关数据的采集和资料档案的整理，"
                                  "在日常工作中加强自查、自评，巩固已取得的建设成果。"))
    return tuple(Para(text, lead=f"{i}.{lead}", draft=True)
                 for i, (lead, text) in enumerate(paras, start=1))
