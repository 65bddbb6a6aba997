"""The year-end report's text, drafted from a real workspace (manifest + evidence files)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from dossier.builders.report import last_year
from dossier.builders.report_content import (
    REVIEW_MARK,
    date_text,
    default_recipient,
    draft_report,
    percent,
    split_title,
    text_width,
)
from dossier.project import load_project
from dossier.score import compute_score
from dossier.standard import load_standard

UNIT = "泉州市示例县生态环境保护综合行政执法大队"
NOTES = {"1.1.1": "已健全党支部委员会，全年召开组织生活会4次",
         "3.1.1": "配备执法执勤专用车3辆。"}
NOT_MET = ("2.1.2", "6.1.2")  # claimed 0
NO_EVIDENCE = ("9.4.2",)  # claimed in full, but no file: at risk
FACTS = {"efficiency_score": 87.5, "enforcement_staff": 40, "college_staff": 37,
         "staff_total": 45, "frontline_staff": 38, "seconded_staff": 3}


def make_workspace(root: Path, *, year: int = 2022, report: dict | None = None,
                   not_met=NOT_MET, facts=FACTS, with_files: bool = True) -> Path:
    """A workspace with every criterion claimed (except ``not_met``), one file per claim."""
    standard = load_standard()
    lines = ["standard: fujian-county-2021", f"unit: {UNIT}", f"year: {year}",
             f"date: {year}-12-05", "claims:"]
    for c in standard.criteria():
        points = 0 if c.code in not_met else c.points
        note = f", note: \"{NOTES[c.code]}\"" if c.code in NOTES else ""
        lines.append(f'  "{c.code}": {{points: {points}{note}}}')
        if with_files and points and c.code not in NO_EVIDENCE:
            folder = root / "evidence" / str(year) / c.tertiary_code / c.code
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{c.short}.txt").write_text(c.text, encoding="utf-8")
    lines += ["facts:"] + [f"  {k}: {v}" for k, v in facts.items()]
    lines += ["bonus:", "  B1: {provincial_collective: true, provincial_individuals: 2}",
              "deductions:", "  D2: {provincial: 0, city: 1}"]
    if report:
        lines.append("report:")
        for key, value in report.items():
            if isinstance(value, list):
                lines.append(f"  {key}:")
                lines += [f"    - {item}" for item in value]
            else:
                lines.append(f"  {key}: {value}")
    (root / "manifests").mkdir(parents=True, exist_ok=True)
    (root / "manifests" / f"{year}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _draft(root: Path):
    project = load_project(root)
    score = compute_score(project)
    return project, score, draft_report(project, score, last_year(project))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """Shared by the tests that only read it."""
    return make_workspace(tmp_path_factory.mktemp("report") / "ws")


def test_default_title_breaks_between_words_into_lines_that_fit():
    title = "关于2022年度生态环境保护综合行政执法机构规范化建设工作进展情况的报告"
    lines = split_title(title)
    assert "".join(lines) == title
    assert len(lines) == 2
    assert all(text_width(line) <= 20 for line in lines)
    assert lines[1].startswith(("执法机构", "规范化"))


def test_short_title_stays_on_one_line():
    assert split_title("关于2022年度工作的报告") == ("关于2022年度工作的报告",)


def test_date_has_arabic_numerals_without_leading_zeros():
    assert date_text(dt.date(2022, 3, 5)) == "2022年3月5日"
    assert date_text(dt.date(2022, 12, 20)) == "2022年12月20日"


def test_percent_rounds_half_up_to_one_decimal():
    assert percent(37, 40) == "92.5"
    assert percent(38, 45) == "84.4"
    assert percent(1, 1) == "100"


def test_recipient_is_the_city_bureau_above_the_unit():
    assert default_recipient(UNIT) == "泉州市生态环境局"


def test_title_recipient_and_date_come_from_the_manifest(workspace):
    _, _, content = _draft(workspace)
    assert content.title == "关于2022年度生态环境保护综合行政执法机构规范化建设工作进展情况的报告"
    assert content.recipient == "泉州市生态环境局："
    assert content.date_text == "2022年12月5日"
    assert content.unit == UNIT
    assert not content.context()["redhead"]


def test_report_section_overrides_title_recipient_and_adds_the_redhead(tmp_path):
    root = make_workspace(tmp_path / "ws", report={
        "title": "关于规范化建设的报告", "recipient": "泉州市某某局", "doc_number": "晋环执〔2022〕12号",
        "signer": "王某", "copy_to": ["甲单位", "乙单位"]})
    _, _, content = _draft(root)
    ctx = content.context()
    assert ctx["title_lines"] == ("关于规范化建设的报告",)
    assert ctx["recipient"] == "泉州市某某局："
    assert ctx["redhead"] and ctx["doc_number"] == "晋环执〔2022〕12号"
    assert ctx["issuer_mark"] == UNIT + "文件"
    assert ctx["copy_to_text"] == "甲单位，乙单位。"
    assert ctx["colophon"] and ctx["printed_by"] == UNIT
    assert ctx["printed_date"] == "2022年12月5日"


def test_summary_is_drafted_from_staff_facts_and_marked_for_review(workspace):
    _, _, content = _draft(workspace)
    first = content.summary[0]
    assert first.draft
    assert "执法人员40名" in first.text
    assert "大专以上学历37名（占比92.5%）" in first.text
    assert "一线执法人员38名（占84.4%）" in first.text
    assert "佐证材料" in content.summary[1].text


def test_summary_written_by_staff_is_used_as_written_without_marker(tmp_path):
    root = make_workspace(tmp_path / "ws", report={"summary": "我队共有执法人员40名。"})
    _, _, content = _draft(root)
    assert [(p.text, p.draft) for p in content.summary] == [("我队共有执法人员40名。", False)]


def test_progress_has_one_part_per_primary_with_notes_and_evidence_counts(workspace):
    project, score, content = _draft(workspace)
    headings = [part.heading for part in content.progress]
    assert headings == [f"（{n}）{p.name}" for n, p in zip("一二三四五六", project.standard.primary, strict=True)]
    first = content.progress[0]
    party = first.paragraphs[1]
    assert party.lead == "1.坚持党建引领。"
    assert "已健全党支部委员会，全年召开组织生活会4次" in party.text
    assert "佐证材料6件" in party.text  # 1.1.1–1.2.3: six criteria, one file each
    equipment = content.progress[1].paragraphs[1].text
    assert equipment.startswith("配备执法执勤专用车3辆。在个人移动执法设备、")  # note, then the rest
    assert "。。" not in equipment
    assert all(p.draft for part in content.progress for p in part.paragraphs)


def test_efficiency_part_states_the_system_data(workspace):
    _, _, content = _draft(workspace)
    text = content.progress[5].paragraphs[1].text
    assert "执法效能评估得分87.5" in text.replace(" ", "")


def test_problems_name_criteria_not_met_with_points_lost_and_claims_without_evidence(workspace):
    _, _, content = _draft(workspace)
    text = "\n".join(p.lead + p.text for p in content.problems)
    assert "入选省级国家人才库（失0.5分）" in text
    assert "跟班学习或蹲点锻炼（失3分）" in text
    assert "执法效能评估得分（得26.25分，失3.75分）" in text
    assert "举报奖励案例已自评得分但尚未整理佐证材料，涉及0.5分" in text
    assert "市级通报或约谈1次" in text
    assert content.problems[0].lead.startswith("1.")
    assert all(p.draft for p in content.problems)


def test_problems_written_by_staff_replace_the_draft_and_are_numbered(tmp_path):
    root = make_workspace(tmp_path / "ws", report={"problems": ["装备不足", "2.人员偏少"]})
    _, _, content = _draft(root)
    assert [(p.text, p.draft) for p in content.problems] == [("1.装备不足。", False),
                                                               ("2.人员偏少。", False)]


def test_plans_are_drafted_from_the_problems(workspace):
    _, _, content = _draft(workspace)
    leads = [p.lead for p in content.plans]
    assert leads[0] == "1.提升执法支撑能力。"
    assert any("补充完善佐证材料" in lead for lead in leads)
    assert "力争2023年度达到要求" in content.plans[0].text


def test_score_table_has_six_primaries_bonus_deductions_and_the_total(workspace):
    _, score, content = _draft(workspace)
    rows = content.score_rows
    assert [r.no for r in rows[:6]] == list("一二三四五六")
    assert [r.name for r in rows[6:]] == ["加分项", "扣分项", "合计"]
    assert rows[6].claimed == "+1.2" and rows[7].claimed == "-1"
    assert Decimal(rows[-1].claimed) == score.total
    assert rows[1].lost == ""  # 执法装备现代化: all met
    assert f"自评总分{rows[-1].claimed}分" in content.score_text[0].text
    assert content.last_year is None


def test_last_year_manifest_gives_the_change_in_the_total(tmp_path):
    root = make_workspace(tmp_path / "ws")
    make_workspace(root, year=2021, not_met=NOT_MET + ("1.1.1", "3.1.1"), with_files=False)
    project, score, content = _draft(root)
    assert content.last_year == 2021
    assert "较2021年度自评总分" in content.score_text[0].text
    assert "提高2.5分" in content.score_text[0].text
    assert content.score_rows[0].change == "+1" and content.score_rows[1].change == "+1.5"
    assert content.context()["last_year"] == 2021


def test_highlights_become_an_extra_part_written_by_staff(tmp_path):
    root = make_workspace(tmp_path / "ws", report={"highlights": ["首创网格联动机制"]})
    _, _, content = _draft(root)
    assert content.progress[-1].heading == "（七）工作亮点"
    assert content.progress[-1].paragraphs[0].text == "1.首创网格联动机制。"


def test_review_marker_is_the_documented_text():
    assert REVIEW_MARK == "【待审阅】"
