"""The report DOCX read back with python-docx (GB/T 9704 layout) and its PDF with pypdf/poppler."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml.ns import qn
from pypdf import PdfReader

from dossier.builders import output_path
from dossier.builders.report import PACKAGED_TEMPLATES, last_year, render_docx, template_path
from dossier.errors import InputError
from dossier.project import load_project
from dossier.reportdraft import REVIEW_MARK, draft_report, pts, text_width
from dossier.score import compute_score
from tests.cases import edit_manifest
from tests.conftest import run_dossier
from tests.test_reportdraft import UNIT, make_workspace

REDHEAD = {"recipient": "泉州市生态环境局", "doc_number": "晋环执〔2022〕12号", "signer": "王某某",
           "copy_to": ["泉州市生态环境保护综合执法支队", "示例县人民政府办公室"]}
A4_TWIPS = (11906, 16838)
MARGINS = {"top_margin": 2098, "bottom_margin": 1984, "left_margin": 1588, "right_margin": 1474}


def _render(root: Path, out: Path) -> tuple[Path, object]:
    project = load_project(root)
    content = draft_report(project, compute_score(project), last_year(project))
    render_docx(content, template_path(project), out, project.manifest.date)
    return out, content


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """A DOCX with 版头 and 版记 (no LibreOffice needed), and its content."""
    root = make_workspace(tmp_path_factory.mktemp("docx") / "ws", report=REDHEAD)
    path, content = _render(root, root / "report.docx")
    return docx.Document(str(path)), content, path


def _east_asia(rpr) -> str | None:
    rfonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None


def _style_font(document, name: str) -> str | None:
    return _east_asia(document.styles[name].element.rPr)


def test_page_is_a4_with_gb9704_margins(rendered):
    document, _, _ = rendered
    section = document.sections[0]
    assert (section.page_width.twips, section.page_height.twips) == A4_TWIPS
    for attr, twips in MARGINS.items():
        assert abs(getattr(section, attr).twips - twips) <= 2, attr


def test_body_is_3hao_fangsong_with_exact_spacing_for_22_lines_of_28_characters(rendered):
    document, _, _ = rendered
    normal = document.styles["Normal"]
    assert _style_font(document, "Normal") == "仿宋_GB2312"
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:asciiTheme")) is None
    assert normal.font.size.pt == 16
    pf = normal.paragraph_format
    assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    line = pf.line_spacing.pt
    assert line == pytest.approx(28.95)
    section = document.sections[0]
    height = section.page_height.pt - section.top_margin.pt - section.bottom_margin.pt
    assert int(height / line) == 22
    spacing = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    width = section.page_width.pt - section.left_margin.pt - section.right_margin.pt
    assert int(width / (16 + spacing)) == 28
    ind = normal.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert pf.first_line_indent.pt == 32  # two 16 pt characters


def test_each_heading_level_uses_its_font(rendered):
    document, _, _ = rendered
    expected = {"公文标题": ("方正小标宋简体", 22), "一级标题": ("黑体", 16),
                "二级标题": ("楷体_GB2312", 16), "三级标题": ("仿宋_GB2312", 16)}
    for style, (font, size) in expected.items():
        assert _style_font(document, style) == font, style
        assert document.styles[style].font.size.pt == size, style
    assert document.styles["公文标题"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    paragraphs = document.paragraphs
    level1 = [p for p in paragraphs if re.match(r"^[一二三四五]、", p.text)]
    level2 = [p for p in paragraphs if re.match(r"^（[一二三四五六七]）", p.text)]
    assert [p.text for p in level1] == ["一、基本情况", "二、主要工作及成效", "三、存在的问题和不足",
                                        "四、下一步工作计划"]
    assert all(p.style.name == "一级标题" for p in level1)
    assert len(level2) == 6 and all(p.style.name == "二级标题" for p in level2)
    leads = [r for p in paragraphs for r in p.runs if re.match(r"^\d+\.", r.text)]
    assert leads and all(r.style.name == "条目标题" for r in leads)
    assert _style_font(document, "条目标题") == "仿宋_GB2312"
    title = [p for p in paragraphs if p.style.name == "公文标题"]
    assert "".join(p.text for p in title) == \
        "关于2022年度生态环境保护综合行政执法机构规范化建设工作进展情况的报告"


def _footer_parts(footer) -> tuple[str, list[str], str]:
    p = footer.paragraphs[0]._p
    texts = [t.text for t in p.iter(qn("w:t"))]
    instr = [t.text.strip() for t in p.iter(qn("w:instrText"))]
    return texts[0], instr, texts[-1]


def test_page_numbers_are_dashed_page_fields_odd_right_even_left(rendered):
    document, _, _ = rendered
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        first, instr, last = _footer_parts(footer)
        assert (first, instr, last) == ("— ", ["PAGE"], " —")
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == align
        ind = paragraph._p.pPr.find(qn("w:ind"))
        assert ind.get(qn(f"w:{side}")) == "280"  # one 4号 character in
        for run in paragraph.runs:
            if run.text.strip():
                assert _east_asia(run._r.rPr) == "宋体" and run.font.size.pt == 14


def test_redhead_is_red_xiaobiaosong_with_number_signer_and_red_rule(rendered):
    document, _, _ = rendered
    mark = next(p for p in document.paragraphs if p.style.name == "发文机关标志")
    assert mark.text == UNIT + "文件"
    assert _style_font(document, "发文机关标志") == "方正小标宋简体"
    assert str(document.styles["发文机关标志"].font.color.rgb) == "FF0000"
    scale = int(mark.runs[0]._r.rPr.find(qn("w:w")).get(qn("w:val")))
    assert scale * 26 * 22 / 100 <= 442.2  # squeezed onto one line
    number = next(p for p in document.paragraphs if "晋环执〔2022〕12号" in p.text)
    assert number.text == "晋环执〔2022〕12号\t签发人：王某某"
    assert _east_asia(number.runs[-1]._r.rPr) == "楷体_GB2312"
    rule = next(p for p in document.paragraphs if p.style.name == "分隔线")
    assert rule._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "FF0000"


def test_signature_date_and_colophon(rendered):
    document, _, _ = rendered
    texts = [p.text for p in document.paragraphs]
    assert texts[texts.index(UNIT) + 1] == "2022年12月5日"
    assert "抄送：泉州市生态环境保护综合执法支队，示例县人民政府办公室。" in texts
    assert f"{UNIT}\t2022年12月5日印发" in texts
    colophon = next(p for p in document.paragraphs if p.text.startswith("抄送"))
    assert colophon.style.name == "版记" and document.styles["版记"].font.size.pt == 14


def test_score_table_is_fangsong_with_the_total(rendered):
    document, content, _ = rendered
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "一级指标", "分值", "自评得分", "失分"]
    last = [c.text for c in table.rows[-1].cells]
    assert last[1:4] == ["合计", "100", pts(content.total)]
    assert len(table.rows) == 1 + 6 + 3
    assert _style_font(document, "表格文字") == "仿宋_GB2312"
    assert document.styles["表格文字"].font.size.pt == 14


def test_drafted_paragraphs_carry_a_highlighted_review_marker(rendered):
    document, content, _ = rendered
    markers = [r for p in document.paragraphs for r in p.runs if r.text == REVIEW_MARK]
    assert len(markers) == content.drafted() > 0
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in markers)
    score_para = next(p for p in document.paragraphs if "自评总分" in p.text)
    assert REVIEW_MARK not in score_para.text  # computed, not narrative


def test_no_template_tags_are_left_in_the_document(rendered):
    _, _, path = rendered
    import zipfile

    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "{{" not in xml and "{%" not in xml


def test_same_inputs_give_the_same_docx_bytes(tmp_path):
    root = make_workspace(tmp_path / "ws")
    first, _ = _render(root, tmp_path / "a.docx")
    second, _ = _render(root, tmp_path / "b.docx")
    assert first.read_bytes() == second.read_bytes()


def test_without_doc_number_there_is_no_redhead_and_no_colophon(tmp_path):
    path, _ = _render(make_workspace(tmp_path / "ws"), tmp_path / "r.docx")
    document = docx.Document(str(path))
    styles = {p.style.name for p in document.paragraphs}
    assert "发文机关标志" not in styles and "分隔线" not in styles and "版记" not in styles
    assert document.paragraphs[0].style.name == "公文标题"


def test_workspace_template_overrides_the_packaged_one(tmp_path):
    root = make_workspace(tmp_path / "ws")
    own = docx.Document(str(PACKAGED_TEMPLATES / "report.docx"))
    own.add_paragraph("本单位自定义的结尾：{{ unit }}")
    (root / "templates").mkdir()
    own.save(str(root / "templates" / "report.docx"))
    project = load_project(root)
    assert template_path(project) == root / "templates" / "report.docx"
    path, _ = _render(root, tmp_path / "r.docx")
    assert docx.Document(str(path)).paragraphs[-1].text == f"本单位自定义的结尾：{UNIT}"


def test_broken_template_tag_is_an_input_error_naming_the_template(tmp_path):
    root = make_workspace(tmp_path / "ws")
    own = docx.Document(str(PACKAGED_TEMPLATES / "report.docx"))
    own.add_paragraph("{{ unit ")
    (root / "templates").mkdir()
    own.save(str(root / "templates" / "report.docx"))
    with pytest.raises(InputError) as err:
        _render(root, tmp_path / "r.docx")
    assert "report.docx" in err.value.render() and "模板" in err.value.render()


# -- the PDF, through LibreOffice (slow) ---------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_workspace(tmp_path_factory.mktemp("pdf") / "ws", report=REDHEAD)
    result = run_dossier("-C", str(root), "report")
    assert result.exit_code == 0, result.stderr
    project = load_project(root)
    return root, output_path(project, "report_docx"), output_path(project, "report_pdf")


@pytest.mark.slow
def test_report_command_writes_docx_and_pdf_named_for_the_unit(built):
    root, docx_path, pdf_path = built
    assert docx_path.name == f"{UNIT}-2022-年度工作进展和总结报告.docx"
    assert docx_path.is_file() and pdf_path.is_file()
    assert docx_path.parent == root / "build" / "2022"


@pytest.mark.slow
def test_pdf_pages_are_a4_and_every_font_is_embedded(built):
    _, _, pdf_path = built
    reader = PdfReader(str(pdf_path))
    assert len(reader.pages) >= 3
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
    out = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert out, "no fonts listed"
    for line in out:
        emb = line.split()[-5]  # columns from the right: ID, object, uni, sub, emb
        assert emb == "yes", line


@pytest.mark.slow
def test_pdf_pages_carry_dashed_page_numbers(built):
    _, _, pdf_path = built
    reader = PdfReader(str(pdf_path))
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert re.search(rf"—\s*{n}\s*—", text), f"page {n}: no “— {n} —”"


@pytest.mark.slow
def test_pdf_states_the_total_of_score_json(built):
    root, _, pdf_path = built
    result = run_dossier("-C", str(root), "score", "--format", "json")
    total = json.loads(result.stdout)["total"]
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(str(pdf_path)).pages))
    assert f"自评总分{pts(total)}分" in text


@pytest.mark.slow
def test_rebuilding_gives_the_same_pdf_bytes(built):
    root, docx_path, pdf_path = built
    before = (docx_path.read_bytes(), pdf_path.read_bytes())
    assert run_dossier("-C", str(root), "report").exit_code == 0
    assert (docx_path.read_bytes(), pdf_path.read_bytes()) == before


@pytest.mark.slow
def test_pdf_body_page_has_22_lines_of_at_most_28_characters(built):
    _, _, pdf_path = built
    # page 3: running text of 二、主要工作及成效 (page 2 holds the score table)
    html = subprocess.run(["pdftotext", "-f", "3", "-l", "3", "-bbox-layout", str(pdf_path), "-"],
                          capture_output=True, text=True, check=True).stdout
    lines = [(float(y), "".join(re.findall(r">([^<]*)</word>", body)))
             for y, body in re.findall(r'<line xMin="[\d.]+" yMin="([\d.]+)"[^>]*>(.*?)</line>',
                                       html, re.S)]
    body = [(y, text) for y, text in lines if not re.fullmatch(r"—\d+—", text)]
    assert len(body) == 22
    pitches = [b[0] - a[0] for a, b in zip(body, body[1:], strict=False)]
    assert all(abs(p - 28.95) < 0.2 for p in pitches), pitches
    # Word and LibreOffice both let one closing mark hang in the margin (允许标点溢出边界).
    assert max(text_width(re.sub(r"[，。、；：”）]$", "", text)) for _, text in body) <= 28
    assert max(text_width(text) for _, text in body) >= 27.5  # full lines are full


@pytest.mark.slow
def test_report_pdf_conversion_is_reused_until_the_report_changes(tmp_path):
    root = make_workspace(tmp_path / "ws", report=REDHEAD)
    cache = root / "build" / ".cache" / "report"
    assert run_dossier("-C", str(root), "report").exit_code == 0
    first = sorted(p.name for p in cache.glob("pdf-*.pdf"))  # layouts of the 版记, final PDF
    assert 1 <= len(first) <= 4
    pdf_path = output_path(load_project(root), "report_pdf")
    before = pdf_path.read_bytes()
    pdf_path.unlink()
    assert run_dossier("-C", str(root), "report").exit_code == 0
    assert sorted(p.name for p in cache.glob("pdf-*.pdf")) == first  # a hit: no new conversion
    assert pdf_path.read_bytes() == before
    edit_manifest(root, report={"signer": "李某某"})
    assert run_dossier("-C", str(root), "report").exit_code == 0
    assert len(list(cache.glob("pdf-*.pdf"))) > len(first)  # the changed report was converted
    assert "李某某" in "".join(p.extract_text() for p in PdfReader(str(pdf_path)).pages)


def test_note_with_line_breaks_is_one_paragraph_without_breaks(tmp_path):
    root = make_workspace(tmp_path / "ws")
    manifest = root / "manifests" / "2022.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        '"6.1.1": {points: 1}', '"6.1.1": {points: 1, note: "执法\\n总队 跟班学习\\r\\n3个月"}'),
        encoding="utf-8")
    path, _ = _render(root, tmp_path / "r.docx")
    document = docx.Document(str(path))
    [paragraph] = [p for p in document.paragraphs if "总队跟班学习" in p.text]
    assert "执法总队跟班学习3个月" in paragraph.text
    assert not paragraph._p.findall(".//" + qn("w:br")) and "\n" not in paragraph.text


def test_colophon_rules_are_thick_thin_thick(rendered):
    document, _, _ = rendered
    copy = next(p for p in document.paragraphs if p.text.startswith("抄送"))
    printed = next(p for p in document.paragraphs if p.text.endswith("印发"))
    sizes = {}
    for name, paragraph in (("copy", copy), ("printed", printed)):
        border = paragraph._p.pPr.find(qn("w:pBdr"))
        for side in ("top", "bottom"):
            el = border.find(qn(f"w:{side}"))
            sizes[name, side] = (el.get(qn("w:val")), int(el.get(qn("w:sz"))))
    assert sizes["copy", "top"] == ("single", 8)  # 0.35 mm
    assert sizes["copy", "bottom"] == ("single", 6)  # 0.25 mm
    assert sizes["printed", "top"][0] == "nil"  # no second rule over the thin one
    assert sizes["printed", "bottom"] == ("single", 8)
    assert printed.text == f"{UNIT}\t2022年12月5日印发"  # 印发机关 left, 印发日期 right


# -- the PDF: fonts, 版记, figures (slow) ---------------------------------------------------


def _pdffonts(pdf_path: Path) -> list[str]:
    return [line.split()[0] for line in subprocess.run(
        ["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]]


@pytest.mark.slow
def test_every_font_in_the_pdf_is_simplified_chinese_and_the_title_is_bold(built):
    _, _, pdf_path = built
    names = _pdffonts(pdf_path)
    assert names
    for name in names:
        assert not re.search(r"(jp|kr|tc|hk|JP|KR|TC|HK)\b|CJK(jp|kr|tc|hk)|Japan|Korea", name), names
    # the title's glyphs come from a bold face
    reader = PdfReader(str(pdf_path))
    fonts_on_title = set()

    def visit(text, _cm, _tm, font, _size):
        if text.strip() and "报告" in text and font:
            fonts_on_title.add(str(font.get("/BaseFont")))

    reader.pages[0].extract_text(visitor_text=visit)
    assert any("Bold" in f for f in fonts_on_title), fonts_on_title


@pytest.mark.slow
def test_colophon_is_at_the_foot_of_an_even_last_page(built):
    _, _, pdf_path = built
    reader = PdfReader(str(pdf_path))
    pages = len(reader.pages)
    assert pages % 2 == 0
    html = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), "-bbox", str(pdf_path),
                           "-"], capture_output=True, text=True, check=True).stdout
    words = [(float(y0), float(y1), w) for y0, y1, w in re.findall(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', html)]
    printed = max(y1 for _, y1, w in words if "印发" in w)
    copy = min(y0 for y0, _, w in words if w.startswith("抄送"))
    height = float(reader.pages[-1].mediabox.height)
    body_bottom = height - 35 / 25.4 * 72  # the 版心's last line ends here
    assert body_bottom - 20 < printed <= body_bottom + 2  # the 印发 line is the last line
    assert copy < printed and printed - copy < 80  # 抄送 on its own line just above
    others = [y1 for _, y1, w in words if y1 < copy - 1 and not re.fullmatch(r"—|\d+", w)]
    assert all(y < copy for y in others)  # nothing of the body below the 版记


@pytest.mark.slow
def test_pdf_states_the_total_grade_and_awards_of_the_score(built):
    root, _, pdf_path = built
    result = run_dossier("-C", str(root), "score", "--format", "json")
    data = json.loads(result.stdout)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(str(pdf_path)).pages))
    assert f"自评总分{pts(data['total'])}分" in text
    assert f"达到年度{data['grade']}标准" in text
    assert "上年度我队获评全省生态环境保护执法大练兵表现突出集体，" \
           "2人次获评全省生态环境保护执法大练兵表现突出个人" in text
    assert "尚未填报" not in text and "风险" not in text
