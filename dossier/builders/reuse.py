"""Reuse of unchanged outputs, and a backup of outputs that staff edited by hand.

Every builder is a deterministic function of its inputs: the manifest (and last
year's, which the report compares against), the evidence items with their converted
PDFs, the templates, the fonts that play each role, the build options and dossier's
own code. ``fingerprint`` hashes exactly those; when an output's fingerprint matches
the one recorded at its last build and the files are still there as written (same
size and modification time), the builder is skipped: a rebuild after nothing changed
costs a scan, not a binder. ``dossier build --rebuild`` ignores the record.

An output whose size or modification time differs from the record was changed after
the build — typically staff editing the report in Word. Before it is overwritten it
is moved to ``build/YYYY/备份/`` so that no edit is ever lost.
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

RECORD_VERSION = 1
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


def fingerprint(ctx, role: str) -> str:
    """Digest of everything the output ``role`` is built from."""
    from dossier.tools import fonts

    project = ctx.project
    manifests = project.root / "manifests"
    templates = project.templates_dir()
    data = {
        "record": RECORD_VERSION,
        "role": role,
        "code": code_digest(),
        "manifest": _file_digest(project.manifest.path),
        "last_year": _file_digest(manifests / f"{project.year - 1}.yaml"),
        "date": project.manifest.date.isoformat(),
        "templates": sorted((p.relative_to(templates).as_posix(), _file_digest(p))
                            for p in templates.rglob("*") if p.is_file())
        if templates.is_dir() else [],
        "fonts": [(role_name, info.family, str(info.path), info.index, info.style)
                  if info else None for role_name, info in sorted(fonts.resolve_all().items())],
        "options": [ctx.options.max_pages, ctx.options.max_mb],
        "items": [],
    }
    for item in project.all_items():
        converted = ctx.converted.get(item.file.sha256)
        data["items"].append([
            item.number, item.title, item.file.rel, item.file.sha256, item.file.kind,
            item.file.problem,
            None if converted is None else [converted.pdf.name, converted.pages,
                                            converted.placeholder]])
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
        except (OSError, ValueError, KeyError, TypeError):
            self.roles = {}

    def _rel(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.project.root.resolve()).as_posix()

    def unchanged(self, role: str, digest: str) -> list[Path] | None:
        """The recorded output files when they can be reused as they are, else None."""
        entry = self.roles.get(role)
        if not entry or entry.get("fingerprint") != digest:
            return None
        paths = []
        for rel, stat in entry.get("files", []):
            path = self.project.root / rel
            if _stat(path) != stat:
                return None
            paths.append(path)
        return paths or None

    def edited(self, role: str) -> list[Path]:
        """The role's files when any was changed by hand since it was written (all present)."""
        files = self.roles.get(role, {}).get("files", [])
        stats = [(self.project.root / rel, stat, _stat(self.project.root / rel))
                 for rel, stat in files]
        if not stats or any(now is None for _, _, now in stats):
            return []
        return [path for path, _, _ in stats] if any(now != stat for _, stat, now in stats) else []

    def back_up_edited(self, role: str, progress) -> list[Path]:
        """Move recorded outputs that were changed since they were written to 备份/."""
        moved = []
        for rel, stat in self.roles.get(role, {}).get("files", []):
            path = self.project.root / rel
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

    def record(self, role: str, digest: str, paths: list[Path], options: list | None = None) -> None:
        self.roles[role] = {"fingerprint": digest, "options": options,
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
