"""The text form of a check report: progress per primary indicator, then what to do.

Printed with rich on stdout; rich drops colours and styles when stdout is not a
terminal, so a redirected report is plain text. Lines are not wrapped to a width
(``soft_wrap``), so file names stay whole when piped into a file or mail.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dossier.check import SEVERITY_NAMES, CheckReport, Finding
from dossier.project import Project

NO_DEPARTMENT = "未指定科室（由材料汇总人处理）"
_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
_MARK = {"error": "✗", "warning": "!", "info": "·"}


def bar(done: int, total: int, width: int = 20) -> str:
    """A progress bar in block characters, e.g. ``██████░░░░ 60%``."""
    share = done / total if total else 1.0
    full = round(share * width)
    return "█" * full + "░" * (width - full) + f" {share:4.0%}"


def primary_rows(report: CheckReport, project: Project) -> list[dict]:
    """Per primary indicator: files, criteria with evidence, not claimed, total."""
    status = {c.code: c for c in report.criteria}
    rows = []
    for p in project.standard.primary:
        codes = [c.code for s in p.secondary for t in s.tertiary for c in t.criteria]
        tcodes = [t.code for s in p.secondary for t in s.tertiary]
        files = sum(len(project.items_for(code)) for code in codes + tcodes)
        rows.append({"code": p.code, "name": p.name, "files": files, "total": len(codes),
                     "ok": sum(1 for c in codes if status[c].status == "ok"),
                     "not_claimed": sum(1 for c in codes if status[c].status == "not_claimed")})
    return rows


def by_department(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by each of their departments (one finding may appear under several)."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        for dept in (f.department.split("、") if f.department else [NO_DEPARTMENT]):
            groups.setdefault(dept, []).append(f)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == NO_DEPARTMENT, kv[0])))


def print_report(report: CheckReport, project: Project, by_department: bool = False) -> None:
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
