"""Print setup for spreadsheets, applied to the staged copy before LibreOffice prints it.

A clerk prints a ledger so that a row can be read across the page: all columns on one
page width (landscape when the table is wider than tall), the header rows repeated on
every page, gridlines, the sheet name as the page header, the print area trimmed to the
used cells, hidden and empty sheets left out. Shrinking to fit has a floor (``MIN_SCALE``,
about 6 pt text): a table wider than that is split by columns instead, with its key
columns (the first ``KEY_COLUMNS``) repeated on every page. Columns are widened to their
longest value and long text wraps, so no cell text is cut off (``2023-01-1``).

Only the staged copy is changed (openpyxl, .xlsx/.xlsm); the original is never written.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

log = logging.getLogger(__name__)

VERSION = "1"
EXTENSIONS = frozenset({"xlsx", "xlsm"})
# Printable width of A4 with LibreOffice's default margins (2 cm each side), in Excel
# column-width units (characters of the default font, ~7 px at 96 dpi = 5.25 pt).
PORTRAIT_WIDTH = (595.3 - 2 * 56.7) / 5.25
LANDSCAPE_WIDTH = (841.9 - 2 * 56.7) / 5.25
MIN_SCALE = 55  # percent: 11 pt text printed at 6 pt, the smallest a reviewer reads
KEY_COLUMNS = 2  # repeated on every page when a table is split by columns
MAX_WIDTH = 60  # a column wider than this wraps its text instead
DEFAULT_WIDTH = 8.43


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


def _setup(ws: Worksheet) -> None:
    rows, cols = _used(ws) or (1, 1)
    merged_across = {(m.min_row, m.min_col) for m in ws.merged_cells.ranges if m.max_col > m.min_col}
    widths = []
    for c in range(1, cols + 1):
        letter = get_column_letter(c)
        dim = ws.column_dimensions[letter]
        current = dim.width if dim.customWidth and dim.width else DEFAULT_WIDTH
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
    total = sum(w for w, c in zip(widths, range(1, cols + 1), strict=True)
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
    scale = 100 * page_width / total if total else 100
    if scale >= MIN_SCALE:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        setup.fitToWidth, setup.fitToHeight = 1, 0
    else:  # too wide to shrink legibly: split by columns, repeating the key columns
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        setup.scale = MIN_SCALE
        ws.print_title_cols = f"A:{get_column_letter(min(KEY_COLUMNS, cols))}"
        setup.pageOrder = "overThenDown"
