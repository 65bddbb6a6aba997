"""The Word binder: the PDF binder's structure as an editable DOCX.

Cover, self-assessment score table, a table of contents, then the indicator tree as
real Word headings (Heading 1 primary … Heading 4 criterion, Heading 5 per evidence
item), so Word's navigation pane shows the tree. A tertiary indicator's heading is
followed by its divider content (points, departments, a table of its criteria with
claimed points and 自评说明).

Evidence pages have no Word form, so each page is a picture (see ``pageimages``: a
photo's own JPEG, other pages rendered with pypdfium2), cached across builds per
converted PDF: a warm build renders nothing, a changed file only its own pages. A page
wider than tall gets a landscape section, so it is neither sideways nor shrunk. A page
pdfium cannot render is a picture saying so; the build goes on and reports it.

Table of contents: a ``TOC \\o "1-5" \\h`` field whose result is pre-filled with every
heading as a link (no page numbers: those are only known once Word lays the document
out), and ``updateFields`` is set in settings.xml, so Word offers to fill in the page
numbers when the document is opened; in WPS or LibreOffice, 更新目录 does the same.

Page pictures stay on disk, in the cache, and are streamed into the DOCX when it is
saved, so memory stays flat however large the binder is.
"""

from __future__ import annotations

import logging
import os
from copy import deepcopy
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt, RGBColor

from dossier.builders import docxkit, output_path
from dossier.builders.pageimages import PageCache, PageImage
from dossier.cnformat import cn_date, cn_number
from dossier.cnformat import pts as points
from dossier.errors import BuildError

log = logging.getLogger(__name__)

TITLE = "规范化建设自评佐证材料汇编"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(25), Mm(20), Mm(25), Mm(20)
HEADING_ROOM = Mm(24)  # left above a page image for the evidence item's heading
BOX_PORTRAIT = (PAGE_W - MARGIN_LEFT - MARGIN_RIGHT,
                PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - HEADING_ROOM)
BOX_LANDSCAPE = (PAGE_H - MARGIN_LEFT - MARGIN_RIGHT,
                 PAGE_W - MARGIN_TOP - MARGIN_BOTTOM - HEADING_ROOM)



def build(ctx) -> Path:
    """Write ``build/YYYY/<unit>-YYYY-佐证材料汇编.docx``; returns its path."""
    project = ctx.project
    target = output_path(project, "binder_docx")
    binder = _Binder(ctx)
    binder.write()
    try:
        docxkit.save_deterministic(binder.document, target, project.manifest.date)
    except FileNotFoundError as exc:  # a cached page picture deleted during the build
        raise BuildError(f"Word汇编的页面图片在生成过程中被删除：{exc.filename}",
                         path=target, hint="请重新运行 dossier build。") from exc
    return target


# -- formatting helpers -------------------------------------------------------------------


def primary_heading(p) -> str:
    return f"{cn_number(int(p.code))}、{p.name}（{points(p.points)}分）"


def secondary_heading(s) -> str:
    return f"{s.code}.{s.name}（{points(s.points)}分）"


def tertiary_heading(t) -> str:
    return f"{t.code} {t.name}（{points(t.points)}分）"


def criterion_heading(c) -> str:
    return f"{c.code} {c.short}（{points(c.points)}分）"


def item_heading(item) -> str:
    return f"佐证 {item.number} {item.title}"


def _setup_styles(document) -> None:
    """Fonts and sizes once, in styles.xml; paragraphs only name their style."""
    styles = document.styles
    black = RGBColor(0, 0, 0)
    docxkit.set_style_font(styles["Normal"], BODY_FONT, LATIN_FONT, 14)
    spec = {1: (HEADING_FONT, 16, False), 2: (HEADING_FONT, 15, False), 3: (KAI_FONT, 15, True),
            4: (BODY_FONT, 14, True), 5: (BODY_FONT, 12, True)}
    for level, (font, size, bold) in spec.items():
        style = styles[f"Heading {level}"]
        docxkit.set_style_font(style, font, LATIN_FONT, size, bold=bold, color_rgb=black)
        style.font.italic = False
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(12 if level < 5 else 6), Pt(6)
        fmt.keep_with_next = True
    for level in range(1, 6):
        style = styles.add_style(f"toc {level}", 1)
        style.base_style = styles["Normal"]
        docxkit.set_style_font(style, BODY_FONT, LATIN_FONT, 12 if level < 5 else 10.5,
                               bold=level == 1)
        style.paragraph_format.left_indent = Mm(5 * (level - 1))
        style.paragraph_format.space_after = Pt(0)


def _setup_page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.orientation = WD_ORIENT.PORTRAIT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = section.footer_distance = Mm(10)
    section.different_first_page_header_footer = True  # no page number on the cover
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = docxkit.add_field(footer, "PAGE", "1")
    docxkit.set_run_font(run, "宋体", 10.5, latin=LATIN_FONT)


def _set_cell(cell, text: str, *, size: float = 10.5, bold: bool = False,
              align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    if bold:
        run.bold = True


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _table(document, header: list[str], widths_mm: list[float], rows: list[tuple[list[str], bool]]):
    """A grid table with a repeated header row; ``rows`` are (cells, bold)."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)  # w:gridCol, which LibreOffice and WPS follow
    center = WD_ALIGN_PARAGRAPH.CENTER
    header_row = table.rows[0]
    for cell, text, width in zip(header_row.cells, header, widths_mm, strict=True):
        cell.width = Mm(width)  # w:tcW, which Word follows
        _set_cell(cell, text, bold=True, align=center)
    _repeat_header(header_row)
    for cells, bold in rows:
        row = table.add_row()  # its cells get w:tcW from w:gridCol
        for i, (cell, text) in enumerate(zip(row.cells, cells, strict=True)):
            _set_cell(cell, text, bold=bold, align=center if i and len(text) < 8 else
                      WD_ALIGN_PARAGRAPH.LEFT)
    return table


# -- the document --------------------------------------------------------------------------


class _Binder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.project = ctx.project
        self.page_cache = PageCache(self.project.cache_dir, (BOX_PORTRAIT, BOX_LANDSCAPE))
        self.unrenderable = 0  # pages shown as a "cannot be shown" picture
        self.document = docx.Document()
        _setup_styles(self.document)
        _setup_page(self.document)
        self.pictures = docxkit.PictureStore(self.document)
        self.toc_entries: list[tuple[int, str, str]] = []
        self._bookmark = 0
        self._landscape = False
        self._fresh_page = True  # nothing on the current page yet
        self._last = None  # the last body paragraph (a section may end there)
        self._style_ids: dict[str, str] = {}

    # paragraphs ---------------------------------------------------------------------------

    def style_id(self, name: str) -> str:
        """python-docx looks a style name up by scanning all styles on every paragraph
        (≈ 1.5 ms each, most of the binder's time once pages are cached): look up once."""
        if name not in self._style_ids:
            self._style_ids[name] = self.document.styles[name].style_id
        return self._style_ids[name]

    def para(self, text: str = "", style: str | None = None, *, new_page: bool = False):
        paragraph = self.document.add_paragraph(text)
        if style is not None:
            paragraph._p.style = self.style_id(style)
        if new_page and not self._fresh_page:
            paragraph.paragraph_format.page_break_before = True
        self._fresh_page = False
        self._last = paragraph
        return paragraph

    def heading(self, level: int, text: str, *, new_page: bool = False,
                landscape: bool = False):
        self.ensure_orientation(landscape)
        paragraph = self.para(text, f"Heading {level}", new_page=new_page)
        self._bookmark += 1
        name = f"_Toc{self._bookmark:08d}"
        docxkit.add_bookmark(paragraph, name, self._bookmark)
        self.toc_entries.append((level, text, name))
        return paragraph

    def ensure_orientation(self, landscape: bool) -> None:
        """End the current section at the last paragraph when the orientation changes."""
        if landscape == self._landscape:
            return
        if self._last is None:  # after a table: a paragraph must carry the section end
            self.para()
        body_sectpr = self.document.element.body.sectPr
        ended = deepcopy(body_sectpr)
        self._last._p.get_or_add_pPr().insert_element_before(ended, "w:pPrChange")
        section = Section(body_sectpr, self.document.part)
        section.start_type = WD_SECTION.NEW_PAGE
        section.different_first_page_header_footer = False
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = ((PAGE_H, PAGE_W) if landscape
                                                   else (PAGE_W, PAGE_H))
        self._landscape = landscape
        self._fresh_page = True

    # parts of the binder ----------------------------------------------------------------

    def write(self) -> None:
        self.cover()
        self.score_table()
        toc_marker = self.toc_title()
        items = self.project.all_items()
        with self.ctx.progress.task("生成Word汇编页面图片", total=None):
            self.page_cache.prepare([w for it in items if (w := self._wanted(it))],
                                    os.cpu_count() or 1)
        with self.ctx.progress.task("生成Word汇编", total=len(items)) as task:
            self.body(task)
        self.toc(toc_marker)
        docxkit.set_update_fields_on_open(self.document)

    def cover(self) -> None:
        manifest = self.project.manifest
        for _ in range(6):
            self.para()
        lines = [(manifest.unit, HEADING_FONT, 22), (f"{self.project.year}年度", HEADING_FONT, 22),
                 (TITLE, HEADING_FONT, 26)]
        for text, font, size in lines:
            paragraph = self.para()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_after = Pt(18)
            docxkit.set_run_font(paragraph.add_run(text), font, size)
        for _ in range(10):
            self.para()
        for text in (self.project.standard.title, cn_date(manifest.date)):
            paragraph = self.para()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            docxkit.set_run_font(paragraph.add_run(text), BODY_FONT, 16, latin=LATIN_FONT)

    def title(self, text: str, *, new_page: bool = True):
        paragraph = self.para(new_page=new_page)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(12)
        docxkit.set_run_font(paragraph.add_run(text), HEADING_FONT, 18)
        return paragraph

    def score_table(self) -> None:
        score = self.ctx.score
        self.title("自评得分表")
        secondary = {s.code: s for s in score.secondary}
        tertiary = {t.code: t for t in score.tertiary}
        rows: list[tuple[list[str], bool]] = []
        for p, p_score in zip(self.project.standard.primary, score.primary, strict=True):
            rows.append(([f"{cn_number(int(p.code))}、{p.name}", points(p_score.max),
                          points(p_score.claimed)], True))
            for s in p.secondary:
                rows.append(([f"{s.code}.{s.name}", points(s.points),
                              points(secondary[s.code].claimed)], True))
                rows += [([f"{t.code} {t.name}", points(t.points),
                           points(tertiary[t.code].claimed)], False) for t in s.tertiary]
        rows.append((["基础得分", points(self.project.standard.total), points(score.base)], True))
        for extra in score.bonus_items:
            rows.append(([f"加分项 {extra.code} {extra.name}", "", f"+{points(extra.points)}"],
                          False))
        for extra in score.deduction_items:
            rows.append(([f"扣分项 {extra.code} {extra.name}", "", f"−{points(extra.points)}"],
                          False))
        rows.append((["自评总分", "", points(score.total)], True))
        rows.append((["自评等级", "", score.grade], True))
        _table(self.document, ["指标", "分值", "自评得分"], [115, 25, 25], rows)
        self._last = None  # a table ends the page content; the next paragraph follows it

    def toc_title(self):
        return self.title("目  录")

    def toc(self, marker) -> None:
        """Insert the TOC field after ``marker``, its result pre-filled with the headings."""
        document = self.document
        first = document.add_paragraph()
        docxkit.begin_field(first, 'TOC \\o "1-5" \\h \\z \\u')
        paragraphs = [first]
        for level, text, anchor in self.toc_entries:
            paragraph = document.add_paragraph()
            paragraph._p.style = self.style_id(f"toc {level}")
            docxkit.add_internal_hyperlink(paragraph, text, anchor)
            paragraphs.append(paragraph)
        last = document.add_paragraph()
        docxkit.end_field(last)
        paragraphs.append(last)
        anchor_el = marker._p
        for paragraph in paragraphs:
            anchor_el.addnext(paragraph._p)
            anchor_el = paragraph._p

    def body(self, task) -> None:
        standard = self.project.standard
        for p in standard.primary:
            first_of_primary = True
            for s in p.secondary:
                first_of_secondary = True
                for t in s.tertiary:
                    if first_of_primary:
                        self.heading(1, primary_heading(p), new_page=True)
                    if first_of_secondary:
                        self.heading(2, secondary_heading(s),
                                     new_page=not first_of_primary)
                    self.heading(3, tertiary_heading(t),
                                 new_page=not (first_of_primary or first_of_secondary))
                    first_of_primary = first_of_secondary = False
                    self.divider(t)
                    self.items(self.project.items_for(t.code), task)
                    for c in t.criteria:
                        self.criterion(c, task)

    def divider(self, t) -> None:
        score = self.ctx.score
        claimed = {c.code: c.claimed for c in score.criteria}
        t_claimed = next(x.claimed for x in score.tertiary if x.code == t.code)
        self.para(f"责任科室：{'、'.join(t.departments) or '—'}")
        self.para(f"分值：{points(t.points)}分；自评得分：{points(t_claimed)}分")
        if t.intro:
            self.para(t.intro)
        rows = []
        for c in t.criteria:
            claim = self.project.claim(c.code)
            rows.append(([c.code, c.text, points(c.points), points(claimed[c.code]),
                          claim.note if claim and claim.note else ""], False))
        _table(self.document, ["编号", "评价标准", "分值", "自评得分", "自评说明"],
               [17, 61, 13, 19, 55], rows)
        self._last = None

    def criterion(self, c, task) -> None:
        self.heading(4, criterion_heading(c))
        self.para(f"评价标准：{c.text}")
        items = self.project.items_for(c.code)
        if not items:
            self.para("（本项没有佐证材料）")
        self.items(items, task)

    def items(self, items, task) -> None:
        for item in items:
            self.evidence(item)
            task.advance(1, item.number)

    def _wanted(self, item) -> tuple[Path, bool, int] | None:
        """What ``evidence`` will ask the page cache for: (pdf, photo, pages)."""
        converted = self.ctx.converted.get(item.file.sha256)
        if converted is None:
            return None
        photo = item.file.kind == "image" and not converted.placeholder
        return converted.pdf, photo, converted.pages

    def evidence(self, item) -> None:
        wanted = self._wanted(item)
        if wanted is None:
            self.heading(5, item_heading(item))
            self.para(f"（文件“{item.file.rel}”未能转换，原件见归档包。）")
            return
        converted = self.ctx.converted[item.file.sha256]
        pdf, photo, expected = wanted
        try:
            images = self.page_cache.pages(pdf, photo=photo, expected=expected)
        except OSError as exc:
            raise BuildError(
                f"佐证 {item.number}（{item.file.rel}）的页面图片无法写入缓存：{exc}",
                path=self.page_cache.root,
                hint="请检查磁盘空间和 build 文件夹的写入权限后重新运行 dossier build。",
            ) from exc
        broken = [im for im in images if im.broken]
        if broken:
            self.unrenderable += len(broken)
            self.ctx.progress.log(
                f"佐证 {item.number}（{item.file.rel}）转换后的PDF有 {len(broken)} 页无法显示"
                f"（{broken[0].broken}），Word汇编中以说明图代替；请核对原件，"
                "必要时重新扫描或导出后替换该文件。")
        for index, image in enumerate(images):
            self.page(item, converted, index, image, photo)

    def page(self, item, converted, index: int, image: PageImage, photo: bool) -> None:
        if index == 0:
            self.heading(5, item_heading(item), landscape=image.landscape)
        else:
            self.ensure_orientation(image.landscape)
        paragraph = self.para(new_page=index > 0)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt = paragraph.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = 1.0
        fmt.first_line_indent = Pt(0)
        self.pictures.add(paragraph.add_run(), image.path, *image.emu,
                          key=(converted.sha256, index), border_rgb=None if photo else "A0A0A0")
