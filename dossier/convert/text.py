"""Text files (.txt, .csv) → A4 pages in the 宋体 substitute, 11 pt, wrapped.

A CSV that is a table is printed as a spreadsheet (``spreadsheet.csv_to_xlsx``, then
LibreOffice with the print setup); one that is not, or that LibreOffice cannot print,
is printed as its text.

Encoding: UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (what Chinese
Windows Notepad and Excel write), undecodable bytes replaced. Very long files are cut after MAX_CHARS with a note that the original is archived.
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import replace
from pathlib import Path

from dossier.convert import office, placeholder, spreadsheet
from dossier.convert.cache import Outcome, Source
from dossier.errors import MissingToolError
from dossier.fsutil import atomic_write
from dossier.tools import fonts

log = logging.getLogger(__name__)

VERSION = f"2.{office.VERSION}"  # 2: a CSV table is printed as a spreadsheet
FONT_SIZE = 11
LINE_MM = 6
MAX_CHARS = 200_000
CUT_NOTE = "（以下内容过长，未编入汇编，完整原件见归档包。）"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", "replace")


def clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    return _CONTROL.sub("", text)


def write_pdf(text: str, out: Path) -> int:
    pdf = placeholder.new_pdf()
    body = fonts.add_role_font(pdf, "宋体")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font(body, size=FONT_SIZE)
    pdf.multi_cell(0, LINE_MM, text or " ", new_x="LMARGIN", new_y="NEXT")
    with atomic_write(out) as tmp:
        pdf.output(str(tmp))
    return pdf.pages_count


def convert(source: Source, out: Path) -> Outcome:
    try:
        text = clean(decode(source.path.read_bytes()))
    except OSError as exc:
        log.info("cannot read %s: %s", source.name, exc)
        return placeholder.for_source(source, out, placeholder.PROBLEM_REASONS["unreadable"])
    if source.ext == "csv" and len(text) <= MAX_CHARS:
        printed = _csv_as_sheet(source, text, out)
        if printed is not None:
            return printed
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + "\n\n" + CUT_NOTE
    return Outcome(write_pdf(text, out))


def _csv_as_sheet(source: Source, text: str, out: Path) -> Outcome | None:
    """The CSV printed as a spreadsheet, or None (not a table, or LibreOffice failed)."""
    with tempfile.TemporaryDirectory(prefix="dossier-csv-") as tmp:
        sheet = Path(tmp) / f"{source.sha256}.xlsx"
        if not spreadsheet.csv_to_xlsx(text, sheet, Path(source.name).stem):
            return None
        try:
            outcome = office.convert(replace(source, path=sheet, ext="xlsx"), out)
        except MissingToolError:  # without LibreOffice a CSV is still printed, as text
            return None
    return None if outcome.placeholder else outcome
