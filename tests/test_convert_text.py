"""Text files in UTF-8 (with or without BOM) and GB18030 become A4 pages in a CJK font."""

from __future__ import annotations

import subprocess

import pytest

from dossier.convert import convert_files
from tests import factories


def _convert(tmp_path, path):
    record = factories.evidence(path, "text")
    return convert_files([record], tmp_path / "cache", jobs=1)[record.sha256]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_text_is_decoded(tmp_path, encoding):
    path = factories.text_file(tmp_path / "记录.txt", "执法巡查记录\n规范化建设\n", encoding)
    result = _convert(tmp_path, path)
    assert result.placeholder is None
    text = factories.pdf_text(result.pdf)
    assert "执法巡查记录" in text and "规范化建设" in text and "\ufeff" not in text


def test_long_text_wraps_onto_several_pages(tmp_path):
    path = factories.text_file(tmp_path / "long.txt", "序号,内容\n" + "1,执法检查记录很长的一行\n" * 400)
    assert _convert(tmp_path, path).pages > 5


def test_text_pdf_embeds_its_font(tmp_path):
    result = _convert(tmp_path, factories.text_file(tmp_path / "a.txt"))
    listing = subprocess.run(["pdffonts", str(result.pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert listing and all(row.split()[-5:-3] == ["yes", "yes"] for row in listing)
