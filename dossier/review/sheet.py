"""The reviewer's sheet per county (复核评分表.xlsx), written and imported back.

Sheet 1 lists every criterion with the county's claim, note, evidence count and binder
pages, what counts when the reviewer leaves the row empty, and the reviewer's columns
(复核得分, 依据, 扣分理由). Sheet 2 takes system data and the bonus and deduction items
in the standard's own terms; they override the county's (以系统数据为准).

Import has the county sheet's safety: unit and year are checked, every wrong cell is
listed, and nothing is written when there is any.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection

from dossier.cnformat import pts
from dossier.errors import InputError
from dossier.fsutil import atomic_write
from dossier.manifest import BONUS_FIELDS, DEDUCTION_FIELDS, FACTS
from dossier.pack import save_workbook_deterministic
from dossier.review.evaluate import BASES, NO_EVIDENCE, CountyReview, split_system_data
from dossier.review.register import Register, default_who, now
from dossier.score import decide_by_facts
from dossier.sheetimport import parse_points  # the county sheet's cell rules

MAIN = "复核评分表"
DATA = "系统数据与加扣分"
COLUMNS = (("编号", 8), ("评价标准", 40), ("分值", 6), ("自评得分", 8), ("自评说明", 30),
           ("佐证材料数", 8), ("汇编页码", 9), ("未填时按", 16), ("复核得分", 9), ("依据", 10),
           ("扣分理由", 30))
COL = {name: i + 1 for i, (name, _) in enumerate(COLUMNS)}
HEADER_ROW = 4
EXTRA_NOTE = "按“系统数据与加扣分”表计算"
INSTRUCTIONS = (
    "填写说明：只填“复核得分”“依据”“扣分理由”三列（黄色）。复核得分留空的，有佐证材料的按自评得分计；"
    f"自评有分但没有佐证材料的按0分计，扣分理由为“{NO_EVIDENCE}”（见“未填时按”列）。"
    f"依据填：{'/'.join(BASES)}。复核得分低于自评得分时必须填写扣分理由。"
    f"系统数据、加分项和扣分项在“{DATA}”表中填写，以系统数据为准，按与县级自评相同的规则计分。"
    "填好后运行 dossier review import 本文件。")
BONUS_LABELS = {"national_collective": "获评全国大练兵表现突出集体（是/否）",
                "national_individuals": "获评全国表现突出个人人次",
                "provincial_collective": "获评全省大练兵表现突出集体（是/否）",
                "provincial_individuals": "获评全省表现突出个人人次（全国已计的不再计）",
                "unit_or_leadership": "本单位或领导班子成员受处分（是/否）",
                "staff": "在编人员受处分（是/否）",
                "provincial": "省级稽查通报批评或约谈次数", "city": "市级稽查通报批评或约谈次数"}
_YELLOW = PatternFill("solid", fgColor="FFF2CC")
_GREY = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="center")
_TRUE, _FALSE = {"是", "true", "True", "TRUE", "1", "有"}, {"否", "false", "False", "FALSE", "0", "无"}


def data_keys(standard) -> list[tuple[str, type, str]]:
    """(key, type, label) of every row of sheet 2, in order."""
    keys = [(f"facts.{k}", t, label) for k, (t, label) in FACTS.items()]
    for fields, items in ((BONUS_FIELDS, standard.bonus), (DEDUCTION_FIELDS, standard.deductions)):
        for item in items:
            spec = fields.get(item.code)
            if isinstance(spec, dict):
                keys += [(f"{item.code}.{f}", t, f"{item.code} {item.name}：{BONUS_LABELS.get(f, f)}")
                         for f, t in spec.items()]
            elif spec is not None:
                keys.append((item.code, spec, f"{item.code} {item.name}（是/否）"))
    return keys


# -- writing ---------------------------------------------------------------------------------


def write_review_sheet(path: Path, register: Register, standard, review: CountyReview,
                       archive) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = MAIN
    _main(ws, register, standard, review, archive)
    _data(book.create_sheet(DATA), register, standard, archive)
    date = _date(register)
    with atomic_write(path) as tmp:
        save_workbook_deterministic(book, tmp, date)
    return path


def _date(register: Register) -> dt.date:
    last = register.last_change()
    return dt.date.fromisoformat(last[:10]) if last else dt.date(register.year, 12, 31)


def _cell(ws, row: int, col: str, value=None, *, fill=None, bold=False, editable=False):
    c = ws.cell(row=row, column=COL[col], value=value)
    c.font = Font(name="宋体", size=10, bold=bold)
    c.alignment = _WRAP
    if fill:
        c.fill = fill
    if editable:
        c.protection = Protection(locked=False)
    return c


def _main(ws, register: Register, standard, review: CountyReview, archive) -> None:
    ws["A1"] = f"{review.unit}{register.year}年度规范化建设复核评分表"
    ws["A1"].font = Font(name="黑体", size=16)
    ws.merge_cells("A1:K1")
    for col, label, value in (("A", "被复核单位", review.unit), ("C", "年度", register.year),
                              ("E", "复核单位", register.reviewer)):
        ws[f"{col}2"] = label
        ws[f"{chr(ord(col) + 1)}2"] = value
        ws[f"{col}2"].font = Font(name="黑体", size=10)
    ws["G2"] = f"归档包：{archive['file_name']}"
    ws["A3"] = INSTRUCTIONS
    ws["A3"].alignment = _WRAP
    ws.merge_cells("A3:K3")
    ws.row_dimensions[3].height = 60
    for name, width in COLUMNS:
        _cell(ws, HEADER_ROW, name, name, fill=_GREY, bold=True)
        ws.column_dimensions[chr(ord("A") + COL[name] - 1)].width = width
    entries = register.entries(archive["id"])
    r = HEADER_ROW + 1
    for row in review.criteria:
        c = standard.criterion(row.code)
        entry = entries.get(row.code)
        default = pts(row.verified) if row.entered else (
            f"0（{NO_EVIDENCE}）" if row.reason == NO_EVIDENCE else pts(row.verified))
        for name, value in (("编号", row.code), ("评价标准", c.text), ("分值", float(c.points)),
                            ("自评得分", float(row.claimed)), ("自评说明", row.note or None),
                            ("佐证材料数", row.evidence), ("汇编页码", row.pages or None),
                            ("未填时按", default)):
            _cell(ws, r, name, value)
        _cell(ws, r, "复核得分", float(Decimal(entry.points)) if entry and entry.points else None,
              fill=_YELLOW, editable=True)
        _cell(ws, r, "依据", entry.basis if entry else None, fill=_YELLOW, editable=True)
        _cell(ws, r, "扣分理由", entry.reason if entry else None, fill=_YELLOW, editable=True)
        r += 1
    last = r - 1
    for row in (*review.bonus, *review.deductions):
        entry = entries.get(row.code)
        kind = "加分项" if row.code.startswith("B") else "扣分项"
        for name, value in (("编号", row.code), ("评价标准", f"{kind}：{row.name}"),
                            ("自评得分", float(row.claimed)), ("佐证材料数", row.evidence),
                            ("汇编页码", row.pages or None), ("未填时按", pts(row.verified)),
                            ("复核得分", EXTRA_NOTE)):
            _cell(ws, r, name, value, fill=_GREY if name == "复核得分" else None)
        _cell(ws, r, "依据", entry.basis if entry else None, fill=_YELLOW, editable=True)
        _cell(ws, r, "扣分理由", entry.reason if entry else None, fill=_YELLOW, editable=True)
        r += 1
    basis = DataValidation(type="list", formula1='"' + ",".join(BASES) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="依据",
                           error="请选择：" + "、".join(BASES))
    basis.sqref = f"J{HEADER_ROW + 1}:J{r - 1}"
    ws.add_data_validation(basis)
    points = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True, showErrorMessage=True, errorTitle="复核得分",
                            error="请填写不超过该项分值的非负数。")
    points.sqref = f"I{HEADER_ROW + 1}:I{last}"
    ws.add_data_validation(points)
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    ws.protection = SheetProtection(sheet=True, formatCells=False, formatColumns=False,
                                    formatRows=False)


def _data(ws, register: Register, standard, archive) -> None:
    data = json.loads(archive["data"] or "{}")
    county = {}
    for k, v in (data.get("facts") or {}).items():
        county[f"facts.{k}"] = v
    for section in ("bonus", "deductions"):
        for code, v in (data.get(section) or {}).items():
            if isinstance(v, dict):
                county.update({f"{code}.{f}": x for f, x in v.items()})
            else:
                county[code] = v
    mine = register.system_data(archive["id"])
    ws.append(("项目代码", "项目", "县级填报", "复核值（以系统数据为准）"))
    for cell in ws[1]:
        cell.font = Font(name="黑体", size=10)
        cell.fill = _GREY
    for key, _type, label in data_keys(standard):
        ws.append((key, label, _shown(county.get(key)), _shown(mine.get(key))))
        ws.cell(ws.max_row, 4).protection = Protection(locked=False)
        ws.cell(ws.max_row, 4).fill = _YELLOW
    for col, width in zip("ABCD", (30, 60, 12, 22), strict=True):
        ws.column_dimensions[col].width = width
    ws.protection = SheetProtection(sheet=True, formatCells=False, formatColumns=False)


def _shown(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


# -- reading back ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetInput:
    unit: str
    entries: dict[str, tuple[Decimal | None, str, str]]  # code → (points, basis, reason)
    system: dict[str, object]  # key → value (None: left empty)


def read_review_sheet(path: Path, register: Register, standard,
                      review_of) -> SheetInput:
    """Parse and check the whole sheet; InputError lists every wrong cell."""
    try:
        book = load_workbook(path)
    except FileNotFoundError:
        raise InputError("找不到要导入的复核评分表。", path=path) from None
    except Exception as exc:  # openpyxl raises many kinds for a file it cannot read
        raise InputError(f"无法读取复核评分表（{type(exc).__name__}）。", path=path,
                         hint="请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后再导入。") from None
    if MAIN not in book.sheetnames or DATA not in book.sheetnames:
        raise InputError(f"这不是复核评分表（缺少“{MAIN}”或“{DATA}”工作表）。", path=path,
                         hint="请导入 dossier review sheet 生成的复核评分表。")
    ws, ds = book[MAIN], book[DATA]
    unit, year = str(ws["B2"].value or "").strip(), ws["D2"].value
    errors: list[str] = []
    if str(year) != str(register.year):
        errors.append(f"D2：年度为“{year}”，本复核工作目录是 {register.year} 年度；"
                      "请导入本年度生成的复核评分表。")
    review = review_of(unit)
    if review is None:
        raise InputError(f"B2：被复核单位“{unit}”没有已受理的归档包。", path=path,
                         hint="用 dossier review status 查看各单位状态；不要改动 B2 单元格。")
    criteria = {r.code: r for r in review.criteria}
    extras = {r.code for r in (*review.bonus, *review.deductions)}
    entries: dict[str, tuple[Decimal | None, str, str]] = {}
    seen: set[str] = set()
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        code = str(ws.cell(r, COL["编号"]).value or "").strip()
        if not code:
            continue
        if code not in criteria and code not in extras:
            errors.append(f"A{r}：编号“{code}”不是评价标准或加扣分项的编号，请改回原来的编号。")
            continue
        if code in seen:
            errors.append(f"A{r}：编号 {code} 重复出现，请删除重复的行。")
            continue
        seen.add(code)
        basis = str(ws.cell(r, COL["依据"]).value or "").strip()
        reason = str(ws.cell(r, COL["扣分理由"]).value or "").strip()
        if basis and basis not in BASES:
            errors.append(f"J{r}：{code} 的依据“{basis}”不在可选范围内，请填：{'/'.join(BASES)}。")
        points = None
        if code in criteria:
            cell = ws.cell(r, COL["复核得分"])
            try:
                points = parse_points(cell.value, standard.criterion(code).points, "复核得分")
            except ValueError as exc:
                errors.append(f"{cell.coordinate}：{code} {exc}")
                continue
            if points is not None and points < criteria[code].claimed and not reason:
                errors.append(f"K{r}：{code} 复核得分 {pts(points)} 低于自评得分 "
                              f"{pts(criteria[code].claimed)}，请填写扣分理由。")
        entries[code] = (points, basis, reason)
    missing = [c for c in (*criteria, *extras) if c not in seen]
    if missing:
        errors.append(f"表中找不到 {'、'.join(missing)} 的行；请用 dossier review sheet 重新生成后再填写。")
    system, cells = _read_data(ds, standard, errors)
    _check_facts(standard, review, system, cells, entries, ws, errors)
    if errors:
        raise InputError(f"复核评分表有 {len(errors)} 处错误，登记簿未改动：\n" + "\n".join(errors),
                         path=path, hint="改正上述单元格后重新导入。")
    return SheetInput(unit, entries, system)


def _read_data(ds, standard, errors: list[str]) -> tuple[dict[str, object], dict[str, str]]:
    types = {key: t for key, t, _ in data_keys(standard)}
    system: dict[str, object] = {}
    cells: dict[str, str] = {}
    for r in range(2, ds.max_row + 1):
        key = str(ds.cell(r, 1).value or "").strip()
        if not key:
            continue
        cell = ds.cell(r, 4)
        if key not in types:
            errors.append(f"{DATA}!A{r}：项目代码“{key}”未知，请改回原来的代码。")
            continue
        cells[key] = f"{DATA}!{cell.coordinate}"
        try:
            system[key] = _typed(cell.value, types[key])
        except ValueError as exc:
            errors.append(f"{DATA}!{cell.coordinate}：{key.split('.')[-1]} {exc}")
    return system, cells


def _typed(value, kind: type):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError(f"应填“是”或“否”，不是“{value}”。")
    try:
        number = Decimal(str(value).strip())
    except Exception:
        raise ValueError(f"应填数字，不是“{value}”。") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"应填不小于0的数字，不是“{value}”。")
    if number == number.to_integral_value():
        return int(number)  # 40, not 40.0, in the register and its history
    if kind is int:
        raise ValueError(f"应填整数，不是“{value}”。")
    return float(number)


def _check_facts(standard, review: CountyReview, system, cells, entries, ws, errors) -> None:
    facts, _, _ = split_system_data({k: v for k, v in system.items() if v is not None})
    if facts.get("efficiency_score", 0) > 100:
        errors.append(f"{cells['facts.efficiency_score']}：执法效能评估得分不能超过100。")
        return
    try:
        decided = decide_by_facts(standard, facts)
    except InputError as exc:
        key = next((k for k in cells if k.startswith("facts.") and k[6:] in exc.message), "")
        errors.append(f"{cells.get(key, DATA)}：{exc.message}")
        return
    for code, decision in decided.items():
        points = entries.get(code, (None,))[0]
        if points is not None and points != decision.points:
            errors.append(f"{code} 的复核得分 {pts(points)} 与系统数据不一致：以系统数据为准"
                          f"（{decision.reason}），应为 {pts(decision.points)}；"
                          "请清空该复核得分，或修改系统数据。")


def import_review_sheet(path: Path, register: Register, standard, review_of,
                        who: str = "") -> tuple[str, list[str]]:
    """Check the sheet, then record what changed (entries, system data, history) at once."""
    register.check_open()
    parsed = read_review_sheet(path, register, standard, review_of)
    archive = register.current_archive(parsed.unit)
    old_entries = register.entries(archive["id"])
    old_system = register.system_data(archive["id"])
    who = who or default_who()
    at = now()
    changes: list[str] = []
    with register.transaction() as db:
        for code, (points, basis, reason) in parsed.entries.items():
            old = old_entries.get(code)
            before = (old.points, old.basis, old.reason) if old else (None, "", "")
            after = (None if points is None else pts(points), basis, reason)
            if before == after:
                continue
            db.execute("INSERT INTO entries (archive_id, code, points, basis, reason, at, who) "
                       "VALUES (?,?,?,?,?,?,?)", (archive["id"], code, *after, at, who))
            what = f"{code} 复核得分 {before[0] or '空'} → {after[0] or '空'}"
            if basis != before[1]:
                what += f"，依据 {before[1] or '空'} → {basis or '空'}"
            changes.append(what + (f"（{reason}）" if reason else ""))
            register.log(parsed.unit, "复核", what, reason, who)
        for key, value in parsed.system.items():
            if old_system.get(key) == value:
                continue
            db.execute("INSERT INTO system_data (archive_id, key, value, at, who) "
                       "VALUES (?,?,?,?,?)", (archive["id"], key,
                                              None if value is None else json.dumps(value), at, who))
            what = f"{key} {_text(old_system.get(key))} → {_text(value)}"
            changes.append(what)
            register.log(parsed.unit, "系统数据", what, "以系统数据为准", who)
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        db.execute("INSERT INTO imports (archive_id, file_name, sha256, at, who) "
                   "VALUES (?,?,?,?,?)", (archive["id"], Path(path).name, digest, at, who))
        register.log(parsed.unit, "导入复核评分表", f"{Path(path).name}，{len(changes)} 处改动", "", who)
    return parsed.unit, changes


def _text(value) -> str:
    if value is None:
        return "空"
    return _shown(value) if isinstance(value, bool) else str(value)
