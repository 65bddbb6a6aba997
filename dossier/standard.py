"""The scoring standard (评价标准) as an immutable, validated model.

A standard is packaged data (``dossier/standards/<id>.yaml``); another standard is
another YAML file, no code change. Loading checks that codes are unique and well
formed, every criterion has positive points, and every printed subtotal equals the
sum below it, so that a typo in the data can never reach a score.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from dossier.errors import StandardError

DEFAULT_STANDARD = "fujian-county-2021"
STANDARDS_DIR = Path(__file__).parent / "standards"


@dataclass(frozen=True)
class Criterion:
    """One 评价标准 item, the unit that is claimed and proved."""

    code: str
    text: str
    points: Decimal
    short: str
    hint: str
    departments: tuple[str, ...]
    tertiary_code: str


@dataclass(frozen=True)
class Tertiary:
    code: str
    name: str
    points: Decimal
    departments: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    intro: str = ""


@dataclass(frozen=True)
class Secondary:
    code: str
    name: str
    points: Decimal
    tertiary: tuple[Tertiary, ...]


@dataclass(frozen=True)
class Primary:
    code: str
    name: str
    points: Decimal
    secondary: tuple[Secondary, ...]


@dataclass(frozen=True)
class ExtraItem:
    """A bonus (加分项, B…) or deduction (扣分项, D…) item."""

    code: str
    name: str
    rules: tuple[str, ...]
    departments: tuple[str, ...]
    points: Decimal | None = None


@dataclass(frozen=True)
class Grade:
    min: Decimal
    name: str
    note: str = ""


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    short_title: str
    total: Decimal
    primary: tuple[Primary, ...]
    bonus: tuple[ExtraItem, ...]
    deductions: tuple[ExtraItem, ...]
    grades: tuple[Grade, ...]
    grade_below: str
    note: str
    evidence_kinds: tuple[str, ...]
    fact_rules: dict = field(default_factory=dict)  # criterion code -> rule name

    # -- navigation -------------------------------------------------------
    def secondaries(self) -> Iterator[Secondary]:
        for p in self.primary:
            yield from p.secondary

    def tertiaries(self) -> Iterator[Tertiary]:
        for s in self.secondaries():
            yield from s.tertiary

    def criteria(self) -> Iterator[Criterion]:
        for t in self.tertiaries():
            yield from t.criteria

    def criterion(self, code: str) -> Criterion:
        return self._criteria_by_code()[code]

    def tertiary(self, code: str) -> Tertiary:
        return self._tertiary_by_code()[code]

    def has_criterion(self, code: str) -> bool:
        return code in self._criteria_by_code()

    def has_tertiary(self, code: str) -> bool:
        return code in self._tertiary_by_code()

    def primary_of(self, code: str) -> Primary:
        """The primary indicator that holds a secondary, tertiary or criterion code."""
        secondary = code.split(".")[0]
        for p in self.primary:
            if any(s.code == secondary for s in p.secondary):
                return p
        raise KeyError(code)

    def secondary_of(self, code: str) -> Secondary:
        secondary = code.split(".")[0]
        for s in self.secondaries():
            if s.code == secondary:
                return s
        raise KeyError(code)

    def grade_for(self, total: Decimal) -> Grade:
        for g in sorted(self.grades, key=lambda g: g.min, reverse=True):
            if total >= g.min:
                return g
        return Grade(min=Decimal(0), name=self.grade_below)

    def _criteria_by_code(self) -> dict[str, Criterion]:
        return _index(self, "criteria")

    def _tertiary_by_code(self) -> dict[str, Tertiary]:
        return _index(self, "tertiary")

    def to_json(self) -> dict:
        """The tree with exactly the keys of DESIGN.md (``standard --format json``)."""
        return {
            "id": self.id,
            "title": self.title,
            "total": _num(self.total),
            "primary": [
                {"code": p.code, "name": p.name, "points": _num(p.points), "secondary": [
                    {"code": s.code, "name": s.name, "points": _num(s.points), "tertiary": [
                        {"code": t.code, "name": t.name, "points": _num(t.points),
                         "departments": list(t.departments), "criteria": [
                             {"code": c.code, "text": c.text, "points": _num(c.points)}
                             for c in t.criteria]}
                        for t in s.tertiary]}
                    for s in p.secondary]}
                for p in self.primary],
            "bonus": [{"code": b.code, "name": b.name} for b in self.bonus],
            "deductions": [{"code": d.code, "name": d.name} for d in self.deductions],
        }


_INDEX_CACHE: dict[tuple[int, str], dict] = {}


def _index(standard: Standard, what: str) -> dict:
    key = (id(standard), what)
    if key not in _INDEX_CACHE:
        items = standard.criteria() if what == "criteria" else standard.tertiaries()
        _INDEX_CACHE[key] = {x.code: x for x in items}
    return _INDEX_CACHE[key]


def _num(value: Decimal) -> int | float:
    """JSON number for a Decimal: 1 stays 1, 0.5 stays 0.5."""
    return int(value) if value == value.to_integral_value() else float(value)


# -- loading --------------------------------------------------------------

_CODE_PATTERNS = {
    "primary": re.compile(r"^[1-9][0-9]*$"),
    "secondary": re.compile(r"^[1-9][0-9]*$"),
    "tertiary": re.compile(r"^[1-9][0-9]*\.[1-9][0-9]*$"),
    "criterion": re.compile(r"^[1-9][0-9]*\.[1-9][0-9]*\.[1-9][0-9]*$"),
}


def available_standards() -> list[str]:
    return sorted(p.stem for p in STANDARDS_DIR.glob("*.yaml"))


@cache
def load_standard(standard_id: str = DEFAULT_STANDARD) -> Standard:
    """Load a packaged standard by id."""
    path = STANDARDS_DIR / f"{standard_id}.yaml"
    if not path.is_file():
        raise StandardError(
            f"未知的评价标准“{standard_id}”。",
            hint="可用的标准：" + "、".join(available_standards()) + "；请检查清单中的 standard 一项。")
    return load_standard_file(path)


def load_standard_file(path: Path) -> Standard:
    """Load and validate a standard from a YAML file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise StandardError(f"标准文件不是合法的YAML：{getattr(exc, 'problem', exc)}", path=path,
                            line=mark.line + 1 if mark else None) from exc
    except OSError as exc:
        raise StandardError(f"无法读取标准文件：{exc.strerror}", path=path) from exc
    try:
        return _build(data, path)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise StandardError(f"标准文件结构有误：{exc!r}", path=path) from exc


def _dec(value, where: str, path: Path) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise StandardError(f"{where} 的分值“{value}”不是数字。", path=path)
    return Decimal(str(value))


def _build(data: dict, path: Path) -> Standard:
    seen: set[str] = set()

    def check_code(level: str, code: str) -> str:
        code = str(code)
        if not _CODE_PATTERNS[level].match(code):
            raise StandardError(f"编号“{code}”格式不正确（{level}）。", path=path)
        key = f"{level}:{code}"
        if key in seen:
            raise StandardError(f"编号“{code}”重复。", path=path)
        seen.add(key)
        return code

    def check_sum(code: str, printed: Decimal, parts: list[Decimal]) -> None:
        total = sum(parts, Decimal(0))
        if total != printed:
            raise StandardError(
                f"指标 {code} 的分值为 {printed}，但其下各项之和为 {total}，两者不一致。", path=path)

    primaries = []
    for p in data["primary"]:
        pcode = check_code("primary", p["code"])
        secondaries = []
        for s in p["secondary"]:
            scode = check_code("secondary", s["code"])
            tertiaries = []
            for t in s["tertiary"]:
                tcode = check_code("tertiary", t["code"])
                if tcode.split(".")[0] != scode:
                    raise StandardError(f"三级指标 {tcode} 不属于二级指标 {scode}。", path=path)
                departments = tuple(t.get("departments") or ())
                criteria = []
                for c in t["criteria"]:
                    ccode = check_code("criterion", c["code"])
                    if ccode.rsplit(".", 1)[0] != tcode:
                        raise StandardError(f"评价标准 {ccode} 不属于三级指标 {tcode}。", path=path)
                    points = _dec(c["points"], ccode, path)
                    if points <= 0:
                        raise StandardError(f"评价标准 {ccode} 的分值 {points} 必须大于0。", path=path)
                    criteria.append(Criterion(
                        code=ccode, text=str(c["text"]), points=points,
                        short=str(c.get("short") or c["text"])[:20], hint=str(c.get("hint", "")),
                        departments=departments, tertiary_code=tcode))
                tpoints = _dec(t["points"], tcode, path)
                check_sum(tcode, tpoints, [c.points for c in criteria])
                tertiaries.append(Tertiary(code=tcode, name=str(t["name"]), points=tpoints,
                                           departments=departments, criteria=tuple(criteria),
                                           intro=str(t.get("intro", ""))))
            spoints = _dec(s["points"], f"二级指标 {scode}", path)
            check_sum(f"二级指标 {scode}", spoints, [t.points for t in tertiaries])
            secondaries.append(Secondary(code=scode, name=str(s["name"]), points=spoints,
                                         tertiary=tuple(tertiaries)))
        ppoints = _dec(p["points"], f"一级指标 {pcode}", path)
        check_sum(f"一级指标 {pcode}", ppoints, [s.points for s in secondaries])
        primaries.append(Primary(code=pcode, name=str(p["name"]), points=ppoints,
                                 secondary=tuple(secondaries)))
    total = _dec(data["total"], "总分", path)
    check_sum("总分", total, [p.points for p in primaries])

    def extras(items, prefix):
        out = []
        for i, item in enumerate(items or (), start=1):
            code = str(item["code"])
            if code != f"{prefix}{i}":
                raise StandardError(f"附加项编号应为 {prefix}{i}，实际为“{code}”。", path=path)
            pts = item.get("points")
            out.append(ExtraItem(code=code, name=str(item["name"]),
                                 rules=tuple(item.get("rules") or ()),
                                 departments=tuple(item.get("departments") or ()),
                                 points=_dec(pts, code, path) if pts is not None else None))
        return tuple(out)

    fact_rules = {str(k): str(v) for k, v in (data.get("fact_rules") or {}).items()}
    codes = {c.code for p in primaries for s in p.secondary for t in s.tertiary for c in t.criteria}
    for code in fact_rules:
        if code not in codes:
            raise StandardError(f"fact_rules 中的编号 {code} 不是本标准的评价标准。", path=path)

    return Standard(
        id=str(data["id"]), title=str(data["title"]),
        short_title=str(data.get("short_title", data["title"])), total=total,
        primary=tuple(primaries), bonus=extras(data.get("bonus"), "B"),
        deductions=extras(data.get("deductions"), "D"),
        grades=tuple(Grade(min=_dec(g["min"], "grade", path), name=str(g["name"]),
                           note=str(g.get("note", ""))) for g in data.get("grades") or ()),
        grade_below=str(data.get("grade_below", "未达标")), note=str(data.get("note", "")),
        evidence_kinds=tuple(data.get("evidence_kinds") or ()), fact_rules=fact_rules)
