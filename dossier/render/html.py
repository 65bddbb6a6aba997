"""The HTML renderer of the check report: one self-contained page that a department can open or print.

No network (inline CSS, no scripts, no web fonts), UTF-8 with ``<meta charset>``,
fonts that a Chinese Windows PC has (Microsoft YaHei, SimSun) before the Linux ones.
The template is ``dossier/templates/check.html.j2``; a workspace may override it in
its own ``templates/`` folder. Output is deterministic: the date is the manifest's.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dossier.check import (
    KIND_NAMES,
    SEVERITY_NAMES,
    STATUS_NAMES,
    CheckReport,
    pts,
)
from dossier.fsutil import write_text_atomic
from dossier.project import Project
from dossier.render import NO_DEPARTMENT, by_department, primary_rows

TEMPLATE = "check.html.j2"
PACKAGED_TEMPLATES = Path(__file__).parent.parent / "templates"


def render_html(report: CheckReport, project: Project) -> str:
    """The report page as text."""
    folders = [str(project.templates_dir()), str(PACKAGED_TEMPLATES)]
    env = Environment(loader=FileSystemLoader(folders), autoescape=select_autoescape(["j2", "html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    return env.get_template(TEMPLATE).render(**_context(report, project))


def write_html(report: CheckReport, project: Project) -> Path:
    """Write ``build/YYYY/检查报告.html`` (one self-contained file) and return its path."""
    from dossier.outputs import output_path

    path = output_path(project, "check_html")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, render_html(report, project))
    return path


def _context(report: CheckReport, project: Project) -> dict:
    std = project.standard
    status = {c.code: c for c in report.criteria}
    primaries = []
    for p in std.primary:
        tertiaries = []
        for s in p.secondary:
            for t in s.tertiary:
                criteria = []
                for c in t.criteria:
                    st = status[c.code]
                    criteria.append({
                        "code": c.code, "short": c.short, "text": c.text, "points": pts(c.points),
                        "claimed": pts(st.claimed), "status": st.status,
                        "status_name": STATUS_NAMES[st.status] + ("（系统数据）" if st.by_facts else ""),
                        "files": st.files, "departments": "、".join(c.departments)})
                tertiaries.append({"code": t.code, "name": t.name, "points": pts(t.points),
                                   "files": [it.file.rel for it in project.items_for(t.code)],
                                   "criteria": criteria})
        primaries.append({"code": p.code, "name": p.name, "points": pts(p.points),
                          "tertiaries": tertiaries})
    rows = primary_rows(report, project)
    ok = sum(r["ok"] for r in rows)
    total = sum(r["total"] for r in rows)
    todo = [f for f in report.findings]
    return {
        "unit": project.unit, "year": project.year, "date": project.manifest.date.isoformat(),
        "standard_title": std.title, "rows": rows, "ok": ok, "total": total,
        "not_claimed": sum(r["not_claimed"] for r in rows),
        "missing": sum(1 for c in report.criteria if c.status == "missing"),
        "files": report.file_count, "percent": round(100 * ok / total) if total else 100,
        "complete": report.complete, "blocking": report.blocking,
        "warnings": report.warnings, "findings": report.findings,
        "departments": by_department(todo), "no_department": NO_DEPARTMENT,
        "severity_names": SEVERITY_NAMES, "kind_names": KIND_NAMES, "primaries": primaries,
    }
