"""A cache of generated PDFs (binder front matter, stamps, the report PDF) across builds.

Drawing the binder's own pages with fpdf2 costs seconds (it parses and subsets CJK
fonts), and LibreOffice takes a second for the report; both depend only on data. An
entry is ``<cache>/<area>/<kind>-<key>.pdf`` plus a JSON sidecar, where the key is the
SHA-256 of exactly the inputs, serialised deterministically, and a version per kind:
a new drawing code bumps the version and every old entry is ignored. As in the
conversion cache, the PDF is written first and the sidecar last, both atomically, so an
interrupted build never leaves an entry that is used half written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from dossier.fsutil import atomic_write, write_text_atomic

log = logging.getLogger(__name__)


def digest(kind: str, version: str, inputs: Any) -> str:
    """SHA-256 of the inputs as canonical JSON (sorted keys; Decimals and dates as text)."""
    text = json.dumps({"kind": kind, "version": version, "inputs": inputs}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def font_identity(font_infos: dict) -> dict:
    """What the fonts of each role are: family, file, face, and the file's size and mtime.

    A font replaced or updated on the PC changes its size or mtime, so entries drawn
    with the old one are not reused.
    """
    out: dict[str, Any] = {}
    for role, info in sorted(font_infos.items()):
        if info is None:
            out[role] = None
            continue
        try:
            st = Path(info.path).stat()
            stamp = [st.st_size, st.st_mtime_ns]
        except OSError:
            stamp = None
        out[role] = [info.family, str(info.path), info.index, info.style, stamp]
    return out


class PartCache:
    """Entries of one area (``binder``, ``report``) under the project's cache folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def paths(self, kind: str, key: str) -> tuple[Path, Path]:
        base = self.root / f"{kind}-{key}"
        return base.with_suffix(".pdf"), base.with_suffix(".json")

    def get(self, kind: str, key: str) -> tuple[Path, dict] | None:
        """The cached PDF and its sidecar data, or None when missing or unreadable."""
        pdf, sidecar = self.paths(kind, key)
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not pdf.is_file():
            return None
        return pdf, data

    def get_data(self, kind: str, key: str) -> dict | None:
        """A data-only entry (no PDF)."""
        try:
            data = json.loads(self.paths(kind, key)[1].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put(self, kind: str, key: str, src: Path | None, data: dict) -> None:
        """Store a copy of ``src`` (when given) and ``data``; a full disk only loses the entry."""
        pdf, sidecar = self.paths(kind, key)
        try:
            if src is not None:
                with atomic_write(pdf) as tmp:
                    shutil.copyfile(src, tmp)
            write_text_atomic(sidecar, json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        except OSError as exc:
            log.info("cannot store %s in the cache: %s", pdf.name, exc)
