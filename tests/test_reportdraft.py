"""The year-end report's text, drafted from a real workspace (manifest + evidence files)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from dossier.builders.report import last_year
from dossier.project import load_project
from dossier.reportdraft import (
    REVIEW_MARK,
    date_text,
    default_recipient,
    draft_report,
    percent,
    pts,
    split_title,
    text_width,
)
from dossier.score import compute_score
from dossier.standard import load_standard
from tests.cases import DROP, edit_manifest

UNIT = "泉州市示例县生态环境保护综合行政执法大队"
NOTES = {"1.1.1": "已健全党支部委员会，全年召开组织生活会4次",
         "3.1.1": "配备执法执勤专用车3辆。"}
NOT_MET = ("2.1.2", "6.1.2")  # claimed 0
NO_EVIDENCE = ("9.4.2",)  # claimed in full, but no file: at risk
FINISHED = {"opening": "现将我队2022年度规范化建设情况报告如下：", "summary": "我队共有执法人员40名。",
            "work": {str(n): f"{name}方面，全年培训8期。" for n, name in
                     enumerate(("机构职能", "执法装备", "队伍建设", "管理制度", "保障体系", "效能评估"), 1)},
            "problems": ["装备不足"], "plans": ["增配装备"]}
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


def _all_text(content) -> str:
    return "\n".join(p.lead + p.text for p in content.paragraphs())


def test_work_has_one_part_per_primary_with_figures_in_sentences(workspace):
    project, score, content = _draft(workspace)
    headings = [part.heading for part in content.progress]
    assert headings == [f"（{n}）{p.name}" for n, p in zip("一二三四五六", project.standard.primary, strict=True)]
    first = content.progress[0]
    overview, done = first.paragraphs
    primary = score.primary[0]
    assert f"自评得分{pts(primary.claimed)}分（满分{pts(primary.max)}分）" in overview.text
    assert "整理佐证材料12件" in overview.text  # 13 criteria, one file for each of the 12 met
    assert "13项评价内容中12项全部达到要求" in overview.text
    assert done.text.startswith("一是坚持党建引领，已健全党支部委员会，全年召开组织生活会4次")
    assert "；二是提升执法支撑能力，" in done.text
    equipment = content.progress[1].paragraphs[1].text
    assert "配备执法执勤专用车3辆" in equipment and "。。" not in equipment
    assert all(p.draft for part in content.progress for p in part.paragraphs)


def test_no_sentence_template_is_used_more_than_three_times(tmp_path):
    """Sentences with names and figures taken out: none may be the same more than 3 times.

    No notes at all is the worst case: every sentence is the tool's.
    """
    root = make_workspace(tmp_path / "ws", not_met=("2.1.2", "3.1.1", "6.1.2", "8.6.2", "9.1.1",
                                                   "11.1.2", "12.3.2", "5.3.1", "10.2.1"))
    for path in (root / "manifests").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(', note: "', ', x: "'), encoding="utf-8")
    for path in (root / "manifests").glob("*.yaml"):  # drop the notes' keys again
        lines = [line if ", x: " not in line else line.split(", x: ")[0] + "}"
                 for line in path.read_text(encoding="utf-8").splitlines()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project, _, content = _draft(root)
    assert not any(c.note for c in project.manifest.claims.values())
    standard = project.standard
    names = sorted({project.unit, standard.title, *(p.name for p in standard.primary),
                    *(s.name for s in standard.secondaries()),
                    *(c.short for c in standard.criteria())}, key=len, reverse=True)
    skeletons = []
    for sentence in re.split(r"[。！？]", _all_text(content)):
        skeleton = sentence
        for name in names:
            skeleton = skeleton.replace(name, "X")
        skeleton = re.sub(r"\d+(\.\d+)?", "#", skeleton)
        skeleton = re.sub(r"^\d+\.|^#\.", "", skeleton).strip()
        if len(re.sub(r"[X#、，；（）\s]", "", skeleton)) >= 4:  # template text, not a bare name
            skeletons.append(skeleton)
    (most, count), = Counter(skeletons).most_common(1)
    assert count <= 3, most


def test_office_status_never_appears_in_the_report(tmp_path):
    """Unfilled claims and claims without evidence are for check and score, not the report."""
    root = make_workspace(tmp_path / "ws")
    manifest = root / "manifests" / "2022.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        '"1.2.1": {points: 0.5}', '"1.2.1": {points: null}'), encoding="utf-8")
    project, score, content = _draft(root)
    assert not score.criterion("1.2.1").filled and score.at_risk > 0  # both situations present
    text = _all_text(content)
    for phrase in ("尚未填报", "填报", "尚无佐证", "佐证材料尚不完整", "复核评估时", "风险", "失0.5分",
                   "有佐证材料的项目", "dossier", "manifest"):
        assert phrase not in text, phrase


def test_bonus_is_stated_for_the_year_before_from_the_score_data(workspace):
    project, score, content = _draft(workspace)
    text = content.score_text[0].text
    b1 = next(b for b in score.bonus_items if b.code == "B1")
    assert "上年度我队获评全省生态环境保护执法大练兵表现突出集体" in text
    assert f"2人次获评全省生态环境保护执法大练兵表现突出个人，加{pts(b1.points)}分" in text
    assert f"扣分{pts(score.deductions)}分（在市级稽查中被通报批评或约谈1次，扣1分）" in text
    assert f"自评总分{pts(score.total)}分，达到年度{score.grade}标准" in text


def test_efficiency_part_states_the_system_data(workspace):
    _, _, content = _draft(workspace)
    text = content.progress[5].paragraphs[1].text
    assert "2022年度执法效能评估得分87.5分，按30分折算计26.25分" in text


def test_problems_say_what_is_lacking_in_the_words_of_the_notes(workspace):
    _, _, content = _draft(workspace)
    text = "\n".join(p.lead + p.text for p in content.problems)
    assert "配备执法执勤专用车3辆" not in text  # 3.1.1 was met in this workspace
    assert "入选省级国家人才库方面尚有差距" in text
    assert "市级稽查中被通报批评或约谈1次" in text
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
    assert "力争2023年度达到标准" in content.plans[0].text
    assert leads[-1].endswith("持续巩固提升。")


def test_every_drafted_paragraph_can_be_written_in_the_manifest(tmp_path):
    root = make_workspace(tmp_path / "ws", report=FINISHED)
    _, _, content = _draft(root)
    assert content.drafted() == 0 and content.drafted_keys() == []
    assert content.opening[0].text == "现将我队2022年度规范化建设情况报告如下："
    assert content.progress[2].paragraphs[0].text == "队伍建设方面，全年培训8期。"


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


def test_last_year_manifest_gives_the_comparison(tmp_path):
    root = make_workspace(tmp_path / "ws")
    make_workspace(root, year=2021, not_met=NOT_MET + ("1.1.1", "3.1.1"), with_files=False)
    (root / "manifests" / "2021.yaml").rename(root / "manifests" / "2021.yml")  # found either way
    project, score, content = _draft(root)
    assert content.last_year == 2021
    text = content.score_text[0].text
    assert "与2021年度自评的" in text and "提高2.5分" in text
    assert f"等次保持为{score.grade}" in text
    assert "其中机构职能规范化提高1分、执法装备现代化提高1.5分" in text
    assert content.score_rows[0].change == "+1" and content.score_rows[1].change == "+1.5"
    assert content.context()["last_year"] == 2021


def test_highlights_open_the_work_section_and_are_not_repeated(tmp_path):
    root = make_workspace(tmp_path / "ws", report={"highlights": ["已健全党支部委员会，全年召开组织生活会4次"]})
    _, _, content = _draft(root)
    assert content.work_intro[0].text.endswith("特色做法：已健全党支部委员会，全年召开组织生活会4次。")
    assert "组织生活会" not in content.progress[0].paragraphs[1].text


def test_a_note_typed_with_line_breaks_and_spaces_is_one_clean_sentence(tmp_path):
    root = make_workspace(tmp_path / "ws")
    manifest = root / "manifests" / "2022.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        '"6.1.1": {points: 1}',
        '"6.1.1": {points: 1, note: "选派1名执法人员到省执法\\n总队 跟班学习 , 为期3个月"}'),
        encoding="utf-8")
    _, _, content = _draft(root)
    text = content.progress[2].paragraphs[1].text
    assert "选派1名执法人员到省执法总队跟班学习，为期3个月" in text
    assert not any("\n" in p.lead + p.text for p in content.paragraphs())


def test_report_date_defaults_to_10_december_and_can_be_set(tmp_path):
    root = make_workspace(tmp_path / "ws")
    edit_manifest(root, date=DROP)
    _, _, content = _draft(root)
    assert content.date_text == "2022年12月10日"
    root = make_workspace(tmp_path / "ws2", report={"date": "2022-12-08"})
    _, _, content = _draft(root)
    assert content.date_text == "2022年12月8日"


def test_the_printed_line_is_narrowed_to_stay_on_one_line(tmp_path):
    root = make_workspace(tmp_path / "ws", report={"copy_to": ["甲单位"]})
    _, _, content = _draft(root)
    assert content.printed_by == UNIT
    assert 80 <= content.printed_scale < 100 and content.printed_one_line


def test_review_marker_is_the_documented_text():
    assert REVIEW_MARK == "【待审阅】"
