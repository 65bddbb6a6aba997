"""LibreOffice conversion with the real soffice: batches, fonts, failures, hangs."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest
from pypdf import PdfReader

from dossier.errors import ExitCode, MissingToolError
from dossier.tools import fonts, libreoffice
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


def _ps_name(role: str) -> str:
    """PostScript name of the installed font that plays ``role`` (as pdffonts shows it)."""
    font = fonts.resolve_font(role)
    return subprocess.run(["fc-query", "-i", str(font.index), "-f", "%{postscriptname}",
                           str(font.path)], capture_output=True, text=True, check=True).stdout


def test_every_word_font_name_renders_with_its_own_substitute(tmp_path):
    """仿宋_GB2312, 楷体_GB2312 and 黑体 each map to their role's font, not a common fallback.

    LibreOffice's own substitution list wins over a fontconfig alias; the profile's
    replacement table is what makes this hold.
    """
    roles = ("仿宋", "楷体", "黑体")
    docs = [factories.docx(tmp_path / f"{role}.docx", [f"{role}正文：规范化建设"],
                           font=fonts.WORD_NAMES[role]) for role in roles]
    results = libreoffice.convert_to_pdf(docs, tmp_path / "out", profile_dir=tmp_path / "p")
    for role, result in zip(roles, results, strict=True):
        used = subprocess.run(["pdffonts", str(result.pdf)], capture_output=True, text=True,
                              check=True).stdout
        # Noto CJK collections share one CFF table named for the JP face: compare without region
        family = re.sub(r"CJK(jp|kr|sc|tc|hk)", "CJK", _ps_name(role).split("-")[0])
        assert family in re.sub(r"CJK(jp|kr|sc|tc|hk)", "CJK", used), (role, used)


def test_hung_batch_is_killed_and_retried_file_by_file(tmp_path, monkeypatch):
    """A wrapper soffice that hangs (10 minutes) whenever a file named HANGME* is in the call.

    The start-up allowance is generous (a fresh profile takes seconds on a busy machine);
    finishing in well under the hang's length shows the hung calls were killed.
    """
    real = libreoffice.find_soffice()
    wrapper = tmp_path / "soffice"
    wrapper.write_text('#!/bin/sh\ncase "$*" in *HANGME*) sleep 600;; esac\n'
                       f'exec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("DOSSIER_SOFFICE", str(wrapper))
    monkeypatch.setattr(libreoffice, "_STARTUP_SECONDS", 20.0)
    good = factories.docx(tmp_path / "good.docx")
    hang = factories.docx(tmp_path / "HANGME.docx")
    started = time.monotonic()
    results = libreoffice.convert_to_pdf([good, hang], tmp_path / "out", timeout_per_file=2,
                                         profile_dir=tmp_path / "profile")
    assert time.monotonic() - started < 300
    assert results[0].pdf is not None and results[0].pdf.is_file()
    assert results[1].pdf is None and "超时" in results[1].error
    assert not any("sleep 600" in line for line in _processes())


def _processes() -> list[str]:
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines() \
        if os.name == "posix" else []
