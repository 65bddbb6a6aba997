"""Text files (.txt, .csv) → A4 pages in the 宋体 substitute, 11 pt, wrapped.

Encoding: UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (what Chinese
Windows Notepad and Excel write), undecodable bytes replaced. A CSV is printed as its
text: a binder page shows what the file says, the spreadsheet view is the original's
job. Very long files are cut after MAX_CHARS with a note that the original is archived.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from dossier.convert import placeholder
from dossier.convert.cache import Outcome, Source
from dossier.fsutil import atomic_write
from dossier.tools import fonts

log = logging.getLogger(__name__)

VERSION = f"1.{placeholder.VERSION}"
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
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + "\n\n" + CUT_NOTE
    return Outcome(write_pdf(text, out))
