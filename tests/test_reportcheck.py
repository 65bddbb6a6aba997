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
from dossier.project import load_project
from dossier.reportcheck import report_findings, stated_grade
from dossier.reportdraft import REVIEW_MARK, draft_report, pts
from dossier.score import compute_score
from dossier.standard import load_standard
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
    manifest = root / "manifests" / "2022.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        '"2.1.2": {points: 0}', '"2.1.2": {points: 0.5}'), encoding="utf-8")
    now = compute_score(load_project(root)).total
    assert now == before + pts_decimal("0.5")
    messages = [f.message for f in _findings(root)]
    assert any(f"“自评总分{pts(before)}分”" in m and f"自评总分{pts(now)}分" in m for m in messages)
    assert any(f"“合计{pts(before)}分”" in m for m in messages)  # the table's row too


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


def pts_decimal(text: str):
    from decimal import Decimal

    return Decimal(text)


@pytest.mark.slow
def test_pack_refuses_drafts_and_stale_totals_and_ships_the_pdf_of_the_edited_docx(tmp_path):
    root = make_workspace(tmp_path / "ws", report=WITHOUT_PLANS)
    for code in NO_EVIDENCE:  # nothing else may block the pack
        c = load_standard().criterion(code)
        folder = root / "evidence" / "2022" / c.tertiary_code / code
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "奖励兑现记录.txt").write_text("兑现举报奖励1起", encoding="utf-8")
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
    archive = Path(packed.stdout.strip().splitlines()[-1])
    with zipfile.ZipFile(archive) as z:
        [pdf_name] = [n for n in z.namelist() if n.endswith("年度工作进展和总结报告.pdf")]
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(z.read(pdf_name))).pages)
    assert "本报告经局务会审定" in text.replace("\n", "").replace(" ", "")
    assert REVIEW_MARK not in text

    manifest = root / "manifests" / "2022.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        '"2.1.2": {points: 0}', '"2.1.2": {points: 0.5}'), encoding="utf-8")
    stale = run_dossier("-C", str(root), "pack")
    assert stale.exit_code == 1
    assert "不一致" in stale.stderr and "自评总分" in stale.stderr
