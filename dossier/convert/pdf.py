"""PDF evidence: made inert, put on A4 pages and rewritten by pikepdf.

Every PDF that enters the binder passes through ``normalize`` (office files too, after
LibreOffice): forms and annotations are flattened into the page and scripts, actions and
attachments removed (``inert.py``), then every page is put on an A4 page (``pagesize.py``).
Both binders read these copies; the originals go into the archive untouched.

Rewriting drops incremental updates and an owner-only encryption (the pages open without
a password, so they may be printed in the binder), and gives a file whose bytes
depend only on the input. A file that needs a password becomes a placeholder. A damaged
file is repaired by qpdf when it can be: the pages it recovers are kept, even from a
truncated file; when nothing is recovered the file becomes a placeholder.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pikepdf

from dossier.convert import inert, pagesize, placeholder
from dossier.convert.cache import Outcome, Source
from dossier.fsutil import atomic_write
from dossier.tools import qpdf

log = logging.getLogger(__name__)

# 2: inert (forms flattened, no scripts or attachments) and every page A4
VERSION = f"2.{placeholder.VERSION}"

ENCRYPTED = "PDF文件已加密（需要密码才能打开），无法编入汇编，请提供去除密码的版本后重新生成。"
DAMAGED = "PDF文件已损坏，自动修复失败，无法编入汇编，请重新导出或扫描后替换。"


class _Unusable(Exception):
    pass


def normalize(src: Path, out: Path, *, drop_info: bool = False) -> int:
    """Rewrite ``src`` to ``out`` deterministically; returns the page count.

    ``drop_info`` removes the document info and XMP metadata, for PDFs that we made
    ourselves (LibreOffice stamps the time of conversion there).
    """
    try:
        with pikepdf.open(src) as doc:
            if len(doc.pages) == 0:
                raise _Unusable("no pages")
            for page in doc.pages:
                pikepdf.parse_content_stream(page)
            inert.make_inert(doc)
            pagesize.to_a4(doc)
            if drop_info:
                if "/Info" in doc.trailer:
                    del doc.trailer.Info
                if "/Metadata" in doc.Root:
                    del doc.Root.Metadata
                for key in ("/DocChecksum", "/ID"):  # LibreOffice: new on every run
                    if key in doc.trailer:
                        del doc.trailer[key]
            for warning in doc.get_warnings():
                log.info("%s: %s", src.name, warning)
            with atomic_write(out) as tmp:
                doc.save(tmp, deterministic_id=True, encryption=False,
                         object_stream_mode=pikepdf.ObjectStreamMode.preserve)
            return len(doc.pages)
    except pikepdf.PasswordError:
        raise
    except (pikepdf.PdfError, pikepdf.ForeignObjectError, ValueError, RuntimeError,
            _Unusable) as exc:
        raise _Unusable(str(exc)) from exc


def convert(source: Source, out: Path) -> Outcome:
    try:
        return Outcome(normalize(source.path, out))
    except pikepdf.PasswordError:
        return placeholder.for_source(source, out, ENCRYPTED)
    except _Unusable as exc:
        log.info("%s is damaged (%s); trying qpdf", source.name, exc)
    if qpdf.find_qpdf() is not None:
        with tempfile.TemporaryDirectory(prefix="dossier-pdf-") as tmp:
            repaired = Path(tmp) / "repaired.pdf"
            if qpdf.repair(source.path, repaired):
                try:
                    return Outcome(normalize(repaired, out))
                except (_Unusable, pikepdf.PasswordError):
                    pass
    return placeholder.for_source(source, out, DAMAGED)
