"""PDF evidence keeps its pages; encrypted and unrepairable PDFs become placeholders."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from dossier.convert import convert_files, pdf
from tests import factories


def _convert(tmp_path, path, kind="pdf", problem=None):
    record = factories.evidence(path, kind, problem)
    return convert_files([record], tmp_path / "cache", jobs=1)[record.sha256]


def test_a3_pdf_is_printed_on_a4(tmp_path):
    """Printed binders are A4 (README 页面尺寸): an A3 drawing is reduced to 70.7 %."""
    result = _convert(tmp_path, factories.a3_pdf(tmp_path / "drawing.pdf", pages=2))
    reader = PdfReader(result.pdf)
    assert result.pages == 2 and result.placeholder is None
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert "A3 drawing 1" in reader.pages[0].extract_text()


def test_rotate_is_kept(tmp_path):
    result = _convert(tmp_path, factories.pdf(tmp_path / "turned.pdf", rotate=90))
    assert PdfReader(result.pdf).pages[0].rotation == 90


def test_encrypted_pdf_becomes_placeholder(tmp_path):
    result = _convert(tmp_path, factories.encrypted_pdf(tmp_path / "locked.pdf"))
    assert result.placeholder == pdf.ENCRYPTED
    text = factories.pdf_text(result.pdf)
    assert "原件见归档包" in text and "加密" in text and "locked.pdf" in text


def test_truncated_pdf_becomes_placeholder(tmp_path):
    result = _convert(tmp_path, factories.truncated_pdf(tmp_path / "cut.pdf"))
    assert result.pages == 1 and result.placeholder == pdf.DAMAGED
    assert "损坏" in factories.pdf_text(result.pdf)


def test_truncated_pdf_with_recoverable_pages_is_repaired(tmp_path):
    result = _convert(tmp_path, factories.truncated_pdf(tmp_path / "cut.pdf", keep=0.6))
    assert result.placeholder is None and result.pages == 3


@pytest.mark.parametrize("problem,words", [("encrypted", "加密"), ("corrupt", "损坏"),
                                           ("empty", "为空")])
def test_scan_problem_goes_straight_to_placeholder(tmp_path, problem, words):
    result = _convert(tmp_path, factories.pdf(tmp_path / "x.pdf"), problem=problem)
    assert words in result.placeholder
    assert words in factories.pdf_text(result.pdf)
