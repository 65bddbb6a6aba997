"""Renderers: the text, HTML and JSON forms of what the judges return.

The judges (``check``, ``score``, ``standard``) return data and never import this package;
the command line picks a renderer. This module holds the shapes every form shares.
"""

from __future__ import annotations

from collections.abc import Iterable

from dossier.check import CheckReport
from dossier.finding import Finding
from dossier.project import Project

NO_DEPARTMENT = "未指定科室（由材料汇总人处理）"


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
