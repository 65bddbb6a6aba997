"""What each page shows, read from ``check`` and ``score`` (never computed a second time).

Each function turns the loaded project, its check report and its score into the
template's context; the templates only lay it out.
"""

from __future__ import annotations

from pathlib import Path

from dossier.check import SEVERITY_NAMES, STATUS_NAMES, CheckReport, pts
from dossier.project import Project
from dossier.render import NO_DEPARTMENT, by_department, primary_rows
from dossier.score import Score


def overview(project: Project, report: CheckReport, score: Score) -> dict:
    status = {c.code: c for c in report.criteria}
    by_code = {c.code: c for c in score.criteria}
    tertiaries = []
    subtotals = {s.code: s for s in (*score.tertiary, *score.primary)}
    for t in project.standard.tertiaries():
        sub = subtotals[t.code]
        criteria = [{"code": c.code, "short": c.short, "status": status[c.code].status,
                     "at_risk": by_code[c.code].at_risk > 0} for c in t.criteria]
        tertiaries.append({"code": t.code, "name": t.name, "max": pts(sub.max),
                           "claimed": pts(sub.claimed), "at_risk": pts(sub.at_risk),
                           "ok": sum(1 for c in criteria if c["status"] == "ok"),
                           "total": len(criteria), "criteria": criteria,
                           "departments": "、".join(t.departments)})
    rows = primary_rows(report, project)
    primaries = [{**row, "max": pts(sub.max), "claimed": pts(sub.claimed),
                  "at_risk": pts(sub.at_risk),
                  "tertiaries": [t for t in tertiaries
                                 if project.standard.primary_of(t["code"]).code == row["code"]]}
                 for row in rows for sub in [subtotals[row["code"]]]]
    return {"score": _score(score), "primaries": primaries,
            "departments": departments_summary(project, report),
            "blocking": report.blocking, "warnings": report.warnings,
            "ok": sum(r["ok"] for r in rows), "total": sum(r["total"] for r in rows),
            "files": report.file_count}


def departments_summary(project: Project, report: CheckReport) -> list[dict]:
    """Per department: its criteria, how many have evidence, its open findings."""
    status = {c.code: c.status for c in report.criteria}
    groups = by_department(report.findings)
    out = []
    for name in _departments(project):
        codes = criteria_of(project, name)
        items = groups.get(name, [])
        out.append({"name": name, "criteria": len(codes),
                    "ok": sum(1 for c in codes if status[c] == "ok"),
                    "errors": sum(1 for f in items if f.severity == "error"),
                    "warnings": sum(1 for f in items if f.severity == "warning")})
    return out


def department(project: Project, report: CheckReport, name: str) -> dict:
    """A department's to-do list: what ``check --by department`` says, then its criteria."""
    status = {c.code: c for c in report.criteria}
    todo = by_department(report.findings).get(name, [])
    criteria = []
    for code in criteria_of(project, name):
        c = project.standard.criterion(code)
        st = status[code]
        criteria.append({"code": code, "short": c.short, "points": pts(c.points),
                         "claimed": pts(st.claimed), "status": st.status,
                         "status_name": STATUS_NAMES[st.status], "files": len(st.files)})
    return {"department": name, "todo": todo, "criteria": criteria,
            "severity_names": SEVERITY_NAMES}


def criterion(project: Project, report: CheckReport, score: Score, code: str,
              binder_pages: dict[str, int]) -> dict:
    std = project.standard
    c = std.criterion(code)
    t = std.tertiary(c.tertiary_code)
    st = report.status_of(code)
    cs = score.criterion(code)
    claim = project.claim(code)
    file_findings: dict[str, list] = {}
    for f in report.findings:
        if f.path:
            file_findings.setdefault(f.path, []).append(f)
    files = [{"number": it.number, "title": it.title, "rel": it.file.rel,
              "name": Path(it.file.rel).name, "size": human_size(it.file.size),
              "kind": it.file.kind, "findings": file_findings.get(it.file.rel, []),
              "page": binder_pages.get(it.number)}
             for it in project.items_for(code)]
    rels = {it.file.rel for it in project.items_for(code)}
    own = [f for f in report.findings if f.code == code and f.path not in rels]
    return {
        "code": code, "text": c.text, "short": c.short, "points": pts(c.points), "hint": c.hint,
        "departments": c.departments, "tertiary": {"code": t.code, "name": t.name,
                                                   "intro": t.intro},
        "primary": std.primary_of(code).name, "secondary": std.secondary_of(code).name,
        "status": st.status, "status_name": STATUS_NAMES[st.status], "files": files,
        "findings": own, "claimed": pts(cs.claimed), "at_risk": pts(cs.at_risk),
        "by_facts": cs.facts is not None, "facts_reason": cs.facts.reason if cs.facts else "",
        "claim_points": "" if claim is None or claim.points is None else pts(claim.points),
        "claim_note": claim.note if claim else "",
        "folder": criterion_folders(project)[code],
    }


def criteria_of(project: Project, name: str) -> list[str]:
    """The criteria that list a department (the ones its link may add files to)."""
    return [c.code for c in project.standard.criteria() if name in c.departments]


def criterion_folders(project: Project) -> dict[str, str]:
    """Where each criterion's files go, as ``check`` tells staff (relative to evidence/YYYY)."""
    from dossier.check import _criterion_folders

    return _criterion_folders(project)


def _departments(project: Project) -> list[str]:
    from dossier.web.access import all_departments

    return [d for d in all_departments(project.standard) if d != NO_DEPARTMENT]


def _score(score: Score) -> dict:
    return {"total": pts(score.total), "base": pts(score.base), "bonus": pts(score.bonus),
            "deductions": pts(score.deductions), "grade": score.grade,
            "grade_note": score.grade_note, "at_risk": pts(score.at_risk),
            "supported_total": pts(score.supported_total), "next_grade": score.next_grade,
            "to_next_grade": pts(score.to_next_grade) if score.to_next_grade is not None else ""}


def human_size(n: int) -> str:
    if n >= 1048576:
        return f"{n / 1048576:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"
