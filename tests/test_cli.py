"""Every command has help with an example; usage errors exit 2; doctor reports."""

from __future__ import annotations

import json

import pytest

from dossier.cli import cli

from .conftest import run_dossier

COMMANDS = sorted(cli.commands)


def test_all_commands_are_registered():
    assert {"init", "standard", "check", "score", "build", "report", "sheet", "pack", "verify",
            "doctor"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    command = cli.commands[name]
    assert command.help and "示例" in command.help, name
    result = run_dossier(name, "--help")
    assert result.exit_code == 0
    assert "示例" in result.stdout and "dossier " + name in result.stdout


def test_usage_error_exits_2():
    assert run_dossier("no-such-command").exit_code == 2
    assert run_dossier("standard", "--format", "xml").exit_code == 2


def test_standard_json_lists_78_criteria_summing_to_100():
    result = run_dossier("standard", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    criteria = [c for p in data["primary"] for s in p["secondary"] for t in s["tertiary"]
                for c in t["criteria"]]
    assert len(criteria) == 78
    assert round(sum(c["points"] for c in criteria), 6) == 100
    assert data["total"] == 100


def test_standard_text_shows_tree_with_departments():
    out = run_dossier("standard").stdout
    assert "3.1.1 执法执勤专用车（1.5分）" in out
    assert "责任科室：执法大队、办公室、信息中心" in out
    assert "B1 大练兵成绩" in out


def test_doctor_reports_each_font_role():
    result = run_dossier("doctor")
    for role in ("仿宋", "楷体", "黑体", "小标宋", "宋体"):
        assert f"字体 {role}" in result.stdout
    assert "LibreOffice" in result.stdout
    assert result.exit_code == 0 and "一切就绪" in result.stdout  # CI installs everything


def test_doctor_exits_4_when_libreoffice_is_missing(tmp_path):
    import os

    env = dict(os.environ, PATH=str(tmp_path), DOSSIER_SOFFICE=str(tmp_path / "none"))
    result = run_dossier("doctor", env=env)
    assert result.exit_code == 4, result.stdout + result.stderr
    assert "apt-get install" in result.stdout and "LibreOffice：未找到" in result.stdout


def test_a_bug_in_a_builder_exits_70_not_5(empty_workspace, monkeypatch, capsys):
    """A bug (here: a builder that divides by zero) is told apart from a failed build."""
    from dossier import cli as cli_module
    from dossier.builders import sheet

    def broken(ctx):
        return 1 / 0

    monkeypatch.setattr(sheet, "build", broken)
    with pytest.raises(SystemExit) as stopped:
        cli_module.main(["-C", str(empty_workspace), "build", "--only", "sheet"])
    assert stopped.value.code == 70
    err = capsys.readouterr().err
    assert "内部错误（程序缺陷" in err and "--debug" in err
    assert "division by zero" not in err and "Traceback" not in err
