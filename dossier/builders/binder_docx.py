"""The Word binder: the PDF binder's pages as an editable DOCX, laid out from the same page map.

It is planned by ``pagemap`` exactly as the PDF binder is (one volume: the Word binder is
never split), so the two are one document in two formats: the same cover, score table
(``rows.score_rows``, broken into pages at the same rows), table of contents, summary
page, dividers and evidence pages, in the same order, each starting on its own page.
Page n of the Word binder is page n of the (unsplit) PDF binder:

- front matter (cover, score table, TOC) is one section numbered i, ii, … (no number on
  the cover), each part starting a new page; the TOC is written page by page with the
  entries the map put on each PDF TOC page;
- the body restarts at 1; every divider, the summary page and every evidence item is a
  section of its own, starting a new page, whose footer carries "第 N 页" (a PAGE field,
  which every word processor fills in while laying out) and, on evidence pages, the
  item number, as the PDF's stamp does;
- each evidence page is one picture (see ``pageimages``) sized to fit its page under
  the item's headings; a landscape page gets a landscape section.

The TOC is static: every entry is a link to a bookmark at its heading and carries the
page number the map gives it, so LibreOffice, WPS and Word show the numbers as
delivered, without updating a field. Headings are real Word headings (Heading 1
primary … Heading 5 evidence item), so the navigation pane shows the tree; they only
ever stand at the top of a page.

Page pictures stay on disk, in the cache, and are streamed into the DOCX when it is
saved, so memory stays flat however large the binder is.
"""

from __future__ import annotations

import logging
import os
from copy import deepcopy
from pathlib import Path

import docx
from docx.enum.section import WD_HEADER_FOOTER, WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from dossier import stages
from dossier.builders import binder_pdf, docxkit, output_path, pagemap, pdfkit, rows
from dossier.builders.pageimages import PageCache, PageImage
from dossier.errors import BuildError

log = logging.getLogger(__name__)

TITLE = "规范化建设自评佐证材料汇编"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(25), Mm(20), Mm(25), Mm(20)
TOC_LINE = Mm(6.2)  # exact TOC line height (the PDF's is 6.6 mm: the Word page has slack)
STAMP_PT = 8.5  # the footer that stands for the PDF's stamp
HEADING_ROOM = Mm(34)  # left above a page image for the evidence item's heading
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
        stages.call("binder_docx.zip", docxkit.save_deterministic, binder.document, target,
                    project.manifest.date)
    except FileNotFoundError as exc:  # a cached page picture deleted during the build
        raise BuildError(f"Word汇编的页面图片在生成过程中被删除：{exc.filename}",
                         path=target, hint="请重新运行 dossier build。") from exc
    return target


# -- formatting helpers -------------------------------------------------------------------


def _setup_styles(document) -> None:
    """Fonts and sizes once, in styles.xml; paragraphs only name their style."""
    styles = document.styles
    black = RGBColor(0, 0, 0)
    docxkit.set_style_font(styles["Normal"], BODY_FONT, LATIN_FONT, 12)
    spec = {1: (HEADING_FONT, 16, False), 2: (HEADING_FONT, 15, False), 3: (KAI_FONT, 15, True),
            4: (BODY_FONT, 13, True), 5: (BODY_FONT, 12, True)}
    for level, (font, size, bold) in spec.items():
        style = styles[f"Heading {level}"]
        docxkit.set_style_font(style, font, LATIN_FONT, size, bold=bold, color_rgb=black)
        style.font.italic = False
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(0), Pt(4)
        fmt.keep_with_next = True  # a heading never stands alone at a page foot
    footer = styles["Footer"]  # the stamp line: its own right tab, nothing inherited
    docxkit.set_style_font(footer, HEADING_FONT, LATIN_FONT, STAMP_PT)
    footer.paragraph_format.tab_stops.clear_all()
    for level in range(1, 6):
        style = styles.add_style(f"toc {level}", 1)
        style.base_style = styles["Normal"]
        role, size = pdfkit.TOC_STYLE[level - 1]
        docxkit.set_style_font(style, HEADING_FONT if role == "黑体" else BODY_FONT, LATIN_FONT,
                               min(size, 10.5), bold=False)
        fmt = style.paragraph_format
        fmt.left_indent = Mm(pdfkit.TOC_INDENT[level - 1])
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = TOC_LINE  # exact: the page holds what the PDF's TOC page holds
        fmt.tab_stops.add_tab_stop(PAGE_W - MARGIN_LEFT - MARGIN_RIGHT, WD_TAB_ALIGNMENT.RIGHT,
                                   WD_TAB_LEADER.DOTS)


def _set_page_numbering(sect_pr, fmt: str, start: int | None) -> None:
    """``w:pgNumType`` of a section: roman front matter, arabic body restarting at 1."""
    old = sect_pr.find(qn("w:pgNumType"))
    if old is not None:
        sect_pr.remove(old)
    element = OxmlElement("w:pgNumType")
    element.set(qn("w:fmt"), fmt)
    if start is not None:
        element.set(qn("w:start"), str(start))
    for tag in _AFTER_PGNUMTYPE:
        follower = sect_pr.find(qn(tag))
        if follower is not None:
            follower.addprevious(element)
            return
    sect_pr.append(element)


_AFTER_PGNUMTYPE = ("w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg",
                    "w:textDirection", "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings")


def _footer_text(footer, left: str | None, right: bool, width) -> None:
    """A footer line: ``left`` text (the evidence item) and/or 第 N 页 (PAGE field) at the
    right, or the page number alone in the centre (front matter, roman)."""
    paragraph = footer.paragraphs[0]
    for run in list(paragraph.runs):
        paragraph._p.remove(run._r)
    if not right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        docxkit.set_run_font(docxkit.add_field(paragraph, "PAGE", "i"), "黑体", STAMP_PT,
                             latin=LATIN_FONT)
        return
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.RIGHT
    if left:
        paragraph.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        docxkit.set_run_font(paragraph.add_run(f"佐证 {left}\t"), "黑体", STAMP_PT,
                             latin=LATIN_FONT)
    docxkit.set_run_font(paragraph.add_run("第 "), "黑体", STAMP_PT, latin=LATIN_FONT)
    docxkit.set_run_font(docxkit.add_field(paragraph, "PAGE", "1"), "黑体", STAMP_PT,
                         latin=LATIN_FONT)
    docxkit.set_run_font(paragraph.add_run(" 页"), "黑体", STAMP_PT, latin=LATIN_FONT)


def _setup_page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.orientation = WD_ORIENT.PORTRAIT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = section.footer_distance = Mm(10)
    section.different_first_page_header_footer = True  # no page number on the cover
    _footer_text(section.footer, None, False, 0)
    _set_page_numbering(section._sectPr, "lowerRoman", 1)


def _set_cell(cell, text: str, *, size: float = 10, bold: bool = False,
              align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    if bold:
        run.bold = True


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _table(document, header, widths_mm: list[float], body: list[tuple[list[str], bool]]):
    """A grid table with a repeated header row; ``body`` rows are (cells, bold)."""
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
    for cells, bold in body:
        row = table.add_row()  # its cells get w:tcW from w:gridCol
        for i, (cell, text) in enumerate(zip(row.cells, cells, strict=True)):
            _set_cell(cell, text, bold=bold, align=WD_ALIGN_PARAGRAPH.LEFT
                      if i == 1 or len(text) >= 8 else center)
    return table




# -- the document --------------------------------------------------------------------------


class _Binder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.project = ctx.project
        planned = ctx.page_map  # the PDF binder's, when it was built now and not split
        self.volume = (planned if planned is not None and not planned.split
                       else binder_pdf.whole_page_map(ctx)).volumes[0]
        self.page_cache = PageCache(self.project.cache_dir, (BOX_PORTRAIT, BOX_LANDSCAPE))
        self.unrenderable = 0  # pages shown as a "cannot be shown" picture
        self.document = docx.Document()
        _setup_styles(self.document)
        _setup_page(self.document)
        self.pictures = docxkit.PictureStore(self.document)
        self.footers = docxkit.FooterStore(self.document)
        self._body_end = self.document.element.body.sectPr  # stays the body's last child
        self.bookmarks = {n: f"_Toc{n + 1:08d}" for n in range(len(self.volume.toc))}
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
        # python-docx's add_paragraph scans the whole body for where to insert (quadratic
        # over thousands of pages); the body's last child is always its sectPr.
        p = OxmlElement("w:p")
        self._body_end.addprevious(p)
        paragraph = Paragraph(p, self.document._body)
        if text:
            paragraph.add_run(text)
        if style is not None:
            paragraph._p.style = self.style_id(style)
        if new_page and not self._fresh_page:
            paragraph.paragraph_format.page_break_before = True
        self._fresh_page = False
        self._last = paragraph
        return paragraph

    def mark(self, paragraph, entries: list[int]) -> None:
        """Bookmarks of the TOC entries ``entries`` (positions in ``volume.toc``)."""
        for n in entries:
            docxkit.add_bookmark(paragraph, self.bookmarks[n], n + 1)

    def heading(self, entry: int):
        e = self.volume.toc[entry]
        paragraph = self.para(e.text, f"Heading {e.level + 1}")
        self.mark(paragraph, [entry])
        return paragraph

    def section(self, *, landscape: bool, footer: str | bool, start: int | None = None):
        """End the current section at the last paragraph; the next starts a new page.

        ``footer``: an item number (evidence pages), True (page number only), or False
        (keep the previous section's footer: an orientation change inside an item).
        """
        if self._last is None:  # after a table: a paragraph must carry the section end
            spacer = self.para()
            fmt = spacer.paragraph_format
            fmt.line_spacing = Pt(1)
            fmt.space_after = fmt.space_before = Pt(0)
        body_sectpr = self._body_end
        ended = deepcopy(body_sectpr)
        self._last._p.get_or_add_pPr().insert_element_before(ended, "w:pPrChange")
        section = Section(body_sectpr, self.document.part)
        section.start_type = WD_SECTION.NEW_PAGE
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = ((PAGE_H, PAGE_W) if landscape
                                                   else (PAGE_W, PAGE_H))
        if section.different_first_page_header_footer:
            section.different_first_page_header_footer = False
            if body_sectpr.get_footerReference(WD_HEADER_FOOTER.FIRST_PAGE) is not None:
                body_sectpr.remove_footerReference(WD_HEADER_FOOTER.FIRST_PAGE)
        _set_page_numbering(body_sectpr, "decimal", start)
        if footer is not False:
            if body_sectpr.get_footerReference(WD_HEADER_FOOTER.PRIMARY) is not None:
                body_sectpr.remove_footerReference(WD_HEADER_FOOTER.PRIMARY)
            self.footers.add(section)  # a footer part of its own
            width = section.page_width - section.left_margin - section.right_margin
            _footer_text(section.footer, footer if isinstance(footer, str) else None, True, width)
        self._landscape = landscape
        self._fresh_page = True
        self._last = None

    # parts of the binder ----------------------------------------------------------------

    def write(self) -> None:
        self.cover()
        self.score_table()
        self.toc()
        items = pagemap.binder_items(self.project)
        with self.ctx.progress.task("生成Word汇编页面图片", total=None):
            stages.call("binder_docx.pictures", self.page_cache.prepare,
                        [w for it in items if (w := self._wanted(it))], os.cpu_count() or 1)
        entries: dict[int, list[int]] = {}
        for n, e in enumerate(self.volume.toc):
            entries.setdefault(e.block, []).append(n)
        with self.ctx.progress.task("生成Word汇编", total=len(items)) as task, \
                stages.stage("binder_docx.pages"):
            for position, block in enumerate(self.volume.blocks):
                here = entries.get(position, [])
                start = 1 if position == 0 else None
                if block.is_summary:
                    self.section(landscape=False, footer=True, start=start)
                    self.summary(here)
                elif block.is_divider:
                    self.section(landscape=False, footer=True, start=start)
                    self.divider(block.section, here)
                else:
                    self.evidence(block, here, start=start)
                    task.advance(1, block.item.number)

    def cover(self) -> None:
        data = pdfkit.cover_data(self.project, self.volume)
        for _ in range(5):
            self.para()
        lines = [(f"{data['year']}年度", HEADING_FONT, 22), (TITLE, HEADING_FONT, 26),
                 (f"（依据《{data['basis']}》）", KAI_FONT, 14), ("", BODY_FONT, 14),
                 (data["contents"], BODY_FONT, 14)]
        for text, font, size in lines:
            paragraph = self.para()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_after = Pt(18)
            docxkit.set_run_font(paragraph.add_run(text), font, size, latin=LATIN_FONT)
        for _ in range(6):
            self.para()
        for text, font, size in ((data["unit"], HEADING_FONT, 18), (data["date"], BODY_FONT, 16)):
            paragraph = self.para()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            docxkit.set_run_font(paragraph.add_run(text), font, size, latin=LATIN_FONT)

    def title(self, text: str, *, new_page: bool = True):
        paragraph = self.para(new_page=new_page)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(10)
        docxkit.set_run_font(paragraph.add_run(text), HEADING_FONT, 18)
        return paragraph

    def score_table(self) -> None:
        """自评得分表 from the shared rows, broken into pages where the PDF's is."""
        data = pdfkit.score_data(self.project, self.ctx.score)
        for n, page in enumerate(data["pages"]):
            if n == 0:
                self.title("自评得分表")
                subtitle = self.para(data["subtitle"])
                subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                self.para(new_page=True).paragraph_format.space_after = Pt(0)
            _table(self.document, rows.SCORE_HEADER, [16, 86, 20, 22, 22],
                   [(cells, kind not in ("tertiary", "bonus", "deduction"))
                    for kind, *cells in page])
            self._last = None

    def toc(self) -> None:
        """目录: the entries of each PDF TOC page on a page of their own, with page numbers."""
        page = -1
        for n, e in enumerate(self.volume.toc):
            if e.toc_page != page:
                if e.toc_page == 0:
                    self.title("目  录")
                page = e.toc_page
                paragraph = self.para(style=f"toc {e.level + 1}", new_page=e.toc_page > 0)
            else:
                paragraph = self.para(style=f"toc {e.level + 1}")
            docxkit.add_internal_hyperlink(paragraph, e.text, self.bookmarks[n])
            paragraph.add_run(f"\t{e.page}")

    def summary(self, entries: list[int]) -> None:
        data = pdfkit.summary_data(self.project, self.ctx.score,
                                   pagemap.summary_sections(self.project, self.ctx.score))
        for n, page in enumerate(data["pages"]):
            if n == 0:
                paragraph = self.title(data["title"], new_page=False)
                self.mark(paragraph, entries)
                self.para(data["intro"]).paragraph_format.space_after = Pt(4)
            else:
                self.para(new_page=True).paragraph_format.space_after = Pt(0)
            _table(self.document, pdfkit.SUMMARY_HEADER, [22, 120, 24],
                   [(cells, False) for cells in page])
            self._last = None

    def divider(self, code: str, entries: list[int]) -> None:
        """A section's headings and its divider: points, departments, criteria table."""
        toc = self.volume.toc
        heads = [n for n in entries if toc[n].level <= pagemap.TERTIARY]
        last = None
        for n in heads:
            last = self.heading(n)
        self.mark(last, [n for n in entries if n not in heads])
        data = pdfkit.divider_data(self.project, self.ctx.score, code)
        for text in (data["points"], data["departments"], data["intro"]):
            if text:
                self.para(text).paragraph_format.space_after = Pt(2)
        _table(self.document, ["编号", "评价标准", "分值", "自评得分", "自评说明"],
               [17, 61, 13, 19, 55], [(cells, False) for cells in data["rows"]])
        self._last = None

    def _wanted(self, item) -> tuple[Path, bool, int] | None:
        """What ``evidence`` will ask the page cache for: (pdf, photo, pages)."""
        converted = self.ctx.converted.get(item.file.sha256)
        if converted is None or converted.pages <= 0 or not Path(converted.pdf).is_file():
            return None
        photo = item.file.kind == "image" and not converted.placeholder
        return converted.pdf, photo, converted.pages

    def evidence(self, block: pagemap.Block, entries: list[int], start: int | None) -> None:
        item = block.item
        wanted = self._wanted(item)
        if wanted is None:
            self.section(landscape=False, footer=item.number, start=start)
            for n in entries:
                self.heading(n)
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
            if index == 0:
                self.section(landscape=image.landscape, footer=item.number, start=start)
                for n in entries:
                    self.heading(n)
            elif image.landscape != self._landscape:
                self.section(landscape=image.landscape, footer=False)
            self.page(converted, index, image, photo)

    def page(self, converted, index: int, image: PageImage, photo: bool) -> None:
        paragraph = self.para(new_page=index > 0)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt = paragraph.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = 1.0
        fmt.first_line_indent = Pt(0)
        self.pictures.add(paragraph.add_run(), image.path, *image.emu,
                          key=(converted.sha256, index), border_rgb=None if photo else "A0A0A0")
