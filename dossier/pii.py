"""Personal data in evidence: resident ID numbers and mobile numbers, found before sending.

Only text-bearing files are searched: PDFs with a text layer (per page, via pypdf),
DOCX (paragraphs and tables), XLSX (every cell) and plain text. Scans and photos are
not OCRed. An 18-digit ID counts only when its GB 11643 check digit and birth date are
valid; a mobile number is 11 digits starting 13–19 not inside a longer number.
Values are reported masked (``350582********1234``, ``138****5678``) so the report
itself leaks nothing. A file that cannot be read is skipped: ``check`` reports it.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dossier import cachestore, children, stages

log = logging.getLogger(__name__)

TEXT_EXTS = {"pdf", "docx", "xlsx", "xlsm", "txt", "csv", "md"}
BACKGROUND_MIN = 20  # fewer files are scanned at once, no worker process started
VERSION = "1"  # bump when what is found, or how it is masked, changes (cached by content)

_ID = re.compile(r"(?<![0-9])([1-8][0-9]{16}[0-9Xx])(?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


@dataclass(frozen=True)
class PiiHit:
    """One personal datum: where it is (file, 1-based page/sheet/line) and its masked value."""

    file: str
    page: int | None
    kind: str  # 'id' | 'mobile'
    masked: str

    @property
    def label(self) -> str:
        return "身份证号" if self.kind == "id" else "手机号"

    def message(self) -> str:
        where = f"{self.file} 第{self.page}页" if self.page else self.file
        return f"{where}：含{self.label} {self.masked}，发送前请确认是否需要遮盖（脱敏）"


def id_number_valid(number: str) -> bool:
    """GB 11643-1999: check digit (ISO 7064 MOD 11-2) and a real birth date."""
    if not re.fullmatch(r"[0-9]{17}[0-9Xx]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != number[17].upper():
        return False
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date(2100, 1, 1)


def mask(value: str, kind: str) -> str:
    if kind == "id":
        return value[:6] + "*" * 8 + value[-4:]
    return value[:3] + "****" + value[-4:]


def find_in_text(text: str) -> list[tuple[str, str]]:
    """(kind, masked value) for every ID and mobile number in the text, in order."""
    hits: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for m in _ID.finditer(text):
        if id_number_valid(m.group(1)):
            hits.append((m.start(), "id", mask(m.group(1), "id")))
            taken.append(m.span())
    for m in _MOBILE.finditer(text):
        if not any(a <= m.start() < b for a, b in taken):
            hits.append((m.start(), "mobile", mask(m.group(1), "mobile")))
    return [(kind, masked) for _, kind, masked in sorted(hits)]


def _pdf_pages(path: Path) -> Iterator[tuple[int | None, str]]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted:
        return
    for number, page in enumerate(reader.pages, 1):
        yield number, page.extract_text() or ""


def _docx_text(path: Path) -> Iterator[tuple[int | None, str]]:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    yield None, "\n".join(parts)


def _xlsx_sheets(path: Path) -> Iterator[tuple[int | None, str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for number, sheet in enumerate(workbook.worksheets, 1):
            cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row
                     if v is not None]
            yield number, "\n".join(cells)
    finally:
        workbook.close()


def _plain_text(path: Path) -> Iterator[tuple[int | None, str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            yield None, data.decode(encoding)
            return
        except UnicodeDecodeError:
            continue


_READERS = {"pdf": _pdf_pages, "docx": _docx_text, "xlsx": _xlsx_sheets, "xlsm": _xlsx_sheets,
            "txt": _plain_text, "csv": _plain_text, "md": _plain_text}


def _found(path: Path) -> list[tuple[int | None, str, str]] | None:
    """(page, kind, masked value) of every hit in one file; None when it could not be read
    (then nothing is cached: the next pack reads it again)."""
    reader = _READERS.get(path.suffix.lower().lstrip("."))
    if reader is None:
        return []
    try:
        return [(page, kind, masked) for page, text in reader(path)
                for kind, masked in find_in_text(text)]
    except Exception as exc:  # unreadable files are check's business, not ours
        log.info("personal-data scan skipped %s: %s", path, exc)
        return None


def scan_file(path: Path, label: str | None = None) -> list[PiiHit]:
    """Hits in one file; ``label`` is how the file is named in messages."""
    path = Path(path)
    return [PiiHit(label or path.name, *hit) for hit in _found(path) or []]


class _Cache:
    """What was found in a file, kept by its content (SHA-256) in the cache store's ``pii``
    area: the next pack of the year reads only files that are new or changed."""

    def __init__(self, cache_dir: Path | None):
        self.store = cachestore.Store(Path(cache_dir) / "pii") if cache_dir else None

    def hits(self, path: Path, label: str, sha256: str | None) -> list[PiiHit]:
        if self.store is None or not sha256:
            return scan_file(path, label)
        name = cachestore.digest("pii", VERSION, {"sha256": sha256,
                                                  "ext": path.suffix.lower()})[:40]
        data = self.store.read(name, payload=False)
        found = data.get("found") if data else None
        if not (isinstance(found, list)
                and all(isinstance(f, list) and len(f) == 3 for f in found)):
            found = _found(path)
            if found is not None:
                try:
                    self.store.commit(name, {"found": [list(f) for f in found]})
                except OSError:  # a read-only or full cache only costs the reuse
                    log.info("cannot store the personal-data scan of %s", path)
        return [PiiHit(label, *hit) for hit in found or []]


def _scannable(items) -> list[tuple[str, str, str | None]]:
    return [(str(i.file.path), f"{i.number} {i.file.rel}", i.file.sha256) for i in items
            if i.file.ext in TEXT_EXTS and not i.file.problem]


@stages.timed("pack.pii")
def _scan_all(todo: list[tuple[str, str, str | None]], cache_dir: Path | None) -> list[PiiHit]:
    cache = _Cache(cache_dir)
    return [hit for path, label, sha in todo for hit in cache.hits(Path(path), label, sha)]


class Background:
    """``scan_items`` in a worker process, started now and collected by ``result``: pack
    reads the texts while it writes the archive, which leaves most of a core free.

    With one core, few files, or a worker that cannot start or dies, ``result`` scans in
    this process instead (with progress): the hits are the same either way.
    """

    def __init__(self, items, cache_dir: Path | None = None):
        self.items = list(items)
        self.cache_dir = cache_dir
        self.pool = self.future = None
        todo = _scannable(self.items)
        if children.jobs() < 2 or len(todo) < BACKGROUND_MIN:
            return
        try:
            self.pool = children.process_pool(1)
            self.future = self.pool.submit(_scan_all, todo, cache_dir)
        except Exception:  # noqa: BLE001 - scanned in this process by result()
            log.debug("personal-data scan not started in a worker", exc_info=True)
            self.cancel()

    def result(self, progress=None) -> list[PiiHit]:
        if self.future is not None:
            try:
                return self.future.result()
            except Exception:  # noqa: BLE001 - the worker died: scan here
                log.debug("personal-data scan worker failed", exc_info=True)
            finally:
                self.cancel()
        return scan_items(self.items, progress, self.cache_dir)

    def cancel(self) -> None:
        if self.pool is not None:
            children.stop_pool(self.pool)
            self.pool = self.future = None


def scan_items(items, progress=None, cache_dir: Path | None = None) -> list[PiiHit]:
    """Scan evidence items (``item.file.path``, ``item.file.rel``); files with problems are
    skipped. With ``cache_dir``, a file scanned before (same content) is not read again."""
    from dossier.progress import Progress

    progress = progress or Progress()
    cache = _Cache(cache_dir)
    todo = _scannable(items)
    hits: list[PiiHit] = []
    with progress.task("个人信息检查", total=len(todo)) as task:
        for path, label, sha in todo:
            hits.extend(cache.hits(Path(path), label, sha))
            task.advance(1)
    return hits
