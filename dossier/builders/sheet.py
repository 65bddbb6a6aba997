"""The self-assessment sheet (自评得分表.xlsx): written from the score, read back into the manifest.

The layout follows the seed's table (一级指标 … 责任科室) with one row per criterion,
a subtotal row per primary indicator, bonus and deduction rows, the total and the grade.
Subtotals, total, grade and the points at risk are Excel formulas over the criterion
rows, so a figure changed in Excel updates them; each formula cell also carries the value
``dossier score`` computed (the cached value), so previewers and scripts that do not
recalculate read the same totals. Deductions are positive numbers, subtracted, as the
standard states them. Text from people (notes) is set as text, never as a formula.

The workbook records whose it is (unit, year, standard) and the claims it was made from
(a digest) in its document properties: ``--import`` refuses another unit's or year's
sheet, and asks for ``--force`` when the manifest's claims changed after the export.

Staff may fill in 自评得分 and 自评说明 in Excel or WPS and ``dossier sheet --import``
writes them back into the manifest, keeping its comments and order. Rows are found by
the criterion code at the start of the 评价标准 cell, never by position. Every bad cell
is reported with its address, and then nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection

from dossier import outputs
from dossier.builders import output_path
from dossier.cnformat import pts as _pts
from dossier.errors import BuildError
from dossier.fsutil import write_bytes_atomic
from dossier.score import Score, num
from dossier.sheetimport import (
    FACTS_NOTE,
    PROP_CLAIMS,
    PROP_STANDARD,
    PROP_UNIT,
    PROP_YEAR,
    SHEET_TITLE,
    claims_digest,
    import_sheet,
    sheet_title,
)
from dossier.xlsxtext import clean_text, set_text

__all__ = ["build", "import_sheet", "write_sheet"]

COLUMNS = (("一级指标", 12), ("二级指标", 13), ("三级指标", 15), ("评价标准", 52), ("分值", 7),
           ("自评得分", 9), ("佐证材料数", 8), ("责任科室", 11), ("自评说明", 40))
COL = {name: i + 1 for i, (name, _) in enumerate(COLUMNS)}
HEADER_ROW = 3
BODY_FONT, HEAD_FONT = "宋体", "黑体"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_GREY = PatternFill("solid", fgColor="D9D9D9")
_SUBTOTAL = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
_CN = "零一二三四五六七八九十"


def _cn(n: int) -> str:
    return _CN[n] if n <= 10 else "十" + _CN[n - 10]


# -- writing ------------------------------------------------------------------------------


def build(ctx) -> Path:
    """Builder entry point (``dossier build``, ``dossier sheet``)."""
    project, score = ctx.project, ctx.score
    target = output_path(project, "sheet_xlsx")
    book_bytes, cached = _workbook_bytes(project, score)
    write_bytes_atomic(target, _fixed_zip(book_bytes, project.manifest.date, cached))
    return target


def write_sheet(project, progress=None) -> Path:
    """``dossier sheet``: build the sheet through the builder registry, so that the build
    record knows the file (a later build reuses it, and never takes it for a hand edit)."""
    from dossier.builders import BuildOptions, build_all
    from dossier.progress import QuietProgress

    result = build_all(project, BuildOptions(only=("sheet",)), progress=progress or QuietProgress())
    if result.errors:
        raise BuildError("；".join(e.split(": ", 1)[-1] for e in result.errors))
    return result.files()["sheet_xlsx"]


def _workbook_bytes(project, score: Score) -> tuple[bytes, dict[str, object]]:
    """The workbook, and the value of every formula cell (``coordinate -> value``)."""
    book = Workbook()
    ws = book.active
    ws.title = SHEET_TITLE
    layout = _Layout(ws, project, score)
    layout.write()
    when = dt.datetime.combine(project.manifest.date, dt.time())
    book.properties.creator = book.properties.lastModifiedBy = "dossier"
    book.properties.title = sheet_title(project)
    book.properties.created = book.properties.modified = when
    for name, value in ((PROP_UNIT, project.unit), (PROP_YEAR, str(project.year)),
                        (PROP_STANDARD, project.standard.id),
                        (PROP_CLAIMS, claims_digest(project.manifest))):
        book.custom_doc_props.append(StringProperty(name=name, value=clean_text(value)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), layout.cached


def _cache_values(body: bytes, cached: dict[str, object]) -> bytes:
    """Write each formula cell's computed value into its ``<v>`` (openpyxl leaves it empty)."""
    def fill(m: re.Match) -> bytes:
        ref = m.group(1).decode()
        if ref not in cached:
            return m.group(0)
        value = cached[ref]
        attrs = m.group(2)
        if isinstance(value, str):
            from xml.sax.saxutils import escape

            attrs += b' t="str"'
            text = escape(value).encode()
        else:
            text = str(value).encode()
        return b'<c r="' + m.group(1) + b'"' + attrs + b"><f>" + m.group(3) + b"</f><v>" + text \
            + b"</v></c>"

    return re.sub(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?</c>', fill, body)


def _fixed_zip(data: bytes, date: dt.date, cached: dict[str, object] | None = None) -> bytes:
    """Rewrite the XLSX zip with fixed entry times and modified date: same input, same bytes;
    formula cells get their cached values."""
    stamp = f"{date.isoformat()}T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", body)
            if info.filename == "xl/worksheets/sheet1.xml" and cached:
                body = _cache_values(body, cached)
            fixed = zipfile.ZipInfo(info.filename, date_time=(date.year, date.month, date.day,
                                                              0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            dst.writestr(fixed, body)
    return out.getvalue()


class _Layout:
    """Writes the rows; remembers where the figures are so formulas can point at them."""

    def __init__(self, ws, project, score: Score):
        self.ws = ws
        self.project = project
        self.standard = project.standard
        self.score = score
        self.row = HEADER_ROW + 1
        self.subtotal_rows: list[int] = []
        self.ranges: list[tuple[int, int]] = []
        self.validations: dict[Decimal, list[str]] = {}
        self.cached: dict[str, object] = {}  # formula cell -> the value the score gives it

    def write(self) -> None:
        self._head()
        for p in self.standard.primary:
            self._primary(p)
        self._tail()
        self._page_setup()

    def cell(self, row: int, column: str, value=None, *, font=None, align=_WRAP, fill=None,
             number_format: str | None = None):
        c = self.ws.cell(row=row, column=COL[column])
        if isinstance(value, str):
            set_text(c, value)  # text from people is never a formula
        else:
            c.value = value
        c.font = font or Font(name=BODY_FONT, size=10)
        c.alignment = align
        c.border = _BORDER
        if fill:
            c.fill = fill
        if number_format:
            c.number_format = number_format
        return c

    def formula(self, row: int, column: str, expression: str, value, **style):
        """A formula the tool wrote, with the value the score computed for it."""
        c = self.cell(row, column, None, **style)
        c.value = expression
        self.cached[c.coordinate] = value
        return c

    def merge(self, first: int, last: int, column: str, value, **style) -> None:
        self.cell(first, column, value, **style)
        for r in range(first + 1, last + 1):
            self.cell(r, column, **{k: v for k, v in style.items() if k != "font"})
        if last > first:
            letter = get_column_letter(COL[column])
            self.ws.merge_cells(f"{letter}{first}:{letter}{last}")
        self._fit(first, last, value, COLUMNS[COL[column] - 1][1])

    def _fit(self, first: int, last: int, text, width: int) -> None:
        """Make rows first..last tall enough for text wrapped at width (no autofit for merges)."""
        need = 14 * _lines(text, width) + 4
        have = sum(self.ws.row_dimensions[r].height or 15 for r in range(first, last + 1))
        if need > have:
            self.ws.row_dimensions[last].height = (self.ws.row_dimensions[last].height or 15) + (
                need - have)

    def _head(self) -> None:
        ws, last = self.ws, get_column_letter(len(COLUMNS))
        set_text(ws["A1"], sheet_title(self.project))
        ws["A1"].font = Font(name=HEAD_FONT, size=16)
        ws["A1"].alignment = _CENTER
        ws.merge_cells(f"A1:{last}1")
        ws.row_dimensions[1].height = 30
        set_text(ws["A2"], f"评价标准：{self.standard.title}　　填表日期："
                           f"{self.project.manifest.date:%Y年%m月%d日}　　{outputs.CLAIMED}、"
                           f"{outputs.NOTE}可在表中填写，用 dossier sheet --import 读回清单；"
                           f"{outputs.DEDUCTION_ITEM}按正数填写，从{outputs.TOTAL}中减去")
        ws["A2"].font = Font(name=BODY_FONT, size=10)
        ws["A2"].alignment = Alignment(wrap_text=True, vertical="center")
        ws.merge_cells(f"A2:{last}2")
        ws.row_dimensions[2].height = 30
        for name, width in COLUMNS:
            self.cell(HEADER_ROW, name, name, font=Font(name=HEAD_FONT, size=10, bold=True),
                      align=_CENTER, fill=_SUBTOTAL)
            ws.column_dimensions[get_column_letter(COL[name])].width = width
        ws.row_dimensions[HEADER_ROW].height = 28

    def _primary(self, p) -> None:
        first = self.row
        for s in p.secondary:
            s_first = self.row
            for t in s.tertiary:
                t_first = self.row
                for c in t.criteria:
                    self._criterion(c)
                self.merge(t_first, self.row - 1, "三级指标", f"{t.code} {t.name}（{_pts(t.points)}分）",
                           align=_CENTER)
                self.merge(t_first, self.row - 1, "责任科室", "\n".join(t.departments),
                           align=_CENTER)
            self.merge(s_first, self.row - 1, "二级指标", f"{s.code}.{s.name}（{_pts(s.points)}分）",
                       align=_CENTER)
        last = self.row - 1
        self.merge(first, last, "一级指标", f"{_cn(int(p.code))}、{p.name}（{_pts(p.points)}分）",
                   align=_CENTER)
        self.ranges.append((first, last))
        sub = next(x for x in self.score.primary if x.code == p.code)
        codes = {c.code for s in p.secondary for t in s.tertiary for c in t.criteria}
        evidence = sum(c.evidence for c in self.score.criteria if c.code in codes)
        self.subtotal_rows.append(self._sum_row(
            f"{_cn(int(p.code))}、{p.name} 小计", lambda c: f"=SUM({c}{first}:{c}{last})",
            (num(sub.max), num(sub.claimed), evidence)))

    def _criterion(self, c) -> None:
        r, score = self.row, self.score.criterion(c.code)
        grey = _GREY if score.facts else None
        self.cell(r, "评价标准", f"{c.code} {c.text}", fill=grey)
        self.cell(r, "分值", num(c.points), align=_CENTER, fill=grey, number_format="General")
        claimed = num(score.claimed) if score.filled else None
        points = self.cell(r, "自评得分", claimed, align=_CENTER, fill=grey, number_format="General")
        self.cell(r, "佐证材料数", score.evidence, align=_CENTER, fill=grey)
        claim = self.project.manifest.claims.get(c.code)
        note = f"{FACTS_NOTE}：{score.facts.reason}" if score.facts else (claim.note if claim else "")
        text = self.cell(r, "自评说明", note or None, fill=grey)
        if not score.facts:
            points.protection = Protection(locked=False)
            text.protection = Protection(locked=False)
            letter = get_column_letter(COL["自评得分"])
            self.validations.setdefault(c.points, []).append(f"{letter}{r}")
        lines = max(_lines(f"{c.code} {c.text}", 52), _lines(note, 40), 1)
        self.ws.row_dimensions[r].height = 14 * lines + 4
        self.row += 1

    def _sum_row(self, label: str, formula, values: tuple) -> int:
        r = self.row
        for name in ("一级指标", "二级指标", "三级指标", "评价标准"):
            self.cell(r, name, label if name == "一级指标" else None, fill=_SUBTOTAL,
                      font=Font(name=HEAD_FONT, size=10), align=_CENTER)
        self.ws.merge_cells(f"A{r}:D{r}")
        for name, value in zip(("分值", "自评得分", "佐证材料数"), values, strict=True):
            letter = get_column_letter(COL[name])
            self.formula(r, name, formula(letter), value, align=_CENTER,
                         fill=_SUBTOTAL, number_format="General" if name != "佐证材料数" else "0")
        for name in ("责任科室", "自评说明"):
            self.cell(r, name, fill=_SUBTOTAL)
        self.ws.row_dimensions[r].height = 20
        self.row += 1
        return r

    def _label_row(self, label: str, item: str, value, note: str = "", fmt: str = "General",
                   cached=None) -> int:
        """A row below the table: label in A:C, text in D, a figure in 自评得分."""
        r = self.row
        self.cell(r, "一级指标", label, font=Font(name=HEAD_FONT, size=10), align=_CENTER,
                  fill=_SUBTOTAL)
        for name in ("二级指标", "三级指标"):
            self.cell(r, name, fill=_SUBTOTAL)
        self.ws.merge_cells(f"A{r}:C{r}")
        self.cell(r, "评价标准", item)
        self.cell(r, "分值")
        style = {"align": _CENTER, "number_format": fmt, "font": Font(name=HEAD_FONT, size=10)}
        if isinstance(value, str) and value.startswith("="):
            self.formula(r, "自评得分", value, cached, **style)
        else:
            self.cell(r, "自评得分", value, **style)
        self.cell(r, "佐证材料数")
        self.cell(r, "责任科室")
        self.cell(r, "自评说明", note or None)
        self.ws.row_dimensions[r].height = max(20, 14 * max(_lines(item, 52), _lines(note, 40)) + 4)
        self.row += 1
        return r

    def _tail(self) -> None:
        score, standard = self.score, self.standard
        rows = self.subtotal_rows
        evidence = sum(c.evidence for c in score.criteria)
        base = "F" + str(self._sum_row(
            f"{outputs.BASE}合计", lambda c: "=SUM(" + ",".join(f"{c}{r}" for r in rows) + ")",
            (num(standard.total), num(score.base), evidence)))
        terms = ""
        for b in score.bonus_items:
            r = self._label_row(outputs.BONUS_ITEM, f"{b.code} {b.name}", num(b.points), b.detail)
            terms += f"+F{r}"
        for d in score.deduction_items:  # positive, as the standard states them; subtracted
            r = self._label_row(outputs.DEDUCTION_ITEM, f"{d.code} {d.name}（填正数，从总分中减去）",
                                num(d.points), d.detail)
            terms += f"-F{r}"
        total = self._label_row(
            outputs.TOTAL, f"{outputs.BASE}＋{outputs.BONUS_ITEM}－{outputs.DEDUCTION_ITEM}（不低于0分）",
            f"=ROUND(MAX(0,{base}{terms}),2)", cached=num(score.total))
        grades = sorted(standard.grades, key=lambda g: g.min, reverse=True)
        formula = f'"{standard.grade_below}"'
        for g in reversed(grades):
            formula = f'IF(F{total}>={_pts(g.min)},"{g.name}",{formula})'
        note = "；".join(f"≥{_pts(g.min)}分为{g.name}" + (f"（{g.note}）" if g.note else "")
                        for g in grades)
        self._label_row(outputs.GRADE, f"按{outputs.TOTAL}评定", "=" + formula, note, fmt="General",
                        cached=score.grade)
        g, f = get_column_letter(COL["佐证材料数"]), get_column_letter(COL["自评得分"])
        risk = "+".join(f"SUMIF({g}{a}:{g}{b},0,{f}{a}:{f}{b})" for a, b in self.ranges)
        self._label_row(outputs.AT_RISK, f"自评有分但没有{outputs.EVIDENCE}的各项得分之和"
                        "（复核时可能不得分）", f"={risk}", cached=num(score.at_risk))

    def _page_setup(self) -> None:
        ws = self.ws
        ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        ws.protection = SheetProtection(sheet=True, formatCells=False, formatColumns=False,
                                        formatRows=False)
        for maximum in sorted(self.validations):
            dv = DataValidation(type="decimal", operator="between", formula1="0",
                                formula2=_pts(maximum), allow_blank=True, showErrorMessage=True,
                                errorTitle="自评得分超出范围",
                                error=f"请填写 0 到 {_pts(maximum)} 之间的数字（最多两位小数）。")
            dv.sqref = " ".join(self.validations[maximum])
            ws.add_data_validation(dv)


def _lines(text: str, width: int) -> int:
    """Rough number of wrapped lines: a CJK character is about two width units."""
    if not text:
        return 0
    total = 0
    for part in str(text).split("\n"):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in part)
        total += max(1, -(-units // max(1, width - 2)))
    return total
