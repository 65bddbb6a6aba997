"""Spreadsheets printed as a clerk prints them, through the real LibreOffice.

The ledger is made here with openpyxl: a 15-column, 60-row equipment ledger with a
title row merged across the table, a second visible sheet, a hidden sheet and an empty
one (what the demo's 执法装备配备情况汇总表 looks like).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from dossier.convert import convert_files, spreadsheet
from tests import factories

HEADER = ["序号", "装备名称", "规格型号", "数量", "单位", "购置日期", "购置金额", "资金来源",
          "使用部门", "保管人", "存放地点", "设备状态", "验收日期", "资产编号", "备注"]
TITLE = "执法装备配备情况汇总表"


def ledger(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "装备台账"
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for n in range(1, 61):
        ws.append([n, f"执法装备{n:02d}", f"XH-{n:04d}", n % 5 + 1, "台",
                   dt.date(2023, 1, 10 + n % 18), 1234.5 * n, "财政拨款", "执法大队",
                   f"保管员{n:02d}", "装备库房", "在用", dt.date(2023, 2, 1 + n % 27),
                   f"ZC-2023-{n:05d}", f"备注{n:02d}"])
    for col in "ABCDEFGHIJKLMNO":  # what clerks leave: narrow columns, dates cut off
        ws.column_dimensions[col].width = 6
    cars = wb.create_sheet("车辆明细")
    cars.append(["序号", "车牌号", "车型", "启用日期"])
    cars.append([1, "闽C·12345", "执法执勤专用车", dt.date(2022, 5, 1)])
    secret = wb.create_sheet("内部草稿")
    secret.append(["不应打印的隐藏内容"])
    secret.sheet_state = "hidden"
    wb.create_sheet("空白页")
    wb.save(path)
    return path


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[: len(PdfReader(pdf).pages)]


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, list[str], bytes, Path]:
    tmp = tmp_path_factory.mktemp("ledger")
    original = ledger(tmp / "执法装备台账.xlsx")
    before = original.read_bytes()
    record = factories.evidence(original, "office")
    result = convert_files([record], tmp / "cache", jobs=1)[record.sha256]
    assert result.placeholder is None
    return result.pdf, _pages(result.pdf), before, original


def test_every_ledger_page_carries_the_header_row_and_the_first_column(printed):
    _pdf, pages, _, _ = printed
    ledger_pages = [p for p in pages if "装备台账" in p]
    assert ledger_pages
    for text in ledger_pages:
        assert "序号" in text and "装备名称" in text and "备注" in text, text[:400]
    rows = set()
    for text in ledger_pages:
        rows |= {n for n in range(1, 61) if f"执法装备{n:02d}" in text}
    assert rows == set(range(1, 61))
    assert len(ledger_pages) <= 3  # fitted to the page width, not cut into vertical strips


def test_no_cell_text_is_cut(printed):
    text = "".join(printed[1])
    for n in (1, 17, 60):
        assert f"ZC-2023-{n:05d}" in text
        assert f"2023-01-{10 + n % 18:02d}" in text
        assert f"保管员{n:02d}" in text
    assert TITLE in text


def test_pages_are_a4_and_sheet_names_are_captions(printed):
    pdf, pages, _, _ = printed
    for page in PdfReader(pdf).pages:
        w, h = sorted((round(float(page.mediabox.width)), round(float(page.mediabox.height))))
        assert (w, h) == (595, 842)
    assert any("装备台账" in p for p in pages) and any("车辆明细" in p for p in pages)


def test_hidden_and_empty_sheets_are_left_out(printed):
    pdf, pages, _, _ = printed
    text = "".join(pages)
    assert "不应打印的隐藏内容" not in text and "内部草稿" not in text and "空白页" not in text


def test_original_is_never_written(printed):
    _, _, before, original = printed
    assert original.read_bytes() == before
    assert load_workbook(original)["内部草稿"].sheet_state == "hidden"


def test_a_table_too_wide_to_shrink_is_split_with_its_key_columns_repeated(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([f"列{n:02d}" for n in range(1, 41)])
    ws.append([f"值{n:02d}内容较长的文字" for n in range(1, 41)])
    wb.save(tmp_path / "wide.xlsx")
    assert spreadsheet.prepare(tmp_path / "wide.xlsx")
    ws = load_workbook(tmp_path / "wide.xlsx").active
    assert ws.page_setup.scale == spreadsheet.MIN_SCALE
    assert ws.print_title_cols == "$A:$B"
    record = factories.evidence(tmp_path / "wide.xlsx", "office")
    result = convert_files([record], tmp_path / "cache", jobs=1)[record.sha256]
    pages = _pages(result.pdf)
    assert len(pages) > 1
    assert all("列01" in p and "列02" in p for p in pages)


@pytest.fixture(scope="module")
def printed_old_formats(tmp_path_factory) -> dict[str, list[str]]:
    """The same ledger saved by LibreOffice as .xls (also as WPS .et) and .ods, and as a CSV."""
    from dossier.tools import libreoffice

    tmp = tmp_path_factory.mktemp("old")
    source = ledger(tmp / "ledger.xlsx")
    files = {}
    for ext in ("xls", "ods"):
        result = libreoffice.convert_to_pdf([source], tmp / ext, to=ext, profile_dir=tmp / "p")[0]
        assert result.pdf is not None, result.error
        files[ext] = result.pdf.rename(tmp / f"装备台账.{ext}")
    files["et"] = tmp / "装备台账.et"
    files["et"].write_bytes(files["xls"].read_bytes())
    rows = [",".join(HEADER)] + [f"{n},执法装备{n:02d},XH-{n:04d},1,台,2023-01-{10 + n % 18:02d},"
                                 + ",".join(f"值{n}-{c}" for c in range(9)) for n in range(1, 61)]
    files["csv"] = tmp / "装备台账.csv"
    files["csv"].write_bytes("\n".join(rows).encode("gb18030"))
    records = {ext: factories.evidence(path, "text" if ext == "csv" else "office")
               for ext, path in files.items()}
    results = convert_files(list(records.values()), tmp / "cache", jobs=2)
    out = {}
    for ext, record in records.items():
        result = results[record.sha256]
        assert result.placeholder is None, (ext, result.placeholder)
        for page in PdfReader(result.pdf).pages:
            w, h = sorted((round(float(page.mediabox.width)), round(float(page.mediabox.height))))
            assert (w, h) == (595, 842), ext
        out[ext] = _pages(result.pdf)
    return out


@pytest.mark.parametrize("ext", ["xls", "et", "ods", "csv"])
def test_old_formats_and_csv_get_the_same_print_setup(printed_old_formats, ext):
    pages = printed_old_formats[ext]
    sheet_pages = [p for p in pages if "装备台账" in p]  # the sheet (CSV: file) name as header
    assert 1 <= len(sheet_pages) <= 3, len(pages)
    for text in sheet_pages:
        assert "序号" in text and "装备名称" in text and "备注" in text
    text = "".join(pages)
    assert "###" not in text
    for n in (1, 17, 60):
        assert f"2023-01-{10 + n % 18:02d}" in text and f"执法装备{n:02d}" in text
    if ext != "csv":
        assert "不应打印的隐藏内容" not in text and "空白页" not in text
        assert f"ZC-2023-{60:05d}" in text
