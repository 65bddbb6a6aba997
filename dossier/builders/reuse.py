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

import datetime as dt
import hashlib
import json
import logging
import os
from functools import cache
from pathlib import Path

from dossier.fsutil import write_text_atomic

log = logging.getLogger(__name__)

RECORD_VERSION = 2
PACKAGE = Path(__file__).resolve().parent.parent
BACKUP_DIR = "备份"


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


def _stat(path: Path) -> list | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


class OutputRecord:
    """``build/.cache/outputs.json``: per output role, its fingerprint and files as written."""

    def __init__(self, project):
        self.project = project
        self.path = project.cache_dir / f"outputs-{project.year}.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.roles = data["roles"] if data.get("version") == RECORD_VERSION else {}
            if not isinstance(self.roles, dict):
                self.roles = {}
        except (OSError, ValueError, KeyError, TypeError):
            self.roles = {}

    def _rel(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.project.root.resolve()).as_posix()

    def _files(self, role: str) -> list[tuple[Path, list | None]]:
        """The role's recorded files that lie in build/YYYY/; the record is data, not trusted:
        a crafted entry naming ``../x`` or an absolute path is ignored, never moved."""
        out = []
        build_dir = self.project.build_dir.resolve()
        entry = self.roles.get(role)
        for pair in entry.get("files", []) if isinstance(entry, dict) else []:
            try:
                rel, stat = pair
                path = self.project.root / str(rel)
                inside = path.resolve().parent == build_dir and not Path(str(rel)).is_absolute()
            except (TypeError, ValueError, OSError):
                continue
            if inside:
                out.append((path, stat))
        return out

    def figures(self, role: str) -> dict:
        entry = self.roles.get(role)
        figures = entry.get("figures") if isinstance(entry, dict) else None
        return figures if isinstance(figures, dict) else {}

    def unchanged(self, role: str, digest: str) -> list[Path] | None:
        """The recorded output files when they can be reused as they are, else None."""
        entry = self.roles.get(role)
        if not isinstance(entry, dict) or entry.get("fingerprint") != digest:
            return None
        paths = []
        for path, stat in self._files(role):
            if _stat(path) != stat:
                return None
            paths.append(path)
        return paths or None

    def edited(self, role: str) -> list[Path]:
        """The role's files when any was changed by hand since it was written (all present)."""
        stats = [(path, stat, _stat(path)) for path, stat in self._files(role)]
        if not stats or any(now is None for _, _, now in stats):
            return []
        return [path for path, _, _ in stats] if any(now != stat for _, stat, now in stats) else []

    def back_up_edited(self, role: str, progress) -> list[Path]:
        """Move recorded outputs that were changed since they were written to 备份/."""
        moved = []
        for path, stat in self._files(role):
            now = _stat(path)
            if now is None or now == stat:
                continue
            when = dt.datetime.fromtimestamp(now[1] / 1e9).strftime("%Y%m%d-%H%M%S")
            target = path.parent / BACKUP_DIR / f"{path.stem}（修改于{when}）{path.suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved.append(target)
            progress.log(f"“{path.name}”在上次生成后被修改过，已备份为 {target}，"
                         "随后生成新的文件。")
        return moved

    def record(self, role: str, digest: str, paths: list[Path], figures: dict | None = None,
               options: list | None = None) -> None:
        self.roles[role] = {"fingerprint": digest, "figures": figures or {}, "options": options,
                            "files": [[self._rel(p), _stat(p)] for p in paths if p.exists()]}

    def options_of(self, role: str) -> tuple[int | None, float | None]:
        """The volume options (max pages, max MB) the role was last built with."""
        options = self.roles.get(role, {}).get("options")
        if isinstance(options, list) and len(options) == 2:
            pages, mb = options
            return (pages if isinstance(pages, int) and pages > 0 else None,
                    float(mb) if isinstance(mb, int | float) and mb > 0 else None)
        return None, None

    def save(self) -> None:
        text = json.dumps({"version": RECORD_VERSION, "roles": self.roles}, ensure_ascii=False,
                          indent=1, sort_keys=True)
        try:
            write_text_atomic(self.path, text)
        except OSError as exc:  # a read-only cache only costs the reuse
            log.warning("cannot write %s: %s", self.path, exc)
