"""Folder rules (dossier.folders) and the bonus/deduction items they give the model."""

from __future__ import annotations

from pathlib import Path

from dossier.check import run_check
from dossier.folders import folder_of, place_of
from dossier.project import load_project
from dossier.score import compute_score
from dossier.standard import load_standard
from tests import factories
from tests.test_pack import folder, write_claims

STANDARD = load_standard()


def test_place_of_answers_which_indicator_a_path_is_in():
    assert place_of(STANDARD, ("3.1 完成装备配备", "3.1.2 个人移动执法设备", "子文件夹")).code == "3.1.2"
    assert place_of(STANDARD, ("3.1 完成装备配备",)).code == "3.1"
    assert place_of(STANDARD, ("3.1_装备", "草稿")).code == "3.1"
    assert place_of(STANDARD, ("3.1 完成装备配备", "3.2.1 错放")).unknown == "3.2.1"
    assert place_of(STANDARD, ("99.1 没有这个",)).unknown == "99.1"
    assert place_of(STANDARD, ("B1 大练兵", "3.1.1 里面的文件夹")).code == "B1"
    assert place_of(STANDARD, ("D2　稽查情况",)).extra == "D2"  # ideographic space
    assert place_of(STANDARD, ("B9 没有这一项",)).unknown == "B9"
    assert place_of(STANDARD, ("党建",)).code is None and place_of(STANDARD, ()).code is None


def test_folder_of_uses_the_names_staff_gave(empty_workspace):
    evidence = empty_workspace / "evidence" / "2022"
    (evidence / "B1 大练兵成绩").rename(evidence / "B1 大练兵获奖")
    assert folder_of(STANDARD, evidence, "B1") == "B1 大练兵获奖"
    assert folder_of(STANDARD, evidence, "D2") == "D2 稽查情况"
    assert folder_of(STANDARD, evidence, "1.1.1") == "1.1 党组织建设/1.1.1 健全党支部委员会"


def _extras_workspace(root: Path) -> Path:
    write_claims(root, {"1.1.1": 1}, "bonus:\n  B1: {provincial_individuals: 2}\n  B2: true\n"
                                     "deductions:\n  D2: {provincial: 0, city: 1}\n")
    evidence = root / "evidence" / "2022"
    factories.pdf(folder(root, "1.1.1") / "名单.pdf")
    factories.pdf(evidence / "B1 大练兵成绩" / "10 表彰决定.pdf")
    factories.jpeg(evidence / "B1 大练兵成绩" / "2 证书照片.jpg")
    factories.empty_file(evidence / "B2 完善保障机制（购买第三方意外险）" / "保单.pdf")
    return root


def test_bonus_and_deduction_folders_become_numbered_items_after_the_primaries(empty_workspace):
    project = load_project(_extras_workspace(empty_workspace))
    assert [it.number for it in project.items_for("B1")] == ["B1-01", "B1-02"]
    assert project.items_for("B1")[0].title == "2 证书照片"
    assert [it.number for it in project.all_items()] == ["1.1.1-01", "B1-01", "B1-02", "B2-01"]
    assert project.scan.outside == []


def test_a_bonus_without_usable_evidence_is_at_risk_and_blocking(empty_workspace):
    project = load_project(_extras_workspace(empty_workspace))
    score = compute_score(project)
    b1, b2 = score.bonus_items
    assert b1.supported and b1.evidence == 2
    assert not b2.supported and b2.evidence == 0  # its only file is empty
    assert score.at_risk == b2.points == 1
    findings = {(f.code, f.kind): f for f in run_check(project).findings}
    b2_finding = findings[("B2", "claimed_without_evidence")]
    assert b2_finding.severity == "error" and b2_finding.path.startswith("B2 ")
    assert "加分 1 分" in b2_finding.message and "bonus" in b2_finding.message
    d2 = findings[("D2", "deduction_without_notice")]
    assert d2.severity == "warning" and "D2 稽查情况" in d2.message
    assert ("B1", "claimed_without_evidence") not in findings
