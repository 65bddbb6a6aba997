"""Claimed vs verified for one county: the reviewer's word where given, else the rules.

Per criterion, in this order:
1. the reviewer's 复核得分;
2. system data decide the fact-bound criteria with the county side's own rules
   (``dossier.score.score_claims``): the reviewer's system data override the county's;
3. a claim with evidence stands; a claim above 0 without evidence is 0, 无佐证材料.

Bonus and deductions are computed from their items as the standard states them
(``score_claims`` again), from the reviewer's entries where given, else from the county's;
a bonus without evidence counts 0. Total and grade use the county side's functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from dossier.review.register import Entry
from dossier.score import ZERO, Score, grand_total, q, score_claims
from dossier.standard import Standard

BASES = ("书面材料", "系统数据", "现场检查", "调度情况")
NO_EVIDENCE = "无佐证材料"
FACTS_BASIS = "系统数据"


@dataclass(frozen=True)
class ClaimRow:
    code: str
    points: Decimal | None
    note: str
    evidence: int
    pages: str


@dataclass(frozen=True)
class Row:
    """One criterion or extra item (deductions as positive points)."""

    code: str
    name: str
    max: Decimal | None
    claimed: Decimal
    verified: Decimal
    basis: str
    reason: str
    evidence: int = 0
    pages: str = ""
    note: str = ""
    entered: bool = False  # the reviewer gave 复核得分 (or the item's values)

    @property
    def difference(self) -> Decimal:
        return self.verified - self.claimed


@dataclass(frozen=True)
class Level:
    level: str  # 一级 / 二级 / 三级
    code: str
    name: str
    max: Decimal
    claimed: Decimal
    verified: Decimal


@dataclass
class CountyReview:
    unit: str
    claimed_total: Decimal
    claimed_grade: str
    criteria: list[Row]
    bonus: list[Row]
    deductions: list[Row]
    levels: list[Level]
    base: Decimal
    plus: Decimal
    minus: Decimal
    total: Decimal
    grade: str
    grade_note: str
    warnings: list[str] = field(default_factory=list)

    def changed(self) -> list[Row]:
        return [r for r in (*self.criteria, *self.bonus, *self.deductions) if r.difference]


def split_system_data(system: dict[str, object]) -> tuple[dict, dict, dict]:
    """``facts.K``, ``B1.F``/``B2``, ``D1.F`` keys → facts, bonus, deductions dicts."""
    facts, bonus, deductions = {}, {}, {}
    for key, value in system.items():
        head, _, tail = key.partition(".")
        if head == "facts":
            facts[tail] = value
            continue
        target = bonus if head.startswith("B") else deductions
        if tail:
            target.setdefault(head, {})[tail] = value
        else:
            target[head] = value
    return facts, bonus, deductions


def evaluate(standard: Standard, unit: str, claimed_total: str, claimed_grade: str,
             claims: dict[str, ClaimRow], data: dict, entries: dict[str, Entry],
             system: dict[str, object]) -> CountyReview:
    r_facts, r_bonus, r_deductions = split_system_data(system)
    facts = {**(data.get("facts") or {}), **r_facts}
    evidence = {code: row.evidence for code, row in claims.items()}
    claimed: dict[str, Decimal] = {}
    chosen: dict[str, Decimal] = {}
    why: dict[str, tuple[str, str, bool]] = {}
    for c in standard.criteria():
        row = claims.get(c.code)
        claimed[c.code] = row.points if row and row.points is not None else ZERO
        entry = entries.get(c.code)
        if entry and entry.points is not None:
            chosen[c.code] = Decimal(entry.points)
            why[c.code] = (entry.basis or BASES[0], entry.reason, True)
        elif claimed[c.code] > 0 and evidence.get(c.code, 0) == 0:
            chosen[c.code] = ZERO
            why[c.code] = (entry.basis if entry and entry.basis else BASES[0],
                           entry.reason if entry and entry.reason else NO_EVIDENCE, False)
        else:
            chosen[c.code] = claimed[c.code]
            why[c.code] = (entry.basis if entry else "", entry.reason if entry else "", False)
    verified = score_claims(standard, chosen, facts, {}, {}, evidence)
    as_claimed = score_claims(standard, claimed, {}, {}, {}, evidence)
    rows = []
    for c in standard.criteria():
        cs, (basis, reason, entered) = verified.criterion(c.code), why[c.code]
        if cs.facts is not None and (cs.claimed != chosen[c.code] or set(r_facts)):
            if cs.claimed != claimed[c.code] or not reason:
                reason = f"以系统数据为准：{cs.facts.reason}"
            basis = FACTS_BASIS
        row = claims.get(c.code)
        rows.append(Row(c.code, c.short, c.points, claimed[c.code], cs.claimed, basis, reason,
                        evidence.get(c.code, 0), row.pages if row else "",
                        row.note if row else "", entered))
    bonus = _extras(standard.bonus, "bonus", data, r_bonus, claims, entries, standard)
    deductions = _extras(standard.deductions, "deductions", data, r_deductions, claims, entries,
                         standard)
    plus = q(sum((r.verified for r in bonus), ZERO))
    minus = q(sum((r.verified for r in deductions), ZERO))
    total = grand_total(verified.base, plus, minus)
    grade = standard.grade_for(total)
    return CountyReview(unit, Decimal(claimed_total or 0), claimed_grade, rows, bonus, deductions,
                        _levels(standard, as_claimed, verified), verified.base, plus, minus,
                        total, grade.name, grade.note)


def _by_rules(standard: Standard, kind: str, values: dict) -> dict[str, tuple[Decimal, str]]:
    """Points of each bonus or deduction item from its values, by the county side's rules."""
    score = score_claims(standard, {}, {}, values if kind == "bonus" else {},
                         values if kind == "deductions" else {}, {})
    items = score.bonus_items if kind == "bonus" else score.deduction_items
    return {x.code: (x.points, x.detail) for x in items}


def _extras(items, kind: str, data: dict, reviewer: dict, claims: dict[str, ClaimRow],
            entries: dict[str, Entry], standard: Standard) -> list[Row]:
    county = data.get(kind)
    claimed_points = data.get("extra_points") or {}
    merged = {}
    for item in items:
        mine, theirs = reviewer.get(item.code), (county or {}).get(item.code)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            merged[item.code] = {**theirs, **mine}
        elif mine is not None:
            merged[item.code] = mine
        elif theirs is not None:
            merged[item.code] = theirs
    by_rules = _by_rules(standard, kind, merged)
    county_rules = _by_rules(standard, kind, county or {})
    rows = []
    for item in items:
        if item.code in claimed_points:
            claimed = Decimal(str(claimed_points[item.code]))
        else:
            claimed = county_rules[item.code][0]
        entry = entries.get(item.code)
        evidence = claims[item.code].evidence if item.code in claims else 0
        entered = item.code in reviewer
        if entered or county is not None:
            points, detail = by_rules[item.code]
        else:
            points, detail = claimed, ""
        basis = entry.basis if entry and entry.basis else (BASES[0] if entered else "")
        reason = entry.reason if entry and entry.reason else detail if points != claimed else ""
        if kind == "bonus" and not entered and points > 0 and evidence == 0:
            points, reason, basis = ZERO, NO_EVIDENCE, BASES[0]
        rows.append(Row(item.code, item.name, None, claimed, q(points), basis, reason, evidence,
                        claims[item.code].pages if item.code in claims else "", "", entered))
    return rows


def _levels(standard: Standard, claimed: Score, verified: Score) -> list[Level]:
    out = []
    for label, a, b in (("一级", claimed.primary, verified.primary),
                        ("二级", claimed.secondary, verified.secondary),
                        ("三级", claimed.tertiary, verified.tertiary)):
        out += [Level(label, x.code, x.name, x.max, x.claimed, y.claimed)
                for x, y in zip(a, b, strict=True)]
    return out
