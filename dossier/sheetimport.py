"""Reading the self-assessment sheet back: ``sheet --import`` and the judge of a sheet on disk.

``import_sheet`` writes the 自评得分 and 自评说明 typed into the sheet into the manifest,
keeping its comments and order. Rows are found by the criterion code at the start of
the 评价标准 cell, never by position; every bad cell is reported once with its address,
and then nothing is written. The import is safe: a sheet of another unit or year is
refused, a sheet exported before the manifest's claims last changed needs ``force``, and
the manifest is copied to build/YYYY/备份/ before it is written.

``sheet_findings`` is the judge ``pack`` asks: a sheet in build/YYYY/ whose claims differ
from the manifest (edited by hand and never imported) is a blocking finding that lists
the differences and the commands that resolve them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import load_workbook

from dossier import outputs
from dossier.cnformat import pts as _pts
from dossier.errors import InputError
from dossier.fsutil import atomic_write
from dossier.score import decide_by_facts, num, q

SHEET_TITLE = outputs.SHEET
FACTS_NOTE = outputs.BY_FACTS
BACKUP_DIR = "备份"
KINDS = ("sheet_unreadable", "sheet_differs")  # the kinds of sheet_findings
# Document properties that say whose sheet this is (written by the builder, read back here).
PROP_UNIT, PROP_YEAR, PROP_STANDARD, PROP_CLAIMS = (
    "dossier.unit", "dossier.year", "dossier.standard", "dossier.claims")
_CODE = re.compile(r"^\s*(\d+\.\d+\.\d+)(?=\s|$)")
_TITLE = re.compile(r"^(?P<unit>.+?)(?P<year>\d{4})年度规范化建设" + outputs.SHEET + "$")


def sheet_title(project) -> str:
    return f"{project.unit}{project.year}年度规范化建设{outputs.SHEET}"


def claims_digest(manifest) -> str:
    """Digest of the claims (points and notes) a sheet was exported from."""
    data = sorted([code, None if c.points is None else _pts(c.points), c.note or ""]
                  for code, c in manifest.claims.items() if c.points is not None or c.note)
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:32]


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


@dataclass
class ImportResult:
    changes: list[Change] = field(default_factory=list)
    backup: Path | None = None  # the manifest as it was before the import


@dataclass
class _Sheet:
    """What a sheet file holds: whose it is, and its rows."""

    unit: str | None
    year: int | None
    standard: str | None
    claims: str | None  # claims_digest at export; None when the sheet does not say
    rows: dict[str, _Row]
    errors: list[str]


def import_sheet(project, xlsx_path: Path, force: bool = False) -> ImportResult:
    """Write the 自评得分 and 自评说明 typed into the sheet into the manifest.

    Every bad cell is collected first; if there is any, InputError lists them all with
    their addresses and the manifest is left untouched (byte for byte). So it is when
    the sheet is another unit's or year's, and (without ``force``) when it was exported
    before the manifest's claims last changed: importing it would undo those changes.
    """
    xlsx_path = Path(xlsx_path)
    manifest = project.manifest
    sheet = _read(project, xlsx_path)
    if wrong := _identity_problem(project, sheet):
        raise InputError(f"{wrong}，清单未改动。", path=xlsx_path,
                         hint=f"请导入{project.unit}{project.year}年度的得分表（用 dossier sheet "
                              f"--year {project.year} 生成）。")
    if sheet.errors:
        raise InputError(f"得分表有 {len(sheet.errors)} 处错误，清单未改动：\n"
                         + "\n".join(sheet.errors), path=xlsx_path, hint="改正上述单元格后重新导入。")
    changes = _changes(project, sheet.rows)
    if not changes:
        return ImportResult()
    if not force and _stale(sheet, manifest, xlsx_path):
        raise InputError(
            "这份得分表是在清单最近一次修改之前导出的；导入会用表中的内容覆盖清单中此后的修改，"
            "清单未改动。导入将改动：\n" + "\n".join(f"  {c}" for c in changes),
            path=xlsx_path,
            hint="如确认以表中内容为准，加 --force 重新导入；否则先运行 dossier sheet 导出最新的"
                 "得分表，把要改的内容填入新表后再导入。")
    backup = back_up_manifest(project)
    _write_claims(manifest.path, project, changes)
    return ImportResult(changes, backup)


def sheet_findings(project) -> list:
    """Blocking findings for the sheet in build/YYYY/ when it contradicts the manifest."""
    from dossier.finding import Finding

    path = outputs.output_path(project, "sheet_xlsx")
    if not path.is_file():
        return []
    rel = path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) \
        else str(path)
    fix = (f"如表中的内容是对的，运行 dossier sheet --import {rel} 写入清单；如清单是对的，运行 "
           "dossier sheet 按清单重新生成（修改过的表会先备份到 备份/）。")
    try:
        sheet = _read(project, path)
    except InputError as exc:
        return [Finding("error", KINDS[0], None, rel,
                        f"{outputs.SHEET}无法读取：{exc.message.rstrip('。')}。" + fix, "")]
    problems = [p] if (p := _identity_problem(project, sheet)) else []
    problems += sheet.errors
    problems += [f"{c.code} {_difference(c)}" for c in _changes(project, sheet.rows)
                 if c.code in sheet.rows]
    if not problems:
        return []
    shown = problems[:12] + ([f"另有 {len(problems) - 12} 处"] if len(problems) > 12 else [])
    return [Finding("error", KINDS[1], None, rel,
                    f"{outputs.SHEET}（{rel}）在生成后被修改过，与清单不一致（{len(problems)} 处）："
                    + "；".join(shown) + "。" + fix, "")]


def _difference(change: Change) -> str:
    parts = []
    if change.old_points != change.new_points:
        parts.append(f"{outputs.CLAIMED}：清单 {_shown(change.old_points)}，表中 "
                     f"{_shown(change.new_points)}")
    if change.old_note != change.new_note:
        parts.append(f"{outputs.NOTE}：清单“{change.old_note}”，表中“{change.new_note}”")
    return "，".join(parts)


def back_up_manifest(project) -> Path:
    """Copy the manifest to build/YYYY/备份/ before it is rewritten."""
    source = project.manifest.path
    folder = project.build_dir / BACKUP_DIR
    folder.mkdir(parents=True, exist_ok=True)
    when = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{source.stem}（导入前{when}）{source.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{source.stem}（导入前{when}-{n}）{source.suffix}"
    with atomic_write(target) as tmp:
        shutil.copyfile(source, tmp)
    return target


def _changes(project, rows: dict[str, _Row]) -> list[Change]:
    manifest = project.manifest
    decided = _decided(project)
    changes = []
    for c in project.standard.criteria():
        if c.code in decided or c.code not in rows:
            continue
        row = rows[c.code]
        claim = manifest.claims.get(c.code)
        old_points, old_note = (claim.points, claim.note) if claim else (None, "")
        if old_points != row.points or old_note != row.note:
            changes.append(Change(c.code, old_points, row.points, old_note, row.note))
    return changes


def _decided(project) -> dict:
    manifest = project.manifest
    return decide_by_facts(project.standard, manifest.facts,
                           lambda key: (manifest.path, manifest.line_of("facts", key)))


def _identity_problem(project, sheet: _Sheet) -> str | None:
    """Why the sheet is not this unit's and year's, or None."""
    if sheet.year is None and sheet.unit is None:
        return ("无法确认这份得分表属于哪个单位和年度（表头第一行的“单位+年度”被改动，或不是 "
                "dossier sheet 生成的表）")
    if sheet.year is not None and sheet.year != project.year:
        return f"这是{sheet.year}年度的得分表，不是{project.year}年度的"
    if sheet.unit is not None and sheet.unit != project.unit:
        return f"这是“{sheet.unit}”的得分表，不是“{project.unit}”的"
    if sheet.standard is not None and sheet.standard != project.standard.id:
        return f"这份得分表按评价标准“{sheet.standard}”生成，清单使用的是“{project.standard.id}”"
    return None


def _stale(sheet: _Sheet, manifest, xlsx_path: Path) -> bool:
    """Exported before the manifest's claims last changed (file times when the sheet does not say)."""
    if sheet.claims is not None:
        return sheet.claims != claims_digest(manifest)
    try:
        return xlsx_path.stat().st_mtime < manifest.path.stat().st_mtime
    except OSError:
        return False


def _read(project, xlsx_path: Path) -> _Sheet:
    book = _open_book(xlsx_path)
    ws = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.active
    props = {p.name: str(p.value) for p in book.custom_doc_props}
    unit, year = props.get(PROP_UNIT), props.get(PROP_YEAR)
    if unit is None or year is None:  # a sheet whose properties were dropped: its title
        m = _TITLE.match(str(ws["A1"].value or "").strip())
        unit, year = (m.group("unit"), m.group("year")) if m else (unit, year)
    rows, errors = _read_rows(project, ws, xlsx_path, _decided(project))
    return _Sheet(unit, int(year) if year and year.isdigit() else None, props.get(PROP_STANDARD),
                  props.get(PROP_CLAIMS), rows, errors)


def _read_rows(project, ws, xlsx_path: Path, decided: dict) -> tuple[dict[str, _Row], list[str]]:
    """The criterion rows, and every bad cell once with its address."""
    header, cols = _header(ws, xlsx_path)
    standard = project.standard
    errors: list[str] = []
    rows: dict[str, _Row] = {}
    seen: dict[str, int] = {}  # code -> row, also for rows whose cell was bad
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
        if code in seen:
            errors.append(f"{code_cell.coordinate}：编号 {code} 在第{seen[code]}行已出现过，"
                          "同一评价标准只能有一行；请改回原来的编号或删除重复的行。")
            continue
        seen[code] = r
        cell = ws.cell(r, cols["自评得分"])
        try:
            points = parse_points(cell.value, standard.criterion(code).points)
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
    missing = [c.code for c in standard.criteria() if c.code not in seen]
    if missing:
        errors.append(f"表中找不到评价标准 {'、'.join(missing)} 的行（行被删除，或“评价标准”列开头的"
                      "编号被改动）；请用 dossier sheet 重新生成得分表后再填写。")
    return rows, errors


def _open_book(xlsx_path: Path):
    try:
        book = load_workbook(xlsx_path)
    except FileNotFoundError:
        raise InputError("找不到要导入的得分表。", path=xlsx_path) from None
    except Exception as exc:  # openpyxl raises many kinds for a file it cannot read
        raise InputError(f"无法读取得分表（{type(exc).__name__}）。", path=xlsx_path,
                         hint="请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后再导入。") from exc
    return book


def _header(ws, xlsx_path: Path) -> tuple[int, dict[str, int]]:
    """The header row and the columns by their title (staff may insert columns)."""
    wanted = ("评价标准", "自评得分", "自评说明")
    for r in range(1, min(ws.max_row, 12) + 1):
        titles = {str(c.value).strip(): c.column for c in ws[r] if c.value is not None}
        if all(w in titles for w in wanted):
            return r, {w: titles[w] for w in wanted}
    raise InputError(f"工作表“{ws.title}”中找不到表头（{'、'.join(wanted)}）。", path=xlsx_path,
                     hint="请导入 dossier sheet 生成的得分表，不要改动表头。")


def parse_points(value, maximum: Decimal, label: str = outputs.CLAIMED) -> Decimal | None:
    """A points cell (``label``: 自评得分, or the city's 复核得分) as Decimal; ValueError with
    the Chinese reason when it is not usable. One rule for both sheets."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"的{label}“{value}”不是数字，请填写 0 到 {_pts(maximum)} 之间的数字。")
    if isinstance(value, (int, float)):
        number = Decimal(repr(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("分").strip()
        if text.startswith("="):
            raise ValueError(f"的{label}是公式，请直接填写数字。")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"的{label}“{value}”不是数字，请填写 0 到 {_pts(maximum)} 之间的数字"
                             "（未填报的留空）。") from None
    if not number.is_finite():
        raise ValueError(f"的{label}“{value}”不是数字。")
    if abs(number - q(number)) < Decimal("1e-9"):
        number = q(number)  # 0.30000000000000004 from a spreadsheet is 0.3
    else:
        raise ValueError(f"的{label} {value} 超过两位小数，请保留两位小数。")
    if number < 0:
        raise ValueError(f"的{label} {_pts(number)} 是负数，请填写 0 到 {_pts(maximum)} 之间的数字。")
    if number > maximum:
        raise ValueError(f"的{label} {_pts(number)} 超过该项满分 {_pts(maximum)} 分。")
    return Decimal(_pts(number))


# -- writing the manifest -----------------------------------------------------------------


def _write_claims(path: Path, project, changes: list[Change]) -> None:
    """Set the changed claims in the manifest, keeping comments, order and line endings."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    from dossier.manifest import dump_like, load_manifest, read_yaml

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

    body = dump_like(data, raw)
    with atomic_write(path) as tmp:
        tmp.write_bytes(body)
        load_manifest(tmp, project.standard)  # never leave a manifest that does not load


def _claim_value(current, change: Change, mapping_type):
    """The YAML value for a claim: shorthand number without a note, else {points, note}."""
    points = None if change.new_points is None else num(change.new_points)
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
