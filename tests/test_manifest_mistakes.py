"""Mistakes people make typing a manifest: all reported in one run, located, in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dossier.errors import InputError
from dossier.manifest import ManifestErrors, load_manifest

from .conftest import run_dossier


def _manifest(root: Path) -> Path:
    return root / "manifests" / "2022.yaml"


def _replace_line(path: Path, startswith: str, new: str) -> int:
    """Replace the claim line starting with ``startswith``; return its 1-based number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith(startswith):
            lines[i] = new
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return i + 1
    raise AssertionError(startswith)


def _no_english(text: str) -> None:
    text = re.sub(r"\S*2022\.yaml", "", text)  # the file's own path
    words = re.findall(r"[A-Za-z]{4,}", text)
    allowed = {"yaml", "true", "false", "points", "note", "claims", "facts", "dossier", "check",
               "manifests", "unit", "year", "date", "evidence", "report"}
    assert not [w for w in words if w.lower() not in allowed], text


def test_five_typing_mistakes_are_five_located_messages_in_one_run(empty_workspace):
    path = _manifest(empty_workspace)
    colon = _replace_line(path, '  "1.1.1":', '  "1.1.1"：1')
    comma = _replace_line(path, '  "1.1.2":', '  "1.1.2": {points: 1，note: 已印发学习计划}')
    tab = _replace_line(path, '  "1.1.3":', '\t"1.1.3": 1')
    first = _replace_line(path, '  "1.2.1":', '  "1.2.1": 0.5')
    twice = _replace_line(path, '  "1.2.2":', '  "1.2.1": 0.5')
    quote = _replace_line(path, '  "1.2.3":', '  "1.2.3": {points: 0.5, note: "考核办法}')
    with pytest.raises(ManifestErrors) as info:
        load_manifest(path)
    lines = {e.line for e in info.value.errors}
    assert {colon, comma, tab, twice, quote} <= lines
    text = info.value.render()
    assert f"第{first}行" in text and f"第{twice}行" in text  # a duplicate names both lines
    assert "中文冒号" in text and "中文逗号" in text and "制表符" in text and "引号" in text
    _no_english(text)

    result = run_dossier("-C", str(empty_workspace), "check")
    assert result.exit_code == 3
    assert "5 处错误" in result.stderr or "6 处错误" in result.stderr
    assert "Traceback" not in result.stderr


def test_several_invalid_values_are_all_reported(empty_workspace):
    path = _manifest(empty_workspace)
    a = _replace_line(path, '  "3.1.1":', '  "3.1.1": 2')
    b = _replace_line(path, '  "1.1.1":', '  "1.1.1": 很好')
    c = _replace_line(path, '  "1.2.1":', '  "1.9.9": 1')
    with pytest.raises(ManifestErrors) as info:
        load_manifest(path)
    assert [e.line for e in info.value.errors] == sorted([a, b, c])
    text = info.value.render()
    assert "3.1.1" in text and "1.1.1" in text and "1.9.9" in text


def test_alias_bomb_is_refused_before_anything_is_built(empty_workspace):
    path = _manifest(empty_workspace)
    bomb = ['  a: &a ["哈","哈","哈","哈","哈","哈","哈","哈","哈"]']
    for i in range(1, 12):  # 9**12 strings if expanded
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        bomb.append(f"  {cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    _replace_line(path, "  highlights:", "  highlights:\n" + "\n".join("  " + b for b in bomb))
    with pytest.raises(InputError) as info:
        load_manifest(path)
    assert "锚点" in info.value.render()


def test_impossible_date_names_its_line_in_chinese(empty_workspace):
    path = _manifest(empty_workspace)
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^date:.*$", "date: 2022-02-30", text)
                    if re.search(r"(?m)^date:", text) else text.replace("year: 2022", "year: 2022\ndate: 2022-02-30"),
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_manifest(path)
    line = next(i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if ln.startswith("date:"))
    assert info.value.line == line
    assert "2022-02-30" in info.value.render()
    _no_english(info.value.render())


def test_an_oversized_manifest_is_refused(empty_workspace):
    path = _manifest(empty_workspace)
    path.write_text(path.read_text(encoding="utf-8") + "#" + "x" * 2_100_000 + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_manifest(path)
    assert "上限" in info.value.render()


def test_list_items_with_a_chinese_colon_are_text_not_mistakes(empty_workspace):
    path = _manifest(empty_workspace)
    _replace_line(path, "  problems:", "  problems:\n    - 王科长：装备配备仍有缺口")
    manifest = load_manifest(path)
    assert manifest.report["problems"] == ["王科长：装备配备仍有缺口"]


@pytest.mark.parametrize("args,needle", [
    (["--nope"], "没有选项"),
    (["chek"], "没有命令"),
    (["build", "--max-pages", "0"], "允许范围"),
    (["build", "--max-pages", "-5"], "允许范围"),
    (["build", "--max-mb", "0.001"], "允许范围"),
    (["check", "--format", "xml"], "可选值"),
])
def test_usage_errors_are_chinese_and_exit_2(tmp_path, args, needle):
    result = run_dossier("-C", str(tmp_path), *args)
    assert result.exit_code == 2
    assert needle in result.stderr and "用法" in result.stderr
    assert "Usage" not in result.stderr and "Error" not in result.stderr
