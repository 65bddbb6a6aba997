"""Properties of the score over random manifests (hypothesis): the parts add up, always.

The city bureau re-scores every submission, so whatever staff claim, the total must be
the sum of its parts, lie in [0, 100 + bonus], and no criterion may exceed its max.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.score import score_claims
from dossier.standard import load_standard

STD = load_standard()
CRITERIA = list(STD.criteria())
ZERO = Decimal(0)


def _claim(maximum: Decimal):
    """Unfilled, or 0 … max in thousandths (so that rounding half-up is exercised too)."""
    mills = int(maximum * 1000)
    return st.one_of(st.none(), st.integers(0, mills).map(lambda n: Decimal(n) / 1000))


claims_strategy = st.fixed_dictionaries({c.code: _claim(c.points) for c in CRITERIA})


@st.composite
def facts_strategy(draw):
    """Consistent facts (parts never larger than wholes, wholes never 0), some left out."""
    facts = {}
    for part, of in (("college_staff", "enforcement_staff"),
                     ("new_hires_3y_relevant", "new_hires_3y"),
                     ("certified_excl_new", "enforcement_staff_excl_new"),
                     ("frontline_staff", "staff_total")):
        whole = draw(st.integers(1 if of != "new_hires_3y" else 0, 80))
        facts[of] = whole
        facts[part] = draw(st.integers(0, whole))
    facts["seconded_staff"] = draw(st.integers(0, facts["staff_total"]))
    facts["efficiency_score"] = Decimal(draw(st.integers(0, 10000))) / 100
    facts["grid_leads"] = draw(st.integers(0, 10))
    facts["avg_monthly_logins"] = Decimal(draw(st.integers(0, 60))) / 10
    facts["secondment_reported"] = draw(st.booleans())
    facts["mobile_accounts_complete"] = draw(st.booleans())
    keep = draw(st.sets(st.sampled_from(sorted(facts))))
    return {k: v for k, v in facts.items() if k in keep}


bonus_strategy = st.fixed_dictionaries({
    "B1": st.fixed_dictionaries({"national_collective": st.booleans(),
                                 "national_individuals": st.integers(0, 20),
                                 "provincial_collective": st.booleans(),
                                 "provincial_individuals": st.integers(0, 20)}),
    "B2": st.booleans()})
deductions_strategy = st.fixed_dictionaries({
    "D1": st.fixed_dictionaries({"unit_or_leadership": st.booleans(), "staff": st.booleans()}),
    "D2": st.fixed_dictionaries({"provincial": st.integers(0, 5), "city": st.integers(0, 5)})})
evidence_strategy = st.fixed_dictionaries(
    {code: st.integers(0, 2) for code in [c.code for c in CRITERIA] + ["B1", "B2", "D1", "D2"]})


@settings(max_examples=60, deadline=None)
@given(claims_strategy, facts_strategy(), bonus_strategy, deductions_strategy, evidence_strategy)
def test_total_is_the_sum_of_its_parts_and_within_bounds(claims, facts, bonus, deductions,
                                                          evidence):
    s = score_claims(STD, claims, facts, bonus, deductions, evidence)
    crit_sum = sum((c.claimed for c in s.criteria), ZERO)
    assert s.base == crit_sum
    for level in (s.primary, s.secondary, s.tertiary):
        assert sum((x.claimed for x in level), ZERO) == s.base
        assert all(ZERO <= x.claimed <= x.max for x in level)
    assert s.bonus == sum((b.points for b in s.bonus_items), ZERO)
    assert s.deductions == sum((d.points for d in s.deduction_items), ZERO)
    assert s.total == max(ZERO, s.base + s.bonus - s.deductions)
    assert ZERO <= s.total <= STD.total + s.bonus
    assert s.grade == STD.grade_for(s.total).name
    for c in s.criteria:
        assert ZERO <= c.claimed <= c.max
        assert c.claimed == c.claimed.quantize(Decimal("0.01"))
        assert c.supported == (c.claimed == 0 or c.evidence > 0)
    for b in s.bonus_items:
        assert b.supported == (b.points == 0 or b.evidence > 0)
    assert s.at_risk == (sum((c.claimed for c in s.criteria if not c.supported), ZERO)
                         + sum((b.points for b in s.bonus_items if not b.supported), ZERO))
    assert s.supported_total == max(ZERO, s.total - s.at_risk)


@settings(max_examples=40, deadline=None)
@given(claims_strategy, facts_strategy())
def test_facts_decide_and_warn_only_on_disagreement(claims, facts):
    s = score_claims(STD, claims, facts, {}, {}, {})
    warned = dict(s.warnings)
    for c in s.criteria:
        if c.facts is None:
            written = claims[c.code]
            assert c.claimed == (written or ZERO).quantize(Decimal("0.01"), "ROUND_HALF_UP")
            assert c.code not in warned
        else:
            assert c.claimed == c.facts.points
            disagrees = c.claim is not None and c.claim.quantize(
                Decimal("0.01"), "ROUND_HALF_UP") != c.facts.points
            assert (c.code in warned) == disagrees


@settings(max_examples=40, deadline=None)
@given(claims_strategy, bonus_strategy, deductions_strategy)
def test_json_numbers_equal_the_decimals(claims, bonus, deductions):
    s = score_claims(STD, claims, {}, bonus, deductions, {})
    data = s.to_json()
    assert Decimal(str(data["total"])) == s.total
    assert Decimal(str(data["base"])) == s.base
    for c, j in zip(s.criteria, data["criteria"], strict=True):
        assert Decimal(str(j["claimed"])) == c.claimed
        assert isinstance(j["claimed"], int) == (c.claimed == c.claimed.to_integral_value())
