"""Text into spreadsheet cells: never a formula unless the tool wrote one, never a bad byte.

openpyxl stores any string that starts with ``=`` as a live formula, so a claim note or an
evidence file name such as ``=HYPERLINK("http://…")`` would run in the score sheet or the
archive's 归档目录.xlsx on the reviewer's PC. Every cell the tool fills with text that
came from people goes through ``set_text``; formulas the tool writes itself are set
directly. Control characters that XML cannot carry (text pasted from Word) are dropped
instead of failing the whole workbook.
"""

from __future__ import annotations

import re

# XML 1.0 forbids these; openpyxl raises IllegalCharacterError on them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(value: object) -> str:
    """``value`` as a string a cell can hold (tabs and line breaks kept)."""
    return _ILLEGAL.sub("", str(value))


def set_text(cell, value: object | None):
    """Put text into an openpyxl cell as a plain string, whatever it starts with."""
    if value is None or value == "":
        cell.value = None
        return cell
    cell.value = clean_text(value)
    cell.data_type = "s"  # stored as a string: "=…", "+…", "@…" stay text
    return cell


def append_row(sheet, values) -> None:
    """``sheet.append`` with every string cell set as text (numbers stay numbers)."""
    sheet.append([None if isinstance(v, str) else v for v in values])
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            set_text(sheet.cell(row=row, column=column), value)
