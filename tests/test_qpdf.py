"""tools/qpdf.py with the real qpdf program, on PDFs made by fpdf2 (tests/test_binder_pdf)."""

from __future__ import annotations

import subprocess

import pytest
from pypdf import PdfReader

from dossier.tools import qpdf
from tests.test_binder_pdf import _text_pdf


def test_merge_takes_all_pages_or_a_range_in_order(tmp_path):
    a = _text_pdf(tmp_path / "a.pdf", pages=3, label="甲")
    b = _text_pdf(tmp_path / "b.pdf", pages=2, label="乙")
    out = tmp_path / "out.pdf"
    qpdf.merge([b, (a, "2-3"), a], out)
    texts = [p.extract_text() for p in PdfReader(out).pages]
    assert len(texts) == 7
    assert [t.split()[-1] for t in texts] == ["1", "2", "2", "3", "1", "2", "3"]


def test_merge_of_more_paths_than_a_windows_command_line_holds(tmp_path):
    """300 parts with long names: over 32K characters, passed through an @argfile."""
    folder = tmp_path / ("很长的文件夹名称" * 8)
    folder.mkdir()
    one = _text_pdf(folder / "one.pdf")
    parts = []
    for n in range(300):
        path = folder / f"{'佐证材料' * 10}{n:03d}.pdf"
        path.write_bytes(one.read_bytes())
        parts.append(path)
    assert sum(len(str(p)) for p in parts) > 32_768
    out = tmp_path / "out.pdf"
    qpdf.merge(parts, out)
    assert len(PdfReader(out).pages) == 300


def test_merge_of_a_damaged_file_raises(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n nothing here")
    with pytest.raises(subprocess.CalledProcessError):
        qpdf.merge([bad], tmp_path / "out.pdf")
