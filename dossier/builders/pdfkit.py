"""fpdf2 pages of the PDF binder: cover, score table, table of contents, dividers, stamps.

Every page is drawn from the page map (``pagemap.py``); nothing here decides a page
number. Chinese text uses the font roles of ``dossier.tools.fonts`` (embedded, subset by
fpdf2). The TOC is drawn at fixed line positions, so ``toc_entry_rect`` gives the link
rectangle of an entry without rendering anything.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager

from fpdf import FPDF
from fpdf.fonts import FontFace

from dossier.builders import pagemap, rows
from dossier.builders.pagemap import CRITERION, ITEM, PRIMARY, SECONDARY, TERTIARY
from dossier.cnformat import pts as points_text
from dossier.linebreak import balanced_lines, break_lines, prebroken
from dossier.tools import fonts

MM = 72 / 25.4
A4 = (210.0, 297.0)
FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
GRAY = (110, 110, 110)
RULE = (150, 150, 150)

# Roles drawn (宋体 is left out: each embedded font costs about a second to parse and subset).
ROLES = ("小标宋", "黑体", "仿宋", "楷体")

# Table of contents geometry (mm)
TOC_LEFT, TOC_RIGHT = 22.0, 188.0
TOC_TOP, TOC_FIRST_TOP, TOC_BOTTOM = 24.0, 44.0, 276.0
TOC_LINE = 6.6
TOC_NUM_WIDTH = 14.0
TOC_INDENT = {PRIMARY: 0.0, SECONDARY: 4.0, TERTIARY: 8.0, CRITERION: 12.0, ITEM: 16.0}
TOC_STYLE = {PRIMARY: ("黑体", 12.0), SECONDARY: ("黑体", 11.0), TERTIARY: ("黑体", 10.5),
             CRITERION: ("仿宋", 10.5), ITEM: ("仿宋", 10.0)}
TOC_MAX_LINES = 3

# Stamp strip (pt): the band at the bottom of every evidence page, freed by shrinking it.
# Heights from the bottom edge; text stays above the ~5 mm that printers cannot print.
STRIP = 34.0
RULE_AT = 26.0
BASELINE = 13.0
STAMP_SIZE = 8.5
STAMP_MARGIN = 40.0
STAMP_COLOR = (60, 60, 60)
BODY_BOTTOM = 22.0  # mm kept free above the page number on drawn pages


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def new_doc() -> tuple[FPDF, dict[str, str]]:
    """A deterministic A4 fpdf2 document with every font role registered."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_producer("dossier")
    pdf.set_auto_page_break(False)
    pdf.set_margins(22, 24, 22)
    faces = {role: fonts.add_role_font(pdf, role) for role in ROLES}
    # A character the role's font lacks (a symbol in a file name) comes from the 黑体 face.
    pdf.set_fallback_fonts([faces["黑体"]], exact_match=False)
    return pdf, faces


def goto(pdf: FPDF, page: int) -> None:
    """Draw on an earlier page from now on.

    fpdf2 writes a font operator only when the font changes, and it does not know which
    font that page's content stream last selected: without the size nudge below, text
    drawn there would use the wrong font's glyph ids (garbage characters).
    """
    if pdf.page != page:
        pdf.page = page
        pdf.set_font_size(pdf.font_size_pt + 0.5)


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break text into lines no wider than ``width``, by the Chinese rules of ``linebreak``."""
    return break_lines(text, width, pdf.get_string_width)


def cell_text(pdf: FPDF, text: str, width: float, pad: float | None = None) -> str:
    """Text for an fpdf2 table cell or multi_cell ``width`` mm wide, broken by ``wrap``.

    fpdf2 breaks Chinese text anywhere; given ready-made lines, it keeps them. ``pad``
    (both sides together; a multi_cell's default margins when None) and a hair of
    rounding are left free.
    """
    pad = 2 * pdf.c_margin if pad is None else pad
    return prebroken(text, width - pad - 0.3, pdf.get_string_width)


def _clip(pdf: FPDF, lines: list[str], width: float, max_lines: int) -> list[str]:
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and pdf.get_string_width(last + "…") > width:
        last = last[:-1]
    return lines[: max_lines - 1] + [last + "…"]


# -- what the drawn pages show, as plain data ---------------------------------------------
#
# Every drawing function below reads only these dicts and lists (strings and numbers), so
# their JSON is exactly the input of a drawn PDF: binder_pdf keys its cache on it.


def divider_data(project, score, code: str) -> dict:
    """A section's divider: what it asks, what was claimed, the notes."""
    standard = project.standard
    if not standard.has_tertiary(code):
        return extra_divider_data(project, score, code)
    t = standard.tertiary(code)
    claimed = {c.code: c for c in score.criteria}
    sub = next(s for s in score.tertiary if s.code == code)
    p, s = standard.primary_of(code), standard.secondary_of(code)
    table = []
    for c in t.criteria:
        cs = claimed.get(c.code)
        claim = project.claim(c.code)
        note = claim.note if claim and claim.note else ""
        if cs is not None and cs.facts is not None:
            note = (note + "；" if note else "") + f"按系统数据：{cs.facts.reason}"
        items = len(project.items_for(c.code))
        note = (note + "\n" if note else "") + (f"佐证材料 {items} 件" if items else rows.NO_EVIDENCE)
        shown = "—" if cs is None else (
            "未填报" if cs.claim is None and cs.facts is None else points_text(cs.claimed))
        table.append([c.code, c.text, points_text(c.points), shown, note])
    return {"path": f"{rows.primary_label(p)} · {rows.secondary_label(s)}",
            "title": rows.tertiary_label(t),
            "points": f"分值 {points_text(t.points)} 分    自评得分 {points_text(sub.claimed)} 分",
            "departments": "责任科室：" + "、".join(t.departments) if t.departments else "",
            "intro": t.intro or "", "rows": table}


def extra_divider_data(project, score, code: str) -> dict:
    """A bonus or deduction item's divider: its rules and the points it gives."""
    standard = project.standard
    extra = next(e for e in (*standard.bonus, *standard.deductions) if e.code == code)
    scored = next(e for e in (*score.bonus_items, *score.deduction_items) if e.code == code)
    sign = "+" if code.startswith("B") else "−"
    items = len(project.items_for(code))
    value = f"{sign}{points_text(scored.points)}" if scored.points else "0"
    note = (scored.detail + "\n" if scored.detail else "") + (
        f"佐证材料 {items} 件" if items else rows.NO_EVIDENCE)
    table = [[f"{code}-{n}", rule, "", value if n == 1 else "", note if n == 1 else ""]
             for n, rule in enumerate(extra.rules or ("—",), start=1)]
    return {"path": rows.EXTRAS_TITLE, "title": rows.extra_label(extra),
            "points": f"自评{rows.extra_kind(code)} {value} 分",
            "departments": "责任科室：" + "、".join(extra.departments) if extra.departments else "",
            "intro": "", "rows": table}


def summary_data(project, score, codes: tuple[str, ...]) -> dict:
    """The one page listing the sections with nothing claimed and no evidence."""
    standard = project.standard
    table = []
    for code in codes:
        if standard.has_tertiary(code):
            t = standard.tertiary(code)
            table.append([t.code, t.name, points_text(t.points)])
            table += [[c.code, c.short, points_text(c.points)] for c in t.criteria]
        else:
            e = next(x for x in (*standard.bonus, *standard.deductions) if x.code == code)
            table.append([e.code, rows.extra_label(e), ""])
    return {"title": rows.EMPTY_SUMMARY_TITLE,
            "intro": "下列指标自评得分均为0，也没有佐证材料，不单设分隔页；如有材料，请放入对应文件夹后重新生成。",
            "pages": rows.paged(table, pagemap.SUMMARY_ROWS_PER_PAGE)}


def score_data(project, score) -> dict:
    """自评得分表 from the shared rows (``rows.score_rows``), split into pages by the map."""
    table = [[r.kind, *r.cells] for r in rows.score_rows(project, score)]
    return {"subtitle": f"{project.unit}（{project.year}年度）",
            "pages": rows.paged(table, pagemap.SCORE_ROWS_PER_PAGE)}


def layout_data(project, score) -> dict:
    """Everything drawn before the page map is known: dividers, summary and score table."""
    summary = pagemap.summary_sections(project, score)
    return {"dividers": [[code, divider_data(project, score, code)]
                         for code in pagemap.sections(project.standard) if code not in summary],
            "summary": summary_data(project, score, summary) if summary else None,
            "score": score_data(project, score)}


def cover_data(project, volume: pagemap.Volume) -> dict:
    """The cover; its figures are the volume's own, from the page map."""
    what = f"佐证材料 {volume.item_count} 件（{volume.evidence_pages} 页），本册共 {volume.total_pages} 页"
    return {"number": volume.number, "count": volume.count, "year": project.year,
            "basis": project.standard.title,
            "range": volume.range_text(project.standard) if volume.count > 1 else None,
            "contents": f"本册收录{what}" if volume.count > 1 else f"收录{what.replace('本册', '')}",
            "unit": project.unit, "date": chinese_date(project.manifest.date)}


def finish_data(project, page_map: pagemap.PageMap) -> dict:
    """Everything drawn once the page map is known: page numbers, covers, TOCs."""
    volumes, dividers, score_first, summary_first = [], [], None, None
    for volume in page_map.volumes:
        dividers += [[b.section, b.first] for b in volume.blocks if b.is_divider]
        summary_first = next((b.first for b in volume.blocks if b.is_summary), summary_first)
        if volume.score_pages:
            score_first = volume.score_index + 1
        volumes.append({
            "cover": cover_data(project, volume),
            "toc_pages": volume.toc_pages, "toc_index": volume.toc_index,
            "toc": [[e.level, e.text, e.page, e.toc_page, e.toc_line] for e in volume.toc]})
    return {"dividers": dividers, "summary_first": summary_first, "score_first": score_first,
            "volumes": volumes}


# -- the document ---------------------------------------------------------------------------


def toc_capacity(toc_page: int) -> int:
    top = TOC_FIRST_TOP if toc_page == 0 else TOC_TOP
    return int((TOC_BOTTOM - top) / TOC_LINE)


class AuxDoc:
    """The one fpdf2 document holding every page the binder draws itself.

    Font parsing and subsetting cost about a second per font and document, so all
    dividers, the score table, and every volume's cover and TOC share one document; the
    merge picks their pages by range. Dividers and the score table are drawn first (their
    page counts feed the page map, ``pagemap.Layout``); their page numbers are added once
    the map is known; covers and TOCs come last.
    """

    def __init__(self, layout: dict):
        self.pdf, self.faces = new_doc()
        self.toc_lines: dict[str, int] = {}  # "level|text" -> lines, kept for the cache
        self.dividers: dict[str, tuple[int, int]] = {}  # tertiary -> (first page, count)
        for code, data in layout["dividers"]:
            first = self.pdf.page + 1
            draw_divider(self.pdf, self.faces, data)
            self.dividers[code] = (first, self.pdf.page - first + 1)
        self.summary: tuple[int, int] | None = None
        if layout["summary"] is not None:
            first = self.pdf.page + 1
            draw_summary(self.pdf, self.faces, layout["summary"])
            self.summary = (first, self.pdf.page - first + 1)
        first = self.pdf.page + 1
        draw_score_table(self.pdf, self.faces, layout["score"])
        self.score = (first, self.pdf.page - first + 1)
        self.fronts: dict[int, tuple[int, int]] = {}  # volume -> (first page, count)

    # pagemap.Layout
    def score_pages(self) -> int:
        return self.score[1]

    def divider_pages(self, section: str) -> int:
        return self.dividers[section][1]

    def summary_pages(self) -> int:
        return self.summary[1] if self.summary else 1

    def toc_entry_lines(self, level: int, text: str) -> int:
        key = f"{level}|{text}"
        if key not in self.toc_lines:
            self.toc_lines[key] = len(_toc_lines(self.pdf, self.faces, level, text))
        return self.toc_lines[key]

    def toc_capacity(self, toc_page: int) -> int:
        return toc_capacity(toc_page)

    def layout_answers(self) -> dict:
        """What the page map asked, for ``CachedLayout`` in a later build."""
        return {"dividers": {code: n for code, (_first, n) in self.dividers.items()},
                "summary": self.summary_pages(), "score": self.score[1],
                "toc_lines": dict(self.toc_lines)}

    def finish(self, data: dict, path) -> None:
        """Number the dividers and score table, draw covers and TOCs, write the PDF."""
        pdf, faces = self.pdf, self.faces
        last = pdf.page
        for code, running in data["dividers"]:
            first, count = self.dividers[code]
            for n in range(count):
                _footer(pdf, faces, first + n, f"第 {running + n} 页", align="R")
        if data["summary_first"] is not None and self.summary:
            first, count = self.summary
            for n in range(count):
                _footer(pdf, faces, first + n, f"第 {data['summary_first'] + n} 页", align="R")
        if data["score_first"] is not None:
            first, count = self.score
            for n in range(count):
                _footer(pdf, faces, first + n, pagemap.roman(data["score_first"] + n))
        goto(pdf, last)
        for number, volume in enumerate(data["volumes"], start=1):
            first = pdf.page + 1
            draw_cover(pdf, faces, volume["cover"])
            draw_toc(pdf, faces, volume)
            self.fronts[number] = (first, pdf.page - first + 1)
        with quiet_font_tools():
            pdf.output(str(path))

    def ranges(self) -> dict:
        """Where each part lies in the written PDF (1-based first page, count)."""
        return {"dividers": {k: list(v) for k, v in self.dividers.items()},
                "summary": list(self.summary) if self.summary else None,
                "score": list(self.score), "fronts": {str(k): list(v) for k, v in self.fronts.items()}}


class CachedLayout:
    """The page map's questions answered from an earlier build, without loading a font.

    A TOC text never measured before (a new file name) is measured with a document that
    registers the same fonts, created only then.
    """

    def __init__(self, answers: dict):
        self.answers = answers
        self.toc_lines: dict[str, int] = dict(answers.get("toc_lines", {}))
        self.measured = False
        self._doc: tuple[FPDF, dict] | None = None

    def score_pages(self) -> int:
        return int(self.answers["score"])

    def divider_pages(self, section: str) -> int:
        return int(self.answers["dividers"][section])

    def summary_pages(self) -> int:
        return int(self.answers["summary"])

    def toc_entry_lines(self, level: int, text: str) -> int:
        key = f"{level}|{text}"
        if key not in self.toc_lines:
            self._doc = self._doc or new_doc()
            self.toc_lines[key] = len(_toc_lines(*self._doc, level, text))
            self.measured = True
        return self.toc_lines[key]

    def toc_capacity(self, toc_page: int) -> int:
        return toc_capacity(toc_page)

    def layout_answers(self) -> dict:
        return {**self.answers, "toc_lines": dict(self.toc_lines)}


def front_ranges(ranges: dict, volume: pagemap.Volume) -> list[tuple[int, int]]:
    """Page ranges (first, last; 1-based) of a volume's front matter in the drawn PDF."""
    first, count = ranges["fronts"][str(volume.number)]
    out = [(first, first)]
    if volume.score_pages:
        s_first, s_count = ranges["score"]
        out.append((s_first, s_first + s_count - 1))
    out.append((first + 1, first + count - 1))
    return out


@contextmanager
def quiet_font_tools():
    """fontTools warns on stderr about bitmap tables it drops while subsetting: not news."""
    logger = logging.getLogger("fontTools.subset")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _toc_lines(pdf: FPDF, faces: dict, level: int, text: str) -> list[str]:
    role, size = TOC_STYLE[level]
    pdf.set_font(faces[role], size=size)
    width = TOC_RIGHT - TOC_LEFT - TOC_INDENT[level] - TOC_NUM_WIDTH
    return _clip(pdf, wrap(pdf, text, width), width, TOC_MAX_LINES)


def toc_entry_rect(entry: pagemap.TocEntry) -> tuple[float, float, float, float]:
    """Link rectangle of a TOC entry on its page, in PDF points (origin bottom-left)."""
    top = (TOC_FIRST_TOP if entry.toc_page == 0 else TOC_TOP) + entry.toc_line * TOC_LINE
    x0, x1 = TOC_LEFT + TOC_INDENT[entry.level], TOC_RIGHT
    y_top, y_bottom = top, top + entry.lines * TOC_LINE
    return (x0 * MM, (A4[1] - y_bottom) * MM, x1 * MM, (A4[1] - y_top) * MM)


# -- pages ------------------------------------------------------------------------------


def _footer(pdf: FPDF, faces: dict, page: int, text: str, align: str = "C") -> None:
    """A page number on ``page``, where evidence pages have theirs (A4 pages)."""
    goto(pdf, page)
    pdf.set_font(faces["黑体"], size=STAMP_SIZE)
    pdf.set_text_color(*STAMP_COLOR)
    base = A4[1] - BASELINE / MM
    width = pdf.get_string_width(text)
    right = A4[0] - STAMP_MARGIN / MM - width
    pdf.text(right if align == "R" else (A4[0] - width) / 2, base, text)
    pdf.set_text_color(0, 0, 0)


def _centered(pdf: FPDF, faces: dict, role: str, size: float, y: float, text: str,
              width: float = A4[0] - 50) -> float:
    """Centered text from ``y``, wrapped into lines of even length; returns the y below it."""
    pdf.set_font(faces[role], size=size)
    height = size * 0.55
    lines = wrap(pdf, text, width)
    if len(lines) > 1:  # balance: "…（县级执法\n机构）》" reads worse than two even halves
        lines = balanced_lines(text, len(lines), pdf.get_string_width, width)
    for line in lines:
        pdf.set_xy((A4[0] - width) / 2, y)
        pdf.cell(width, height, line, align="C")
        y += height
    return y


def draw_cover(pdf: FPDF, faces: dict, data: dict) -> None:
    pdf.add_page()
    if data["count"] > 1:
        _centered(pdf, faces, "黑体", 16, 30, f"第{data['number']}册 / 共{data['count']}册")
    y = _centered(pdf, faces, "小标宋", 22, 72, f"{data['year']}年度")
    y = _centered(pdf, faces, "小标宋", 30, y + 8, "规范化建设自评佐证材料汇编")
    y = _centered(pdf, faces, "楷体", 14, y + 10, f"（依据《{data['basis']}》）")
    if data["range"]:
        y = _centered(pdf, faces, "黑体", 14, y + 14, f"本册内容：{data['range']}")
    _centered(pdf, faces, "仿宋", 14, max(y + 14, 150), data["contents"])
    y = _centered(pdf, faces, "黑体", 18, 222, data["unit"])
    _centered(pdf, faces, "仿宋", 16, y + 8, data["date"])


def draw_score_table(pdf: FPDF, faces: dict, data: dict) -> None:
    """自评得分表 from ``score_data``: one table per page, broken where the map says."""
    head = FontFace(family=faces["黑体"], size_pt=10.5, fill_color=(225, 225, 225))
    strong = FontFace(family=faces["黑体"], size_pt=10.5, fill_color=(242, 242, 242))
    for n, page in enumerate(data["pages"]):
        pdf.add_page()
        top = 22
        if n == 0:
            _centered(pdf, faces, "小标宋", 20, 22, "自评得分表")
            _centered(pdf, faces, "楷体", 12, 34, data["subtitle"])
            top = 44
        pdf.set_xy(22, top)
        pdf.set_font(faces["仿宋"], size=10.5)
        pdf.set_draw_color(*RULE)
        widths = (16, 86, 20, 22, 22)
        with pdf.table(col_widths=widths, line_height=6.2, text_align=(
                "CENTER", "LEFT", "CENTER", "CENTER", "CENTER"), headings_style=head,
                padding=(0.6, 1.5)) as table:
            row = table.row()
            for text in rows.SCORE_HEADER:
                row.cell(text)
            for kind, *cells in page:
                row = table.row(style=None if kind in ("tertiary", "bonus", "deduction")
                                else strong)
                for text, width in zip(cells, widths, strict=True):
                    row.cell(cell_text(pdf, text, width, pad=3.2))


SUMMARY_HEADER = ("编号", "指标", "分值")


def draw_summary(pdf: FPDF, faces: dict, data: dict) -> None:
    """The pages listing the sections with nothing claimed and no evidence, broken into
    pages at the rows the map fixes (the Word binder breaks at the same rows)."""
    head = FontFace(family=faces["黑体"], size_pt=11, fill_color=(225, 225, 225))
    for n, page in enumerate(data["pages"]):
        pdf.add_page()
        y = 22
        if n == 0:
            y = _centered(pdf, faces, "小标宋", 20, 22, data["title"])
            pdf.set_xy(22, y + 4)
            pdf.set_font(faces["仿宋"], size=11)
            pdf.multi_cell(0, 6, cell_text(pdf, data["intro"], pdf.epw), new_x="LMARGIN",
                           new_y="NEXT")
            y = pdf.get_y() + 2
        pdf.set_xy(22, y)
        pdf.set_font(faces["仿宋"], size=10.5)
        pdf.set_draw_color(*RULE)
        widths = (22, 120, 24)
        with pdf.table(col_widths=widths, line_height=6.0, headings_style=head,
                       text_align=("CENTER", "LEFT", "CENTER"), padding=(0.5, 1.5)) as table:
            row = table.row()
            for text in SUMMARY_HEADER:
                row.cell(text)
            for cells in page:
                row = table.row()
                for text, width in zip(cells, widths, strict=True):
                    row.cell(cell_text(pdf, text, width, pad=3.2))


def draw_toc(pdf: FPDF, faces: dict, data: dict) -> None:
    """目录: every entry at the line the page map gave it, with dotted leaders."""
    first = pdf.page + 1
    for n in range(data["toc_pages"]):
        pdf.add_page()
        if n == 0:
            _centered(pdf, faces, "小标宋", 20, 22, "目    录")
        _footer(pdf, faces, pdf.page, pagemap.roman(data["toc_index"] + n + 1))
    for level, text, page, toc_page, toc_line in data["toc"]:
        goto(pdf, first + toc_page)
        lines = _toc_lines(pdf, faces, level, text)
        left = TOC_LEFT + TOC_INDENT[level]
        top = (TOC_FIRST_TOP if toc_page == 0 else TOC_TOP) + toc_line * TOC_LINE
        for i, line in enumerate(lines):
            pdf.set_xy(left, top + i * TOC_LINE)
            pdf.cell(pdf.get_string_width(line), TOC_LINE, line)
        end = left + pdf.get_string_width(lines[-1]) + 1
        num = str(page)
        pdf.set_font(faces["仿宋"], size=10)
        y = top + (len(lines) - 1) * TOC_LINE
        dot = pdf.get_string_width(".")
        dots = int((TOC_RIGHT - pdf.get_string_width(num) - 1.5 - end) / dot)
        if dots > 0:
            pdf.set_text_color(*GRAY)
            pdf.set_xy(TOC_RIGHT - pdf.get_string_width(num) - 1.5 - dots * dot, y)
            pdf.cell(dots * dot, TOC_LINE, "." * dots)
            pdf.set_text_color(0, 0, 0)
        pdf.set_xy(TOC_RIGHT - TOC_NUM_WIDTH, y)
        pdf.cell(TOC_NUM_WIDTH, TOC_LINE, num, align="R")
    goto(pdf, first + data["toc_pages"] - 1)


def draw_divider(pdf: FPDF, faces: dict, data: dict) -> None:
    """The page before a tertiary indicator's evidence, from ``divider_data``."""
    pdf.add_page()
    _centered(pdf, faces, "楷体", 12, 22, data["path"])
    y = _centered(pdf, faces, "小标宋", 24, 40, data["title"])
    y = _centered(pdf, faces, "黑体", 14, y + 6, data["points"])
    if data["departments"]:
        y = _centered(pdf, faces, "仿宋", 12, y + 3, data["departments"])
    pdf.set_y(y + 6)
    if data["intro"]:
        pdf.set_font(faces["仿宋"], size=11)
        pdf.multi_cell(0, 6, cell_text(pdf, data["intro"], pdf.epw), new_x="LMARGIN",
                       new_y="NEXT")
        pdf.ln(2)
    pdf.set_auto_page_break(True, margin=BODY_BOTTOM)
    pdf.set_font(faces["仿宋"], size=11)
    pdf.set_draw_color(*RULE)
    head = FontFace(family=faces["黑体"], size_pt=11, fill_color=(225, 225, 225))
    code_style = FontFace(family=faces["黑体"], size_pt=10)
    widths = (16, 64, 14, 20, 52)
    with pdf.table(col_widths=widths, line_height=6.0, headings_style=head,
                   text_align=("CENTER", "LEFT", "CENTER", "CENTER", "LEFT"),
                   repeat_headings=1, padding=(0.8, 1.5)) as table:
        row = table.row()
        for text in ("编号", "评价标准", "分值", "自评得分", "自评说明"):
            row.cell(text)
        for code, *cells in data["rows"]:
            row = table.row()
            row.cell(code, style=code_style)
            for text, width in zip(cells, widths[1:], strict=False):
                row.cell(cell_text(pdf, text, width, pad=3.2))
    pdf.set_auto_page_break(False)


def draw_stamp(pdf: FPDF, face: str, size: tuple[float, float], stamp: pagemap.Stamp,
               strip: float = STRIP) -> None:
    """One overlay page (pt units): hairline, item number at the left, page number at the right."""
    width, height = size
    pdf.add_page(format=(width, height))
    k = strip / STRIP
    font = STAMP_SIZE * max(0.6, min(k, width / 420))
    margin = STAMP_MARGIN * max(0.4, min(1.0, width / 420))
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.4)
    pdf.line(margin, height - RULE_AT * k, width - margin, height - RULE_AT * k)
    pdf.set_font(face, size=font)
    pdf.set_text_color(*STAMP_COLOR)
    base = height - BASELINE * k
    pdf.text(margin, base, f"佐证 {stamp.number} · {stamp.page}/{stamp.of}")
    right = f"第 {stamp.running} 页"
    pdf.text(width - margin - pdf.get_string_width(right), base, right)
