"""``dossier check``: Project → findings (data, never exceptions).

What is missing, for whom (责任科室), and which files cannot go into the binder.

Decisions (see DESIGN.md for the contract):
- Status per criterion: ``not_claimed`` when claimed 0 on purpose; else ``ok`` when it
  has at least one file that counts (``Project.counting_items``: not empty, corrupt,
  encrypted, unconvertible or refused by the archive); else ``missing``. Such a file is
  also its own (blocking) finding.
- Every reason ``verify`` could reject the archive for is a blocking finding here first
  (``dossier.archive``: formats, active PDF content, size), naming the file and the fix.
- A bonus claimed without evidence in its folder (B1 …) is blocking like a criterion; a
  deduction without its notice is a warning.
- A criterion claimed above 0 with no evidence is an ``error``: its points are at risk.
  Exception: when the manifest's ``facts`` (系统数据) decide the criterion, the score
  comes from the system data that the city bureau checks against its own system, so
  missing evidence is a ``warning`` (a screenshot of the system is still expected).
  Which criteria the facts decide, and with what points, comes from
  ``dossier.score`` (one rule set); a claim that disagrees with them is a ``warning``.
- A problem file (empty, corrupt, password, bomb, unreadable) is an ``error`` when it
  is an evidence item (it would be in the binder), a ``warning`` when it is not.
- A file name whose dates (``2021年``, ``2021-03-15``, ``20210315``, ``2021.3.15`` …) all
  lie outside the manifest's year is a ``warning``; a name that also names the year
  itself (``2022年对2021年问题的整改``) is not. Only years 2000–2099 followed by 年, or
  full valid dates, count: ``10000`` or ``No.20211`` are not years.
- The report and the score sheet as ``pack`` would ship them are judged here too
  (``dossier.reportcheck``, ``dossier.sheetimport``): 【待审阅】 left in the report DOCX,
  or, before it is built, the parts the build would draft because ``report:`` is empty.
- ``--strict`` fails on warnings too; ``info`` findings never fail a check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath

from dossier.archive import MAX_TOTAL, needs_rendition, refusal, unreadable_message
from dossier.cnformat import pts as _pts
from dossier.errors import ExitCode
from dossier.finding import Finding
from dossier.folders import existing_folders, extra_items, folder_of, place_of
from dossier.names import years_in_name
from dossier.project import Project, natural_key
from dossier.scan import LARGE_FILE, EvidenceFile
from dossier.stages import timed

SEVERITIES = ("error", "warning", "info")
SEVERITY_NAMES = {"error": "阻断", "warning": "警告", "info": "提示"}
STATUS_NAMES = {"ok": "有材料", "missing": "缺材料", "not_claimed": "不申报"}
KIND_NAMES = {"video": "视频", "audio": "音频", "archive": "压缩包", "executable": "程序",
              "other": "未知类型"}

@dataclass(frozen=True)
class CriterionStatus:
    code: str
    status: str  # 'ok', 'missing', 'not_claimed'
    files: tuple[str, ...]
    claimed: Decimal | None  # effective: the facts' points where they decide, else the claim
    by_facts: bool = False  # the manifest's facts decide this criterion
    counted: int = 0  # files that count as evidence (dossier.archive.counts_as_evidence)


@dataclass
class CheckReport:
    criteria: list[CriterionStatus]
    findings: list[Finding]
    ignored: int = 0
    file_count: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def complete(self) -> bool:
        return not self.blocking

    def exit_code(self, strict: bool = False) -> int:
        if self.blocking or (strict and self.warnings):
            return int(ExitCode.blocking)
        return int(ExitCode.ok)

    def status_of(self, code: str) -> CriterionStatus:
        return next(c for c in self.criteria if c.code == code)

    def to_json(self) -> dict:
        return {"complete": self.complete,
                "criteria": [{"code": c.code, "status": c.status, "files": list(c.files)}
                             for c in self.criteria],
                "findings": [f.to_json() for f in self.findings]}


@timed("check")
def run_check(project: Project, score=None) -> CheckReport:
    """Check a loaded project; reads no evidence file (the scan cached what it needs).

    ``score`` is the project's ``dossier.score.Score`` when the caller has it already.
    """
    from dossier.score import compute_score

    score = score or compute_score(project)  # facts decide criteria as in the score
    criteria = [_status(project, cs) for cs in score.criteria]
    findings: list[Finding] = [
        Finding("warning", "claim_disagrees_with_facts", code, None, message + "以系统数据为准。"
                "请核对清单 facts，或把自评得分改为与系统数据一致。", departments_of(project, code))
        for code, message in score.warnings]
    findings.extend(_criterion_findings(project, criteria))
    findings.extend(_extra_findings(project, score))
    findings.extend(_output_findings(project, score))
    for rule in (_folder_findings, _file_findings, _archive_findings, _duplicate_findings,
                 _link_findings, _name_findings, _manifest_findings, _tool_findings):
        findings.extend(rule(project))
    findings = sorted(set(findings), key=_order)
    return CheckReport(criteria=criteria, findings=findings, ignored=len(project.scan.ignored),
                       file_count=len(project.scan.files))


# -- helpers shared with the renderers ------------------------------------------------

def departments_of(project: Project, code: str | None) -> str:
    """责任科室 of a criterion, tertiary, bonus or deduction code, joined with 、."""
    std = project.standard
    if code and std.has_criterion(code):
        return "、".join(std.criterion(code).departments)
    if code and std.has_tertiary(code):
        return "、".join(std.tertiary(code).departments)
    extra = next((x for x in extra_items(std) if x.code == code), None)
    return "、".join(extra.departments) if extra else ""


def pts(value: Decimal | None) -> str:
    return "" if value is None else _pts(value)


def _order(f: Finding) -> tuple:
    return (SEVERITIES.index(f.severity), natural_key(f.code or "~"), f.path or "", f.kind,
            f.message)


def _status(project: Project, cs) -> CriterionStatus:
    """Status from the effective points (the facts' where they decide, else the claim)."""
    files = tuple(it.file.rel for it in project.items_for(cs.code))
    counted = len(project.counting_items(cs.code))
    claimed = cs.claimed if cs.facts is not None else cs.claim
    if claimed is not None and claimed == 0:
        status = "not_claimed"
    else:
        status = "ok" if counted else "missing"
    return CriterionStatus(cs.code, status, files, claimed, cs.facts is not None, counted)


def _criterion_folders(project: Project) -> dict[str, str]:
    """Where the files of each criterion go, as staff see it (relative to evidence/YYYY)."""
    names = existing_folders(project.evidence_dir)
    return {c.code: folder_of(project.standard, project.evidence_dir, c.code, names)
            for c in project.standard.criteria()}


def _criterion_findings(project: Project, criteria: list[CriterionStatus]) -> Iterator[Finding]:
    std, year = project.standard, project.year
    folders = _criterion_folders(project)
    for st in criteria:
        c = std.criterion(st.code)
        dept = "、".join(c.departments)
        label = f"{c.code} {c.short}"
        folder = folders[c.code]
        n = len(st.files)
        unusable = (f"（其中 {n} 个文件无法使用，见本项的文件问题）" if n else "")
        if st.claimed is not None and st.claimed > 0 and not st.counted:
            if st.by_facts:
                yield Finding("warning", "facts_without_evidence", c.code, folder,
                              f"{label}：得分以系统数据（清单 facts）为准，但没有可用的佐证材料{unusable}。"
                              f"建议把系统截图或统计表放入“evidence/{year}/{folder}”，便于市局复核。",
                              dept)
            else:
                yield Finding("error", "claimed_without_evidence", c.code, folder,
                              f"{label}：自评 {pts(st.claimed)} 分，但没有可用的佐证材料{unusable}，这 "
                              f"{pts(st.claimed)} 分有被扣除的风险。请把佐证材料放入"
                              f"“evidence/{year}/{folder}”，或把清单中的自评得分改为 0。", dept)
        elif st.status == "not_claimed" and st.files:
            why = "按系统数据得 0 分" if st.by_facts else "自评 0 分（不申报）"
            yield Finding("warning", "evidence_not_claimed", c.code, folder,
                          f"{label}：{why}，但已有 {n} 个佐证文件。如已达标，请在清单"
                          f"中填写自评得分（或核对 facts）；否则把这些文件移出该文件夹。", dept)
        elif st.claimed is None and not st.by_facts:
            if st.files:
                yield Finding("info", "claim_missing", c.code, folder,
                              f"{label}：已有 {n} 个佐证文件，但尚未填写自评得分。"
                              f"请在清单 claims 中填写（0 到 {pts(c.points)} 分）。", dept)
            else:
                yield Finding("info", "not_filled", c.code, folder,
                              f"{label}：未填报，既没有自评得分，也没有佐证材料（满分 "
                              f"{pts(c.points)} 分）。请把材料放入“evidence/{year}/{folder}”并"
                              "填写自评得分，不申报的填 0。", dept)


def _folder_findings(project: Project) -> Iterator[Finding]:
    scan = project.scan
    unknown = sorted(scan.unknown_folders)
    for rel, code in unknown:
        n = sum(1 for f in scan.files if f.rel.startswith(rel + "/"))
        where = ("不在任何指标之下，不会编入汇编" if "/" not in rel
                 else "只能算作上级三级指标的材料")
        yield Finding("error", "unknown_folder", code, rel,
                      f"文件夹“{rel}”的编号 {code} 不是评价标准中的编号，其中 {n} 个文件{where}。"
                      "请按 dossier standard 列出的编号改正文件夹名（编号后接空格）。",
                      departments_of(project, code.rsplit(".", 1)[0]) if "/" in rel else "")
    in_unknown = tuple(rel + "/" for rel, _ in unknown)
    item_rels = {it.file.rel for items in project.items.values() for it in items}
    for f in scan.files:
        if f.rel.startswith(in_unknown):
            continue
        if f.code is None and f.rel not in item_rels:
            yield Finding("warning", "outside", None, f.rel,
                          "文件不在任何指标文件夹内，不会编入汇编。请移入对应的指标文件夹，"
                          "或在清单 evidence 中指定它属于哪一项。", "")
        elif f.tertiary is not None and f.criterion is None and f.rel in {
                it.file.rel for it in project.items_for(f.tertiary)}:
            yield Finding("warning", "unassigned", f.tertiary, f.rel,
                          f"文件直接放在三级指标 {f.tertiary} 的文件夹中，未归入具体评价标准。"
                          "请移入对应的评价标准子文件夹（汇编仍会把它收在该三级指标之下）。",
                          departments_of(project, f.tertiary))
    if scan.ignored:
        sample = "、".join(PurePosixPath(r).name for r in sorted(scan.ignored)[:3])
        yield Finding("info", "ignored", None, None,
                      f"已忽略 {len(scan.ignored)} 个临时文件或系统文件（如 {sample}），"
                      "它们不算佐证材料，无需处理。", "")
    if scan.excluded:
        yield Finding("info", "excluded", None, None,
                      f"清单 exclude 排除了 {len(scan.excluded)} 个文件，它们不会编入汇编。", "")


def _file_findings(project: Project) -> Iterator[Finding]:
    item_rels = {it.file.rel for items in project.items.values() for it in items}
    year = project.year
    for f in project.scan.files:
        code = f.code
        dept = departments_of(project, code)
        if f.problem:
            yield Finding("error" if f.rel in item_rels else "warning", f.problem, code, f.rel,
                          unreadable_message(f), dept)
        elif refusal(f) is not None:
            pass  # the archive's own finding (_archive_findings) says what to do
        elif not f.can_be_pages:
            kind = KIND_NAMES.get(f.kind, f.kind)
            yield Finding("warning", "archive_only", code, f.rel,
                          f"{kind}文件无法转换为页面，只放入归档包，汇编中以说明页代替。"
                          "如需在汇编中展示，请另附截图或文字说明（PDF）。", dept)
        if f.size > LARGE_FILE:
            yield Finding("warning", "large_file", code, f.rel,
                          f"文件大小 {f.size / 1024 / 1024:.0f} MB，超过 50 MB，会使汇编和归档包过大。"
                          "建议压缩或降低扫描分辨率后替换。", dept)
        years = years_in_name(PurePosixPath(f.rel).name)
        if years and year not in years:
            shown = "、".join(str(y) for y in sorted(years))
            yield Finding("warning", "date_out_of_year", code, f.rel,
                          f"文件名中的日期属于 {shown} 年，不在 {year} 年度内。请确认是否放错年度；"
                          f"如确属 {year} 年度的材料，请改正文件名。", dept)


def _duplicate_findings(project: Project) -> Iterator[Finding]:
    by_hash: dict[str, list[EvidenceFile]] = defaultdict(list)
    for f in project.scan.files:
        if f.sha256 and f.size > 0:
            by_hash[f.sha256].append(f)
    for files in by_hash.values():
        if len(files) < 2:
            continue
        files = sorted(files, key=lambda f: natural_key(f.rel))
        first = files[0]
        code = first.code
        places = "；".join(f.rel for f in files)
        depts = []
        for f in files:
            for d in departments_of(project, f.code).split("、"):
                if d and d not in depts:
                    depts.append(d)
        yield Finding("warning", "duplicate", code, first.rel,
                      f"同一内容的文件出现在 {len(files)} 处：{places}。请确认是否重复放置，"
                      "只保留一处（确需同时证明几项的可以保留）。", "、".join(depts))


def _tool_findings(project: Project) -> Iterator[Finding]:
    """Office files that this PC's LibreOffice (or its absence) would turn into placeholders."""
    from dossier.tools.probes import office_gap

    for item in project.all_items():
        f = item.file
        if f.kind == "office" and not f.problem and (gap := office_gap(f.ext)):
            yield Finding("error", "tool_missing", item.code, f.rel, gap,
                          departments_of(project, item.code))


def _output_findings(project: Project, score) -> list[Finding]:
    """The report and the sheet as pack would ship them (so that what check passes, pack packs).

    A report DOCX already built (edited in Word or not) is judged as it is; before the first
    build, the parts the build would draft with 【待审阅】 are predicted from the manifest.
    """
    from dossier.outputs import output_path
    from dossier.reportcheck import predicted_findings, report_findings
    from dossier.sheetimport import sheet_findings

    built = output_path(project, "report_docx").is_file()
    report = report_findings(project, score) if built else predicted_findings(project, score)
    return [*report, *sheet_findings(project)]


def code_of_rel(project: Project, rel: str) -> str | None:
    """The indicator whose folder holds ``rel`` (for links, which scan skips)."""
    return place_of(project.standard, PurePosixPath(rel).parts[:-1]).code


def _name_findings(project: Project) -> Iterator[Finding]:
    if not project.evidence_dir.is_dir():
        rel = f"evidence/{project.year}"
        yield Finding("error", "evidence_missing", None, rel,
                      f"找不到佐证材料文件夹 {rel}/，所以所有评价标准都显示为缺材料。请运行 dossier init "
                      f"--year {project.year} 建立文件夹，或用 -C 指定正确的工作目录。", "")
    for rel in project.scan.bad_names:
        yield Finding("error", "bad_name", None, rel,
                      "文件名不是 UTF-8 编码（多半是在中文 Windows 上打包、在 Linux 上解压），无法读取。"
                      "请在文件管理器中把它改成正常的中文名，或用 unzip -O GBK 重新解压。", "")
    for rel in project.scan.unreadable_folders:
        yield Finding("error", "unreadable_folder", None, rel,
                      "无法打开这个文件夹（权限不足或已损坏），其中的文件都没有检查。请检查文件夹权限后重试。",
                      "")


def _link_findings(project: Project) -> Iterator[Finding]:
    for rel, target, inside in sorted(project.scan.refused_links):
        code = code_of_rel(project, rel)
        dept = departments_of(project, code)
        if inside:
            yield Finding("warning", "link", code, rel,
                          "这是快捷方式（符号链接），不会被读取。请把原文件复制到这里，"
                          "或在清单 evidence 中指定原文件。", dept)
        else:
            yield Finding("error", "link_outside", code, rel,
                          f"这是指向佐证目录之外（{target}）的快捷方式（符号链接），已拒绝，"
                          "不会被读取。请删除它，把需要的原文件复制到这里。", dept)


def _manifest_findings(project: Project) -> Iterator[Finding]:
    name = f"manifests/{project.manifest.path.name}"
    for p in project.problems:
        where = f"（清单第 {p.line} 行）" if p.line else ""
        severity = "error" if p.kind == "override_outside" else "warning"
        todo = ("请改为 evidence/{y} 之内的文件路径，或删除这一项。" if severity == "error"
                else "如需编入，请修改 exclude 或改用其他文件。").format(y=project.year)
        message = p.message.rstrip("。") + where + "。" + todo
        yield Finding(severity, p.kind, p.code, name, message,
                      departments_of(project, p.code))


def _extra_findings(project: Project, score) -> Iterator[Finding]:
    """A bonus claimed without evidence is at risk (blocking); a deduction's notice goes in."""
    names = existing_folders(project.evidence_dir)
    for x in (*score.bonus_items, *score.deduction_items):
        if x.points <= 0 or x.evidence:
            continue
        folder = folder_of(project.standard, project.evidence_dir, x.code, names)
        dept = departments_of(project, x.code)
        if x.code.startswith("B"):
            yield Finding("error", "claimed_without_evidence", x.code, folder,
                          f"{x.code} {x.name}：申报加分 {pts(x.points)} 分（{x.detail}），但没有可用的佐证"
                          f"材料，这 {pts(x.points)} 分有被扣除的风险。请把表彰文件、证书或合同等放入"
                          f"“evidence/{project.year}/{folder}”，或在清单 bonus 中取消申报。", dept)
        else:
            yield Finding("warning", "deduction_without_notice", x.code, folder,
                          f"{x.code} {x.name}：清单填写了扣分 {pts(x.points)} 分（{x.detail}），但没有相应的"
                          f"通报或处分文件。请把文件放入“evidence/{project.year}/{folder}”，随材料一并报送。",
                          dept)


def _archive_findings(project: Project) -> Iterator[Finding]:
    """What the submission archive (dossier.archive) cannot take, weeks before December."""
    total = 0
    for item in project.all_items():
        f = item.file
        total += f.size
        folder = str(PurePosixPath(f.rel).parent)
        found = refusal(f, "" if folder == "." else folder)
        if found:
            kind, message = found
            yield Finding("error", kind, item.code, f.rel, message, departments_of(project, item.code))
        elif f.rel in project.unconvertible:
            reason = project.unconvertible[f.rel].rstrip("。")
            if needs_rendition(f):
                yield Finding("error", "unconvertible", item.code, f.rel,
                              f"无法转换为 PDF（{reason}），不计为有材料；归档包需要附上它的 PDF 版本。"
                              "请在 WPS 或 Office 中打开后“另存为 PDF”替换原文件。",
                              departments_of(project, item.code))
            else:
                yield Finding("warning", "unconvertible", item.code, f.rel,
                              f"无法转换为 PDF（{reason}），汇编中以说明页代替，不计为有材料。"
                              "请在 WPS 或 Office 中打开后“另存为 PDF”替换原文件。",
                              departments_of(project, item.code))
        elif needs_rendition(f):
            yield Finding("info", "rendition", item.code, f.rel,
                          f".{f.ext} 不是归档直接接收的格式，归档包中会在原件旁附上它的 PDF 版本，无需处理。",
                          departments_of(project, item.code))
    if total > MAX_TOTAL:
        yield Finding("error", "archive_too_large", None, f"evidence/{project.year}",
                      f"佐证材料共 {total / (1 << 30):.1f} GB，超过归档包上限 {MAX_TOTAL >> 30} GB，"
                      "市局核验时会按“压缩炸弹”拒收。请压缩视频、降低扫描分辨率后重新检查。", "")

