"""The report that would go out: draft markers and figures other than the score's block pack.

The DOCX is rendered for real from a workspace (python-docx reads it back); the pack test
runs the real commands, LibreOffice included.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from dossier.builders import output_path
from dossier.builders.report import last_year, render_docx, template_path
from dossier.check import run_check
from dossier.project import load_project
from dossier.reportcheck import predicted_findings, report_findings, stated_grade
from dossier.reportdraft import REVIEW_MARK, draft_report, pts
from dossier.score import compute_score
from dossier.standard import load_standard
from tests.cases import edit_manifest
from tests.conftest import run_dossier
from tests.test_reportdraft import FINISHED, NO_EVIDENCE, make_workspace

WITHOUT_PLANS = {key: value for key, value in FINISHED.items() if key != "plans"}


def _render(root: Path) -> Path:
    project = load_project(root)
    content = draft_report(project, compute_score(project), last_year(project))
    out = output_path(project, "report_docx")
    out.parent.mkdir(parents=True, exist_ok=True)
    render_docx(content, template_path(project), out, project.manifest.date)
    return out


def _findings(root: Path):
    project = load_project(root)
    return report_findings(project, compute_score(project))


def _edit(path: Path, old: str, new: str) -> None:
    document = docx.Document(str(path))
    for paragraph in [*document.paragraphs,
                      *(p for t in document.tables for r in t.rows for c in r.cells
                        for p in c.paragraphs)]:
        for run in paragraph.runs:
            if old in run.text:
                run.text = run.text.replace(old, new)
    document.save(str(path))


def test_no_report_yet_is_not_a_finding(tmp_path):
    assert _findings(make_workspace(tmp_path / "ws")) == []


def test_each_drafted_paragraph_is_a_blocking_finding_naming_it_and_the_manifest_key(tmp_path):
    root = make_workspace(tmp_path / "ws", report=WITHOUT_PLANS)
    _render(root)
    findings = _findings(root)
    project = load_project(root)
    drafted = draft_report(project, compute_score(project)).drafted()
    assert len(findings) == drafted >= 2  # the drafted plans: one per problem, and the last
    for finding in findings:
        assert finding.severity == "error" and finding.kind == "report"
        assert "四、下一步工作计划" in finding.message and REVIEW_MARK in finding.message
        assert "report: 的 plans 项" in finding.message
        assert finding.path.endswith("年度工作进展和总结报告.docx")
    assert "以“1." in findings[0].message


def test_a_drafted_work_paragraph_names_its_primary_indicator(tmp_path):
    work = dict(FINISHED["work"])
    del work["3"]
    root = make_workspace(tmp_path / "ws", report={**FINISHED, "work": work})
    _render(root)
    messages = [f.message for f in _findings(root)]
    assert messages and all("（三）队伍建设专业化" in m for m in messages)
    assert all('work 的 "3" 项' in m for m in messages)


def test_a_finished_report_that_agrees_with_the_score_passes(tmp_path):
    root = make_workspace(tmp_path / "ws", report=FINISHED)
    _render(root)
    assert _findings(root) == []


def test_markers_removed_by_hand_pass(tmp_path):
    root = make_workspace(tmp_path / "ws")
    path = _render(root)
    assert _findings(root)
    _edit(path, REVIEW_MARK, "")
    assert _findings(root) == []


def test_a_claim_changed_after_the_report_was_written_makes_its_total_stale(tmp_path):
    root = make_workspace(tmp_path / "ws", report=FINISHED)
    _render(root)
    before = compute_score(load_project(root)).total
    edit_manifest(root, claims={"2.1.2": {"points": 0.5}})
    now = compute_score(load_project(root)).total
    assert now == before + pts_decimal("0.5")
    messages = [f.message for f in _findings(root)]
    assert any(f"“自评总分{pts(before)}分”" in m and f"自评总分{pts(now)}分" in m for m in messages)
    assert any(f"“合计{pts(before)}分”" in m for m in messages)  # the table's row too


@pytest.mark.slow
def test_a_report_left_stale_by_the_manifest_asks_for_a_build_an_edited_one_for_word(tmp_path):
    """The build record tells a DOCX as the build wrote it (a rebuild fixes its total) from
    one edited in Word (which only the person can fix)."""
    root = _with_all_evidence(make_workspace(tmp_path / "ws", report=FINISHED))
    assert run_dossier("-C", str(root), "build", "--only", "report").exit_code == 0
    edit_manifest(root, claims={"2.1.2": {"points": 0.5}})
    stale = [f.message for f in _findings(root)]
    assert stale and all("运行 dossier build 即按当前清单重新生成" in m for m in stale)
    assert run_dossier("-C", str(root), "build", "--only", "report").exit_code == 0
    assert _findings(root) == []  # rebuilt from the manifest: nothing left
    report = output_path(load_project(root), "report_docx")
    _edit(report, "特此报告。", "本报告经局务会审定。特此报告。")  # finished in Word …
    edit_manifest(root, claims={"2.1.2": {"points": 0}})  # … then a claim changed again
    edited = [f.message for f in _findings(root)]
    assert edited and all("请在 Word 中改正后保存" in m for m in edited)


def test_a_grade_edited_by_hand_that_the_score_does_not_give_is_a_finding(tmp_path):
    root = make_workspace(tmp_path / "ws", report=FINISHED)
    path = _render(root)
    _edit(path, "达到年度规范化单位标准", "达到年度规范化示范单位标准")
    [finding] = _findings(root)
    assert "等次为规范化示范单位" in finding.message and "等次为规范化单位" in finding.message


def test_stated_grade_reads_negations():
    standard = load_standard()
    assert stated_grade(standard, "自评总分88分，达到年度规范化单位标准（80分以上）。") == "规范化单位"
    assert stated_grade(standard, "达到年度规范化示范单位标准") == "规范化示范单位"
    assert stated_grade(standard, "未达到年度规范化单位标准（80分以上）") == "未达标"
    assert stated_grade(standard, "未达到规范化示范单位标准") == "规范化单位"
    assert stated_grade(standard, "等次由未达标变为规范化单位") is None


def _with_all_evidence(root: Path) -> Path:
    """Give the criteria ``make_workspace`` leaves without files one, so only the report blocks."""
    for code in NO_EVIDENCE:
        c = load_standard().criterion(code)
        folder = root / "evidence" / "2022" / c.tertiary_code / code
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "奖励兑现记录.txt").write_text("兑现举报奖励1起", encoding="utf-8")
    bonus = root / "evidence" / "2022" / "B1 大练兵成绩"  # the bonus make_workspace claims
    bonus.mkdir(parents=True, exist_ok=True)
    (bonus / "表彰通报.txt").write_text("全省执法大练兵表现突出集体和个人通报", encoding="utf-8")
    return root


def _report_messages(root: Path) -> list[str]:
    return [f.message for f in run_check(load_project(root)).findings if f.kind == "report"]


def test_before_the_first_build_check_predicts_one_blocking_finding_per_drafted_part(tmp_path):
    root = make_workspace(tmp_path / "ws")  # no report: at all
    project = load_project(root)
    predicted = predicted_findings(project, compute_score(project))
    assert not output_path(project, "report_docx").exists()
    keys = ["opening 项", "summary 项", *(f'work 的 "{n}" 项' for n in range(1, 7)), "problems 项",
            "plans 项"]
    assert len(predicted) == len(keys)
    for finding, key in zip(predicted, keys, strict=True):
        assert finding.severity == "error" and finding.kind == "report"
        assert f"report: 的 {key}" in finding.message and REVIEW_MARK in finding.message
        assert "在 Word 中审阅该部分、删除标注后保存" in finding.message
        assert finding.path == "manifests/2022.yaml"
    assert "“二、主要工作及成效（三）队伍建设专业化”" in predicted[4].message
    assert sorted(_report_messages(root)) == sorted(f.message for f in predicted)


def test_check_blocks_what_pack_would_refuse_before_any_build(tmp_path):
    root = _with_all_evidence(make_workspace(tmp_path / "ws", report=WITHOUT_PLANS))
    checked = run_dossier("-C", str(root), "check")
    assert checked.exit_code == 1
    assert "四、下一步工作计划" in checked.stdout and "report: 的 plans 项" in checked.stdout
    assert "阻断问题（必须处理，否则不能报送）：1 项" in checked.stdout
    refused = run_dossier("-C", str(root), "pack")
    assert refused.exit_code == 1 and "有 1 项阻断性问题" in refused.stderr
    assert refused.stderr.count("四、下一步工作计划") == 1  # listed once
    assert "Traceback" not in refused.stderr


def test_a_built_report_is_judged_as_it_is_so_markers_removed_in_word_pass_check(tmp_path):
    root = make_workspace(tmp_path / "ws", report=WITHOUT_PLANS)
    path = _render(root)
    drafted = _report_messages(root)
    assert drafted and all("以“" in m for m in drafted)  # the paragraphs of the DOCX, not a forecast
    _edit(path, REVIEW_MARK, "")
    assert _report_messages(root) == []


def test_a_filled_report_passes_the_check_rule(tmp_path):
    root = _with_all_evidence(make_workspace(tmp_path / "ws", report=FINISHED))
    assert _report_messages(root) == []
    assert run_check(load_project(root)).complete


@pytest.mark.slow
def test_forced_pack_lists_the_drafts_of_the_built_report_once_then_filled_it_packs(tmp_path):
    root = _with_all_evidence(make_workspace(tmp_path / "ws", report=WITHOUT_PLANS))
    forced = run_dossier("-C", str(root), "pack", "--force")
    assert forced.exit_code == 0, forced.stderr
    drafted = draft_report(load_project(root), compute_score(load_project(root))).drafted()
    # the DOCX's paragraphs, each once, and not the forecast too
    assert forced.stderr.count(f"仍有“{REVIEW_MARK}”标注") == drafted
    assert "dossier build 将起草" not in forced.stderr

    manifest = root / "manifests" / "2022.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8")
                        + "  plans:\n    - 增配装备\n", encoding="utf-8")
    assert run_dossier("-C", str(root), "check").exit_code == 1  # the built DOCX still has them
    assert run_dossier("-C", str(root), "build", "--only", "report").exit_code == 0
    assert run_dossier("-C", str(root), "check").exit_code == 0
    packed = run_dossier("-C", str(root), "pack")
    assert packed.exit_code == 0, packed.stderr


def pts_decimal(text: str):
    from decimal import Decimal

    return Decimal(text)


@pytest.mark.slow
def test_pack_refuses_drafts_and_stale_totals_and_ships_the_pdf_of_the_edited_docx(tmp_path):
    root = _with_all_evidence(make_workspace(tmp_path / "ws", report=WITHOUT_PLANS))
    assert run_dossier("-C", str(root), "build", "--only", "report").exit_code == 0
    refused = run_dossier("-C", str(root), "pack")
    assert refused.exit_code == 1
    assert REVIEW_MARK in refused.stderr and "四、下一步工作计划" in refused.stderr
    assert "Traceback" not in refused.stderr

    report = output_path(load_project(root), "report_docx")
    _edit(report, REVIEW_MARK, "")
    _edit(report, "特此报告。", "本报告经局务会审定。特此报告。")
    packed = run_dossier("-C", str(root), "pack")
    assert packed.exit_code == 0, packed.stderr
    [archive] = [Path(line) for line in packed.stdout.splitlines() if line.endswith(".zip")]
    with zipfile.ZipFile(archive) as z:
        [pdf_name] = [n for n in z.namelist() if n.endswith("年度工作进展和总结报告.pdf")]
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(z.read(pdf_name))).pages)
    assert "本报告经局务会审定" in text.replace("\n", "").replace(" ", "")
    assert REVIEW_MARK not in text

    edit_manifest(root, claims={"2.1.2": {"points": 0.5}})
    stale = run_dossier("-C", str(root), "pack")
    assert stale.exit_code == 1
    assert "不一致" in stale.stderr and "自评总分" in stale.stderr
