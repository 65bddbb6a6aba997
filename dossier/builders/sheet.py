"""The self-assessment sheet (自评得分表.xlsx): written from the score, read back into the manifest.

The layout follows the seed's table (一级指标 … 责任科室) with one row per criterion,
a subtotal row per primary indicator, bonus and deduction rows, the total and the grade.
Subtotals, total, grade and the points at risk are Excel formulas over the criterion
rows, so a figure changed in Excel updates them; they agree with ``dossier score``.

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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection

from dossier.builders import output_path
from dossier.cnformat import pts as _pts
from dossier.errors import InputError
from dossier.fsutil import atomic_write, write_bytes_atomic
from dossier.score import Score, compute_score, decide_by_facts, q

SHEET_TITLE = "自评得分表"
COLUMNS = (("一级指标", 12), ("二级指标", 13), ("三级指标", 15), ("评价标准", 52), ("分值", 7),
           ("自评得分", 9), ("佐证材料数", 8), ("责任科室", 11), ("自评说明", 40))
COL = {name: i + 1 for i, (name, _) in enumerate(COLUMNS)}
HEADER_ROW = 3
FACTS_NOTE = "以系统数据为准"
BODY_FONT, HEAD_FONT = "宋体", "黑体"
_CODE = re.compile(r"^\s*(\d+\.\d+\.\d+)(?=\s|$)")
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_GREY = PatternFill("solid", fgColor="D9D9D9")
_SUBTOTAL = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
_CN = "零一二三四五六七八九十"


def _cn(n: int) -> str:
    return _CN[n] if n <= 10 else "十" + _CN[n - 10]


def _value(d: Decimal) -> int | float:
    """A cell value: 1 stays an integer, 0.5 a float."""
    d = q(d)
    return int(d) if d == d.to_integral_value() else float(d)


# -- writing ------------------------------------------------------------------------------


def build(ctx) -> Path:
    """Builder entry point (``dossier build``)."""
    return _write(ctx.project, ctx.score)


def write_sheet(project) -> Path:
    """``dossier sheet``: compute the score and write the sheet."""
    return _write(project, compute_score(project))


def _write(project, score: Score) -> Path:
    target = output_path(project, "sheet_xlsx")
    data = _fixed_zip(_workbook_bytes(project, score), project.manifest.date)
    write_bytes_atomic(target, data)
    return target


def _workbook_bytes(project, score: Score) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = SHEET_TITLE
    _Layout(ws, project, score).write()
    when = dt.datetime.combine(project.manifest.date, dt.time())
    book.properties.creator = book.properties.lastModifiedBy = "dossier"
    book.properties.title = f"{project.unit}{project.year}年度规范化建设自评得分表"
    book.properties.created = book.properties.modified = when
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fixed_zip(data: bytes, date: dt.date) -> bytes:
    """Rewrite the XLSX zip with fixed entry times and modified date: same input, same bytes."""
    stamp = f"{date.isoformat()}T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", body)
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

    def write(self) -> None:
        self._head()
        for p in self.standard.primary:
            self._primary(p)
        self._tail()
        self._page_setup()

    def cell(self, row: int, column: str, value=None, *, font=None, align=_WRAP, fill=None,
             number_format: str | None = None):
        c = self.ws.cell(row=row, column=COL[column], value=value)
        c.font = font or Font(name=BODY_FONT, size=10)
        c.alignment = align
        c.border = _BORDER
        if fill:
            c.fill = fill
        if number_format:
            c.number_format = number_format
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
        ws["A1"] = f"{self.project.unit}{self.project.year}年度规范化建设自评得分表"
        ws["A1"].font = Font(name=HEAD_FONT, size=16)
        ws["A1"].alignment = _CENTER
        ws.merge_cells(f"A1:{last}1")
        ws.row_dimensions[1].height = 30
        ws["A2"] = (f"评价标准：{self.standard.title}　　填表日期：{self.project.manifest.date:%Y年%m月%d日}"
                    f"　　自评得分、自评说明可在表中填写，用 dossier sheet --import 读回清单")
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
        self.subtotal_rows.append(self._sum_row(f"{_cn(int(p.code))}、{p.name} 小计",
                                                lambda c: f"=SUM({c}{first}:{c}{last})"))

    def _criterion(self, c) -> None:
        r, score = self.row, self.score.criterion(c.code)
        grey = _GREY if score.facts else None
        self.cell(r, "评价标准", f"{c.code} {c.text}", fill=grey)
        self.cell(r, "分值", _value(c.points), align=_CENTER, fill=grey, number_format="General")
        claimed = _value(score.claimed) if score.filled else None
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

    def _sum_row(self, label: str, formula) -> int:
        r = self.row
        for name in ("一级指标", "二级指标", "三级指标", "评价标准"):
            self.cell(r, name, label if name == "一级指标" else None, fill=_SUBTOTAL,
                      font=Font(name=HEAD_FONT, size=10), align=_CENTER)
        self.ws.merge_cells(f"A{r}:D{r}")
        for name in ("分值", "自评得分", "佐证材料数"):
            letter = get_column_letter(COL[name])
            self.cell(r, name, formula(letter), align=_CENTER,
                      fill=_SUBTOTAL, number_format="General" if name != "佐证材料数" else "0")
        for name in ("责任科室", "自评说明"):
            self.cell(r, name, fill=_SUBTOTAL)
        self.ws.row_dimensions[r].height = 20
        self.row += 1
        return r

    def _label_row(self, label: str, item: str, value, note: str = "", fmt: str = "General") -> int:
        """A row below the table: label in A:C, text in D, a figure in 自评得分."""
        r = self.row
        self.cell(r, "一级指标", label, font=Font(name=HEAD_FONT, size=10), align=_CENTER,
                  fill=_SUBTOTAL)
        for name in ("二级指标", "三级指标"):
            self.cell(r, name, fill=_SUBTOTAL)
        self.ws.merge_cells(f"A{r}:C{r}")
        self.cell(r, "评价标准", item)
        self.cell(r, "分值")
        self.cell(r, "自评得分", value, align=_CENTER, number_format=fmt,
                  font=Font(name=HEAD_FONT, size=10))
        self.cell(r, "佐证材料数")
        self.cell(r, "责任科室")
        self.cell(r, "自评说明", note or None)
        self.ws.row_dimensions[r].height = max(20, 14 * max(_lines(item, 52), _lines(note, 40)) + 4)
        self.row += 1
        return r

    def _tail(self) -> None:
        score, standard = self.score, self.standard
        rows = self.subtotal_rows
        base = "F" + str(self._sum_row("基本分合计",
                                       lambda c: "=SUM(" + ",".join(f"{c}{r}" for r in rows) + ")"))
        extras = []
        for b in score.bonus_items:
            extras.append(self._label_row("加分项", f"{b.code} {b.name}", _value(b.points), b.detail))
        for d in score.deduction_items:
            extras.append(self._label_row("扣分项", f"{d.code} {d.name}", -_value(d.points),
                                          d.detail))
        plus = "+".join(f"F{x}" for x in extras)
        total = self._label_row("总分", "基本分＋加分项－扣分项（不低于0分）",
                                f"=ROUND(MAX(0,{base}+{plus}),2)" if extras else f"=MAX(0,{base})")
        grades = sorted(standard.grades, key=lambda g: g.min, reverse=True)
        formula = f'"{standard.grade_below}"'
        for g in reversed(grades):
            formula = f'IF(F{total}>={_pts(g.min)},"{g.name}",{formula})'
        note = "；".join(f"≥{_pts(g.min)}分为{g.name}" + (f"（{g.note}）" if g.note else "")
                        for g in grades)
        self._label_row("等次", "按总分评定", "=" + formula, note, fmt="General")
        g, f = get_column_letter(COL["佐证材料数"]), get_column_letter(COL["自评得分"])
        risk = "+".join(f"SUMIF({g}{a}:{g}{b},0,{f}{a}:{f}{b})" for a, b in self.ranges)
        self._label_row("缺佐证风险分", "自评有分但没有佐证材料的各项得分之和（复核时可能不得分）",
                        f"={risk}")

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




# -- reading back -------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One criterion whose claim the import changed in the manifest."""

    code: str
    old_points: Decimal | None
    new_points: Decimal | None
    old_note: str
    new_note: str

    def __str__(self) -> str:
        parts = []
        if self.old_points != self.new_points:
            parts.append(f"自评得分 {_shown(self.old_points)} → {_shown(self.new_points)}")
        if self.old_note != self.new_note:
            parts.append(f"自评说明 {_shown(self.old_note)} → {_shown(self.new_note)}")
        return f"{self.code}：" + "；".join(parts)


def _shown(value) -> str:
    if value is None or value == "":
        return "空"
    return _pts(value) if isinstance(value, Decimal) else str(value)


@dataclass(frozen=True)
class _Row:
    code: str
    row: int
    points: Decimal | None
    note: str


def import_sheet(project, xlsx_path: Path) -> list[Change]:
    """Write the 自评得分 and 自评说明 typed into the sheet into the manifest.

    Every bad cell is collected first; if there is any, InputError lists them all with
    their addresses and the manifest is left untouched (byte for byte).
    """
    xlsx_path = Path(xlsx_path)
    manifest = project.manifest
    decided = decide_by_facts(project.standard, manifest.facts,
                              lambda key: (manifest.path, manifest.line_of("facts", key)))
    rows = _read_rows(project, xlsx_path, decided)
    changes = []
    for c in project.standard.criteria():
        if c.code in decided:
            continue
        row = rows[c.code]
        claim = manifest.claims.get(c.code)
        old_points, old_note = (claim.points, claim.note) if claim else (None, "")
        if old_points != row.points or old_note != row.note:
            changes.append(Change(c.code, old_points, row.points, old_note, row.note))
    if changes:
        _write_claims(manifest.path, project, changes)
    return changes


def _read_rows(project, xlsx_path: Path, decided: dict) -> dict[str, _Row]:
    ws = _open_sheet(xlsx_path)
    header, cols = _header(ws, xlsx_path)
    standard = project.standard
    errors: list[str] = []
    rows: dict[str, _Row] = {}
    for r in range(header + 1, ws.max_row + 1):
        code_cell = ws.cell(r, cols["评价标准"])
        m = _CODE.match(str(code_cell.value or ""))
        if not m:
            continue
        code = m.group(1)
        if not standard.has_criterion(code):
            errors.append(f"{code_cell.coordinate}：编号“{code}”不是评价标准的编号，请改回原来的编号"
                          "（不要改动评价标准列开头的编号）。")
            continue
        if code in rows:
            errors.append(f"{code_cell.coordinate}：编号 {code} 在第{rows[code].row}行已出现过，"
                          "同一评价标准只能有一行；请改回原来的编号或删除重复的行。")
            continue
        cell = ws.cell(r, cols["自评得分"])
        try:
            points = _points(cell.value, standard.criterion(code).points)
        except ValueError as exc:
            errors.append(f"{cell.coordinate}：{code} {exc}")
            continue
        note = ws.cell(r, cols["自评说明"]).value
        note = "" if note is None else str(note).strip()
        if code in decided:
            if points is not None and points != decided[code].points:
                errors.append(f"{cell.coordinate}：{code} {FACTS_NOTE}（{decided[code].reason}），"
                              f"得分为 {_pts(decided[code].points)}，不能在表中改为 {_pts(points)}；"
                              "请改回，或修改清单中的 facts。")
            note = ""
        rows[code] = _Row(code, r, points, note)
    missing = [c.code for c in standard.criteria() if c.code not in rows]
    if missing:
        errors.append(f"表中找不到评价标准 {'、'.join(missing)} 的行（行被删除，或“评价标准”列开头的"
                      "编号被改动）；请用 dossier sheet 重新生成得分表后再填写。")
    if errors:
        raise InputError(f"得分表有 {len(errors)} 处错误，清单未改动：\n" + "\n".join(errors),
                         path=xlsx_path, hint="改正上述单元格后重新导入。")
    return rows


def _open_sheet(xlsx_path: Path):
    try:
        book = load_workbook(xlsx_path)
    except FileNotFoundError:
        raise InputError("找不到要导入的得分表。", path=xlsx_path) from None
    except Exception as exc:  # openpyxl raises many kinds for a file it cannot read
        raise InputError(f"无法读取得分表（{type(exc).__name__}）。", path=xlsx_path,
                         hint="请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后再导入。") from exc
    return book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.active


def _header(ws, xlsx_path: Path) -> tuple[int, dict[str, int]]:
    """The header row and the columns by their title (staff may insert columns)."""
    wanted = ("评价标准", "自评得分", "自评说明")
    for r in range(1, min(ws.max_row, 12) + 1):
        titles = {str(c.value).strip(): c.column for c in ws[r] if c.value is not None}
        if all(w in titles for w in wanted):
            return r, {w: titles[w] for w in wanted}
    raise InputError(f"工作表“{ws.title}”中找不到表头（{'、'.join(wanted)}）。", path=xlsx_path,
                     hint="请导入 dossier sheet 生成的得分表，不要改动表头。")


def _points(value, maximum: Decimal) -> Decimal | None:
    """A 自评得分 cell as Decimal; ValueError with the Chinese reason when it is not usable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"的自评得分“{value}”不是数字，请填写 0 到 {_pts(maximum)} 之间的数字。")
    if isinstance(value, (int, float)):
        number = Decimal(repr(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if text.startswith("="):
            raise ValueError("的自评得分是公式，请直接填写数字。")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"的自评得分“{value}”不是数字，请填写 0 到 {_pts(maximum)} 之间的数字"
                             "（未填报的留空）。") from None
    if not number.is_finite():
        raise ValueError(f"的自评得分“{value}”不是数字。")
    if abs(number - q(number)) < Decimal("1e-9"):
        number = q(number)  # 0.30000000000000004 from a spreadsheet is 0.3
    else:
        raise ValueError(f"的自评得分 {value} 超过两位小数，请保留两位小数。")
    if number < 0:
        raise ValueError(f"的自评得分 {_pts(number)} 是负数，请填写 0 到 {_pts(maximum)} 之间的数字。")
    if number > maximum:
        raise ValueError(f"的自评得分 {_pts(number)} 超过该项满分 {_pts(maximum)} 分。")
    return Decimal(_pts(number))


# -- writing the manifest -----------------------------------------------------------------


def _write_claims(path: Path, project, changes: list[Change]) -> None:
    """Set the changed claims in the manifest, keeping comments, order and line endings."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    from dossier.manifest import load_manifest, read_yaml, yaml_rt

    raw = path.read_bytes()
    data = read_yaml(path)
    if data.get("claims") is None:
        data["claims"] = CommentedMap()
    claims = data["claims"]
    keys = {str(k).strip(): k for k in claims}
    order = [c.code for c in project.standard.criteria()]
    for change in changes:
        key = keys.get(change.code)
        if key is None:
            key = DoubleQuotedScalarString(change.code)
            before = [k for k in keys if order.index(k) < order.index(change.code)]
            previous = max(before, key=order.index) if before else None
            position = list(claims).index(keys[previous]) + 1 if previous else 0
            claims.insert(position, key, None)
            keys[change.code] = key
        claims[key] = _claim_value(claims[key], change, CommentedMap)

    out = io.StringIO()
    yaml_rt().dump(data, out)
    text = out.getvalue()
    if b"\r\n" in raw:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    body = text.encode("utf-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        body = b"\xef\xbb\xbf" + body
    with atomic_write(path) as tmp:
        tmp.write_bytes(body)
        load_manifest(tmp, project.standard)  # never leave a manifest that does not load


def _claim_value(current, change: Change, mapping_type):
    """The YAML value for a claim: shorthand number without a note, else {points, note}."""
    points = None if change.new_points is None else _value(change.new_points)
    if isinstance(current, dict):
        for key, value in (("points", points), ("note", change.new_note or None)):
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
        return current if current else None
    if not change.new_note:
        return points
    value = mapping_type()
    if points is not None:
        value["points"] = points
    value["note"] = change.new_note
    value.fa.set_flow_style()
    return value
