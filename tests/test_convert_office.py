"""Office conversion through the real LibreOffice: bytes independent of the batch."""

from __future__ import annotations

import re
import subprocess

import pikepdf
import pytest

from dossier.convert import office
from dossier.convert.cache import Source
from tests import factories

pytestmark = pytest.mark.slow


def _source(path):
    import hashlib

    data = path.read_bytes()
    return Source(path, path.name, len(data), hashlib.sha256(data).hexdigest(), "office",
                  path.suffix.lstrip("."))


def _unique_ids(pdf_path) -> list[bytes]:
    with pikepdf.open(pdf_path) as pdf:
        return [m for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and "/Length1" in obj
                for m in re.findall(rb"/UniqueID (\d+)", obj.read_bytes()[:int(obj.Length1)])]


def test_a_file_gets_the_same_bytes_alone_or_second_in_a_batch(tmp_path):
    """LibreOffice numbers embedded Type 1 fonts per process; fontids renumbers them."""
    # 小标宋's substitute (Noto Serif CJK SC Bold, a CFF font) is embedded as Type 1
    first = _source(factories.docx(tmp_path / "通知.docx", ("关于开展执法检查的通知",), font="方正小标宋简体"))
    second = _source(factories.docx(tmp_path / "纪要.docx", ("执法检查会议纪要",), font="方正小标宋简体"))
    office.convert_batch([first, second], [tmp_path / "a.pdf", tmp_path / "b.pdf"],
                         work_dir=tmp_path / "w1", profile_dir=tmp_path / "p1")
    office.convert_batch([second], [tmp_path / "alone.pdf"], work_dir=tmp_path / "w2",
                         profile_dir=tmp_path / "p2")
    fonts = subprocess.run(["pdffonts", str(tmp_path / "b.pdf")], capture_output=True, text=True,
                           check=True).stdout
    assert "Type 1" in fonts  # the case that varied: Noto CJK embedded as Type 1
    assert _unique_ids(tmp_path / "b.pdf") == _unique_ids(tmp_path / "alone.pdf")
    assert (tmp_path / "b.pdf").read_bytes() == (tmp_path / "alone.pdf").read_bytes()
    assert "执法检查" in factories.pdf_text(tmp_path / "b.pdf")
