"""Font roles resolve to installed fonts that cover simplified Chinese and embed in PDFs."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from fpdf import FPDF

from dossier.tools import fonts

ROOT = Path(__file__).resolve().parent.parent


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
    assert "apt-get install fonts-noto-cjk fonts-arphic-gbsn00lp fonts-lxgw-wenkai" in hint
    for package in fonts.DEBIAN_PACKAGES:  # the install script installs what the hint names
        assert package in (ROOT / "devtools" / "install-system-deps.sh").read_text(encoding="utf-8")
        assert package in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
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


# -- the faces LibreOffice uses: simplified Chinese by name as well as by glyphs ----------------


@pytest.mark.parametrize("role,expected", [("仿宋", "AR PL SungtiL GB"), ("楷体", "LXGW WenKai"),
                                           ("黑体", "WenQuanYi Zen Hei")])
def test_debian_substitutes_are_the_measured_choices(role, expected):
    """Without Windows fonts: GB Song for 仿宋, a real Kai for 楷体, a simplified Hei for 黑体."""
    font = fonts.resolve_font(role)
    assert font.family == expected and font.style == "Regular"


def test_extracted_face_is_a_font_of_its_own_named_for_its_region(tmp_path):
    xbs = fonts.resolve_font("小标宋")
    assert fonts.shared_cff_collection(xbs.path)  # Noto Serif CJK SC Bold, from the collection
    out = fonts.extract_face(xbs.path, xbs.index, "sc", tmp_path / "xbs.otf")
    face = TTFont(out)
    cff = face["CFF "].cff
    assert cff.fontNames == ["NotoSerifCJKsc-Bold"]
    assert all("CJKsc" in fd.FontName for fd in cff[0].FDArray)
    assert face["name"].getDebugName(1) == "Noto Serif CJK SC"
    source = TTFont(xbs.path, fontNumber=xbs.index)
    assert face.getBestCmap() == source.getBestCmap()  # the SC face's characters and glyphs
    assert face.getGlyphOrder()[:50] == source.getGlyphOrder()[:50]


def test_libreoffice_fontconfig_hides_the_shared_cff_collections(tmp_path):
    conf = fonts.fontconfig_file(tmp_path)
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    listed = subprocess.run(["fc-list", ":lang=zh-cn", "file"], env=env, capture_output=True,
                            text=True, check=True).stdout
    assert not re.search(r"NotoS(ans|erif)CJK-\w+\.ttc", listed)
    found = subprocess.run(["fc-match", "-f", "%{file} %{weight}", "方正小标宋简体"], env=env,
                           capture_output=True, text=True, check=True).stdout
    assert found.split()[0].endswith(".otf") and int(found.split()[1]) >= 200  # the bold face


def test_doctor_shows_exactly_the_face_each_role_uses():
    from tests.conftest import run_dossier

    out = run_dossier("doctor").stdout
    for role, font in fonts.resolve_all().items():
        line = next(line for line in out.splitlines() if f"字体 {role}（" in line)
        assert font.family in line and str(font.path) in line, line
        assert ("粗体" in line) == font.bold
