"""Project → Score: the claimed score at every level, exactly as the city bureau re-scores it.

A claimed score wrong by 0.5 costs a unit its grade, so everything here is Decimal,
rounded half-up to 2 decimals per criterion (sums of those are then exact). The core
(``score_claims``) is a pure function of the standard, the claims, the facts, bonus,
deductions and evidence counts, so that property tests need no workspace.

Facts (系统数据) decide the criteria bound to them in the standard's ``fact_rules``
(有系统数据的，以系统数据为准): a claim that disagrees becomes a warning and the facts win.
A rule decides as soon as the given facts settle it (three-valued logic: a failed half
of an "and" settles it at 0 even when the other half is missing); when they do not, the
claim stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from dossier.cnformat import percent
from dossier.cnformat import pts as _pts
from dossier.errors import InputError, StandardError
from dossier.manifest import FACTS
from dossier.stages import timed
from dossier.standard import Criterion, Standard

CENT = Decimal("0.01")
ZERO = Decimal(0)
Locate = Callable[[str], tuple[Path | None, int | None]]  # fact key -> (manifest, line)


def q(value: Decimal) -> Decimal:
    """Round half-up to 2 decimals (26.205 → 26.21), as the bureau does."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def num(value: Decimal) -> int | float:
    """JSON number of a 2-dp Decimal: int when integral, else float."""
    value = q(value)
    return int(value) if value == value.to_integral_value() else float(value)


# -- facts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FactDecision:
    """Points that the facts give a criterion, and the reason in words."""

    code: str
    points: Decimal
    reason: str


class _Facts:
    """Fact lookups that turn impossible ratios into input errors naming the line."""

    def __init__(self, facts: dict[str, Any], locate: Locate | None):
        self.facts = facts
        self.locate = locate

    def get(self, key: str):
        return self.facts.get(key)

    def error(self, key: str, message: str, hint: str) -> InputError:
        path, line = self.locate(key) if self.locate else (None, None)
        return InputError(message, path=path, line=line, hint=hint)

    def ratio(self, num_key: str, den_key: str, pct: int, at_least: bool, label: str):
        """(condition or None when unknown, words) for num/den ≥ or ≤ pct %."""
        n, d = self.get(num_key), self.get(den_key)
        if d is not None and d == 0:
            raise self.error(
                den_key, f"facts.{den_key}（{FACTS[den_key][1]}）为 0，无法计算{label}的比例。",
                f"填写实际人数；若确实为 0，请删除 facts 中的 {den_key} 一项，按自评计分。")
        if n is None or d is None:
            return None, f"{label}：系统数据未填全"
        if n > d:
            raise self.error(
                num_key, f"facts.{num_key}（{FACTS[num_key][1]}）为 {n}，大于 facts.{den_key}"
                f"（{FACTS[den_key][1]}）{d}，数据矛盾。", "核对这两项人数后再试。")
        ok = n * 100 >= d * pct if at_least else n * 100 <= d * pct
        sign = "≥" if at_least else "≤"
        shown = percent(n, d, at_least=pct) if at_least else percent(n, d, at_most=pct)
        return ok, f"{label} {n}/{d}={shown}%（要求{sign}{pct}%）"


# A rule's sentence is made of the clauses that decide it, so it never shows a clause that
# contradicts the points (full points beside "已报市级同意：否").


def _all(*parts):
    """Holds when every part holds; when one fails, the failing parts are the reason."""
    values = [v for v, _ in parts]
    value = False if False in values else (None if None in values else True)
    deciding = [t for v, t in parts if v is False] if value is False else [t for _, t in parts]
    return value, "，".join(deciding)


def _any(*parts):
    """Holds when one part holds, which is then the reason; fails only when all fail."""
    values = [v for v, _ in parts]
    value = True if True in values else (None if None in values else False)
    deciding = [t for v, t in parts if v is True] if value is True else [t for _, t in parts]
    return value, "，".join(deciding)


def _flag(f: _Facts, key: str, label: str):
    v = f.get(key)
    return v, f"{label}：{'系统数据未填' if v is None else ('是' if v else '否')}"


def _within(part, words: str):
    """A part whose holding needs saying why nothing else is asked (借调未超比例)."""
    value, text = part
    return value, f"{text}，{words}" if value else text


def _at_least(f: _Facts, key: str, minimum: Decimal, label: str, unit: str):
    v = f.get(key)
    if v is None:
        return None, f"{label}：系统数据未填"
    return Decimal(str(v)) >= minimum, f"{label} {v}{unit}（要求≥{minimum}{unit}）"


def _education(f: _Facts):
    college = f.ratio("college_staff", "enforcement_staff", 90, True, "大专以上学历")
    if f.get("new_hires_3y") == 0:
        return _all(college, (True, "近三年无新入编人员"))
    return _all(college, f.ratio("new_hires_3y_relevant", "new_hires_3y", 50, True,
                                 "近三年新入编相关专业"))


_RULES: dict[str, Callable[[_Facts], tuple[bool | None, str]]] = {
    "education": _education,
    "certification": lambda f: f.ratio("certified_excl_new", "enforcement_staff_excl_new", 80,
                                       True, "持证（不含近三年新进）"),
    "frontline_ratio": lambda f: f.ratio("frontline_staff", "staff_total", 80, True,
                                         "一线执法人员"),
    "secondment_ratio": lambda f: f.ratio("seconded_staff", "staff_total", 10, False,
                                          "借调人员"),
    "secondment_reported": lambda f: _any(
        _within(f.ratio("seconded_staff", "staff_total", 10, False, "借调人员"),
                "未超过比例，无需报市级同意"),
        _flag(f, "secondment_reported", "超比例借调已报市级同意")),
    "grid_leads": lambda f: _at_least(f, "grid_leads", Decimal(4), "网格巡查线索转执法", "条"),
    "mobile_logins": lambda f: _all(
        _flag(f, "mobile_accounts_complete", "持证人员均设移动执法账号"),
        _at_least(f, "avg_monthly_logins", Decimal(2), "平均每月登录", "次")),
}
RULE_NAMES = ("efficiency_score", *_RULES)


def _decide(rule: str, criterion: Criterion, f: _Facts) -> FactDecision | None:
    if rule == "efficiency_score":
        s = f.get("efficiency_score")
        if s is None:
            return None
        points = q(criterion.points * Decimal(str(s)) / 100)
        return FactDecision(criterion.code, points,
                            f"执法效能评估得分 {s}，折算 {criterion.points}×{s}/100={points}")
    if rule not in _RULES:
        raise StandardError(f"fact_rules 中 {criterion.code} 的规则名“{rule}”未知。",
                            hint="可用的规则：" + "、".join(RULE_NAMES) + "。")
    value, words = _RULES[rule](f)
    if value is None:
        return None
    return FactDecision(criterion.code, criterion.points if value else ZERO, words)


def decide_by_facts(standard: Standard, facts: dict[str, Any],
                    locate: Locate | None = None) -> dict[str, FactDecision]:
    """The criteria that the given facts settle, with their points and reason.

    Raises InputError (exit 3) for a zero denominator or a part larger than its whole,
    naming ``facts.KEY`` and, with ``locate``, the manifest and line.
    """
    f = _Facts(facts or {}, locate)
    out: dict[str, FactDecision] = {}
    for code, rule in standard.fact_rules.items():
        decision = _decide(rule, standard.criterion(code), f)
        if decision is not None:
            out[code] = decision
    return out


# -- bonus and deductions ---------------------------------------------------------------


@dataclass(frozen=True)
class ExtraScore:
    """A bonus or deduction item's points (deductions as positive numbers)."""

    code: str
    name: str
    points: Decimal
    detail: str
    evidence: int = 0  # files in its folder that count (B1 …, D2 …)

    @property
    def supported(self) -> bool:
        """A bonus claimed without evidence is 有分无据, like a criterion. A deduction is
        never "at risk": its notice is asked for by ``check``, its points stand."""
        return not (self.code.startswith("B") and self.points > 0 and self.evidence == 0)

    @property
    def at_risk(self) -> Decimal:
        return ZERO if self.supported else self.points


def _bonus_points(code: str, value: Any, item_points: Decimal | None) -> tuple[Decimal, str]:
    if code == "B1" and isinstance(value, dict):
        parts: list[tuple[Decimal, str]] = []
        if value.get("national_collective"):
            parts.append((Decimal(2), "全国集体 +2"))
        elif value.get("provincial_collective"):
            parts.append((Decimal(1), "全省集体 +1"))
        if n := int(value.get("national_individuals") or 0):
            parts.append((Decimal("0.2") * n, f"全国个人 {n} 人次 +{Decimal('0.2') * n}"))
        if n := int(value.get("provincial_individuals") or 0):
            parts.append((Decimal("0.1") * n, f"全省个人 {n} 人次 +{Decimal('0.1') * n}"))
        return sum((p for p, _ in parts), ZERO), "，".join(t for _, t in parts)
    if code == "B2" and value is True:
        points = item_points if item_points is not None else Decimal(1)
        return points, f"已购买第三方意外保险 +{points}"
    return ZERO, ""


def _deduction_points(code: str, value: Any) -> tuple[Decimal, str]:
    parts: list[tuple[Decimal, str]] = []
    if code == "D1" and isinstance(value, dict):
        if value.get("unit_or_leadership"):
            parts.append((Decimal(5), "本单位或领导班子成员受处分 −5"))
        if value.get("staff"):
            parts.append((Decimal(2), "在编人员受处分 −2"))
    if code == "D2" and isinstance(value, dict):
        if n := int(value.get("provincial") or 0):
            parts.append((Decimal(2) * n, f"省级通报或约谈 {n} 次 −{2 * n}"))
        if n := int(value.get("city") or 0):
            parts.append((Decimal(n), f"市级通报或约谈 {n} 次 −{n}"))
    return sum((p for p, _ in parts), ZERO), "，".join(t for _, t in parts)


# -- the score ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionScore:
    code: str
    max: Decimal
    claimed: Decimal  # effective points: after facts, rounded; unfilled counts 0
    evidence: int
    supported: bool  # False when claimed > 0 and there is no evidence file
    claim: Decimal | None  # as written in the manifest (None: not filled in)
    facts: FactDecision | None  # set when the facts decide this criterion

    @property
    def at_risk(self) -> Decimal:
        return ZERO if self.supported else self.claimed

    @property
    def filled(self) -> bool:
        return self.claim is not None or self.facts is not None


@dataclass(frozen=True)
class Subtotal:
    code: str
    name: str
    max: Decimal
    claimed: Decimal
    at_risk: Decimal


@dataclass(frozen=True)
class Score:
    criteria: tuple[CriterionScore, ...]
    tertiary: tuple[Subtotal, ...]
    secondary: tuple[Subtotal, ...]
    primary: tuple[Subtotal, ...]
    base: Decimal  # Σ criteria
    bonus: Decimal
    deductions: Decimal  # positive: what is taken off
    total: Decimal  # base + bonus − deductions, never below 0
    grade: str
    grade_note: str
    at_risk: Decimal  # claimed without evidence
    supported_total: Decimal  # total − at_risk, never below 0
    next_grade: str | None  # the grade above, None at the top
    to_next_grade: Decimal | None  # points still missing to reach it
    bonus_items: tuple[ExtraScore, ...] = ()
    deduction_items: tuple[ExtraScore, ...] = ()
    warnings: tuple[tuple[str, str], ...] = field(default=())  # (code, message): claim ≠ facts

    def criterion(self, code: str) -> CriterionScore:
        return next(c for c in self.criteria if c.code == code)

    def to_json(self) -> dict:
        """Exactly the keys of DESIGN.md (``score --format json``)."""
        return {
            "total": num(self.total), "base": num(self.base), "bonus": num(self.bonus),
            "deductions": num(self.deductions), "grade": self.grade,
            "criteria": [{"code": c.code, "max": num(c.max), "claimed": num(c.claimed),
                          "evidence": c.evidence, "supported": c.supported}
                         for c in self.criteria],
            "tertiary": [{"code": t.code, "max": num(t.max), "claimed": num(t.claimed)}
                         for t in self.tertiary],
        }


def score_claims(standard: Standard, claims: dict[str, Decimal | None], facts: dict[str, Any],
                 bonus: dict[str, Any], deductions: dict[str, Any],
                 evidence_counts: dict[str, int], locate: Locate | None = None) -> Score:
    """The pure core: claims (already range-checked), facts, extras and evidence counts → Score."""
    decided = decide_by_facts(standard, facts, locate)
    criteria: list[CriterionScore] = []
    warnings: list[tuple[str, str]] = []
    for c in standard.criteria():
        claim = claims.get(c.code)
        decision = decided.get(c.code)
        points = decision.points if decision else q(claim if claim is not None else ZERO)
        if decision and claim is not None and q(claim) != decision.points:
            warnings.append((c.code, f"{c.code} 自评 {_pts(claim)} 分，按系统数据应为 "
                                     f"{_pts(decision.points)} 分（{decision.reason}），以系统数据为准。"))
        evidence = int(evidence_counts.get(c.code, 0))
        criteria.append(CriterionScore(c.code, c.points, points, evidence,
                                       not (points > 0 and evidence == 0), claim, decision))
    by_code = {c.code: c for c in criteria}

    def subtotal(code: str, name: str, max_: Decimal, codes: list[str]) -> Subtotal:
        parts = [by_code[x] for x in codes]
        return Subtotal(code, name, max_, sum((p.claimed for p in parts), ZERO),
                        sum((p.at_risk for p in parts), ZERO))

    tertiary = tuple(subtotal(t.code, t.name, t.points, [c.code for c in t.criteria])
                     for t in standard.tertiaries())
    secondary = tuple(subtotal(s.code, s.name, s.points,
                               [c.code for t in s.tertiary for c in t.criteria])
                      for s in standard.secondaries())
    primary = tuple(subtotal(p.code, p.name, p.points,
                             [c.code for s in p.secondary for t in s.tertiary for c in t.criteria])
                    for p in standard.primary)

    bonus_items = tuple(ExtraScore(b.code, b.name, *_bonus_points(b.code, (bonus or {}).get(b.code),
                                                                   b.points),
                                   int(evidence_counts.get(b.code, 0)))
                        for b in standard.bonus)
    deduction_items = tuple(ExtraScore(d.code, d.name,
                                       *_deduction_points(d.code, (deductions or {}).get(d.code)),
                                       int(evidence_counts.get(d.code, 0)))
                            for d in standard.deductions)
    base = sum((c.claimed for c in criteria), ZERO)
    plus = q(sum((b.points for b in bonus_items), ZERO))
    minus = q(sum((d.points for d in deduction_items), ZERO))
    total = grand_total(base, plus, minus)
    at_risk = sum((c.at_risk for c in criteria), ZERO) + sum((b.at_risk for b in bonus_items), ZERO)
    grade = standard.grade_for(total)
    above = sorted((g for g in standard.grades if g.min > total), key=lambda g: g.min)
    return Score(
        criteria=tuple(criteria), tertiary=tertiary, secondary=secondary, primary=primary,
        base=q(base), bonus=plus, deductions=minus, total=total, grade=grade.name,
        grade_note=grade.note, at_risk=q(at_risk), supported_total=q(max(ZERO, total - at_risk)),
        next_grade=above[0].name if above else None,
        to_next_grade=q(above[0].min - total) if above else None,
        bonus_items=bonus_items, deduction_items=deduction_items, warnings=tuple(warnings))


def grand_total(base: Decimal, bonus: Decimal, deductions: Decimal) -> Decimal:
    """total = Σ criteria + bonus − deductions, never below 0 (the county's and the city's)."""
    return q(max(ZERO, base + bonus - deductions))


@timed("score")
def compute_score(project) -> Score:
    """Score a loaded Project (``dossier score``, ``build``)."""
    manifest = project.manifest
    claims = {code: c.points for code, c in manifest.claims.items()}
    codes = [c.code for c in project.standard.criteria()]
    codes += [x.code for x in (*project.standard.bonus, *project.standard.deductions)]
    counts = {code: len(project.counting_items(code)) for code in codes}
    return score_claims(project.standard, claims, manifest.facts, manifest.bonus,
                        manifest.deductions, counts,
                        locate=lambda key: (manifest.path, manifest.line_of("facts", key)))
