"""Reuse of unchanged outputs, and a backup of outputs that staff edited by hand.

Every builder is a deterministic function of the inputs it declares (``Builder.inputs``:
the manifest, last year's manifest for the report, the evidence items, their converted
PDFs, the templates, the fonts that play each role, the build options) and of dossier's
own code. ``fingerprint`` hashes exactly those; when an output's fingerprint matches
the one recorded at its last build and the files are still there as written (same
size and modification time), the builder is skipped: a rebuild after nothing changed
costs a scan, not a binder. ``dossier build --rebuild`` ignores the record. The record
also keeps the figures the build reported (pages, items), so a reused output reports
the same figures as when it was made.

An output whose size or modification time differs from the record was changed after
the build — typically staff editing the report in Word. Before it is overwritten it
is moved to ``build/YYYY/备份/`` so that no edit is ever lost. The record is data, not
trusted: only files directly in build/YYYY/ are ever reused or moved.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import cache
from pathlib import Path

from dossier.buildrecord import BACKUP_DIR, RECORD_VERSION, OutputRecord  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent.parent


@cache
def code_digest() -> str:
    """Hash of dossier's code and packaged data: a new version rebuilds everything."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".json", ".docx", ".j2"):
            h.update(path.relative_to(PACKAGE).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def last_year_manifest(project) -> Path | None:
    """Last year's manifest (``YYYY.yaml`` or ``.yml``), which the report compares against."""
    from dossier.manifest import year_manifest

    return year_manifest(project.root, project.year - 1)


def _inputs(ctx, name: str) -> object:
    """One declared input of a builder (see ``Builder.inputs``), as JSON-able data."""
    from dossier.tools import fonts

    project = ctx.project
    if name == "manifest":
        return [_file_digest(project.manifest.path), project.manifest.date.isoformat()]
    if name == "last_year":
        path = last_year_manifest(project)
        return [path.name, _file_digest(path)] if path else None
    if name == "standard":
        return project.standard.id
    if name == "templates":
        templates = project.templates_dir()
        return sorted((p.relative_to(templates).as_posix(), _file_digest(p))
                      for p in templates.rglob("*") if p.is_file()) if templates.is_dir() else []
    if name == "fonts":
        return [(role_name, info.family, str(info.path), info.index, info.style)
                if info else None for role_name, info in sorted(fonts.resolve_all().items())]
    if name == "options":
        return [ctx.options.max_pages, ctx.options.max_mb]
    if name == "items":
        return [[it.number, it.title, it.file.rel, it.file.sha256, it.file.kind, it.file.problem]
                for it in project.all_items()]
    if name == "converted":
        return [None if (c := ctx.converted.get(it.file.sha256)) is None
                else [c.pdf.name, c.pages, c.placeholder] for it in project.all_items()]
    raise ValueError(f"unknown builder input {name!r}")


def fingerprint(ctx, builder) -> str:
    """Digest of everything ``builder`` declares its output is built from, and of the code."""
    data = {"record": RECORD_VERSION, "builder": builder.name, "code": code_digest(),
            **{name: _inputs(ctx, name) for name in builder.inputs}}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
