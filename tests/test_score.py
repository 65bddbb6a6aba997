"""Scoring: hand-computed cases, each rule on its own, errors with their manifest line.

The pure core (``score_claims``) is tested with the packaged standard; the workspace
tests write real manifests and evidence files and run the real command.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from ruamel.yaml.comments import CommentedMap

from dossier.errors import InputError
from dossier.manifest import load_manifest, yaml_rt
from dossier.project import load_project
from dossier.score import compute_score, decide_by_facts, score_claims
from dossier.standard import load_standard
from tests import factories
from tests.conftest import REPO, run_dossier

STD = load_standard()
D = Decimal


def full_claims() -> dict[str, Decimal]:
    return {c.code: c.points for c in STD.criteria()}


def everywhere(n: int = 1) -> dict[str, int]:
    """``n`` evidence files for every criterion and every bonus/deduction item."""
    return {c.code: n for c in STD.criteria()} | {x.code: n for x in (*STD.bonus, *STD.deductions)}


def score(claims=None, facts=None, bonus=None, deductions=None, evidence=None):
    return score_claims(STD, claims or {}, facts or {}, bonus or {}, deductions or {},
                        everywhere() if evidence is None else evidence)


def edit_manifest(root: Path, **sections) -> Path:
    """Set manifest sections (claims entries merged, others replaced) via a YAML round trip."""
    path = root / "manifests" / "2022.yaml"
    y = yaml_rt()
    data = y.load(path.read_text(encoding="utf-8"))
    for key, value in sections.items():
        if key == "claims":
            for code, claim in value.items():
                if isinstance(claim, dict):  # written {points: 1, note: …}, as in DESIGN.md
                    claim = CommentedMap(claim)
                    claim.fa.set_flow_style()
                data["claims"][code] = claim
        else:
            data[key] = value
    with path.open("w", encoding="utf-8") as fh:
        y.dump(data, fh)
    return path


def add_evidence(root: Path, code: str, name: str = "证明材料.txt") -> Path:
    folder = next((root / "evidence" / "2022").glob(f"*/{code} *"))
    return factories.text_file(folder / name, f"{code} 的佐证材料\n")


# -- whole manifests ------------------------------------------------------------------


def test_claiming_everything_scores_100_plus_bonus():
    s = score(full_claims(), bonus={"B1": {"national_collective": True, "national_individuals": 2,
                                           "provincial_collective": True,
                                           "provincial_individuals": 3},
                                    "B2": True})
    assert s.base == 100
    assert s.bonus == D("3.70")  # 2 + 2×0.2 + 3×0.1 + 1; the provincial collective is not counted
    assert s.total == D("103.70")
    assert s.grade == "规范化示范单位"
    assert "省级" in s.grade_note
    assert s.next_grade is None and s.to_next_grade is None
    assert [p.claimed for p in s.primary] == [p.points for p in STD.primary]
    assert all(t.claimed == t.max for t in s.tertiary)
    assert s.at_risk == 0 and s.supported_total == s.total


def test_a_bonus_without_evidence_is_at_risk_like_a_criterion():
    evidence = everywhere()
    del evidence["B2"]
    s = score(full_claims(), bonus={"B2": True}, deductions={"D2": {"city": 1}}, evidence=evidence)
    assert s.at_risk == 1 and s.supported_total == s.total - 1
    no_notice = everywhere()
    del no_notice["D2"]
    s = score(full_claims(), deductions={"D2": {"city": 1}}, evidence=no_notice)
    assert s.at_risk == 0 and s.deduction_items[1].evidence == 0  # a deduction stands anyway


def test_claiming_nothing_scores_zero_and_counts_unfilled_as_zero():
    s = score({}, evidence={})
    assert s.total == 0 and s.base == 0
    assert s.grade == "未达标"
    assert s.next_grade == "规范化单位" and s.to_next_grade == 80
    assert len(s.criteria) == 78
    assert not any(c.filled for c in s.criteria)
    assert all(c.supported for c in s.criteria)  # nothing claimed, nothing at risk


def test_facts_override_disagreeing_claims_and_warn():
    claims = full_claims()
    facts = {"efficiency_score": D("80"), "enforcement_staff": 40, "college_staff": 30,
             "new_hires_3y": 0, "enforcement_staff_excl_new": 30, "certified_excl_new": 20,
             "staff_total": 40, "frontline_staff": 30, "seconded_staff": 8,
             "secondment_reported": False, "grid_leads": 3, "mobile_accounts_complete": True,
             "avg_monthly_logins": D("1.5")}
    s = score(claims, facts)
    got = {c.code: c.claimed for c in s.criteria if c.facts}
    assert got == {"13.1.1": 24, "6.2.1": 0, "6.4.2": 0, "6.5.1": 0, "6.5.2": 0, "6.5.3": 0,
                   "9.5.3": 0, "5.2.1": 0}
    assert {code for code, _ in s.warnings} == set(got)
    assert s.base == 100 - 30 + 24 - 1 - D("0.5") - 1 - 2 - 1 - D("0.5") - 1
    warning = dict(s.warnings)["6.2.1"]
    assert "以系统数据为准" in warning and "30/40=75%" in warning


def test_facts_that_agree_give_no_warning_and_fill_unfilled_claims():
    facts = {"grid_leads": 4, "efficiency_score": 100}
    s = score({"9.5.3": D("0.5")}, facts)
    assert s.warnings == ()
    assert s.criterion("9.5.3").claimed == D("0.5")
    assert s.criterion("13.1.1").claimed == 30  # unfilled, decided by the facts
    assert s.criterion("13.1.1").filled


def test_efficiency_score_rounds_half_up():
    # 30 × 87.35 / 100 = 26.205 → 26.21 (banker's rounding would give 26.20)
    s = score(facts={"efficiency_score": D("87.35")})
    assert s.criterion("13.1.1").claimed == D("26.21")
    assert s.to_json()["criteria"][-1]["claimed"] == 26.21


def test_claims_with_more_decimals_round_half_up():
    s = score({"1.2.1": D("0.125"), "1.1.1": D("0.333")})
    assert s.criterion("1.2.1").claimed == D("0.13")
    assert s.criterion("1.1.1").claimed == D("0.33")
    assert s.base == D("0.46")


# -- fact rules, each on its own ----------------------------------------------------------


@pytest.mark.parametrize("facts, code, expected", [
    ({"enforcement_staff": 40, "college_staff": 36, "new_hires_3y": 6, "new_hires_3y_relevant": 3},
     "6.2.1", 1),  # exactly 90 % and 50 %
    ({"enforcement_staff": 40, "college_staff": 35, "new_hires_3y": 6, "new_hires_3y_relevant": 6},
     "6.2.1", 0),
    ({"enforcement_staff": 40, "college_staff": 40, "new_hires_3y": 6, "new_hires_3y_relevant": 2},
     "6.2.1", 0),
    ({"enforcement_staff": 40, "college_staff": 38, "new_hires_3y": 0}, "6.2.1", 1),
    ({"enforcement_staff_excl_new": 30, "certified_excl_new": 24}, "6.4.2", D("0.5")),
    ({"enforcement_staff_excl_new": 30, "certified_excl_new": 23}, "6.4.2", 0),
    ({"staff_total": 45, "frontline_staff": 36}, "6.5.1", 1),
    ({"staff_total": 45, "frontline_staff": 35}, "6.5.1", 0),
    ({"staff_total": 40, "seconded_staff": 4}, "6.5.2", 2),  # exactly 10 %
    ({"staff_total": 40, "seconded_staff": 5}, "6.5.2", 0),
    ({"staff_total": 40, "seconded_staff": 4}, "6.5.3", 1),
    ({"staff_total": 40, "seconded_staff": 5, "secondment_reported": True}, "6.5.3", 1),
    ({"staff_total": 40, "seconded_staff": 5, "secondment_reported": False}, "6.5.3", 0),
    ({"secondment_reported": True}, "6.5.3", 1),
    ({"grid_leads": 4}, "9.5.3", D("0.5")),
    ({"grid_leads": 3}, "9.5.3", 0),
    ({"mobile_accounts_complete": True, "avg_monthly_logins": D("2")}, "5.2.1", 1),
    ({"mobile_accounts_complete": True, "avg_monthly_logins": D("1.9")}, "5.2.1", 0),
    ({"mobile_accounts_complete": False}, "5.2.1", 0),  # settled whatever the logins
    ({"efficiency_score": D("0")}, "13.1.1", 0),
])
def test_each_fact_rule(facts, code, expected):
    decided = decide_by_facts(STD, facts)
    assert decided[code].points == expected
    assert score(full_claims(), facts).criterion(code).claimed == expected


# -- the sentences agree with the points -------------------------------------------------


@pytest.mark.parametrize("facts, code, points, says, never", [
    # the demo: 3 of 48 seconded, not reported: full points, so "已报市级同意：否" is not the reason
    ({"staff_total": 48, "seconded_staff": 3, "secondment_reported": False}, "6.5.3", 1,
     "借调人员 3/48=6.3%（要求≤10%），未超过比例，无需报市级同意", "否"),
    ({"staff_total": 40, "seconded_staff": 5, "secondment_reported": True}, "6.5.3", 1,
     "超比例借调已报市级同意：是", "12.5%"),
    ({"staff_total": 40, "seconded_staff": 5, "secondment_reported": False}, "6.5.3", 0,
     "借调人员 5/40=12.5%（要求≤10%），超比例借调已报市级同意：否", "无需"),
    # a failed half is the reason for 0; the half that holds is not offered as one
    ({"enforcement_staff": 40, "college_staff": 40, "new_hires_3y": 6, "new_hires_3y_relevant": 2},
     "6.2.1", 0, "近三年新入编相关专业 2/6=33.3%（要求≥50%）", "大专"),
    ({"mobile_accounts_complete": False, "avg_monthly_logins": D("3")}, "5.2.1", 0,
     "持证人员均设移动执法账号：否", "登录"),
])
def test_fact_sentence_names_the_clauses_that_give_the_points(facts, code, points, says, never):
    decision = decide_by_facts(STD, facts)[code]
    assert decision.points == points
    assert decision.reason == says if never == "否" else says in decision.reason
    assert never not in decision.reason


def test_percentages_use_one_rounding_rule_that_never_crosses_the_threshold():
    from dossier.cnformat import percent

    assert percent(3, 48) == "6.3" and percent(37, 40) == "92.5" and percent(1, 1) == "100"
    assert percent(1799, 2000) == "90" and percent(1799, 2000, at_least=90) == "89.9"
    assert percent(401, 4000, at_most=10) == "10.1"  # 10.025 % is over 10 %, and says so
    reason = decide_by_facts(STD, {"enforcement_staff": 2000, "college_staff": 1799,
                                   "new_hires_3y": 0})["6.2.1"]
    assert reason.points == 0 and "1799/2000=89.9%（要求≥90%）" in reason.reason


@pytest.mark.parametrize("facts, code", [
    ({}, "13.1.1"),
    ({"enforcement_staff": 40}, "6.2.1"),
    ({"enforcement_staff": 40, "college_staff": 38, "new_hires_3y": 5}, "6.2.1"),
    ({"certified_excl_new": 24}, "6.4.2"),
    ({"staff_total": 40}, "6.5.1"),
    ({"secondment_reported": False}, "6.5.3"),
    ({"staff_total": 40, "seconded_staff": 5}, "6.5.3"),  # over 10 %, reporting not stated
    ({"avg_monthly_logins": D("3")}, "5.2.1"),
])
def test_claim_stands_when_facts_do_not_settle_the_criterion(facts, code):
    assert code not in decide_by_facts(STD, facts)
    claimed = STD.criterion(code).points
    s = score({code: claimed}, facts)
    assert s.criterion(code).claimed == claimed and s.criterion(code).facts is None


@pytest.mark.parametrize("facts, key", [
    ({"staff_total": 0, "frontline_staff": 0}, "staff_total"),
    ({"enforcement_staff": 0, "college_staff": 0}, "enforcement_staff"),
    ({"enforcement_staff_excl_new": 0}, "enforcement_staff_excl_new"),
])
def test_zero_denominator_is_an_input_error(facts, key):
    with pytest.raises(InputError) as err:
        score(facts=facts)
    assert f"facts.{key}" in str(err.value) and "为 0" in str(err.value)


def test_part_larger_than_whole_is_an_input_error():
    with pytest.raises(InputError, match="facts.frontline_staff"):
        score(facts={"staff_total": 40, "frontline_staff": 41})


def test_zero_denominator_names_the_manifest_line(empty_workspace):
    path = edit_manifest(empty_workspace, facts={"staff_total": 0, "frontline_staff": 0})
    project = load_project(empty_workspace)
    with pytest.raises(InputError) as err:
        compute_score(project)
    line = project.manifest.line_of("facts", "staff_total")
    assert line and err.value.line == line and err.value.path == path
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].lstrip().startswith("staff_total")
    result = run_dossier("-C", str(empty_workspace), "score")
    assert result.exit_code == 3
    assert f"第{line}行" in result.stderr and "facts.staff_total" in result.stderr
    assert "Traceback" not in result.stderr


# -- bonus, deductions, total, grade ------------------------------------------------------


@pytest.mark.parametrize("bonus, expected", [
    ({"B1": {"national_collective": True}}, D(2)),
    ({"B1": {"provincial_collective": True}}, D(1)),
    ({"B1": {"national_collective": True, "provincial_collective": True}}, D(2)),  # exclusive
    ({"B1": {"national_individuals": 3}}, D("0.6")),
    ({"B1": {"provincial_individuals": 2}}, D("0.2")),
    ({"B1": {"national_individuals": 1, "provincial_individuals": 1}}, D("0.3")),
    ({"B2": True}, D(1)),
    ({"B2": False}, D(0)),
])
def test_each_bonus_rule(bonus, expected):
    s = score({"1.1.1": 1}, bonus=bonus)
    assert s.bonus == expected
    assert s.total == 1 + expected


@pytest.mark.parametrize("deductions, expected", [
    ({"D1": {"unit_or_leadership": True}}, D(5)),
    ({"D1": {"staff": True}}, D(2)),
    ({"D1": {"unit_or_leadership": True, "staff": True}}, D(7)),
    ({"D2": {"provincial": 2}}, D(4)),
    ({"D2": {"city": 3}}, D(3)),
    ({"D2": {"provincial": 1, "city": 1}}, D(3)),
])
def test_each_deduction_rule(deductions, expected):
    s = score(full_claims(), deductions=deductions)
    assert s.deductions == expected
    assert s.total == 100 - expected


def test_total_never_below_zero():
    s = score({"1.1.1": 1}, deductions={"D1": {"unit_or_leadership": True, "staff": True}})
    assert s.base == 1 and s.deductions == 7 and s.total == 0


@pytest.mark.parametrize("drop, grade, missing", [
    (D(5), "规范化示范单位", None),
    (D("5.01"), "规范化单位", D("0.01")),
    (D(20), "规范化单位", D(15)),
    (D("20.5"), "未达标", D("0.5")),
])
def test_grade_thresholds_and_points_missing(drop, grade, missing):
    # 13.1.1 (30 points) takes the drop, the other criteria are claimed in full.
    claims = full_claims() | {"13.1.1": 30 - drop}
    s = score(claims)
    assert s.total == 100 - drop
    assert s.grade == grade
    assert s.to_next_grade == missing


def test_points_without_evidence_are_at_risk():
    evidence = everywhere() | {"1.1.1": 0, "3.1.1": 0, "3.1.2": 0}
    s = score(full_claims() | {"3.1.2": 0}, evidence=evidence)
    assert not s.criterion("1.1.1").supported and s.criterion("1.1.1").at_risk == 1
    assert not s.criterion("3.1.1").supported
    assert s.criterion("3.1.2").supported  # claimed 0: no evidence needed
    assert s.at_risk == D("2.5")
    assert s.supported_total == s.total - D("2.5")
    assert next(t for t in s.tertiary if t.code == "3.1").at_risk == D("1.5")


# -- JSON and text output -------------------------------------------------------------------


def test_json_has_exactly_the_design_keys_and_json_numbers():
    s = score(full_claims() | {"1.2.1": D("0.25")}, evidence=everywhere() | {"1.1.1": 0})
    data = s.to_json()
    assert set(data) == {"total", "base", "bonus", "deductions", "grade", "criteria", "tertiary"}
    assert set(data["criteria"][0]) == {"code", "max", "claimed", "evidence", "supported"}
    assert set(data["tertiary"][0]) == {"code", "max", "claimed"}
    assert len(data["criteria"]) == 78 and len(data["tertiary"]) == 40
    assert data["total"] == 99.75 and isinstance(data["total"], float)
    assert data["criteria"][0] == {"code": "1.1.1", "max": 1, "claimed": 1, "evidence": 0,
                                   "supported": False}
    assert isinstance(data["criteria"][0]["max"], int)
    assert json.loads(json.dumps(data)) == data


def test_manifest_claims_are_scored_with_evidence_counts(empty_workspace):
    edit_manifest(empty_workspace, claims={"1.1.1": 1, "1.1.2": {"points": 1, "note": "已制定"},
                                           "3.1.1": {"points": 0}},
                  bonus={"B2": True})
    add_evidence(empty_workspace, "1.1.1")
    add_evidence(empty_workspace, "1.1.1", "第二份.txt")
    s = compute_score(load_project(empty_workspace))
    assert s.criterion("1.1.1").evidence == 2 and s.criterion("1.1.1").supported
    assert not s.criterion("1.1.2").supported
    # at risk: 1.1.2 (no file) and the B2 bonus (nothing in its folder)
    assert s.base == 2 and s.bonus == 1 and s.total == 3 and s.at_risk == 2
    assert not s.bonus_items[1].supported and s.bonus_items[1].at_risk == 1
    result = run_dossier("-C", str(empty_workspace), "score", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == s.to_json()


def test_score_text_lists_levels_total_grade_and_points_at_risk(empty_workspace):
    edit_manifest(empty_workspace, claims={"1.1.1": 1, "3.1.1": 1.5},
                  facts={"efficiency_score": 90}, deductions={"D2": {"city": 1}})
    add_evidence(empty_workspace, "1.1.1")
    result = run_dossier("-C", str(empty_workspace), "score")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\x1b[" not in out  # no colour codes when not a terminal
    for text in ("机构职能规范化", "1.1 ", "党组织建设", "总分 28.5 分", "等次：未达标",
                 "距“规范化单位”还差 51.5 分", "缺佐证材料的风险分 28.5 分", "3.1.1 ",
                 "扣分 D2 稽查情况：−1", "13.1.1 执法效能评估得分  27分"):
        assert text in out, text


# -- claims validated by the manifest loader (exit 3, code and line) --------------------


@pytest.mark.parametrize("value, message", [
    ("2", "超出范围"),
    ("-0.5", "超出范围"),
    ("满分", "不是数字"),
    ("{points: 一分}", "不是数字"),
])
def test_bad_claim_is_an_input_error_naming_code_and_line(empty_workspace, value, message):
    path = empty_workspace / "manifests" / "2022.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith('  "1.2.1":'))
    lines[index] = f'  "1.2.1": {value}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_manifest(path)
    assert "1.2.1" in str(err.value) and message in str(err.value)
    assert err.value.line == index + 1 and err.value.exit_code == 3
    result = run_dossier("-C", str(empty_workspace), "score")
    assert result.exit_code == 3 and f"第{index + 1}行" in result.stderr


def test_unknown_claim_code_is_an_input_error(empty_workspace):
    path = empty_workspace / "manifests" / "2022.yaml"
    text = path.read_text(encoding="utf-8").replace('\n  "1.1.1":', '\n  "1.1.9":', 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="1.1.9"):
        load_manifest(path)


# -- the demo workspace -----------------------------------------------------------------------


def test_demo_workspace_scores_a_plausible_unit():
    result = run_dossier("-C", str(REPO), "score", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # hand-computed in devtools/make_demo.py's notes: 88.5 + 1.2 − 1
    assert (data["base"], data["bonus"], data["deductions"], data["total"]) == (88.5, 1.2, 1, 88.7)
    assert data["grade"] == "规范化单位"
    risky = [c["code"] for c in data["criteria"] if not c["supported"]]
    assert risky == ["5.3.3", "9.4.2"]  # claimed but left without evidence on purpose
    text = run_dossier("-C", str(REPO), "score").stdout
    assert "缺佐证材料的风险分 1.5 分" in text
    assert all(f"{code} " in text for code in risky)
