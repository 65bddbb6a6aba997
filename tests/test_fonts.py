"""Font roles resolve to installed fonts that cover simplified Chinese and embed in PDFs."""

from __future__ import annotations

import os
import subprocess

import pytest
from fontTools.ttLib import TTFont
from fpdf import FPDF

from dossier.tools import fonts


@pytest.mark.parametrize("role", fonts.ROLES)
def test_every_role_resolves_to_a_font_with_simplified_chinese(role):
    font = fonts.resolve_font(role)
    assert font is not None, fonts.install_hint()
    assert font.word_name == fonts.WORD_NAMES[role]
    cmap = TTFont(font.path, fontNumber=font.index, lazy=True).getBestCmap()
    assert all(ord(c) in cmap for c in "规执县")


def test_traditional_only_fangsong_is_not_used():
    assert "cwtex" not in fonts.resolve_font("仿宋").family.lower()


def test_xiaobiaosong_substitute_is_bold():
    assert fonts.resolve_font("小标宋").style == "Bold"


def test_nothing_missing_and_hint_names_packages():
    assert fonts.missing_roles() == []
    hint = fonts.install_hint()
    assert "apt-get install fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei" in hint
    assert "方正小标宋简体" in hint and "Windows" in hint


@pytest.mark.parametrize("word_name,role", [("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体"),
                                            ("黑体", "黑体"), ("方正小标宋简体", "小标宋"),
                                            ("SimSun", "宋体")])
def test_fontconfig_file_maps_word_names_to_substitutes(tmp_path, word_name, role):
    conf = fonts.fontconfig_file(tmp_path)
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    found = subprocess.run(["fc-match", "-f", "%{family}", word_name], env=env,
                           capture_output=True, text=True, check=True).stdout
    assert fonts.resolve_font(role).family in found.split(",")


def test_text_in_every_role_is_embedded_as_subset(tmp_path):
    pdf = FPDF()
    pdf.add_page()
    for role in fonts.ROLES:
        pdf.set_font(fonts.add_role_font(pdf, role), size=14)
        pdf.cell(text=f"{role} 规范化建设执法县", new_x="LMARGIN", new_y="NEXT")
    out = tmp_path / "roles.pdf"
    pdf.output(str(out))
    rows = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    families = {(f.path, f.index) for f in fonts.resolve_all().values()}
    assert len(rows) == len(families)
    for row in rows:
        name, *_rest = row.split()
        assert "+" in name  # subset tag
        assert row.split()[-5:-3] == ["yes", "yes"]  # emb, sub
