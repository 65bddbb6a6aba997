"""Manifest errors name the file and the line, and exit 3 (bad input)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.errors import InputError
from dossier.manifest import load_manifest

from .conftest import run_dossier


def _edit(root: Path, old: str, new: str) -> Path:
    path = root / "manifests" / "2022.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("  " + needle):  # a claim line, not the comment examples
            return n
    raise AssertionError(needle)


def test_yaml_syntax_error_names_line_and_column(empty_workspace):
    path = _edit(empty_workspace, '\n  "1.2.1":', '\n  "1.2.1": {points: 0.5, note: 缺右括号')
    result = run_dossier("-C", str(empty_workspace), "check")
    assert result.exit_code == 3
    assert "2022.yaml" in result.stderr and "行" in result.stderr and "列" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.exists()


def test_unknown_claim_code_names_its_line(empty_workspace):
    path = _edit(empty_workspace, '\n  "1.1.1":', '\n  "1.1.9": 1\n  "1.1.1":')
    with pytest.raises(InputError) as info:
        load_manifest(path)
    assert info.value.line == _line_of(path, '"1.1.9"')
    assert "1.1.9" in str(info.value)


@pytest.mark.parametrize("value,needle", [("2", "超出范围"), ("-1", "超出范围"), ("很好", "不是数字"),
                                         (".nan", "不是数字"), ('"NaN"', "不是数字"),
                                         (".inf", "不是数字")])
def test_bad_claim_is_refused_with_code_and_line(empty_workspace, value, needle):
    path = _edit(empty_workspace, '\n  "3.1.1":', f'\n  "3.1.1": {value}')
    with pytest.raises(InputError) as info:
        load_manifest(path)
    assert needle in str(info.value) and "3.1.1" in str(info.value)
    assert info.value.line == _line_of(path, '"3.1.1"')


def test_claim_at_the_max_and_at_zero_are_accepted(empty_workspace):
    path = _edit(empty_workspace, '\n  "3.1.1":', '\n  "3.1.1": 1.5')
    _edit(empty_workspace, '\n  "3.1.2":', '\n  "3.1.2": {points: 0}')
    m = load_manifest(path)
    assert str(m.claims["3.1.1"].points) == "1.5"
    assert m.claims["3.1.2"].points == 0


def test_unknown_top_level_key_and_fact_are_refused(empty_workspace):
    path = _edit(empty_workspace, "year: 2022", "year: 2022\nyaer: 2022")
    with pytest.raises(InputError, match="yaer"):
        load_manifest(path)
    _edit(empty_workspace, "yaer: 2022\n", "")
    _edit(empty_workspace, "  grid_leads:", "  grid_lead: 3\n  grid_leads:")
    with pytest.raises(InputError, match="grid_lead"):
        load_manifest(path)


def test_year_must_match_file_name(empty_workspace):
    path = _edit(empty_workspace, "year: 2022", "year: 2021")
    with pytest.raises(InputError, match="不一致"):
        load_manifest(path)


def test_date_defaults_to_year_end_or_source_date_epoch(empty_workspace, monkeypatch):
    path = empty_workspace / "manifests" / "2022.yaml"
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert str(load_manifest(path).date) == "2022-12-31"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1671494400")  # 2022-12-20 UTC
    assert str(load_manifest(path).date) == "2022-12-20"
    _edit(empty_workspace, "date:   ", "date: 2022-12-01   ")
    assert str(load_manifest(path).date) == "2022-12-01"


def test_missing_manifest_says_what_to_run(tmp_path):
    result = run_dossier("-C", str(tmp_path), "score")
    assert result.exit_code == 3
    assert "dossier init" in result.stderr


def test_infinite_fact_is_an_input_error_not_a_crash(empty_workspace):
    path = _edit(empty_workspace, "  enforcement_staff:", "  enforcement_staff: .inf\n  college_staff_x:")
    _edit(empty_workspace, "  college_staff_x:", "")
    with pytest.raises(InputError, match="enforcement_staff"):
        load_manifest(path)


def test_year_defaults_to_the_newest_manifest(empty_workspace):
    from dossier.workspace import init_workspace

    init_workspace(empty_workspace, 2023, "泉州市示例县生态环境保护综合行政执法大队")
    result = run_dossier("-C", str(empty_workspace), "check", "--format", "html")
    assert result.stdout.strip().endswith("build/2023/检查报告.html"), result.stdout
    older = run_dossier("-C", str(empty_workspace), "check", "--format", "html", "--year", "2022")
    assert older.stdout.strip().endswith("build/2022/检查报告.html")
