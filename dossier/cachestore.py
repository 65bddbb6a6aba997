"""The one cache store under ``build/.cache``: one key recipe, one commit protocol.

Every cache of generated files (conversions, the PDF binder's drawn parts, the report
PDF, the Word binder's page pictures) is an *area* folder of entries ``<name>.pdf`` (the
payload, optional) or ``<name>/`` (a payload of several files: ``Store.folder``) plus
``<name>.json`` (the sidecar). The rules, written once here:

- **Key**: SHA-256 of canonical JSON of exactly the inputs — the content digest of the
  source, the producer and its version, and the identity of every external tool involved
  (``tool_identity``: LibreOffice, qpdf, fonts, Python packages that draw). A new
  LibreOffice, another font or a new converter version gives new keys; old entries are
  never reused.
- **Commit**: the payload is written to a temporary file and renamed into place, then
  the sidecar the same way, last. An entry counts only when its sidecar exists, so an
  interrupted build never leaves a half entry that is used. A full disk only loses the
  entry.
- **What is stored**: outcomes that depend on the inputs only. An outcome caused by the
  environment (a tool missing, crashed, timed out, could not start) is never committed:
  callers pass ``transient`` outcomes to no ``put``/``commit``.

It also holds the determinism helpers that make the same inputs give the same bytes:
fixed-time ZIP members and PDF metadata clean-up.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import shutil
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from dossier.fsutil import atomic_write, write_text_atomic

log = logging.getLogger(__name__)

# Cached pages must not depend on the day they were made; builders date their own outputs.
FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


# -- keys ------------------------------------------------------------------------------------


def digest(kind: str, version: str, inputs: Any) -> str:
    """SHA-256 of the inputs as canonical JSON (sorted keys; Decimals and dates as text)."""
    text = json.dumps({"kind": kind, "version": version, "inputs": inputs}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_stamp(path: Path | None) -> list | None:
    if path is None:
        return None
    try:
        st = Path(path).resolve().stat()
    except OSError:
        return [str(path)]
    return [str(Path(path).resolve()), st.st_size, st.st_mtime_ns]


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
        stamp = _file_stamp(Path(info.path))
        out[role] = [info.family, str(info.path), info.index, info.style,
                     stamp[1:] if stamp and len(stamp) == 3 else None]
    return out


def tool_identity(name: str) -> Any:
    """The identity of one external tool or drawing package, as it is installed now.

    ``soffice`` and ``qpdf``: version and the executable's path, size and mtime;
    ``fonts``: every role's font file; anything else: the Python package's version.
    """
    if name == "soffice":
        from dossier.tools import libreoffice

        exe = libreoffice.find_soffice()
        return [libreoffice.version(), _file_stamp(exe)] if exe else None
    if name == "qpdf":
        from dossier.tools import qpdf

        exe = qpdf.find_qpdf()
        return [qpdf.version(), _file_stamp(exe)] if exe else None
    if name == "fonts":
        from dossier.tools import fonts

        return font_identity(fonts.resolve_all())
    return _package_version(name)


@functools.lru_cache(maxsize=32)
def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def tools_identity(names: tuple[str, ...]) -> dict[str, Any]:
    return {name: tool_identity(name) for name in sorted(set(names))}


# -- entries ---------------------------------------------------------------------------------


class Store:
    """The entries of one area (``convert``, ``binder``, ``report``) of the cache."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def paths(self, name: str) -> tuple[Path, Path]:
        """(payload, sidecar) of entry ``name``."""
        base = self.root / name
        return base.with_name(base.name + ".pdf"), base.with_name(base.name + ".json")

    def read(self, name: str, *, payload: bool = True) -> dict | None:
        """The sidecar data, or None when the entry is missing, incomplete or unreadable."""
        pdf, sidecar = self.paths(name)
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or (payload and not pdf.is_file()):
            return None
        return data

    def put(self, name: str, src: Path | None, data: dict) -> None:
        """Store a copy of ``src`` (when given) and then ``data``; a full disk only loses it."""
        pdf, _ = self.paths(name)
        try:
            if src is not None:
                with atomic_write(pdf) as tmp:
                    shutil.copyfile(src, tmp)
            self.commit(name, data)
        except OSError as exc:
            log.info("cannot store %s in the cache: %s", pdf.name, exc)

    def folder(self, name: str, *, fresh: bool = False) -> Path:
        """The payload folder of a multi-file entry; ``fresh``: its sidecar removed first
        (the entry no longer counts), then the folder emptied and created, ready to fill."""
        path = self.root / name
        if fresh:
            self.paths(name)[1].unlink(missing_ok=True)
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True, exist_ok=True)
        return path

    def commit(self, name: str, data: dict) -> None:
        """Write the sidecar of an entry whose payload is already in place: it now counts."""
        write_text_atomic(self.paths(name)[1],
                          json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")


# -- determinism helpers -----------------------------------------------------------------------


def zip_date_time(date: dt.date) -> tuple[int, int, int, int, int, int]:
    """The fixed time of every ZIP member written for ``date`` (ZIP cannot store < 1980)."""
    return (max(date.year, 1980), date.month, date.day, 0, 0, 0)


def fixed_zip_info(name: str, date: dt.date, *, compress: bool = True) -> zipfile.ZipInfo:
    """A ZIP member header that depends only on its name and ``date`` (no clock, no owner)."""
    info = zipfile.ZipInfo(name, zip_date_time(date))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.create_system = 0
    return info


def clean_pdf_metadata(pdf) -> None:
    """Remove what a PDF producer stamps per run: document info, XMP, file ID, checksum.

    ``pdf`` is an open ``pikepdf.Pdf``; save it with ``deterministic_id=True`` afterwards.
    """
    if "/Info" in pdf.trailer:
        del pdf.trailer.Info
    if "/Metadata" in pdf.Root:
        del pdf.Root.Metadata
    for key in ("/DocChecksum", "/ID"):
        if key in pdf.trailer:
            del pdf.trailer[key]
