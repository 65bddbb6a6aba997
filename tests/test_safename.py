"""Names that reach the file system are safe on Windows and Linux; text is XML-safe."""

from __future__ import annotations

import pytest

from dossier.errors import InputError
from dossier.manifest import load_manifest
from dossier.safename import clean_text, safe_component
from dossier.workspace import init_workspace


@pytest.mark.parametrize("raw", ["../../../ESCAPED", "测试县/执法大队", "a:b", "x\ny", "CON", "nul.txt",
                                 "..", "  .隐藏. ", "[县]*?", "a" * 300, "执" * 200])
def test_a_component_never_leaves_its_folder_or_breaks_windows(raw):
    name = safe_component(raw)
    assert name and "/" not in name and "\\" not in name and name not in (".", "..")
    assert not any(ch in name for ch in ':*?"<>|[]') and not any(ord(ch) < 32 for ch in name)
    assert not name.endswith((".", " ")) and name.split(".")[0].upper() not in ("CON", "NUL")
    assert len(name.encode("utf-8")) <= 180


def test_reserved_characters_read_the_same_in_full_width():
    assert safe_component("泉州市:示例县") == "泉州市：示例县"


def test_control_characters_are_removed_and_line_breaks_kept():
    assert clean_text("全年\x0b学习\x0024次\r\n第二行\x07") == "全年学习24次\n第二行"


@pytest.mark.parametrize("unit", ["../../../x/单位", "测试县/执法大队", "执法\n大队"])
def test_init_refuses_a_unit_that_would_become_a_path(tmp_path, unit):
    with pytest.raises(InputError) as info:
        init_workspace(tmp_path, 2022, unit)
    assert "单位名称" in str(info.value)
    assert not (tmp_path / "manifests").exists()


def test_manifest_with_a_path_as_unit_is_refused_with_its_line(empty_workspace):
    path = empty_workspace / "manifests" / "2022.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    number = next(i for i, ln in enumerate(lines, 1) if ln.startswith("unit:"))
    lines[number - 1] = "unit: ../../测试县/执法大队"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_manifest(path)
    assert info.value.line == number and "斜杠" in info.value.render()


def test_a_note_pasted_from_word_loses_its_control_characters(empty_workspace):
    path = empty_workspace / "manifests" / "2022.yaml"
    text = path.read_text(encoding="utf-8").replace('\n  "1.1.1":', '\n  "1.1.1": {points: 1, note: "全年\\v学习\\x0824次"}', 1)
    path.write_text(text, encoding="utf-8")
    assert load_manifest(path).claims["1.1.1"].note == "全年学习24次"
