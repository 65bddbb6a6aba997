"""Generate the packaged Word template of the year-end report (``dossier/templates/report.docx``).

Run ``.venv/bin/python devtools/make_templates.py`` after changing the layout here and commit
the generated file. The template is an ordinary Word document with Jinja tags (docxtpl):
staff may open it in Word or WPS, change wording, styles or the 版头, and save a copy as
``templates/report.docx`` in their workspace; ``templates/README.md`` lists the variables.

Layout follows GB/T 9704-2012: A4, 版心 156 mm × 225 mm (margins top 37, bottom 35, left
28, right 26 mm), 22 lines of 28 characters in 3号 仿宋 (line pitch 28.95 pt, character
pitch 15.75 pt by condensed character spacing), headings 一、黑体 / （一）楷体 / 1. 仿宋, page numbers
“— N —” in 4号 宋体, odd pages right and even pages left, one character in. Every style
names its East Asian font (``w:eastAsia``), because that is what Word and WPS use for
Chinese glyphs. The 版头 (red 发文机关标志, 发文字号, 签发人, red separator) and the 版记
(抄送, 印发) are conditional blocks of the same template.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import (
    WD_ALIGN_PARAGRAPH,
    WD_BREAK,
    WD_COLOR_INDEX,
    WD_LINE_SPACING,
    WD_TAB_ALIGNMENT,
)
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dossier.builders.docxkit import (  # noqa: E402
    add_field,
    save_deterministic,
    set_rfonts,
    set_run_font,
    set_style_font,
)

OUT = ROOT / "dossier" / "templates" / "report.docx"

# Fonts by the names Word and WPS know (see dossier/tools/fonts.py WORD_NAMES).
FANGSONG, KAITI, HEITI, XBS, SONGTI = "仿宋_GB2312", "楷体_GB2312", "黑体", "方正小标宋简体", "宋体"

# Page geometry in twips (1 mm = 56.693 twips).
PAGE_W, PAGE_H = 11906, 16838
TOP, BOTTOM, LEFT, RIGHT = 2098, 1984, 1588, 1474
TEXT_W = PAGE_W - LEFT - RIGHT  # 8844 twips = 442.2 pt = 156 mm
LINE = 579  # 28.95 pt: 22 × 28.95 = 636.9 pt ≤ 637.8 pt of 版心 height (29 pt would not fit)
# 28 characters per line: the line is 442.2 pt, so a character may take at most 15.79 pt;
# 16 pt characters condensed by 0.25 pt take 15.75 pt (28 × 15.75 = 441 pt, 29 would need
# 456.75 pt). Condensed spacing rather than Word's character grid (docGrid linesAndChars):
# LibreOffice gives a character wider than the grid pitch two grid cells, which would print
# 14 characters a line in the PDF.
CHAR_SPACING = -5  # twentieths of a point
CHAR = 320  # 2 characters of 3号 = 640 twips; one character = 320
FOOTER_DISTANCE = 1247  # 22 mm: the number's top lies about 7 mm below the 版心
RED = RGBColor(0xFF, 0x00, 0x00)
FIXED_DATE = dt.date(2022, 1, 1)


# -- low-level XML helpers ------------------------------------------------------------------


def _el(tag: str, **attrs: str):
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), str(value))
    return el


def _ppr_child(ppr, tag: str, **attrs: str):
    """Replace (or add) one child of a w:pPr, keeping schema order via python-docx."""
    old = ppr.find(qn(tag))
    if old is not None:
        ppr.remove(old)
    el = _el(tag, **attrs)
    ppr.insert_element_before(el, *_PPR_AFTER[tag]) if tag in _PPR_AFTER else ppr.append(el)
    return el


_PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
              "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd",
              "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
              "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
              "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
RPR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u",
                     "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl",
                     "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
_PPR_AFTER = {tag: _PPR_ORDER[i + 1:] for i, tag in enumerate(_PPR_ORDER)}


def _border(ppr, sides: dict[str, tuple]) -> None:
    """Paragraph borders: side -> (width in 1/8 pt, colour, space in pt[, style])."""
    pbdr = _ppr_child(ppr, "w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        if side in sides:
            size, color, space, *style = sides[side]
            pbdr.append(_el(f"w:{side}", val=style[0] if style else "single", sz=size,
                            space=space, color=color))


def _indent(ppr, *, first_chars: int = 0, left: int = 0, right: int = 0) -> None:
    """Indents; a first-line indent is given in characters (Word's 首行缩进 N 字符)."""
    attrs = {"left": left, "right": right}
    if first_chars:
        attrs.update(firstLineChars=first_chars * 100, firstLine=first_chars * CHAR)
    else:
        attrs.update(firstLine=0, firstLineChars=0)
    _ppr_child(ppr, "w:ind", **attrs)


# -- styles -------------------------------------------------------------------------------


def _paragraph_style(doc, name: str, font: str, size: float, *, base: str | None = "Normal",
                     align=None, first_chars: int | None = None, line: int | None = LINE,
                     bold: bool = False, outline: int | None = None, keep_next: bool = False,
                     color=None):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(
        name, WD_STYLE_TYPE.PARAGRAPH)
    if base:
        style.base_style = styles[base]
    style.quick_style = True
    set_style_font(style, font, size_pt=size, bold=bold, color_rgb=color)
    style.font.size = Pt(size)
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    if line is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Twips(line)
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    if keep_next:
        pf.keep_with_next = True
    ppr = style.element.get_or_add_pPr()
    if first_chars is not None:
        _indent(ppr, first_chars=first_chars)
    if outline is not None:
        _ppr_child(ppr, "w:outlineLvl", val=outline)
    return style


def _styles(doc) -> None:
    styles = doc.styles
    # Document defaults: 3号 仿宋, Chinese language, no theme fonts.
    rpr_default = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(
        qn("w:rPr"))
    set_rfonts(rpr_default, FANGSONG)
    for tag, val in (("w:sz", "32"), ("w:szCs", "32")):
        rpr_default.find(qn(tag)).set(qn("w:val"), val)
    lang = rpr_default.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr_default = styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(
        qn("w:pPr"))
    ppr_default.remove(ppr_default.find(qn("w:spacing")))
    ppr_default.append(_el("w:spacing", before=0, after=0, line=LINE, lineRule="exact"))

    normal = _paragraph_style(doc, "Normal", FANGSONG, 16, base=None,
                              align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_chars=2)
    normal.paragraph_format.widow_control = False
    normal.element.get_or_add_rPr().insert_element_before(
        _el("w:spacing", val=CHAR_SPACING), *RPR_AFTER_SPACING)
    _paragraph_style(doc, "公文标题", XBS, 22, align=WD_ALIGN_PARAGRAPH.CENTER, first_chars=0,
                     line=700)  # 35 pt for the 2号 title lines
    _paragraph_style(doc, "主送机关", FANGSONG, 16, first_chars=0)
    _paragraph_style(doc, "一级标题", HEITI, 16, first_chars=2, outline=0, keep_next=True)
    _paragraph_style(doc, "二级标题", KAITI, 16, first_chars=2, outline=1, keep_next=True)
    _paragraph_style(doc, "三级标题", FANGSONG, 16, first_chars=2, outline=2, keep_next=True)
    _paragraph_style(doc, "落款", FANGSONG, 16, align=WD_ALIGN_PARAGRAPH.RIGHT, first_chars=0)
    _paragraph_style(doc, "成文日期", FANGSONG, 16, align=WD_ALIGN_PARAGRAPH.RIGHT,
                     first_chars=0)
    _paragraph_style(doc, "附注", FANGSONG, 16, first_chars=2)
    _paragraph_style(doc, "表格文字", FANGSONG, 14, align=WD_ALIGN_PARAGRAPH.CENTER,
                     first_chars=0, line=400)  # 4号 in 20 pt rows
    _paragraph_style(doc, "版记", FANGSONG, 14, align=WD_ALIGN_PARAGRAPH.LEFT, first_chars=0,
                     line=480)  # 4号 in 24 pt lines
    mark = _paragraph_style(doc, "发文机关标志", XBS, 26, align=WD_ALIGN_PARAGRAPH.CENTER,
                            first_chars=0, line=None, color=RED)
    mark.paragraph_format.space_before = Twips(1984)  # 35 mm below the top of the 版心
    _paragraph_style(doc, "发文字号", FANGSONG, 16, first_chars=0)
    _paragraph_style(doc, "分隔线", FANGSONG, 4, first_chars=0, line=240)
    footer = styles["Footer"]
    set_style_font(footer, SONGTI, size_pt=14)
    fpf = footer.paragraph_format
    fpf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _indent(footer.element.get_or_add_pPr())
    tabs = footer.element.pPr.find(qn("w:tabs"))
    if tabs is not None:
        footer.element.pPr.remove(tabs)
    strong = styles.add_style("条目标题", WD_STYLE_TYPE.CHARACTER)
    set_style_font(strong, FANGSONG, bold=True)


# -- page setup and footers --------------------------------------------------------------


def _page(doc) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Twips(PAGE_W), Twips(PAGE_H)
    section.top_margin, section.bottom_margin = Twips(TOP), Twips(BOTTOM)
    section.left_margin, section.right_margin = Twips(LEFT), Twips(RIGHT)
    section.header_distance = Twips(851)
    section.footer_distance = Twips(FOOTER_DISTANCE)
    section.gutter = Twips(0)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = _el("w:docGrid")
        sect.append(grid)
    for attr in ("w:type", "w:charSpace"):  # no snapping grid: see CHAR_SPACING
        grid.attrib.pop(qn(attr), None)
    grid.set(qn("w:linePitch"), str(LINE))
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


def _page_number(paragraph, *, odd: bool) -> None:
    """“— N —”, 4号 宋体; odd pages right, even pages left, one character (14 pt) in."""
    paragraph.style = "Footer"
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    ppr = paragraph._p.get_or_add_pPr()
    _indent(ppr, left=0 if odd else 280, right=280 if odd else 0)
    set_run_font(paragraph.add_run("— "), SONGTI, 14)
    set_run_font(add_field(paragraph, "PAGE", "1"), SONGTI, 14)
    set_run_font(paragraph.add_run(" —"), SONGTI, 14)
    for run in paragraph.runs:
        set_run_font(run, SONGTI, 14)


# -- body ---------------------------------------------------------------------------------


def _p(doc, text: str = "", style: str = "Normal"):
    paragraph = doc.add_paragraph(style=style)
    if text:
        paragraph.add_run(text)
    return paragraph


def _review_paragraph(doc, var: str, style: str = "Normal") -> None:
    """A paragraph of drafted text: highlighted 【待审阅】 marker, bold lead, text."""
    paragraph = doc.add_paragraph(style=style)
    marker = paragraph.add_run("{% if " + var + ".draft %}【待审阅】{% endif %}")
    marker.font.highlight_color = WD_COLOR_INDEX.YELLOW
    lead = paragraph.add_run("{{ " + var + ".lead }}")
    lead.style = doc.styles["条目标题"]
    paragraph.add_run("{{ " + var + ".text }}")


def _redhead(doc) -> None:
    _p(doc, "{%p if redhead %}")
    _p(doc, "{{ issuer_mark }}", "发文机关标志")
    _p(doc, "", "发文字号")
    _p(doc, "", "发文字号")
    _p(doc, "{%p if signer %}")
    number = _p(doc, "", "发文字号")
    number.paragraph_format.left_indent = Twips(CHAR)
    number.paragraph_format.right_indent = Twips(CHAR)
    number.paragraph_format.tab_stops.add_tab_stop(Twips(TEXT_W - 2 * CHAR),
                                                   WD_TAB_ALIGNMENT.RIGHT)
    number.add_run("{{ doc_number }}\t签发人：")
    set_run_font(number.add_run("{{ signer }}"), KAITI)
    _p(doc, "{%p else %}")
    centred = _p(doc, "{{ doc_number }}", "发文字号")
    centred.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _p(doc, "{%p endif %}")
    rule = _p(doc, "", "分隔线")
    _border(rule._p.get_or_add_pPr(), {"bottom": (12, "FF0000", 0)})
    _p(doc)
    _p(doc)
    _p(doc, "{%p endif %}")


def _section(doc, heading: str, var: str) -> None:
    _p(doc, heading, "一级标题")
    _p(doc, "{%p for para in " + var + " %}")
    _review_paragraph(doc, "para")
    _p(doc, "{%p endfor %}")


def _body(doc) -> None:
    _p(doc, "{%p for line in title_lines %}")
    _p(doc, "{{ line }}", "公文标题")
    _p(doc, "{%p endfor %}")
    _p(doc)
    _p(doc, "{{ recipient }}", "主送机关")
    _p(doc, "{%p for para in opening %}")
    _review_paragraph(doc, "para")
    _p(doc, "{%p endfor %}")

    _section(doc, "一、基本情况", "summary")
    _p(doc, "{%p for para in score_text %}")
    _review_paragraph(doc, "para")
    _p(doc, "{%p endfor %}")
    _p(doc, "各一级指标自评得分情况见下表。").paragraph_format.keep_with_next = True
    _p(doc, "{%p if last_year %}")
    _score_table(doc, ("序号", "一级指标", "分值", "自评得分", "{{ last_year }}年度", "增减"),
                 ("no", "name", "max", "claimed", "last", "change"),
                 (700, 3544, 900, 1300, 1300, 1100))
    _p(doc, "{%p else %}")
    _score_table(doc, ("序号", "一级指标", "分值", "自评得分", "失分"),
                 ("no", "name", "max", "claimed", "lost"),
                 (800, 4444, 1100, 1400, 1100))
    _p(doc, "{%p endif %}")

    _section(doc, "二、主要工作及成效", "work_intro")
    _p(doc, "{%p for part in progress %}")
    _p(doc, "{{ part.heading }}", "二级标题")
    _p(doc, "{%p for para in part.paragraphs %}")
    _review_paragraph(doc, "para")
    _p(doc, "{%p endfor %}")
    _p(doc, "{%p endfor %}")

    _section(doc, "三、存在的问题和不足", "problems")
    _section(doc, "四、下一步工作计划", "plans")
    _p(doc, "{{ closing }}").paragraph_format.keep_with_next = True  # never a page with only the 落款
    _p(doc).paragraph_format.keep_with_next = True  # signature and date stay together
    _p(doc).paragraph_format.keep_with_next = True
    signature = _p(doc, "{{ unit }}", "落款")
    signature.paragraph_format.keep_with_next = True
    signature.paragraph_format.right_indent = Twips(2 * CHAR)
    date = _p(doc, "{{ date_text }}", "成文日期")
    date.paragraph_format.right_indent = Twips(4 * CHAR)
    _p(doc, "{%p if contact %}")
    _p(doc, "{{ contact }}", "附注")
    _p(doc, "{%p endif %}")


def _score_table(doc, headers, keys, widths) -> None:
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, width in zip(table.columns, widths, strict=True):
        col.width = Twips(width)
    rows = table.rows
    for cell, text, width in zip(rows[0].cells, headers, widths, strict=True):
        cell.width = Twips(width)
        cell.paragraphs[0].style = doc.styles["表格文字"]
        set_run_font(cell.paragraphs[0].add_run(text), HEITI)
    rows[1].cells[0].paragraphs[0].add_run("{%tr for row in score_rows %}")
    for cell, key, width in zip(rows[2].cells, keys, widths, strict=True):
        cell.width = Twips(width)
        paragraph = cell.paragraphs[0]
        paragraph.style = doc.styles["表格文字"]
        if key == "name":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        paragraph.add_run("{{ row." + key + " }}")
    rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    for row in rows:
        trpr = row._tr.get_or_add_trPr()
        trpr.append(_el("w:cantSplit"))
    for cell in rows[0].cells:  # the header row stays with the first row; it repeats
        cell.paragraphs[0].paragraph_format.keep_with_next = True  # when the table breaks
    rows[0]._tr.trPr.append(_el("w:tblHeader"))


THICK, THIN = 8, 6  # 版记 rules in eighths of a point: 0.35 mm ≈ 1 pt, 0.25 mm ≈ 0.75 pt


def _colophon_line(doc, text: str, top: int | str | None, bottom: int, *,
                   hanging: bool = False):
    paragraph = _p(doc, "", "版记")
    pf = paragraph.paragraph_format
    pf.left_indent = Twips(280 + (840 if hanging else 0))  # 左空一字；回行与冒号后首字对齐
    pf.first_line_indent = Twips(-840 if hanging else 0)
    pf.right_indent = Twips(280)
    pf.keep_together = True
    pf.keep_with_next = True  # the 版记 moves as one block
    pf.tab_stops.add_tab_stop(Twips(TEXT_W - 2 * 280), WD_TAB_ALIGNMENT.RIGHT)
    sides = {"bottom": (bottom, "000000", 4)}
    if isinstance(top, str):  # a Jinja expression giving the style: a rule only sometimes
        sides["top"] = (THICK, "000000", 4, top)
    elif top:
        sides["top"] = (top, "000000", 4)
    _border(paragraph._p.get_or_add_pPr(), sides)
    if text:
        paragraph.add_run(text)
    return paragraph


def _colophon(doc) -> None:
    """版记 at the foot of the last page: 抄送, then 印发机关 and 印发日期, between rules.

    The rules are paragraph borders: the first and last thick, the one between 抄送 and
    印发 thin. Before them, ``colophon_pages`` page breaks and a spacer of
    ``colophon_space`` twips, both set by the builder from a first layout, move the 版记 to
    the foot of an even page (GB/T 9704 7.5: its last line is the 版心's last line).
    """
    _p(doc, "{%p if colophon %}")
    _p(doc, "{%p for _ in colophon_pages %}")
    _p(doc).add_run().add_break(WD_BREAK.PAGE)
    _p(doc, "{%p endfor %}")
    spacer = _p(doc, "", "版记")
    spacer.paragraph_format.keep_with_next = True
    _ppr_child(spacer._p.get_or_add_pPr(), "w:spacing", before=0, after=0,
               line="{{ colophon_space }}", lineRule="exact")
    _p(doc, "{%p if copy_to_text %}")
    _colophon_line(doc, "抄送：{{ copy_to_text }}", THICK, THIN, hanging=True)
    _p(doc, "{%p endif %}")
    _p(doc, "{%p if printed_one_line %}")
    one = _colophon_line(doc, "", "{{ 'nil' if copy_to_text else 'single' }}", THICK,
                         hanging=True)
    run = one.add_run("{{ printed_by }}\t{{ printed_date }}印发")
    run._r.get_or_add_rPr().append(_el("w:w", val="{{ printed_scale }}"))  # 字符缩放 to fit
    _p(doc, "{%p else %}")
    two = _colophon_line(doc, "{{ printed_by }}", "{{ 'nil' if copy_to_text else 'single' }}",
                         THICK, hanging=True)
    two.add_run().add_break()
    two.add_run("\t{{ printed_date }}印发")
    _p(doc, "{%p endif %}")
    _p(doc, "{%p endif %}")


def make_report_template(path: Path = OUT) -> Path:
    doc = Document()
    doc.core_properties.title = "年度工作进展和总结报告"
    doc.core_properties.author = "dossier"
    _styles(doc)
    _page(doc)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    _redhead(doc)
    _body(doc)
    _colophon(doc)
    return save_deterministic(doc, path, FIXED_DATE)


if __name__ == "__main__":
    print(make_report_template())
