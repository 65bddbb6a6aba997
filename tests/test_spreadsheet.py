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
