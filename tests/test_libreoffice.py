"""LibreOffice conversion with the real soffice: batches, fonts, failures, hangs."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from pypdf import PdfReader

from dossier.errors import ExitCode, MissingToolError
from dossier.tools import libreoffice
from tests import factories

pytestmark = pytest.mark.slow


def test_missing_soffice_raises_with_install_hint(monkeypatch):
    monkeypatch.setenv("DOSSIER_SOFFICE", "/nonexistent/soffice")
    assert libreoffice.find_soffice() is None
    with pytest.raises(MissingToolError) as err:
        libreoffice.require_soffice()
    assert err.value.exit_code == ExitCode.missing_tool
    assert "LibreOffice" in str(err.value) and "apt-get install" in str(err.value)


def test_version_names_libreoffice():
    assert libreoffice.version().startswith("LibreOffice")


def test_batch_converts_docx_and_xlsx_and_fails_only_the_bad_file(tmp_path):
    good = factories.docx(tmp_path / "good.docx", ["执法检查记录"])
    sheet = factories.xlsx(tmp_path / "sheet.xlsx")
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 this is not a real zip")
    results = libreoffice.convert_to_pdf([good, bad, sheet], tmp_path / "out",
                                         profile_dir=tmp_path / "profile")
    assert [r.source for r in results] == [good, bad, sheet]
    assert "执法检查记录" in PdfReader(results[0].pdf).pages[0].extract_text()
    assert "张三" in PdfReader(results[2].pdf).pages[0].extract_text()
    assert results[1].pdf is None and "LibreOffice" in results[1].error


def test_word_font_names_render_with_the_substitutes(tmp_path):
    doc = factories.docx(tmp_path / "fangsong.docx", ["仿宋正文"], font="仿宋_GB2312")
    [result] = libreoffice.convert_to_pdf([doc], tmp_path / "out", profile_dir=tmp_path / "p")
    fonts_used = subprocess.run(["pdffonts", str(result.pdf)], capture_output=True, text=True,
                                check=True).stdout
    assert "UMing" in fonts_used or "FangSong" in fonts_used


def test_hung_batch_is_killed_and_retried_file_by_file(tmp_path, monkeypatch):
    """A wrapper soffice that hangs whenever a file named HANGME* is in the call."""
    real = libreoffice.find_soffice()
    wrapper = tmp_path / "soffice"
    wrapper.write_text('#!/bin/sh\ncase "$*" in *HANGME*) sleep 60;; esac\n'
                       f'exec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("DOSSIER_SOFFICE", str(wrapper))
    monkeypatch.setattr(libreoffice, "_STARTUP_SECONDS", 1.0)
    good = factories.docx(tmp_path / "good.docx")
    hang = factories.docx(tmp_path / "HANGME.docx")
    started = time.monotonic()
    results = libreoffice.convert_to_pdf([good, hang], tmp_path / "out", timeout_per_file=2,
                                         profile_dir=tmp_path / "profile")
    assert time.monotonic() - started < 40
    assert results[0].pdf is not None and results[0].pdf.is_file()
    assert results[1].pdf is None and "超时" in results[1].error
    assert not any("sleep 60" in line for line in _processes())


def _processes() -> list[str]:
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines() \
        if os.name == "posix" else []
