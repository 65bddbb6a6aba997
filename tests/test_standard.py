"""The packaged standard matches the seed exactly and refuses broken copies."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from dossier.errors import StandardError
from dossier.standard import DEFAULT_STANDARD, STANDARDS_DIR, load_standard, load_standard_file

from .conftest import SEED


@pytest.fixture(scope="module")
def seed_text() -> str:
    files = sorted(SEED.glob("*.txt"))
    assert files, f"seed missing in {SEED}"
    return "".join(f.read_text(encoding="utf-8") for f in files)


@pytest.fixture(scope="module")
def std():
    return load_standard()


def test_counts_and_total(std):
    assert len(std.primary) == 6
    assert len(list(std.secondaries())) == 13
    assert len(list(std.tertiaries())) == 40
    assert len(list(std.criteria())) == 78
    assert sum((c.points for c in std.criteria()), Decimal(0)) == Decimal(100)
    assert std.total == 100


def test_every_text_is_verbatim_from_the_seed(std, seed_text):
    for c in std.criteria():
        assert c.text in seed_text, c.code
    for t in std.tertiaries():
        assert t.name in seed_text, t.code
        if t.intro:
            assert t.intro.lstrip("1.") in seed_text, t.code
    for s in std.secondaries():
        assert f"{s.code}.{s.name}（{s.points.normalize():f}分）" in seed_text
    for p in std.primary:
        assert f"{p.name}（{p.points.normalize():f}分）" in seed_text
    for item in (*std.bonus, *std.deductions):
        for rule in item.rules:
            assert rule in seed_text, item.code
    assert std.note in seed_text


def test_points_match_the_seed_annotations(std, seed_text):
    """Every criterion's text is followed in the seed by its printed points."""
    for c in std.criteria():
        if c.code == "13.1.1":  # printed only in the 分值 column
            continue
        i = seed_text.index(c.text) + len(c.text)
        m = re.match(r"；?（([\d.]+)分）", seed_text[i:i + 12])
        assert m, c.code
        assert Decimal(m.group(1)) == c.points, c.code


def test_departments_as_printed(std):
    assert std.tertiary("1.1").departments == ("机关党委", "第四党支部")
    assert std.tertiary("10.2").departments == ("执法大队", "法规科", "信息中心", "各中队")
    assert std.tertiary("9.1").departments == ("执法大队", "监测站")


def test_codes_of_design(std):
    assert std.criterion("3.1.1").text == "执法执勤专用车"
    assert std.criterion("3.1.1").points == Decimal("1.5")
    assert std.criterion("3.1.7").text.startswith("结合工作实际需要，合理增补选配设备")
    assert [b.code for b in std.bonus] == ["B1", "B2"]
    assert [d.code for d in std.deductions] == ["D1", "D2"]
    assert len(std.bonus[0].rules) == 4
    assert std.grade_for(Decimal("95")).name == "规范化示范单位"
    assert std.grade_for(Decimal("94.99")).name == "规范化单位"
    assert std.grade_for(Decimal("80")).name == "规范化单位"
    assert std.grade_for(Decimal("79.99")).name == "未达标"
    assert "以系统数据为准" in std.note


def test_json_has_exactly_the_design_keys(std):
    data = std.to_json()
    assert set(data) == {"id", "title", "total", "primary", "bonus", "deductions"}
    p = data["primary"][0]
    assert set(p) == {"code", "name", "points", "secondary"}
    s = p["secondary"][0]
    assert set(s) == {"code", "name", "points", "tertiary"}
    t = s["tertiary"][0]
    assert set(t) == {"code", "name", "points", "departments", "criteria"}
    assert set(t["criteria"][0]) == {"code", "text", "points"}
    assert set(data["bonus"][0]) == {"code", "name"}
    json.dumps(data, ensure_ascii=False)


def _copy(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((STANDARDS_DIR / f"{DEFAULT_STANDARD}.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_tampered_point_is_refused_naming_code_and_numbers(tmp_path):
    def bump(data):
        crit = data["primary"][1]["secondary"][0]["tertiary"][0]["criteria"][0]  # 3.1.1
        assert crit["code"] == "3.1.1"
        crit["points"] = 2

    with pytest.raises(StandardError) as info:
        load_standard_file(_copy(tmp_path, bump))
    message = str(info.value)
    assert "3.1" in message and "5" in message and "5.5" in message


def test_tampered_subtotal_is_refused(tmp_path):
    def bump(data):
        data["primary"][0]["points"] = 12

    with pytest.raises(StandardError, match=r"一级指标 1.*12.*11"):
        load_standard_file(_copy(tmp_path, bump))


def test_duplicate_and_malformed_codes_are_refused(tmp_path):
    def dup(data):
        crits = data["primary"][0]["secondary"][0]["tertiary"][0]["criteria"]
        crits[1]["code"] = crits[0]["code"]

    with pytest.raises(StandardError, match="重复"):
        load_standard_file(_copy(tmp_path, dup))

    def bad(data):
        data["primary"][0]["secondary"][0]["tertiary"][0]["criteria"][0]["code"] = "1.1.a"

    with pytest.raises(StandardError, match="格式"):
        load_standard_file(_copy(tmp_path, bad))


def test_non_positive_points_are_refused(tmp_path):
    def zero(data):
        t = data["primary"][0]["secondary"][0]["tertiary"][0]
        t["criteria"][0]["points"] = 0
        t["criteria"][1]["points"] = 2

    with pytest.raises(StandardError, match="必须大于0"):
        load_standard_file(_copy(tmp_path, zero))


def test_another_standard_is_just_another_file(tmp_path):
    """A different standard (e.g. a city one) loads from YAML with no code change."""
    def shrink(data):
        data["id"] = "tiny"
        data["primary"] = [data["primary"][5]]
        data["total"] = 30
        data["fact_rules"] = {"13.1.1": "efficiency_score"}

    std = load_standard_file(_copy(tmp_path, shrink))
    assert std.id == "tiny" and len(list(std.criteria())) == 1


def test_unknown_standard_id_is_an_input_error():
    with pytest.raises(StandardError, match="未知的评价标准"):
        load_standard("no-such-standard")
