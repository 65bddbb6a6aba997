"""The build record: which output files the last build wrote, as written (size, mtime).

``build/.cache/outputs-YYYY.json`` holds, per builder, its fingerprint, the figures it
reported and its files with their size and modification time. Builders use it to reuse
unchanged outputs and to back up outputs staff edited by hand (``builders/reuse.py``
computes the fingerprints); ``check`` reads it to tell a report DOCX edited in Word from
one only left behind by a change in the manifest. The record is data, not trusted: only
files directly in build/YYYY/ are ever reused or moved.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

from dossier.fsutil import write_text_atomic

log = logging.getLogger(__name__)

RECORD_VERSION = 2
BACKUP_DIR = "备份"


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

    def as_written(self, role: str, path: Path) -> bool:
        """Whether ``path`` is one of the role's files and is still as the build wrote it."""
        target = Path(path).resolve()
        return any(p.resolve() == target and _stat(p) == stat for p, stat in self._files(role))

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
