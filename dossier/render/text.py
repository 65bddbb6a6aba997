"""Text renderers: the check report, the score table and the standard tree.

The check report shows progress per primary indicator, then what to do.

Printed with rich on stdout; rich drops colours and styles when stdout is not a
terminal, so a redirected report is plain text. Lines are not wrapped to a width
(``soft_wrap``), so file names stay whole when piped into a file or mail.
"""

from __future__ import annotations

import sys

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dossier.check import SEVERITY_NAMES, CheckReport
from dossier.cnformat import pts
from dossier.finding import Finding
from dossier.project import Project
from dossier.render import by_department, primary_rows
from dossier.score import Score, Subtotal
from dossier.standard import Standard

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
_MARK = {"error": "✗", "warning": "!", "info": "·"}


def bar(done: int, total: int, width: int = 20) -> str:
    """A progress bar in block characters, e.g. ``██████░░░░ 60%``."""
    share = done / total if total else 1.0
    full = round(share * width)
    return "█" * full + "░" * (width - full) + f" {share:4.0%}"


def print_check(report: CheckReport, project: Project, by_department: bool = False) -> None:
    """The check report on stdout (rich; plain when not a terminal)."""
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True, emoji=False)
    _summary(console, report, project)
    if by_department:
        _departments(console, report)
    else:
        _by_severity(console, report)
    _verdict(console, report)


def _summary(console: Console, report: CheckReport, project: Project) -> None:
    console.print(Text(f"{project.unit} {project.year}年度 规范化建设佐证材料检查", style="bold"))
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    for name, justify in (("一级指标", "left"), ("文件", "right"), ("有材料/总数", "right"),
                          ("不申报", "right"), ("进度", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    rows = primary_rows(report, project)
    for r in rows:
        table.add_row(f"{r['code']} {r['name']}", str(r["files"]), f"{r['ok']}/{r['total']}",
                      str(r["not_claimed"] or ""), bar(r["ok"], r["total"]))
    ok = sum(r["ok"] for r in rows)
    total = sum(r["total"] for r in rows)
    table.add_row("合计", str(sum(r["files"] for r in rows)), f"{ok}/{total}",
                  str(sum(r["not_claimed"] for r in rows) or ""), bar(ok, total), style="bold")
    console.print(table)


def _line(console: Console, f: Finding, show_department: bool = True) -> None:
    text = Text(f"  {_MARK[f.severity]} ", style=_STYLE[f.severity])
    if f.path and f.kind not in ("claimed_without_evidence", "facts_without_evidence",
                                 "evidence_not_claimed", "not_filled", "claim_missing"):
        text.append(f"{f.path}：")
    text.append(f.message)
    if show_department and f.department:
        text.append(f"【{f.department}】", style="cyan")
    console.print(text)


def _by_severity(console: Console, report: CheckReport) -> None:
    titles = {"error": "阻断问题（必须处理，否则不能报送）", "warning": "警告（建议处理）",
              "info": "提示"}
    for severity in ("error", "warning", "info"):
        items = [f for f in report.findings if f.severity == severity]
        if not items:
            continue
        console.print()
        console.print(Text(f"{titles[severity]}：{len(items)} 项", style=_STYLE[severity]))
        unfilled = [f.code for f in items if f.kind == "not_filled"]
        for f in items:
            if f.kind != "not_filled":
                _line(console, f)
        if unfilled:  # one line, not 70: the department view lists them in full
            console.print(Text(f"  · 未填报（既无自评得分也无佐证材料）{len(unfilled)} 项："
                               f"{'、'.join(unfilled)}。用 --by department 查看各科室的明细。",
                               style=_STYLE["info"]))


def _departments(console: Console, report: CheckReport) -> None:
    for dept, items in by_department(report.findings).items():
        counts = "，".join(f"{SEVERITY_NAMES[s]} {n} 项" for s in ("error", "warning", "info")
                          if (n := sum(1 for f in items if f.severity == s)))
        console.print()
        console.print(Text(f"【{dept}】待办：{counts}", style="bold"))
        for f in items:
            _line(console, f, show_department=False)


def _verdict(console: Console, report: CheckReport) -> None:
    console.print()
    errors, warnings = len(report.blocking), len(report.warnings)
    if errors:
        console.print(Text(f"结论：有 {errors} 项阻断问题、{warnings} 项警告。处理阻断问题后再运行 "
                           "dossier check；可用 --by department 按科室列出待办，"
                           "--format html 生成可打印的检查报告。", style="bold red"))
    elif warnings:
        console.print(Text(f"结论：没有阻断问题，有 {warnings} 项警告，建议处理后再报送。",
                           style="bold yellow"))
    else:
        console.print(Text("结论：没有阻断问题，也没有警告。", style="bold green"))


# -- score ----------------------------------------------------------------------------------


def print_score(score: Score, project: Project) -> None:
    """The score as a table on stdout (no colour when stdout is not a terminal)."""
    console = Console(file=sys.stdout, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(file=sys.stdout, highlight=False, width=120, color_system=None)
    standard = project.standard
    console.print(f"{project.unit} {project.year}年度 规范化建设自评得分", style="bold",
                  markup=False)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("编号")
    table.add_column("指标")
    table.add_column("满分", justify="right")
    table.add_column("自评得分", justify="right")
    table.add_column("缺佐证", justify="right")
    primary = {s.code: s for s in score.primary}
    secondary = {s.code: s for s in score.secondary}
    tertiary = {s.code: s for s in score.tertiary}

    def row(s: Subtotal, label: str, style: str | None) -> None:
        table.add_row(label, Text(s.name), pts(s.max), pts(s.claimed),
                      pts(s.at_risk) if s.at_risk else "", style=style)

    for p in standard.primary:
        row(primary[p.code], p.code, "bold")
        for s in p.secondary:
            row(secondary[s.code], f" {s.code}.", None)
            for t in s.tertiary:
                row(tertiary[t.code], f"  {t.code}", "dim")
    console.print(table)
    for line in _score_lines(score, project):
        console.print(line, markup=False, soft_wrap=True)


def _score_lines(score: Score, project: Project) -> list[str]:
    standard = project.standard
    lines = [f"基本分 {pts(score.base)} 分（满分 {pts(standard.total)} 分）"]
    for kind, sign, items in (("加分", "+", score.bonus_items), ("扣分", "−", score.deduction_items)):
        counted = [x for x in items if x.points]
        lines.extend(f"{kind} {x.code} {x.name}：{sign}{pts(x.points)}（{x.detail}）" for x in counted)
        if not counted:
            lines.append(f"{kind}：无")
    lines.append(f"总分 {pts(score.total)} 分 = 基本分 {pts(score.base)} + 加分 {pts(score.bonus)}"
                 f" − 扣分 {pts(score.deductions)}")
    grade = f"等次：{score.grade}"
    if score.grade_note:
        grade += f"（{score.grade_note}）"
    lines.append(grade)
    if score.next_grade:
        lines.append(f"距“{score.next_grade}”还差 {pts(score.to_next_grade)} 分。")
    unfilled = [c.code for c in score.criteria if not c.filled]
    if unfilled:
        lines.append(f"尚未填报自评得分 {len(unfilled)} 项（按0分计）：{'、'.join(unfilled)}")
    risky = [c for c in score.criteria if not c.supported]
    risky_extras = [b for b in score.bonus_items if not b.supported]
    if risky or risky_extras:
        lines.append(f"缺佐证材料的风险分 {pts(score.at_risk)} 分：以下各项自评有分但没有佐证材料，"
                     f"复核时可能不得分（不计这些分，总分为 {pts(score.supported_total)} 分，"
                     f"等次 {standard.grade_for(score.supported_total).name}）：")
        for c in risky:
            crit = standard.criterion(c.code)
            lines.append(f"  {c.code} {crit.short}  {pts(c.claimed)}分  责任科室：{'、'.join(crit.departments)}")
        for b in risky_extras:
            lines.append(f"  {b.code} {b.name}（加分项）  {pts(b.points)}分")
        lines.append(f"请把佐证材料放入 evidence/{project.year}/ 下以该编号开头的文件夹，再运行 dossier score。")
    if score.warnings:
        lines.append("自评与系统数据不一致（以系统数据为准）：")
        lines.extend(f"  {message}" for _, message in score.warnings)
    return lines


# -- standard ---------------------------------------------------------------------------------


def standard_text(standard: Standard) -> str:
    """The standard's indicator tree, criteria, points and departments as plain text."""
    lines = [f"{standard.title}（共{pts(standard.total)}分）", ""]
    for p in standard.primary:
        lines.append(f"{p.code} {p.name}（{pts(p.points)}分）")
        for s in p.secondary:
            lines.append(f"  {s.code}. {s.name}（{pts(s.points)}分）")
            for t in s.tertiary:
                lines.append(f"    {t.code} {t.name}（{pts(t.points)}分） 责任科室：{'、'.join(t.departments)}")
                for c in t.criteria:
                    lines.append(f"      {c.code} {c.text}（{pts(c.points)}分）")
    lines.append("")
    lines.append("加分项：")
    for b in standard.bonus:
        lines.append(f"  {b.code} {b.name} 责任科室：{'、'.join(b.departments)}")
        lines.extend(f"      {r}" for r in b.rules)
    lines.append("扣分项：")
    for d in standard.deductions:
        lines.append(f"  {d.code} {d.name} 责任科室：{'、'.join(d.departments)}")
        lines.extend(f"      {r}" for r in d.rules)
    lines.append("")
    lines.append(standard.note)
    return "\n".join(lines)
