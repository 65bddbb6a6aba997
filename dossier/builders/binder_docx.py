"""The Word binder: the PDF binder's structure as an editable DOCX.

Cover, self-assessment score table, a table of contents, then the indicator tree as
real Word headings (Heading 1 primary … Heading 4 criterion, Heading 5 per evidence
item), so Word's navigation pane shows the tree. A tertiary indicator's heading is
followed by its divider content (points, departments, a table of its criteria with
claimed points and 自评说明).

Evidence pages have no Word form, so each page is a picture: a photo is the JPEG that
the image converter already put in its PDF (downscaled only if larger than needed);
every other page (scans, text PDFs, Office files, placeholders) is rendered from its
converted PDF with pypdfium2 at ``RENDER_DPI``: a clean rendered page becomes a 4-bit
PNG, a scan a JPEG (greyscale unless it has colour: red seals stay red); see
``_save_page_image``. Measured on the demo workspace: ≈ 39 KB per page overall
(Excel pages 14, text PDFs 45, scans 57, photos 39), so a 3,000-page binder stays
well under 200 MB. A page wider than tall gets a landscape section, so it is neither
sideways nor shrunk.

Table of contents: a ``TOC \\o "1-5" \\h`` field whose result is pre-filled with every
heading as a link (no page numbers: those are only known once Word lays the document
out), and ``updateFields`` is set in settings.xml, so Word offers to fill in the page
numbers when the document is opened; in WPS or LibreOffice, 更新目录 does the same.

Pages are rendered one at a time into a temporary folder and read again only when the
document is saved, so memory stays flat however large the binder is.
"""

from __future__ import annotations

import io
import logging
import tempfile
from copy import deepcopy
from decimal import Decimal
from pathlib import Path

import docx
import pikepdf
import pypdfium2 as pdfium
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Emu, Mm, Pt, RGBColor
from PIL import Image, ImageChops

from dossier.builders import docxkit, output_path
from dossier.errors import BuildError

log = logging.getLogger(__name__)

TITLE = "规范化建设自评佐证材料汇编"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"

# Sizes measured in the module's tests and the report: see _save_page_image.
RENDER_DPI = 100  # page images: above what 100 % zoom shows (the page is shown at 77 %)
JPEG_QUALITY = 60
PNG_LEVELS = 16  # 4-bit PNG: anti-aliased text stays smooth
_LEVEL_OF = [v * PNG_LEVELS // 256 for v in range(256)]
_GREY_RAMP = [c for i in range(PNG_LEVELS) for c in (i * 255 // (PNG_LEVELS - 1),) * 3]
CLEAN_WHITE_SHARE = 0.6  # share of pure-white pixels that marks a rendered (not scanned) page
PHOTO_DPI = 120  # a photo larger than this at its shown size is downscaled …
PHOTO_QUALITY = 70  # … and re-encoded at this quality
GREY_CHROMA = 40  # a pixel whose max−min channel exceeds this counts as coloured
GREY_SHARE = 0.0005  # a page with fewer coloured pixels than this share is stored grey
GREY_SAMPLE = 400  # pixels on the longer side looked at (nearest: thin red lines survive)

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(25), Mm(20), Mm(25), Mm(20)
HEADING_ROOM = Mm(24)  # left above a page image for the evidence item's heading
BOX_PORTRAIT = (PAGE_W - MARGIN_LEFT - MARGIN_RIGHT,
                PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - HEADING_ROOM)
BOX_LANDSCAPE = (PAGE_H - MARGIN_LEFT - MARGIN_RIGHT,
                 PAGE_W - MARGIN_TOP - MARGIN_BOTTOM - HEADING_ROOM)

_CN_DIGITS = "零一二三四五六七八九"


def build(ctx) -> Path:
    """Write ``build/YYYY/<unit>-YYYY-佐证材料汇编.docx``; returns its path."""
    project = ctx.project
    target = output_path(project, "binder_docx")
    with tempfile.TemporaryDirectory(prefix="dossier-docx-") as tmp:
        binder = _Binder(ctx, Path(tmp))
        binder.write()
        docxkit.save_deterministic(binder.document, target, project.manifest.date)
    return target


# -- formatting helpers -------------------------------------------------------------------


def points(value) -> str:
    """Points without trailing zeros: 11, 1.5, 26.21."""
    value = Decimal(str(value))
    return "0" if value == 0 else f"{value.normalize():f}"


def cn_number(n: int) -> str:
    """1–99 in Chinese numerals (一、二、… 十一)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def cn_date(date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


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
    center = WD_ALIGN_PARAGRAPH.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _set_cell(cell, text, bold=True, align=center)
    _repeat_header(table.rows[0])
    for cells, bold in rows:
        row = table.add_row()
        for i, (cell, text) in enumerate(zip(row.cells, cells, strict=True)):
            _set_cell(cell, text, bold=bold, align=center if i and len(text) < 8 else
                      WD_ALIGN_PARAGRAPH.LEFT)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)  # w:gridCol, which LibreOffice and WPS follow
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)  # w:tcW, which Word follows
    return table


# -- page images ---------------------------------------------------------------------------


def is_grey(im: Image.Image) -> bool:
    """Whether a page has (almost) no colour, so one channel is enough."""
    small = im.convert("RGB")
    small.thumbnail((GREY_SAMPLE, GREY_SAMPLE), Image.Resampling.NEAREST)
    r, g, b = small.split()
    high = ImageChops.lighter(ImageChops.lighter(r, g), b)
    low = ImageChops.darker(ImageChops.darker(r, g), b)
    coloured = sum(ImageChops.subtract(high, low).histogram()[GREY_CHROMA:])
    return coloured < GREY_SHARE * small.width * small.height


def _save_page_image(im: Image.Image, base: Path) -> Path:
    """Store a rendered page compactly; returns the file written (``base`` + suffix).

    A clean page (rendered text: mostly pure white) becomes a 4-bit PNG — 16 greys, or
    16 colours when it has colour (a red 红头) — half the size of a JPEG and without
    JPEG's smudges around characters. A scan (noisy background) becomes a JPEG, grey
    unless it has colour (red seals stay red).
    """
    grey = im.convert("L")
    clean = grey.histogram()[255] >= CLEAN_WHITE_SHARE * grey.width * grey.height
    colour = not is_grey(im)
    if clean:
        out = base.with_suffix(".png")
        if colour:
            indexed = im.convert("RGB").quantize(PNG_LEVELS, method=Image.Quantize.FASTOCTREE)
        else:
            levels = grey.point(_LEVEL_OF)
            indexed = Image.frombytes("P", levels.size, levels.tobytes())
            indexed.putpalette(_GREY_RAMP)
        indexed.save(out, "PNG", bits=4)
        return out
    out = base.with_suffix(".jpeg")
    (im.convert("RGB") if colour else grey).save(out, "JPEG", quality=JPEG_QUALITY,
                                                 optimize=True)
    return out


def _photo_jpeg(pdf_path: Path, out: Path) -> tuple[int, int] | None:
    """The photo inside an image converter's page, as JPEG in ``out``; None when the page
    is not a single JPEG picture (a placeholder, say): then it is rendered instead."""
    with pikepdf.open(pdf_path) as doc:
        page = doc.pages[0]
        found = page.get_images(recursive=False) if hasattr(page, "get_images") else page.images
        images = list(found.values())
        if len(doc.pages) != 1 or len(images) != 1:
            return None
        xobject = images[0]
        if xobject.get("/Filter") != pikepdf.Name.DCTDecode:
            return None
        data = xobject.read_raw_bytes()
    with Image.open(io.BytesIO(data)) as im:
        size = im.size
        box = BOX_PORTRAIT[0] if im.width >= im.height else BOX_PORTRAIT[1]
        longest = max(1, round(Emu(box).inches * PHOTO_DPI))
        if max(size) <= longest:
            out.write_bytes(data)
            return size
        im.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        im.save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True)
        return im.size


def _render_page(page, base: Path) -> tuple[Path, tuple[int, int]]:
    bitmap = page.render(scale=RENDER_DPI / 72)
    im = bitmap.to_pil()
    try:
        return _save_page_image(im, base), im.size
    finally:
        im.close()
        bitmap.close()


def _fit(size_px: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """Picture size in EMU that fills ``box`` (EMU) keeping the aspect ratio."""
    w, h = size_px
    scale = min(box[0] / w, box[1] / h)
    return int(w * scale), int(h * scale)


# -- the document --------------------------------------------------------------------------


class _Binder:
    def __init__(self, ctx, tmp: Path):
        self.ctx = ctx
        self.project = ctx.project
        self.tmp = tmp
        self.document = docx.Document()
        _setup_styles(self.document)
        _setup_page(self.document)
        self.pictures = docxkit.PictureStore(self.document)
        self.toc_entries: list[tuple[int, str, str]] = []
        self._bookmark = 0
        self._landscape = False
        self._fresh_page = True  # nothing on the current page yet
        self._last = None  # the last body paragraph (a section may end there)
        self._image_no = 0

    # paragraphs ---------------------------------------------------------------------------

    def para(self, text: str = "", style: str | None = None, *, new_page: bool = False):
        paragraph = self.document.add_paragraph(text, style)
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
            paragraph = document.add_paragraph(style=f"toc {level}")
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

    def evidence(self, item) -> None:
        converted = self.ctx.converted.get(item.file.sha256)
        if converted is None:
            self.heading(5, item_heading(item))
            self.para(f"（文件“{item.file.rel}”未能转换，原件见归档包。）")
            return
        photo = item.file.kind == "image" and not converted.placeholder
        try:
            pdf = pdfium.PdfDocument(str(converted.pdf))
            try:
                for index in range(len(pdf)):
                    self.page(item, converted, pdf, index, photo)
            finally:
                pdf.close()
        except (pdfium.PdfiumError, pikepdf.PdfError, OSError) as exc:
            raise BuildError(
                f"佐证 {item.number}（{item.file.rel}）转换后的页面无法读取：{exc}",
                path=converted.pdf,
                hint="删除 build/.cache 文件夹后重新运行 dossier build；仍失败时请替换该文件。",
            ) from exc

    def page(self, item, converted, pdf, index: int, photo: bool) -> None:
        self._image_no += 1
        out = self.tmp / f"p{self._image_no:06d}.jpeg"
        size = _photo_jpeg(converted.pdf, out) if photo else None
        if size is None:
            page = pdf[index]
            try:
                out, size = _render_page(page, out)
            finally:
                page.close()
        landscape = size[0] > size[1] and not photo
        if index == 0:
            self.heading(5, item_heading(item), landscape=landscape)
        else:
            self.ensure_orientation(landscape)
        paragraph = self.para(new_page=index > 0)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt = paragraph.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = 1.0
        fmt.first_line_indent = Pt(0)
        width, height = _fit(size, BOX_LANDSCAPE if landscape else BOX_PORTRAIT)
        self.pictures.add(paragraph.add_run(), out, width, height,
                          key=(converted.sha256, index), border_rgb=None if photo else "A0A0A0")
