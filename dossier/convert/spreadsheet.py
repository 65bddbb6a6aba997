"""Print setup for spreadsheets, applied to the staged copy before LibreOffice prints it.

A clerk prints a ledger so that a row can be read across the page: all columns on one
page width (landscape when the table is wider than tall), the header rows repeated on
every page, gridlines, the sheet name as the page header, the print area trimmed to the
used cells, hidden and empty sheets left out. Shrinking to fit has a floor (``MIN_SCALE``,
about 6 pt text): a table wider than that is split by columns instead, with its key
columns (the first ``KEY_COLUMNS``) repeated on every page. Columns are widened to their
longest value and long text wraps, so no cell text is cut off (``2023-01-1``).

Route, decided and measured (README "Spreadsheets"): the print setup is written with
openpyxl into an .xlsx; older formats (.xls, WPS .et staged as .xls, .ods) are first
saved as .xlsx by LibreOffice, in one extra soffice call per batch that has any
(``prepare_all``), which keeps their formatting. A CSV becomes an .xlsx in ``text.py``.
Only staged copies are changed; the original is never written.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dossier.tools import libreoffice

log = logging.getLogger(__name__)

VERSION = "1"
EXTENSIONS = frozenset({"xlsx", "xlsm"})
RESAVED = frozenset({"xls", "ods"})  # saved as .xlsx by LibreOffice first (.et is staged as .xls)
# Margins set on every sheet (inches, as the file stores them) and the printable width of
# A4 they leave, in pt. A column of width w (characters of the default font) prints
# 7w + 5 px at 96 dpi: 5.25 w + 3.75 pt.
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.6, "header": 0.3, "footer": 0.3}
PORTRAIT_WIDTH = 595.3 - 72 * (MARGINS["left"] + MARGINS["right"])
LANDSCAPE_WIDTH = 841.9 - 72 * (MARGINS["left"] + MARGINS["right"])
MIN_SCALE = 55  # percent: 11 pt text printed at 6 pt, the smallest a reviewer reads
KEY_COLUMNS = 2  # repeated on every page when a table is split by columns
MAX_WIDTH = 60  # a column wider than this wraps its text instead
DEFAULT_WIDTH = 8.43


def prepare_all(staged: list[Path], *, work_dir: Path, profile_dir: Path,
                timeout: float = 120) -> list[Path]:
    """The files to print, in order: spreadsheets replaced by copies with a print setup.

    Old formats are saved as .xlsx by LibreOffice first (same stem, so the PDF keeps its
    name); one that LibreOffice cannot resave is printed as it is.
    """
    staged = [Path(p) for p in staged]
    old = [p for p in staged if p.suffix.lower().lstrip(".") in RESAVED]
    resaved: dict[Path, Path] = {}
    if old:
        results = libreoffice.convert_to_pdf(old, Path(work_dir) / "xlsx", to="xlsx",
                                             timeout_per_file=timeout, profile_dir=profile_dir)
        resaved = {r.source: r.pdf for r in results if r.pdf is not None}
    out = [resaved.get(p, p) for p in staged]
    for path in out:
        prepare(path)
    return out


def prepare(path: Path) -> bool:
    """Apply the print setup to the workbook at ``path`` (a staged copy); True when done."""
    path = Path(path)
    if path.suffix.lower().lstrip(".") not in EXTENSIONS:
        return False
    try:
        wb = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    except Exception as exc:  # noqa: BLE001 - LibreOffice may still read what openpyxl cannot
        log.info("print setup skipped for %s: %s", path.name, exc)
        return False
    shown = [ws for ws in wb.worksheets if ws.sheet_state == "visible" and _used(ws)]
    if not shown:
        return False
    for ws in list(wb.worksheets):
        if ws not in shown:
            wb.remove(ws)
    wb.active = 0
    for ws in shown:
        _setup(ws)
    wb.save(path)
    return True


def _used(ws: Worksheet) -> tuple[int, int] | None:
    """Last row and column that hold a value (formatting alone does not count)."""
    rows = cols = 0
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None and str(cell.value).strip() != "":
                rows, cols = max(rows, cell.row), max(cols, cell.column)
    return (rows, cols) if rows else None


def text_width(value: object, number_format: str = "General") -> float:
    """Width of a value as shown, in column-width units (a Chinese character is two)."""
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M" if (value.hour or value.minute) else "%Y-%m-%d")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = f"{value:,.2f}" if "," in number_format or "0.00" in number_format else f"{value:g}"
    else:
        text = str(value)
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in longest) + 1.5


def _header_rows(ws: Worksheet, cols: int) -> int:
    """The header is the first row filled in at least half the columns (after titles)."""
    for r in range(1, min(ws.max_row, 10) + 1):
        filled = sum(1 for c in range(1, cols + 1)
                     if ws.cell(r, c).value not in (None, ""))
        if filled >= max(2, cols / 2):
            return r
    return 0


def _split_column_ranges(ws: Worksheet) -> None:
    """One dimension per column: LibreOffice writes ``<col min=1 max=15>`` for equal widths,
    and a width set on column B alone would be lost under that range."""
    from copy import copy

    for key, dim in list(ws.column_dimensions.items()):
        low, high = dim.min or 1, dim.max or dim.min or 1
        if high <= low:
            continue
        for c in range(low, high + 1):
            one = copy(dim)
            one.index = get_column_letter(c)
            one.min = one.max = c
            ws.column_dimensions[one.index] = one
        if key != get_column_letter(low):
            del ws.column_dimensions[key]


def _setup(ws: Worksheet) -> None:
    rows, cols = _used(ws) or (1, 1)
    _split_column_ranges(ws)
    merged_across = {(m.min_row, m.min_col) for m in ws.merged_cells.ranges if m.max_col > m.min_col}
    widths = []
    for c in range(1, cols + 1):
        letter = get_column_letter(c)
        known = letter in ws.column_dimensions  # (reading the dict creates an entry)
        dim = ws.column_dimensions[letter]
        current = dim.width if known and dim.customWidth and dim.width else DEFAULT_WIDTH
        need = max((text_width(cell.value, cell.number_format)
                    for (cell,) in ws.iter_rows(min_row=1, max_row=rows, min_col=c, max_col=c)
                    if cell.value is not None and (cell.row, c) not in merged_across),
                   default=0)
        width = min(max(current, need), MAX_WIDTH)
        if need > MAX_WIDTH:
            for (cell,) in ws.iter_rows(min_row=1, max_row=rows, min_col=c, max_col=c):
                if cell.value is not None and text_width(cell.value) > MAX_WIDTH:
                    cell.alignment = cell.alignment.copy(wrap_text=True) if cell.has_style \
                        else Alignment(wrap_text=True)
                    ws.row_dimensions[cell.row].height = None  # let LibreOffice size the row
        dim.width = width
        widths.append(width)
    total = sum(5.25 * w + 3.75 for w, c in zip(widths, range(1, cols + 1), strict=True)
                if not ws.column_dimensions[get_column_letter(c)].hidden)
    landscape = total > PORTRAIT_WIDTH
    page_width = LANDSCAPE_WIDTH if landscape else PORTRAIT_WIDTH
    ws.print_area = f"A1:{get_column_letter(cols)}{rows}"
    header = _header_rows(ws, cols)
    if header:
        ws.print_title_rows = f"1:{header}"
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "landscape" if landscape else "portrait"
    ws.print_options.gridLines = True
    ws.print_options.horizontalCentered = True
    ws.oddHeader.center.text = ws.title.replace("&", "&&")
    ws.oddHeader.center.size = 10
    ws.evenHeader.center.text = ws.oddHeader.center.text
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
    scale = 100 * page_width / total if total else 100
    if scale >= MIN_SCALE:
        # One page wide, and as many pages high as there are rows: "0" (any number) makes
        # LibreOffice 7.4 squeeze the height onto one page too, in tiny print, dropping
        # the last row. LibreOffice measures the columns; it never enlarges.
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        setup.fitToWidth, setup.fitToHeight = 1, rows
    else:  # too wide to shrink legibly: split by columns, key columns repeated
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        setup.scale = MIN_SCALE
        ws.print_title_cols = f"A:{get_column_letter(min(KEY_COLUMNS, cols))}"
        setup.pageOrder = "overThenDown"


def csv_to_xlsx(text: str, path: Path, title: str = "Sheet1") -> bool:
    """Write decoded CSV ``text`` as an .xlsx at ``path``; False when it is not a table.

    Every value stays text (a CSV has no types; ``0012`` and ``2023-1-1`` print as
    written). The delimiter is sniffed among comma, tab, semicolon and the Chinese comma.
    """
    import csv
    import io

    from openpyxl import Workbook

    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows or max(len(r) for r in rows) < 2:
        return False
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Sheet1"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return True
