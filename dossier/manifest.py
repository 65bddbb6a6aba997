"""The manifest (``manifests/YYYY.yaml``): the one file where staff write anything.

Loaded with ruamel.yaml so that every error can name its line, and so that
``sheet --import`` can write claims back keeping the comments and order.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

from dossier import yamlsafe
from dossier.errors import InputError
from dossier.safename import clean_text
from dossier.standard import DEFAULT_STANDARD, Standard, load_standard

MANIFEST_DIR = "manifests"
_YEAR_FILE = re.compile(r"^(\d{4})\.ya?ml$")
_CONTROL_OR_SEPARATOR = re.compile(r"[\x00-\x1f\x7f/\\]|\.\.")

# Facts (系统数据) with their type and meaning; see DESIGN.md, Scoring rules.
FACTS: dict[str, tuple[type, str]] = {
    "efficiency_score": (float, "13.1.1 执法效能评估得分（0–100），折算为 30×得分/100"),
    "enforcement_staff": (int, "执法人员数"),
    "college_staff": (int, "其中大专以上学历人数"),
    "new_hires_3y": (int, "近三年新入编人员数"),
    "new_hires_3y_relevant": (int, "其中法学类或生态环境相关专业人数"),
    "enforcement_staff_excl_new": (int, "执法人员数（不含近三年新进人员）"),
    "certified_excl_new": (int, "其中持证人数"),
    "staff_total": (int, "本单位人员总数"),
    "frontline_staff": (int, "一线执法人员数（以持证为准）"),
    "seconded_staff": (int, "借调到其他单位非执法岗位的人数"),
    "secondment_reported": (bool, "借调超过10%时是否已报市级执法部门同意（true/false）"),
    "grid_leads": (int, "本年网格巡查线索转执法数量"),
    "mobile_accounts_complete": (bool, "持证执法人员是否均已在移动执法系统设立账号（true/false）"),
    "avg_monthly_logins": (float, "在岗人员平均每月登录移动执法系统次数"),
}

BONUS_FIELDS = {
    "B1": {"national_collective": bool, "national_individuals": int,
           "provincial_collective": bool, "provincial_individuals": int},
    "B2": bool,
}
DEDUCTION_FIELDS = {
    "D1": {"unit_or_leadership": bool, "staff": bool},
    "D2": {"provincial": int, "city": int},
}
REPORT_FIELDS = ("recipient", "doc_number", "signer", "issuer", "summary", "highlights",
                 "problems", "plans", "copy_to", "printed_by", "title", "contact", "opening",
                 "work", "date")
TOP_LEVEL = ("standard", "unit", "year", "date", "claims", "evidence", "exclude", "facts",
             "bonus", "deductions", "report")


@dataclass(frozen=True)
class Claim:
    code: str
    points: Decimal | None  # None: not filled in yet (未填报)
    note: str
    line: int | None


@dataclass(frozen=True)
class EvidenceOverride:
    code: str
    file: str
    title: str | None
    line: int | None


@dataclass(frozen=True)
class Manifest:
    path: Path
    standard: str
    unit: str
    year: int
    date: dt.date
    claims: dict[str, Claim]
    evidence: dict[str, tuple[EvidenceOverride, ...]]
    exclude: tuple[str, ...]
    facts: dict[str, Any]
    bonus: dict[str, Any]
    deductions: dict[str, Any]
    report: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, *keys: str) -> int | None:
        """1-based line of a key path such as ("claims", "1.1.1")."""
        return self.lines.get("/".join(keys))


UNIT_HINT = "写成一行的单位全称，如 泉州市某某生态环境保护综合行政执法大队。"


def unit_problem(unit: str) -> str | None:
    """Why ``unit`` cannot be a unit name (it also names every output file), or None."""
    if _CONTROL_OR_SEPARATOR.search(unit):
        return "单位名称中有换行、控制字符、斜杠（/ \\）或“..”，这些不能出现在单位名称里。"
    if len(unit.strip()) > 60:
        return f"单位名称有 {len(unit.strip())} 个字，超过 60 个字。"
    return None


def yaml_rt() -> YAML:
    """The round-trip YAML instance used to read and write manifests."""
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def find_manifest(root: Path, year: int | None = None) -> Path:
    """The manifest for ``year``, or the only/newest one."""
    folder = Path(root) / MANIFEST_DIR
    if year is not None:
        path = year_manifest(root, year)
        if path is not None:
            return path
        raise InputError(f"找不到{year}年度的清单文件 {folder / f'{year}.yaml'}。",
                         hint=f"先运行 dossier init --year {year} --unit 单位名称 生成清单。")
    years = sorted(
        (int(m.group(1)), p) for p in (folder.iterdir() if folder.is_dir() else [])
        if (m := _YEAR_FILE.match(p.name)))
    if not years:
        raise InputError(f"工作目录 {Path(root).resolve()} 中没有清单文件（manifests/年度.yaml）。",
                         hint="先运行 dossier init --year 年度 --unit 单位名称，或用 -C 指定工作目录。")
    return years[-1][1]


def year_manifest(root: Path, year: int) -> Path | None:
    """``manifests/YYYY.yaml`` (or ``.yml``) when it exists: the one way to find a year's."""
    for suffix in (".yaml", ".yml"):
        path = Path(root) / MANIFEST_DIR / f"{year}{suffix}"
        if path.is_file():
            return path
    return None


def manifest_years(root: Path) -> list[int]:
    folder = Path(root) / MANIFEST_DIR
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _YEAR_FILE.match(p.name)))


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves an impossible date (2022-02-30) as text.

    The parser would raise an unlocated ``day is out of range for month``; as text,
    the manifest's validation names the key and line instead.
    """

    def construct_yaml_timestamp(self, node, values=None):  # noqa: D102
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def read_yaml(path: Path) -> Any:
    """Parse a staff-written YAML file (round-trip): bounded, alias-free, errors in Chinese.

    Every typing mistake found is reported in one error, each with its line (see
    ``dossier.yamlsafe``).
    """
    try:
        size = Path(path).stat().st_size
        if size > yamlsafe.MAX_BYTES:
            raise InputError(f"文件有 {size // 1000} KB，超出清单文件的上限"
                             f"（{yamlsafe.MAX_BYTES // 1000} KB）。", path=path,
                             hint="清单只需填写分值、说明和系统数据；检查是否误把其他文件另存为了清单。")
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("文件不是 UTF-8 编码。", path=path,
                         hint="用记事本“另存为”并选择 UTF-8 编码后再试。") from exc
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc.strerror}", path=path) from exc
    refused = yamlsafe.aliases(text)
    if refused:
        raise ManifestErrors(path, [_located(path, p) for p in refused])
    try:
        return yaml_rt().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        found = yamlsafe.lint(text)
        if not any(p.line == line for p in found):
            message, hint = yamlsafe.explain(f"{exc.problem or ''} {exc.context or ''}")
            found.append(yamlsafe.Problem(line, message, hint, mark.column + 1 if mark else None))
        found.sort(key=lambda p: p.line or 0)
        raise ManifestErrors(path, [_located(path, p) for p in found]) from None
    except RecursionError:
        raise InputError("嵌套层数过多，无法读取。", path=path,
                         hint="清单最多只有三四层缩进；检查是否误粘贴了其他内容。") from None
    except Exception as exc:  # ruamel raises a few unmarked errors; never show their English
        message, hint = yamlsafe.explain(str(exc))
        raise InputError(message, path=path, hint=hint) from None


def _located(path: Path, problem: yamlsafe.Problem) -> InputError:
    return InputError(problem.message, path=path, line=problem.line, column=problem.column,
                      hint=problem.hint)


class ManifestErrors(InputError):
    """Several mistakes in one manifest, all reported in one run (exit 3)."""

    def __init__(self, path: Path, errors: list[InputError]):
        self.errors = errors
        super().__init__(errors[0].message, path=path, line=errors[0].line, hint=errors[0].hint)

    def render(self) -> str:
        if len(self.errors) == 1:
            return self.errors[0].render()
        lines = [f"{self.path}：发现 {len(self.errors)} 处错误，请逐一改正："]
        for i, error in enumerate(self.errors, start=1):
            where = f"第{error.line}行：" if error.line else ""
            lines.append(f"  {i}. {where}{error.message}")
            if error.hint:
                lines.append(f"     处理办法：{error.hint}")
        return "\n".join(lines)


def _line(node: Any, key: Any) -> int | None:
    try:
        return node.lc.key(key)[0] + 1
    except Exception:
        return None


def _item_line(seq: Any, index: int) -> int | None:
    try:
        return seq.lc.item(index)[0] + 1
    except Exception:
        return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, (int, float)):
            number = Decimal(str(value))
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            return None
    except InvalidOperation:
        return None
    return number if number.is_finite() else None  # .nan / .inf are not points


def default_date(year: int) -> dt.date:
    """31 December of the year, or SOURCE_DATE_EPOCH when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date(year, 12, 31)


def load_manifest(path: Path, standard: Standard | None = None) -> Manifest:
    """Load and validate a manifest; every error names the file and line."""
    path = Path(path)
    data = read_yaml(path)
    if data is None:
        data = CommentedMap()
    if not isinstance(data, dict):
        raise InputError("清单文件的顶层应是“键: 值”的映射。", path=path, line=1)
    lines: dict[str, int] = {}

    def err(message: str, *keys: Any, node: Any = None, hint: str | None = None):
        line = _line(node if node is not None else data, keys[-1]) if keys else None
        return InputError(message, path=path, line=line, hint=hint)

    errors: list[InputError] = []
    for key in data:
        lines[str(key)] = _line(data, key) or 0
        if key not in TOP_LEVEL:
            errors.append(err(f"未知的项“{key}”。可用的项：{'、'.join(TOP_LEVEL)}。", key,
                              hint="检查拼写，或删除该项。"))

    standard_id = str(data.get("standard") or DEFAULT_STANDARD)
    if standard is None or standard.id != standard_id:
        standard = load_standard(standard_id)

    unit = data.get("unit")
    if not unit or not isinstance(unit, str):
        errors.append(err("缺少单位名称（unit）。", "unit", hint="在清单中填写 unit: 单位全称。")
                      if "unit" in data else InputError(
                          "缺少单位名称（unit）。", path=path, hint="在清单中填写 unit: 单位全称。"))
        unit = ""
    elif problem := unit_problem(unit):
        errors.append(err(problem, "unit", hint=UNIT_HINT))
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        if "year" not in data:
            raise _all(path, errors, InputError("缺少评估年度（year）。", path=path,
                                                hint="在清单中填写 year: 2022。"))
        raise _all(path, errors, err(f"评估年度“{year}”不是四位年份。", "year"))
    m = _YEAR_FILE.match(path.name)
    if m and int(m.group(1)) != year:
        errors.append(err(f"文件名是 {path.name}，但其中 year 为 {year}，两者不一致。", "year",
                          hint="改正 year，或把文件改名为与年度一致。"))

    date = _attempt(errors, lambda: _parse_date(data, path, year), default_date(year))
    claims = _attempt(errors, lambda: _parse_claims(data, standard, path, lines, errors), {})
    evidence = _attempt(errors, lambda: _parse_evidence(data, standard, path, lines, errors), {})
    exclude = _attempt(errors, lambda: _parse_exclude(data, path), ())
    facts = _attempt(errors, lambda: _parse_facts(data, path, lines, errors), {})
    bonus = _attempt(errors, lambda: _parse_extras(data, "bonus", BONUS_FIELDS, path, errors), {})
    deductions = _attempt(
        errors, lambda: _parse_extras(data, "deductions", DEDUCTION_FIELDS, path, errors), {})
    report = data.get("report") or {}
    if not isinstance(report, dict):
        errors.append(err("report 应是映射（recipient、summary 等）。", "report"))
        report = {}
    for key in report:
        if key not in REPORT_FIELDS:
            errors.append(InputError(
                f"report 中未知的项“{key}”。可用的项：{'、'.join(REPORT_FIELDS)}。",
                path=path, line=_line(report, key)))
    if errors:
        raise _all(path, errors)
    return Manifest(path=path, standard=standard_id, unit=unit.strip(), year=year, date=date,
                    claims=claims, evidence=evidence, exclude=exclude, facts=facts, bonus=bonus,
                    deductions=deductions, report=_plain(report), lines=lines)


def _attempt(errors: list, parse, default):
    """Run one section's parser; its error is collected so later sections still report."""
    try:
        return parse()
    except InputError as exc:
        errors.append(exc)
        return default


def _all(path: Path, errors: list, last: InputError | None = None) -> InputError:
    """One error carrying every collected mistake, in line order."""
    errors = errors + ([last] if last else [])
    errors.sort(key=lambda e: e.line or 0)
    return errors[0] if len(errors) == 1 else ManifestErrors(path, errors)


def _plain(value: Any) -> Any:
    """ruamel containers → plain dict/list/str, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, CommentedSeq)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return clean_text(value)
    return value


def date_value(value: Any) -> dt.date:
    """A date as YAML gives it (date, datetime or text); ValueError when it is none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def dump_like(data: Any, raw: bytes) -> bytes:
    """``data`` as manifest YAML, keeping the original file's line ends and BOM (Notepad)."""
    out = io.StringIO()
    yaml_rt().dump(data, out)
    text = out.getvalue()
    if b"\r\n" in raw:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    body = text.encode("utf-8")
    return b"\xef\xbb\xbf" + body if raw.startswith(b"\xef\xbb\xbf") else body


def _parse_date(data: dict, path: Path, year: int) -> dt.date:
    value = data.get("date")
    if value in (None, ""):
        return default_date(year)
    try:
        return date_value(value)
    except ValueError:
        raise InputError(f"日期“{value}”不存在或格式不正确。", path=path, line=_line(data, "date"),
                         hint="写成 2022-12-20 的形式。") from None


def _parse_claims(data: dict, standard: Standard, path: Path, lines: dict,
                  errors: list) -> dict[str, Claim]:
    node = data.get("claims") or {}
    if not isinstance(node, dict):
        raise InputError("claims 应是“编号: 分值”的映射。", path=path, line=_line(data, "claims"))
    claims: dict[str, Claim] = {}
    for key, value in node.items():
        try:
            code = str(key).strip()
            line = _line(node, key)
            lines[f"claims/{code}"] = line or 0
            if not standard.has_criterion(code):
                raise InputError(f"claims 中的编号“{code}”不是评价标准的编号。", path=path, line=line,
                                 hint="编号形如 1.1.1（三级指标编号再加序号）；运行 dossier standard 查看全部编号。")
            criterion = standard.criterion(code)
            note = ""
            raw = value
            if isinstance(value, dict):
                unknown = [k for k in value if k not in ("points", "note")]
                if unknown:
                    raise InputError(f"{code} 中未知的项“{unknown[0]}”，只能写 points 和 note。",
                                     path=path, line=line)
                raw = value.get("points")
                note = clean_text(value.get("note") or "").strip()
            if raw is None or raw == "":
                claims[code] = Claim(code, None, note, line)
                continue
            points = _decimal(raw)
            if points is None:
                raise InputError(f"{code} 的自评得分“{raw}”不是数字。", path=path, line=line,
                                 hint=f"填写 0 到 {criterion.points} 之间的数字。")
            if points < 0 or points > criterion.points:
                raise InputError(
                    f"{code} 的自评得分 {points} 超出范围：该项满分 {criterion.points} 分。", path=path,
                    line=line, hint=f"填写 0 到 {criterion.points} 之间的数字。")
            claims[code] = Claim(code, points, note, line)
        except InputError as exc:
            errors.append(exc)
    return claims


def _parse_evidence(data: dict, standard: Standard, path: Path, lines: dict,
                    errors: list):
    node = data.get("evidence") or {}
    if not isinstance(node, dict):
        raise InputError("evidence 应是“编号: 文件列表”的映射。", path=path,
                         line=_line(data, "evidence"))
    out: dict[str, tuple[EvidenceOverride, ...]] = {}
    for key, entries in node.items():
        try:
            code = str(key).strip()
            line = _line(node, key)
            if not (standard.has_criterion(code) or standard.has_tertiary(code)):
                raise InputError(f"evidence 中的编号“{code}”不是评价标准或三级指标的编号。",
                                 path=path, line=line, hint="运行 dossier standard 查看全部编号。")
            if entries is None:
                continue
            if not isinstance(entries, list):
                entries = [entries]
            items = []
            for i, entry in enumerate(entries):
                eline = _item_line(entries, i) if isinstance(entries, CommentedSeq) else line
                if isinstance(entry, str):
                    file, title = entry, None
                elif isinstance(entry, dict) and entry.get("file"):
                    file, title = str(entry["file"]), entry.get("title")
                else:
                    raise InputError(f"evidence {code} 的第{i + 1}项应写成 {{file: 路径, title: 题名}}。",
                                     path=path, line=eline)
                items.append(EvidenceOverride(code, file.replace("\\", "/").strip(),
                                              str(title).strip() if title else None, eline))
            out[code] = tuple(items)
        except InputError as exc:
            errors.append(exc)
    return out


def _parse_exclude(data: dict, path: Path) -> tuple[str, ...]:
    node = data.get("exclude") or []
    if isinstance(node, str):
        node = [node]
    if not isinstance(node, list) or not all(isinstance(x, str) for x in node):
        raise InputError("exclude 应是文件通配符列表，如 [草稿/*]。", path=path,
                         line=_line(data, "exclude"))
    return tuple(x.replace("\\", "/") for x in node)


def _parse_facts(data: dict, path: Path, lines: dict, errors: list) -> dict[str, Any]:
    node = data.get("facts") or {}
    if not isinstance(node, dict):
        raise InputError("facts 应是映射。", path=path, line=_line(data, "facts"))
    facts: dict[str, Any] = {}
    for key, value in node.items():
        try:
            line = _line(node, key)
            lines[f"facts/{key}"] = line or 0
            if key not in FACTS:
                raise InputError(f"facts 中未知的项“{key}”。可用的项：{'、'.join(FACTS)}。",
                                 path=path, line=line)
            if value is None or value == "":
                continue
            kind, meaning = FACTS[key]
            if kind is bool:
                if not isinstance(value, bool):
                    raise InputError(f"facts.{key}（{meaning}）应填 true 或 false。", path=path,
                                     line=line)
                facts[key] = value
                continue
            number = _decimal(value)
            if number is None or number < 0:
                raise InputError(f"facts.{key}（{meaning}）的值“{value}”不是非负数字。", path=path,
                                 line=line)
            if kind is int and number != number.to_integral_value():
                raise InputError(f"facts.{key}（{meaning}）应为整数，实际为 {value}。", path=path,
                                 line=line)
            if key == "efficiency_score" and number > 100:
                raise InputError(f"facts.efficiency_score 为 {value}，应在 0 到 100 之间。",
                                 path=path, line=line)
            facts[key] = int(number) if kind is int else number
        except InputError as exc:
            errors.append(exc)
    return facts


def _parse_extras(data: dict, section: str, fields: dict, path: Path, errors: list) -> dict[str, Any]:
    node = data.get(section) or {}
    if not isinstance(node, dict):
        raise InputError(f"{section} 应是映射。", path=path, line=_line(data, section))
    out: dict[str, Any] = {}
    for key, value in node.items():
        try:
            line = _line(node, key)
            if key not in fields:
                raise InputError(f"{section} 中未知的项“{key}”，可用的项：{'、'.join(fields)}。",
                                 path=path, line=line)
            spec = fields[key]
            if value is None:
                continue
            if spec is bool:
                if not isinstance(value, bool):
                    raise InputError(f"{section}.{key} 应填 true 或 false。", path=path, line=line)
                out[key] = value
                continue
            if not isinstance(value, dict):
                raise InputError(f"{section}.{key} 应写成 {{{', '.join(spec)}}} 的形式。", path=path,
                                 line=line)
            entry = {}
            for name, kind in spec.items():
                v = value.get(name)
                if v is None:
                    entry[name] = False if kind is bool else 0
                elif kind is bool and not isinstance(v, bool):
                    raise InputError(f"{section}.{key}.{name} 应填 true 或 false。", path=path, line=line)
                elif kind is int and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                    raise InputError(f"{section}.{key}.{name} 应填非负整数（次数或人数）。", path=path,
                                     line=line)
                else:
                    entry[name] = v
            for name in value:
                if name not in spec:
                    raise InputError(f"{section}.{key} 中未知的项“{name}”，可用的项：{'、'.join(spec)}。",
                                     path=path, line=line)
            out[key] = entry
        except InputError as exc:
            errors.append(exc)
    return out
