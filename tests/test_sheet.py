"""The self-assessment sheet: written from the score, read back with openpyxl, imported back.

Formulas are checked twice: by summing the referenced cells here, and (slow) by letting
LibreOffice recalculate the workbook and comparing its figures with ``score --format json``.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from dossier.builders import BuildContext, output_path
from dossier.builders.sheet import build, import_sheet, write_sheet
from dossier.errors import InputError
from dossier.project import load_project
from dossier.score import compute_score
from tests.conftest import run_dossier
from tests.test_score import add_evidence, edit_manifest

CODE = re.compile(r"^(\d+\.\d+\.\d+) ")


@pytest.fixture
def workspace(empty_workspace: Path) -> Path:
    edit_manifest(
        empty_workspace,
        claims={"1.1.1": {"points": 1, "note": "已健全党支部委员会"}, "1.1.2": 1, "1.2.1": 0.5,
                "3.1.1": {"points": 0}, "9.5.3": 0},
        facts={"efficiency_score": 87.35, "grid_leads": 6},
        bonus={"B1": {"provincial_individuals": 2}, "B2": True},
        deductions={"D2": {"city": 1}})
    add_evidence(empty_workspace, "1.1.1")
    add_evidence(empty_workspace, "1.1.1", "名单.txt")
    add_evidence(empty_workspace, "1.1.2")
    add_evidence(empty_workspace, "9.5.3")
    return empty_workspace


@pytest.fixture
def sheet(workspace: Path) -> Path:
    return write_sheet(load_project(workspace))


def rows_by_code(ws) -> dict[str, int]:
    return {m.group(1): r for r in range(1, ws.max_row + 1)
            if (m := CODE.match(str(ws.cell(r, 4).value or "")))}


def row_labelled(ws, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)


def manifest_path(root: Path) -> Path:
    return root / "manifests" / "2022.yaml"


# -- writing --------------------------------------------------------------------------------


def test_sheet_has_one_row_per_criterion_in_order_and_points_sum_to_100(workspace, sheet):
    assert sheet == output_path(load_project(workspace), "sheet_xlsx")
    assert sheet.name == "自评得分表.xlsx" and sheet.parent.name == "2022"
    ws = openpyxl.load_workbook(sheet)["自评得分表"]
    assert [c.value for c in ws[3]] == ["一级指标", "二级指标", "三级指标", "评价标准", "分值",
                                      "自评得分", "佐证材料数", "责任科室", "自评说明"]
    codes = rows_by_code(ws)
    project = load_project(workspace)
    assert list(codes) == [c.code for c in project.standard.criteria()]
    assert len(codes) == 78
    assert sum(Decimal(str(ws.cell(r, 5).value)) for r in codes.values()) == 100


def test_criterion_rows_carry_claims_evidence_departments_and_notes(workspace, sheet):
    ws = openpyxl.load_workbook(sheet).active
    rows = rows_by_code(ws)
    score = compute_score(load_project(workspace))
    for c in score.criteria:
        r = rows[c.code]
        assert ws.cell(r, 7).value == c.evidence
        if c.filled:
            assert Decimal(str(ws.cell(r, 6).value)) == c.claimed
        else:
            assert ws.cell(r, 6).value is None  # left for staff to fill in
    assert ws.cell(rows["1.1.1"], 9).value == "已健全党支部委员会"
    assert ws.cell(rows["3.1.1"], 6).value == 0
    assert ws.cell(rows["13.1.1"], 6).value == 26.21
    assert ws.cell(rows["9.5.3"], 6).value == 0.5  # the facts, not the claim of 0
    # merged indicator cells as in the seed: 1.1 spans its three criteria
    merged = {str(m) for m in ws.merged_cells.ranges}
    r = rows["1.1.1"]
    assert f"C{r}:C{r + 2}" in merged and f"H{r}:H{r + 2}" in merged
    assert ws.cell(r, 3).value == "1.1 党组织建设（3分）"
    assert "机关党委" in ws.cell(r, 8).value


def test_subtotal_and_base_formulas_sum_the_criterion_rows(workspace, sheet):
    ws = openpyxl.load_workbook(sheet).active
    score = compute_score(load_project(workspace))

    def value(ref: str) -> Decimal:
        cell = ws[ref].value
        if isinstance(cell, str) and cell.startswith("=SUM("):
            return evaluate_sum(cell)
        return Decimal(str(cell or 0))

    def evaluate_sum(formula: str) -> Decimal:
        total = Decimal(0)
        for part in formula[5:-1].split(","):
            if ":" in part:
                for row in ws[part]:
                    total += sum((value(c.coordinate) for c in row), Decimal(0))
            else:
                total += value(part)
        return total

    subtotals = [r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).endswith(" 小计")]
    assert len(subtotals) == 6
    for r, primary in zip(subtotals, score.primary, strict=True):
        assert value(f"E{r}") == primary.max
        assert value(f"F{r}") == primary.claimed
    base = row_labelled(ws, "基本分合计")
    assert value(f"E{base}") == 100
    assert value(f"F{base}") == score.base
    assert value(f"G{base}") == sum(c.evidence for c in score.criteria)


@pytest.mark.slow
def test_formulas_agree_with_score_json_after_libreoffice_recalculation(workspace, sheet,
                                                                        tmp_path):
    out = tmp_path / "recalc"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(sheet)],
                   check=True, capture_output=True, timeout=180)
    ws = openpyxl.load_workbook(out / sheet.name, data_only=True).active
    result = run_dossier("-C", str(workspace), "score", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)

    def figure(label: str, column: str = "F"):
        return ws[f"{column}{row_labelled(ws, label)}"].value

    assert figure("基本分合计") == pytest.approx(data["base"])
    assert figure("基本分合计", "E") == 100
    assert figure("总分") == pytest.approx(data["total"])
    assert figure("等次") == data["grade"]
    at_risk = sum(c["claimed"] for c in data["criteria"] if not c["supported"])
    from dossier.project import load_project
    from dossier.score import compute_score

    score = compute_score(load_project(workspace))
    bonus_at_risk = sum(float(b.at_risk) for b in score.bonus_items)  # claimed, folder empty
    assert figure("缺佐证风险分") == pytest.approx(at_risk + bonus_at_risk) == float(score.at_risk)
    bonus = [ws[f"F{r}"].value for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value == "加分项"]
    minus = [ws[f"F{r}"].value for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value == "扣分项"]
    assert sum(bonus) == pytest.approx(data["bonus"])
    assert sum(minus) == pytest.approx(data["deductions"])  # positive, subtracted
    assert data["total"] == pytest.approx(29.41)  # 1 + 1 + 0.5 + 26.21 + 0.5 + 1.2 − 1


def test_grade_formula_uses_the_standard_thresholds(sheet):
    ws = openpyxl.load_workbook(sheet).active
    r, total = row_labelled(ws, "等次"), row_labelled(ws, "总分")
    assert ws[f"F{r}"].value == (f'=IF(F{total}>=95,"规范化示范单位",'
                                 f'IF(F{total}>=80,"规范化单位","未达标"))')
    assert "省级" in ws[f"I{r}"].value


def test_fact_rows_are_marked_grey_and_locked(workspace, sheet):
    ws = openpyxl.load_workbook(sheet).active
    rows = rows_by_code(ws)
    assert ws.protection.sheet
    for code in ("13.1.1", "9.5.3"):
        r = rows[code]
        assert ws.cell(r, 9).value.startswith("以系统数据为准")
        assert ws.cell(r, 6).protection.locked
        assert ws.cell(r, 6).fill.fgColor.rgb.endswith("D9D9D9")
    r = rows["1.1.1"]
    assert not ws.cell(r, 6).protection.locked and not ws.cell(r, 9).protection.locked
    assert ws.cell(r, 6).fill.fill_type is None
    checks = {str(dv.sqref): dv.formula2 for dv in ws.data_validations.dataValidation}
    assert any(f"F{r}" in sqref.split() and top == "1" for sqref, top in checks.items())


def test_sheet_is_print_ready(sheet):
    ws = openpyxl.load_workbook(sheet).active
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"
    assert ws.freeze_panes == "A4"
    r = rows_by_code(ws)["1.1.1"]
    assert ws.cell(r, 4).font.name == "宋体" and ws.cell(r, 4).alignment.wrap_text
    assert ws["A1"].font.name == "黑体"


def test_two_builds_are_byte_identical_with_dates_from_the_manifest(workspace, sheet):
    first = sheet.read_bytes()
    time.sleep(2.1)  # zip entry times have a 2-second resolution
    project = load_project(workspace)
    second = build(BuildContext(project=project, score=compute_score(project), check=None))
    assert second == sheet and second.read_bytes() == first
    with zipfile.ZipFile(second) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2022, 12, 31, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    assert core.count("2022-12-31T00:00:00Z") == 2  # created and modified


def test_cli_sheet_prints_the_path(workspace):
    result = run_dossier("-C", str(workspace), "sheet")
    assert result.exit_code == 0, result.stderr
    assert Path(workspace / result.stdout.strip()).is_file() or Path(result.stdout.strip()).is_file()


# -- reading back -----------------------------------------------------------------------------


def edit_cells(sheet: Path, target: Path, edits: dict[tuple[str, int], object]) -> Path:
    """Edit a copy of the sheet as staff would: (code, column) → value."""
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    rows = rows_by_code(ws)
    for (code, column), value in edits.items():
        ws.cell(rows[code], column).value = value
    book.save(target)
    return target


def test_import_writes_exactly_the_edited_claims_and_keeps_comments(workspace, sheet, tmp_path):
    path = manifest_path(workspace)
    before = path.read_text(encoding="utf-8").splitlines()
    edited = edit_cells(sheet, tmp_path / "填好的.xlsx", {
        ("1.1.3", 6): 1, ("1.1.3", 9): "已制定重大事项决议清单",
        ("1.1.1", 9): "已健全支部委员会，全年组织生活会4次",
        ("1.2.1", 6): None,
        ("2.1.2", 6): "0.5",  # a number typed into a text-formatted cell (WPS)
        ("3.1.1", 6): 1.5, ("3.1.1", 9): "已配齐\n执法执勤专用车",
    })
    changes = import_sheet(load_project(workspace), edited).changes
    assert [str(c) for c in changes] == [
        "1.1.1：自评说明 已健全党支部委员会 → 已健全支部委员会，全年组织生活会4次",
        "1.1.3：自评得分 空 → 1；自评说明 空 → 已制定重大事项决议清单",
        "1.2.1：自评得分 0.5 → 空",
        "2.1.2：自评得分 空 → 0.5",
        "3.1.1：自评得分 0 → 1.5；自评说明 空 → 已配齐\n执法执勤专用车",
    ]
    claims = load_project(workspace).manifest.claims
    assert claims["1.1.3"].points == 1 and claims["1.1.3"].note == "已制定重大事项决议清单"
    assert claims["1.1.1"].points == 1 and claims["1.1.1"].note.endswith("4次")
    assert claims["1.2.1"].points is None
    assert claims["3.1.1"].note == "已配齐\n执法执勤专用车"
    after = path.read_text(encoding="utf-8").splitlines()
    assert len(after) == len(before)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert [after[i].split(":")[0].strip() for i in changed] == [
        '"1.1.1"', '"1.1.3"', '"1.2.1"', '"2.1.2"', '"3.1.1"']
    for i in changed:  # the comment beside each entry survived
        assert before[i].split("#", 1)[1] in after[i]
    assert after[changed[1]].startswith('  "1.1.3": {points: 1, note: 已制定重大事项决议清单}')


def test_importing_an_unchanged_sheet_changes_nothing(workspace, sheet):
    path = manifest_path(workspace)
    before = path.read_bytes()
    assert import_sheet(load_project(workspace), sheet).changes == []
    assert path.read_bytes() == before
    result = run_dossier("-C", str(workspace), "sheet", "--import", str(sheet))
    assert result.exit_code == 0 and "清单未改动" in result.stdout


def test_import_rounds_spreadsheet_float_noise(workspace, sheet, tmp_path):
    edited = edit_cells(sheet, tmp_path / "x.xlsx", {("1.2.3", 6): 0.1 + 0.2})
    changes = import_sheet(load_project(workspace), edited).changes
    assert [str(c) for c in changes] == ["1.2.3：自评得分 空 → 0.3"]


def test_import_inserts_a_claim_missing_from_the_manifest_in_order(workspace, sheet, tmp_path):
    path = manifest_path(workspace)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith('  "2.1.1":')), encoding="utf-8")
    edited = edit_cells(sheet, tmp_path / "x.xlsx", {("2.1.1", 6): 1})
    import_sheet(load_project(workspace), edited)
    claims = list(load_project(workspace).manifest.claims)
    assert claims.index("2.1.1") == claims.index("1.2.3") + 1
    assert load_project(workspace).manifest.claims["2.1.1"].points == 1


@pytest.mark.parametrize("edit, message", [
    ({("1.1.3", 6): "满分"}, "不是数字"),
    ({("1.1.3", 6): 2}, "超过该项满分 1 分"),
    ({("1.1.3", 6): -1}, "负数"),
    ({("1.1.3", 6): 0.333}, "两位小数"),
    ({("1.1.3", 6): True}, "不是数字"),
    ({("13.1.1", 6): 30}, "以系统数据为准"),
])
def test_bad_cell_is_refused_with_its_address_and_manifest_untouched(workspace, sheet, tmp_path,
                                                                     edit, message):
    path = manifest_path(workspace)
    before = path.read_bytes()
    (code, _), = edit
    row = rows_by_code(openpyxl.load_workbook(sheet).active)[code]
    edited = edit_cells(sheet, tmp_path / "x.xlsx", edit | {("1.1.2", 9): "这一处本来合法"})
    with pytest.raises(InputError) as err:
        import_sheet(load_project(workspace), edited)
    assert f"F{row}：{code}" in str(err.value) and message in str(err.value)
    assert err.value.exit_code == 3
    assert path.read_bytes() == before


def test_deleted_and_changed_code_rows_are_refused(workspace, sheet, tmp_path):
    path = manifest_path(workspace)
    before = path.read_bytes()
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    rows = rows_by_code(ws)
    ws.cell(rows["2.2.1"], 4).value = "2.2.9 改了编号"
    ws.cell(rows["2.3.1"], 4).value = "2.3.2 是否在本地媒体刊发"
    ws.cell(rows["1.2.1"], 4).value = "组织开展教育专题党课"  # code removed
    book.save(tmp_path / "x.xlsx")
    result = run_dossier("-C", str(workspace), "sheet", "--import", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 3
    assert f"D{rows['2.2.1']}：编号“2.2.9”不是评价标准的编号" in result.stderr
    assert f"D{rows['2.3.2']}：编号 2.3.2 在第{rows['2.3.1']}行已出现过" in result.stderr
    assert "找不到评价标准 1.2.1、2.2.1、2.3.1 的行" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_deleted_row_is_refused(workspace, sheet, tmp_path):
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    for merged in list(ws.merged_cells.ranges):  # as Excel does; openpyxl does not shift merges
        ws.unmerge_cells(str(merged))
    ws.delete_rows(rows_by_code(ws)["4.1.1"])
    book.save(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="找不到评价标准 4.1.1 的行"):
        import_sheet(load_project(workspace), tmp_path / "x.xlsx")


def test_not_a_workbook_is_refused(workspace, tmp_path):
    bogus = tmp_path / "x.xlsx"
    bogus.write_text("不是表格", encoding="utf-8")
    with pytest.raises(InputError, match="另存为"):
        import_sheet(load_project(workspace), bogus)


def test_cli_import_prints_every_change(workspace, sheet, tmp_path):
    edited = edit_cells(sheet, tmp_path / "x.xlsx", {("5.1.1", 6): 1, ("5.1.2", 9): "指定专人"})
    result = run_dossier("-C", str(workspace), "sheet", "--import", str(edited))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["5.1.1：自评得分 空 → 1", "5.1.2：自评说明 空 → 指定专人"]


def test_import_keeps_crlf_line_endings_and_bom(workspace, sheet, tmp_path):
    path = manifest_path(workspace)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    edited = edit_cells(sheet, tmp_path / "x.xlsx", {("5.1.1", 6): 1})
    import_sheet(load_project(workspace), edited)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b"\n" not in data.replace(
        b"\r\n", b"")
    assert load_project(workspace).manifest.claims["5.1.1"].points == 1


# -- one truth: cached values, signs, text that is never a formula ------------------------------


def test_formula_cells_carry_the_values_of_the_score(workspace, sheet):
    """A previewer or a script that does not recalculate reads the same totals as dossier score."""
    ws = openpyxl.load_workbook(sheet, data_only=True).active
    score = compute_score(load_project(workspace))
    assert ws[f"F{row_labelled(ws, '基本分合计')}"].value == pytest.approx(float(score.base))
    assert ws[f"E{row_labelled(ws, '基本分合计')}"].value == 100
    assert ws[f"F{row_labelled(ws, '总分')}"].value == pytest.approx(29.41)
    assert ws[f"F{row_labelled(ws, '总分')}"].value == pytest.approx(float(score.total))
    assert ws[f"F{row_labelled(ws, '等次')}"].value == score.grade == "未达标"
    assert ws[f"F{row_labelled(ws, '缺佐证风险分')}"].value == pytest.approx(float(score.at_risk))
    subtotals = [r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).endswith(" 小计")]
    assert [ws[f"F{r}"].value for r in subtotals] == pytest.approx(
        [float(p.claimed) for p in score.primary])
    formulas = openpyxl.load_workbook(sheet).active
    assert str(formulas[f"F{row_labelled(ws, '总分')}"].value).startswith("=ROUND(")


def test_deductions_are_positive_numbers_that_are_subtracted(workspace, sheet):
    ws = openpyxl.load_workbook(sheet).active
    [d2] = [r for r in range(1, ws.max_row + 1)
            if ws[f"A{r}"].value == "扣分项" and str(ws[f"D{r}"].value).startswith("D2")]
    assert ws[f"F{d2}"].value == 1  # 扣1分 is written 1, as the standard states it
    assert f"-F{d2}" in ws[f"F{row_labelled(ws, '总分')}"].value
    assert "填正数" in ws[f"D{d2}"].value


@pytest.mark.parametrize("note", ['=HYPERLINK("http://example.invalid/x","点此查看")',
                                  "+1+1", "@SUM(1)", "-2+3"])
def test_a_note_is_text_never_a_formula(workspace, note):
    edit_manifest(workspace, claims={"1.1.3": {"points": 1, "note": note}})
    path = write_sheet(load_project(workspace))
    ws = openpyxl.load_workbook(path).active
    cell = ws.cell(rows_by_code(ws)["1.1.3"], 9)
    assert cell.value == note and cell.data_type == "s"
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert not re.search(r"<f>[^<]*(HYPERLINK|@SUM|1\+1)", xml)


def test_a_control_character_pasted_from_word_does_not_break_the_sheet(workspace):
    edit_manifest(workspace, claims={"1.1.3": {"points": 1, "note": "已制定\x0b决议清单\x07"}})
    ws = openpyxl.load_workbook(write_sheet(load_project(workspace))).active
    assert ws.cell(rows_by_code(ws)["1.1.3"], 9).value == "已制定决议清单"


# -- safe imports ------------------------------------------------------------------------------


def test_sheet_of_another_year_is_refused_and_the_manifest_untouched(workspace):
    from dossier.workspace import init_workspace

    init_workspace(workspace, 2023, "泉州市示例县生态环境保护综合行政执法大队")
    made = run_dossier("-C", str(workspace), "sheet", "--year", "2023")
    assert made.exit_code == 0, made.stderr
    other = workspace / "build" / "2023" / "自评得分表.xlsx"
    before = manifest_path(workspace).read_bytes()
    result = run_dossier("-C", str(workspace), "sheet", "--year", "2022", "--import", str(other))
    assert result.exit_code == 3
    assert "这是2023年度的得分表，不是2022年度的" in result.stderr and "清单未改动" in result.stderr
    assert manifest_path(workspace).read_bytes() == before
    assert not (workspace / "build" / "2022" / "备份").exists()


def test_sheet_of_another_unit_is_refused(workspace, sheet):
    edit_manifest(workspace, unit="泉州市另一县生态环境保护综合行政执法大队")
    before = manifest_path(workspace).read_bytes()
    with pytest.raises(InputError, match="不是“泉州市另一县"):
        import_sheet(load_project(workspace), sheet)
    assert manifest_path(workspace).read_bytes() == before


def test_sheet_whose_title_and_properties_were_removed_is_refused(workspace, sheet, tmp_path):
    book = openpyxl.load_workbook(sheet)
    book.custom_doc_props.props.clear()
    book.active["A1"] = "自评得分表"
    book.save(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="无法确认这份得分表属于哪个单位和年度"):
        import_sheet(load_project(workspace), tmp_path / "x.xlsx")


def test_stale_sheet_is_refused_without_force_then_imported_with_a_backup(workspace, sheet,
                                                                          tmp_path):
    edited = edit_cells(sheet, tmp_path / "科室填好的.xlsx", {("5.1.1", 6): 1})
    # after the export, the office corrects a note in the YAML
    edit_manifest(workspace, claims={"1.1.1": {"points": 1, "note": "已健全党支部委员会，换届1次"}})
    before = manifest_path(workspace).read_bytes()
    result = run_dossier("-C", str(workspace), "sheet", "--import", str(edited))
    assert result.exit_code == 3
    assert "在清单最近一次修改之前导出" in result.stderr and "--force" in result.stderr
    assert "1.1.1：自评说明 已健全党支部委员会，换届1次 → 已健全党支部委员会" in result.stderr
    assert manifest_path(workspace).read_bytes() == before

    forced = run_dossier("-C", str(workspace), "sheet", "--import", str(edited), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "5.1.1：自评得分 空 → 1" in forced.stdout
    [backup] = (workspace / "build" / "2022" / "备份").glob("2022（导入前*）.yaml")
    assert backup.read_bytes() == before and backup.name in forced.stderr
    assert load_project(workspace).manifest.claims["5.1.1"].points == 1


def test_a_fresh_sheet_imports_without_force_and_backs_up_the_manifest(workspace, sheet, tmp_path):
    before = manifest_path(workspace).read_bytes()
    edited = edit_cells(sheet, tmp_path / "x.xlsx", {("5.1.1", 6): 1})
    result = import_sheet(load_project(workspace), edited)
    assert [str(c) for c in result.changes] == ["5.1.1：自评得分 空 → 1"]
    assert result.backup.parent == workspace / "build" / "2022" / "备份"
    assert result.backup.read_bytes() == before


def test_points_written_with_fen_are_read_and_a_bad_cell_is_reported_once(workspace, sheet,
                                                                         tmp_path):
    edited = edit_cells(sheet, tmp_path / "x.xlsx", {("9.2.2", 6): "0.5分"})
    assert [str(c) for c in import_sheet(load_project(workspace), edited).changes] == [
        "9.2.2：自评得分 空 → 0.5"]
    bad = edit_cells(sheet, tmp_path / "y.xlsx", {("9.2.2", 6): "半分"})
    with pytest.raises(InputError) as err:
        import_sheet(load_project(workspace), bad)
    assert "得分表有 1 处错误" in str(err.value) and "找不到" not in str(err.value)


# -- the judge pack asks ---------------------------------------------------------------------


def test_a_hand_edited_sheet_that_differs_from_the_manifest_is_a_blocking_finding(workspace,
                                                                                    sheet):
    from dossier.sheetimport import sheet_findings

    assert sheet_findings(load_project(workspace)) == []
    edit_cells(sheet, sheet, {("1.1.1", 6): 0.5, ("1.1.3", 9): "已制定清单"})
    [finding] = sheet_findings(load_project(workspace))
    assert finding.severity == "error" and finding.path == "build/2022/自评得分表.xlsx"
    assert "1.1.1 自评得分：清单 1，表中 0.5" in finding.message
    assert "1.1.3 自评说明：清单“”，表中“已制定清单”" in finding.message
    assert "dossier sheet --import build/2022/自评得分表.xlsx" in finding.message
    import_sheet(load_project(workspace), sheet)
    assert sheet_findings(load_project(workspace)) == []


def test_sheet_uses_the_glossary_words_only(workspace, sheet):
    from dossier.outputs import AVOID

    ws = openpyxl.load_workbook(sheet).active
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert [word for word in AVOID if word in text] == []
    assert "基本分合计" in text and "自评得分表" in text
