"""``dossier init``: manifest and evidence tree, never overwriting."""

from __future__ import annotations

import re
from pathlib import Path

from dossier.manifest import load_manifest
from dossier.workspace import folder_code, init_workspace

from .conftest import UNIT, run_dossier, tree_snapshot


def _folders(root: Path, depth: int) -> list[Path]:
    base = root / "evidence" / "2022"
    pattern = "*/" * depth
    return sorted(p for p in base.glob(pattern.rstrip("/")) if p.is_dir())


def test_init_builds_40_tertiary_and_78_criterion_folders_each_with_readme(empty_workspace):
    tertiary = [p for p in _folders(empty_workspace, 1) if p.name[0].isdigit()]
    criteria = _folders(empty_workspace, 2)
    assert len(tertiary) == 40
    assert len(criteria) == 78
    for folder in (*tertiary, *criteria, empty_workspace / "evidence" / "2022"):
        readme = folder / "说明.txt"
        data = readme.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), readme  # UTF-8 BOM for old Notepad
        assert b"\r\n" in data
    text = (criteria[0] / "说明.txt").read_text(encoding="utf-8-sig")
    assert "1.1.1" in text and "1分" in text and "机关党委" in text and "常用佐证材料" in text


def test_folder_names_are_legal_and_short_on_windows(empty_workspace):
    for path in (empty_workspace / "evidence").rglob("*"):
        rel = path.relative_to(empty_workspace).as_posix()
        assert len(rel) < 120, rel
        assert not re.search(r'[\\:*?"<>|]', path.name), rel


def test_folder_codes_map_back(empty_workspace):
    codes = {folder_code(p.name) for p in _folders(empty_workspace, 2)}
    assert "3.1.7" in codes and "13.1.1" in codes and len(codes) == 78


def test_second_init_changes_nothing(empty_workspace):
    (empty_workspace / "manifests" / "2022.yaml").write_text(
        (empty_workspace / "manifests" / "2022.yaml").read_text(encoding="utf-8")
        .replace('\n  "1.1.1":', '\n  "1.1.1": 1', 1), encoding="utf-8")
    before = tree_snapshot(empty_workspace)
    result = run_dossier("-C", str(empty_workspace), "init", "--year", "2022", "--unit", UNIT)
    assert result.exit_code == 0, result.stderr
    assert "没有需要新增的内容" in result.stdout
    assert tree_snapshot(empty_workspace) == before


def test_init_restores_a_deleted_folder_and_says_so(empty_workspace):
    target = _folders(empty_workspace, 2)[5]
    (target / "说明.txt").unlink()
    target.rmdir()
    result = run_dossier("-C", str(empty_workspace), "init", "--year", "2022", "--unit", UNIT)
    assert result.exit_code == 0
    assert target.name in result.stdout
    assert (target / "说明.txt").exists()


def test_written_manifest_loads_with_every_criterion_and_fact(empty_workspace):
    path = empty_workspace / "manifests" / "2022.yaml"
    manifest = load_manifest(path)
    assert manifest.unit == UNIT and manifest.year == 2022
    assert len(manifest.claims) == 78
    assert all(c.points is None for c in manifest.claims.values())
    text = path.read_text(encoding="utf-8")
    assert "# 健全党支部委员会，严格组织生活制度（1分）" in text
    for fact in ("efficiency_score", "avg_monthly_logins", "secondment_reported"):
        assert f"  {fact}:" in text


def test_init_from_last_year_carries_unit_notes_and_overrides(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root, 2022, UNIT)
    path = root / "manifests" / "2022.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('\n  "1.1.1":', '\n  "1.1.1": {points: 1, note: 全年召开组织生活会4次}', 1)
    text = text.replace("  efficiency_score:", "  efficiency_score: 88", 1)
    text = text.replace("evidence: {}", 'evidence:\n  "1.1.2":\n    - {file: 党建/计划.pdf, title: 学习计划}')
    path.write_text(text, encoding="utf-8")
    custom = next((root / "evidence" / "2022").glob("1.1 *"))
    custom.rename(custom.with_name("1.1 党组织建设（自定义）"))

    result = run_dossier("-C", str(root), "init", "--year", "2023", "--from", "2022")
    assert result.exit_code == 0, result.stderr
    new = load_manifest(root / "manifests" / "2023.yaml")
    assert new.unit == UNIT
    assert new.claims["1.1.1"].note == "全年召开组织生活会4次"
    assert new.claims["1.1.1"].points is None  # every claim reset
    assert new.facts == {}  # every fact reset
    assert new.evidence["1.1.2"][0].title == "学习计划"
    assert (root / "evidence" / "2023" / "1.1 党组织建设（自定义）").is_dir()


def test_init_without_unit_is_an_input_error(tmp_path):
    result = run_dossier("-C", str(tmp_path), "init", "--year", "2022")
    assert result.exit_code == 3
    assert "--unit" in result.stderr


def test_folder_code_accepts_the_space_a_chinese_ime_types():
    assert folder_code("1.1.1\u3000健全党支部委员会") == "1.1.1"
    assert folder_code("１．１．１ 健全党支部委员会") == "1.1.1"
    assert folder_code("1.1.1_名单") == "1.1.1" and folder_code("1.1.1") == "1.1.1"
    assert folder_code("草稿") is None


def test_init_makes_bonus_and_deduction_folders_with_readme(empty_workspace):
    extras = [p for p in _folders(empty_workspace, 1) if not p.name[0].isdigit()]
    assert [folder_code(p.name) for p in extras] == ["B1", "B2", "D1", "D2"]
    assert extras[0].name == "B1 大练兵成绩"
    b1 = (extras[0] / "说明.txt").read_text(encoding="utf-8-sig")
    assert "加分项 B1 大练兵成绩" in b1 and "佐证材料" in b1 and "执法大队" in b1
    d2 = (extras[3] / "说明.txt").read_text(encoding="utf-8-sig")
    assert "扣分项 D2" in d2 and "通报" in d2


def test_init_from_last_year_keeps_renamed_bonus_folders(empty_workspace):
    evidence = empty_workspace / "evidence" / "2022"
    (evidence / "B1 大练兵成绩").rename(evidence / "B1 大练兵表彰")
    result = run_dossier("-C", str(empty_workspace), "init", "--year", "2023", "--from", "2022")
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in (empty_workspace / "evidence" / "2023").iterdir() if p.is_dir())
    assert "B1 大练兵表彰" in names and "D2 稽查情况" in names
    assert (empty_workspace / "evidence" / "2023" / "B1 大练兵表彰" / "说明.txt").is_file()


def test_folder_code_reads_bonus_and_deduction_codes():
    assert folder_code("B1 大练兵成绩") == "B1" and folder_code("ｄ２_稽查") == "D2"
    assert folder_code("B 组材料") is None and folder_code("Backup") is None
