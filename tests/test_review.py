"""``dossier review`` end to end: real county workspaces, packed by ``dossier pack``, taken in,
scored through the reviewer's sheet, ranked, published and compared with the next year.

Figures by hand (points from the standard: 3.1.1 = 1.5, 5.3.3 = 1, 9.4.2 = 0.5,
6.5.1 = 1, 13.1.1 = 30):

- 甲县 claims everything but 3.1.1 = 1 (not 配齐), B2 +1 (no evidence), D2 one city 约谈 −1:
  99.5. The reviewer gives 3.1.1 0.5 (现场检查) and enters 37 一线 of 48 staff (77 % < 80 %):
  6.5.1 → 0; B2 untouched without evidence → 0. Verified 100 − 1 − 1 + 0 − 1 = 97 →
  规范化示范单位 (待省级复核确认).
- 乙县 claims 13.1.1 = 6, everything else full, but 5.3.3 and 9.4.2 have no evidence
  (packed with --force): claimed 76; untouched, the two default to 0 (无佐证材料): 74.5 → 未达标.
- 丙县 claims 13.1.1 = 15: 85; its first archive is tampered (退回), the resubmission is
  taken; the reviewer enters efficiency_score 40 → 13.1.1 = 12: 82 → 规范化单位.
Ranking 甲 97, 丙 82, 乙 74.5. In 2024 乙 claims everything (100, enters the list), 丙
claims 13.1.1 = 24 (94, rises) and 甲 does not submit (leaves the list).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from dossier.standard import load_standard
from tests.conftest import FINISHED_REPORT, run_dossier
from tests.test_report import A4_TWIPS, MARGINS, _footer_parts, _style_font

CITY = "泉州市生态环境局"
A, B, C = (f"泉州市{n}县生态环境保护综合行政执法大队" for n in "甲乙丙")


def make_county(root: Path, unit: str, year: int, points: dict[str, float] | None = None, *,
                no_evidence: tuple[str, ...] = (), notes: dict[str, str] | None = None,
                extra: tuple[str, ...] = ()) -> Path:
    """A county workspace: every criterion claimed (full unless ``points``), one file each."""
    standard = load_standard()
    points, notes = points or {}, notes or {}
    lines = ["standard: fujian-county-2021", f"unit: {unit}", f"year: {year}",
             f"date: {year}-12-05", "claims:"]
    for c in standard.criteria():
        value = points.get(c.code, c.points)
        note = f", note: {notes[c.code]}" if c.code in notes else ""
        lines.append(f'  "{c.code}": {{points: {value}{note}}}')
        if value and c.code not in no_evidence:
            folder = root / "evidence" / str(year) / c.tertiary_code / c.code
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{c.code} 材料.txt").write_text(f"{unit}\n{c.text}\n", encoding="utf-8")
    lines += list(extra)
    lines.append("report:")  # written by staff: nothing drafted, so pack does not refuse
    lines += [f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in FINISHED_REPORT.items()]
    (root / "manifests").mkdir(parents=True, exist_ok=True)
    (root / "manifests" / f"{year}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def pack(root: Path, *args: str) -> Path:
    result = run_dossier("-C", str(root), "pack", *args)
    assert result.exit_code == 0, result.stderr
    archive = Path(result.stdout.splitlines()[0])  # then its SM3 and the 报送单 that names it
    assert archive.suffix == ".zip", result.stdout
    return archive


def tamper(src: Path, dst: Path) -> None:
    """Change one original inside the bag (its checksum no longer holds)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if "/data/原件/1.1.1-01" in info.filename:
                data += b"tampered"
            zout.writestr(info, data)


def fill(sheet: Path, rows: dict[str, tuple], data: dict[str, object]) -> Path:
    """Type the reviewer's columns (复核得分, 依据, 扣分理由) and sheet-2 values."""
    book = openpyxl.load_workbook(sheet)
    ws, ds = book["复核评分表"], book["系统数据与加扣分"]
    for r in range(5, ws.max_row + 1):
        code = ws.cell(r, 1).value
        if code in rows:
            for col, value in zip((9, 10, 11), rows[code], strict=False):
                ws.cell(r, col).value = value
    for r in range(2, ds.max_row + 1):
        if ds.cell(r, 1).value in data:
            ds.cell(r, 4).value = data[ds.cell(r, 1).value]
    out = sheet.parent / ("filled-" + sheet.name)
    book.save(out)
    return out


def review(root: Path, *args: str):
    return run_dossier("-C", str(root), "review", *args)


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    """The three counties' 2023 archives, made by the real ``dossier pack`` (slow: once)."""
    base = tmp_path_factory.mktemp("counties")
    a = make_county(base / "a", A, 2023, {"3.1.1": 1}, notes={"3.1.1": "执法执勤专用车尚未配齐"},
                    extra=("bonus:", "  B2: true", "deductions:", "  D2: {provincial: 0, city: 1}"))
    b = make_county(base / "b", B, 2023, {"13.1.1": 6}, no_evidence=("5.3.3", "9.4.2"))
    c = make_county(base / "c", C, 2023, {"13.1.1": 15})
    refused = run_dossier("-C", str(b), "pack")
    assert refused.exit_code == 1 and "5.3.3" in refused.stderr  # missing evidence blocks
    paths = {"a": pack(a, "--force"), "b": pack(b, "--force"), "c": pack(c)}  # 甲: B2 unproven
    paths["c_tampered"] = base / "丙县-篡改.zip"
    tamper(paths["c"], paths["c_tampered"])
    return paths


@pytest.fixture(scope="module")
def flow(archives, tmp_path_factory):
    """The 2023 review through the CLI; every step's result kept for the tests below."""
    root = tmp_path_factory.mktemp("city")
    steps = {"init": review(root, "init", "--year", "2023", "--reviewer", CITY,
                            "--county", A, "--county", B, "--county", C,
                            "--doc-prefix", "泉环执")}
    steps["status_before"] = review(root, "status", "--format", "json")
    steps["add"] = review(root, "add", str(archives["a"]), str(archives["b"]),
                          str(archives["c_tampered"]), "--by", "李四")
    steps["status_after_add"] = review(root, "status", "--format", "json")
    steps["resubmit"] = review(root, "add", str(archives["c"]), "--by", "李四")
    steps["sheet"] = review(root, "sheet")
    sheets = root / "2023" / "复核表"
    steps["bad_import"] = review(root, "import", str(fill(
        sheets / f"{A}-2023-复核评分表.xlsx",
        {"3.1.1": (2, "电话", None), "5.3.3": (0.5, "书面材料", None)},
        {"facts.frontline_staff": 50, "facts.staff_total": 48})), "--by", "张三")
    steps["history_after_bad"] = review(root, "history", "--format", "json")
    steps["import_a"] = review(root, "import", str(fill(
        sheets / f"{A}-2023-复核评分表.xlsx",
        {"3.1.1": (0.5, "现场检查", "执法执勤专用车仅配备1辆，未配齐")},
        {"facts.frontline_staff": 37, "facts.staff_total": 48})), "--by", "张三")
    steps["publish_early"] = review(root, "publish", "--by", "张三")
    steps["import_b"] = review(root, "import", str(sheets / f"{B}-2023-复核评分表.xlsx"),
                               "--by", "王五")
    steps["import_c"] = review(root, "import", str(fill(
        sheets / f"{C}-2023-复核评分表.xlsx", {}, {"facts.efficiency_score": 40})), "--by", "王五")
    steps["results"] = review(root, "results", "--format", "json")
    steps["publish"] = review(root, "publish", "--by", "张三")
    steps["import_after"] = review(root, "import", str(sheets / f"{B}-2023-复核评分表.xlsx"))
    steps["add_after"] = review(root, "add", str(archives["c"]))
    steps["status_final"] = review(root, "status", "--format", "json")
    steps["history"] = review(root, "history", "--format", "json")
    return root, steps


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _county(data: dict, unit: str) -> dict:
    return next(c for c in data["counties"] if c["unit"] == unit)


@pytest.mark.slow
def test_tampered_archive_is_returned_with_the_reason_and_the_resubmission_supersedes_it(flow):
    root, steps = flow
    assert steps["init"].exit_code == 0, steps["init"].stderr
    assert {c["status"] for c in _json(steps["status_before"])["counties"]} == {"未收到"}
    add = steps["add"]
    assert add.exit_code == 1  # one archive was 退回
    assert f"退回：{C}" in add.stdout and "1.1.1-01" in add.stdout
    assert f"受理：{A}" in add.stdout and f"受理：{B}" in add.stdout
    assert "接收归档包" in add.stderr  # progress on stderr
    status = _json(steps["status_after_add"])
    assert _county(status, C)["status"] == "退回"
    assert any("1.1.1-01" in r for r in _county(status, C)["reasons"])
    assert _county(status, A)["status"] == "复核中"
    assert steps["resubmit"].exit_code == 0 and "替换此前报送的归档包" in steps["resubmit"].stdout
    # The accepted archive is extracted read-only; the register keeps both submissions.
    extracted = [p for p in (root / "2023" / "归档包").rglob("清单.json")]
    assert len(extracted) == 3 and all(not (p.stat().st_mode & 0o222) for p in extracted)
    db = sqlite3.connect(root / "2023" / "复核登记.sqlite")
    rows = db.execute("SELECT accepted FROM archives a JOIN counties c ON c.id = a.county_id "
                      "WHERE c.unit = ? ORDER BY a.id", (C,)).fetchall()
    assert rows == [(0,), (1,)]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # 甲县's bonus and deductions come from 清单.json's manifest, as its clerk entered them.
    data = json.loads(db.execute("SELECT a.data FROM archives a JOIN counties c ON "
                                 "c.id = a.county_id WHERE c.unit = ?", (A,)).fetchone()[0])
    assert data["bonus"] == {"B2": True} and data["deductions"] == {"D2": {"provincial": 0,
                                                                          "city": 1}}


@pytest.mark.slow
def test_the_sheet_shows_claims_pages_and_the_no_evidence_default(flow):
    root, steps = flow
    assert steps["sheet"].exit_code == 0, steps["sheet"].stderr
    book = openpyxl.load_workbook(root / "2023" / "复核表" / f"{B}-2023-复核评分表.xlsx")
    ws = book["复核评分表"]
    assert (ws["B2"].value, ws["D2"].value, ws["F2"].value) == (B, 2023, CITY)
    assert "无佐证材料" in ws["A3"].value
    rows = {ws.cell(r, 1).value: [c.value for c in ws[r]] for r in range(5, ws.max_row + 1)}
    assert rows["5.3.3"][3] == 1 and rows["5.3.3"][5] == 0 and rows["5.3.3"][7] == "0（无佐证材料）"
    assert rows["1.1.1"][5] == 1 and re.fullmatch(r"\d+(–\d+)?", rows["1.1.1"][6])
    assert rows["13.1.1"][3] == 6
    assert set(rows) >= {"B1", "B2", "D1", "D2"}
    keys = [book["系统数据与加扣分"].cell(r, 1).value for r in range(2, 30)]
    assert "facts.frontline_staff" in keys and "B1.provincial_individuals" in keys


@pytest.mark.slow
def test_a_wrong_sheet_lists_every_bad_cell_and_changes_nothing(flow):
    _, steps = flow
    bad = steps["bad_import"]
    assert bad.exit_code == 3
    assert "4 处错误" in bad.stderr and "登记簿未改动" in bad.stderr
    assert "3.1.1 的复核得分 2 超过该项满分 1.5 分" in bad.stderr
    assert "依据“电话”不在可选范围内" in bad.stderr
    assert "5.3.3 复核得分 0.5 低于自评得分 1，请填写扣分理由" in bad.stderr
    assert "frontline_staff" in bad.stderr and "系统数据与加扣分!D" in bad.stderr
    assert "Traceback" not in bad.stderr
    history = json.loads(steps["history_after_bad"].stdout)
    assert not [h for h in history if h["action"] in ("复核", "系统数据", "导入复核评分表")]


@pytest.mark.slow
def test_totals_grades_ranking_and_list_match_the_hand_computed_figures(flow):
    _, steps = flow
    assert steps["publish_early"].exit_code == 1 and B in steps["publish_early"].stderr
    data = _json(steps["results"])
    a, b, c = (_county(data, u) for u in (A, B, C))
    assert (a["claimed"], a["verified"], a["grade"], a["rank"]) == ("99.5", "97", "规范化示范单位", 1)
    assert (a["bonus"], a["deductions"]) == ("0", "1")
    assert (c["claimed"], c["verified"], c["grade"], c["rank"]) == ("85", "82", "规范化单位", 2)
    assert (b["claimed"], b["verified"], b["grade"], b["rank"]) == ("76", "74.5", "未达标", 3)
    assert {x["code"]: (x["verified"], x["reason"]) for x in b["changes"]} == {
        "5.3.3": ("0", "无佐证材料"), "9.4.2": ("0", "无佐证材料")}
    changes = {x["code"]: x for x in a["changes"]}
    assert changes["3.1.1"]["basis"] == "现场检查" and changes["3.1.1"]["verified"] == "0.5"
    assert changes["6.5.1"]["basis"] == "系统数据" and "37/48" in changes["6.5.1"]["reason"]
    assert (changes["B2"]["claimed"], changes["B2"]["verified"], changes["B2"]["reason"]) == (
        "1", "0", "无佐证材料")
    assert set(changes) == {"3.1.1", "6.5.1", "B2"}
    primary = {lv["code"]: lv for lv in a["levels"] if lv["level"] == "一级"}
    assert (primary["2"]["claimed"], primary["2"]["verified"]) == ("11.5", "11")
    tertiary = {lv["code"]: lv for lv in c["levels"] if lv["level"] == "三级"}
    assert (tertiary["13.1"]["claimed"], tertiary["13.1"]["verified"]) == ("15", "12")
    assert [(x["rank"], x["unit"]) for x in data["ranking"]] == [(1, A), (2, C), (3, B)]
    assert data["list"] == [
        {"unit": A, "list": "年度规范化示范单位", "verified": "97", "note": "待省级复核确认"},
        {"unit": C, "list": "年度规范化单位", "verified": "82", "note": ""}]


@pytest.mark.slow
def test_publish_locks_the_year_and_the_history_lists_every_change(flow):
    root, steps = flow
    assert steps["publish"].exit_code == 0, steps["publish"].stderr
    digest = re.search(r"SHA-256：([0-9a-f]{64})", steps["publish"].stdout).group(1)
    for refused in (steps["import_after"], steps["add_after"]):
        assert refused.exit_code == 3 and "已发布" in refused.stderr and "Traceback" not in refused.stderr
    assert {c["status"] for c in _json(steps["status_final"])["counties"]} == {"已发布"}
    out = root / "2023" / "复核结果"
    assert (out / "2023年度规范化建设单位名单.pdf").is_file()
    history = _json(steps["history"])
    actions = [(h["county"], h["action"]) for h in history]
    assert actions.count((C, "退回")) == 1 and actions.count((C, "受理")) == 1
    assert (A, "受理") in actions and (B, "受理") in actions
    entered = {(h["county"], h["what"].split()[0]) for h in history if h["action"] == "复核"}
    assert entered == {(A, "3.1.1")}
    facts = sorted(h["what"] for h in history if h["action"] == "系统数据")
    assert facts == ["facts.efficiency_score 空 → 40", "facts.frontline_staff 空 → 37",
                     "facts.staff_total 空 → 48"]
    assert all(h["who"] for h in history)
    who = {h["action"]: h["who"] for h in history}
    assert who["发布"] == "张三" and digest in history[-1]["what"]
    reason = next(h["why"] for h in history if h["action"] == "复核")
    assert reason == "执法执勤专用车仅配备1辆，未配齐"
    # The file itself refuses changes: append-only, and locked after publication.
    db = sqlite3.connect(root / "2023" / "复核登记.sqlite")
    for sql in ("UPDATE history SET why = 'x'", "DELETE FROM entries",
                "INSERT INTO entries (archive_id, code, points, basis, reason, at, who) "
                "VALUES (1, '1.1.1', '0', '', '', '', '')"):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(sql)


@pytest.mark.slow
def test_results_outputs_agree_with_the_figures(flow):
    root, _ = flow
    out = root / "2023" / "复核结果"
    book = openpyxl.load_workbook(out / "2023年度复核结果汇总.xlsx")
    ranking = [[c.value for c in row] for row in book["排名"].iter_rows(min_row=2)]
    assert [(r[0], r[1], r[3]) for r in ranking if r[0]] == [(1, A, 97), (2, C, 82), (3, B, 74.5)]
    annual = [[c.value for c in row] for row in book["年度名单"].iter_rows(min_row=2)]
    assert annual == [["年度规范化示范单位", A, 97, "待省级复核确认"], ["年度规范化单位", C, 82, None]]
    text = "".join(p.extract_text() for p in PdfReader(out / "复核意见" / f"{A}-2023-复核意见.pdf").pages)
    flat = re.sub(r"\s+", "", text)
    assert "复核得分97分" in flat and "执法执勤专用车仅配备1辆，未配齐" in flat
    assert "37/48" in flat and "待省级复核确认" in flat
    report = re.sub(r"\s+", "", "".join(
        p.extract_text() for p in PdfReader(out / "2023年度全市复核评估情况报告.pdf").pages))
    assert "年度规范化示范单位：" + A in report and "退回" in report


@pytest.mark.slow
def test_opinion_docx_passes_the_gbt9704_layout_checks(flow):
    root, _ = flow
    path = root / "2023" / "复核结果" / "复核意见" / f"{A}-2023-复核意见.docx"
    document = docx.Document(str(path))
    section = document.sections[0]
    assert (section.page_width.twips, section.page_height.twips) == A4_TWIPS
    for attr, twips in MARGINS.items():
        assert abs(getattr(section, attr).twips - twips) <= 2, attr
    assert _style_font(document, "Normal") == "仿宋_GB2312"
    assert document.styles["Normal"].font.size.pt == 16
    for style, font in (("公文标题", "方正小标宋简体"), ("一级标题", "黑体")):
        assert _style_font(document, style) == font
    level1 = [p.text for p in document.paragraphs if p.style.name == "一级标题"]
    assert level1 == ["一、复核结果", "二、得分差异及理由", "三、整改要求"]
    assert document.settings.odd_and_even_pages_header_footer
    assert _footer_parts(section.footer) == ("— ", ["PAGE"], " —")
    mark = next(p for p in document.paragraphs if p.style.name == "发文机关标志")
    assert mark.text == CITY + "文件"
    assert str(document.styles["发文机关标志"].font.color.rgb) == "FF0000"
    number = next(p for p in document.paragraphs if "泉环执〔2023〕" in p.text)
    assert "签发人" not in number.text  # a 下行文 has no 签发人
    texts = [p.text for p in document.paragraphs]
    assert texts[texts.index(A + "：") - 2].startswith("规范化建设复核")  # title, blank, 主送
    assert document.paragraphs[texts.index(A + "：")].style.name == "主送机关"
    signature = texts.index(CITY)
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", texts[signature + 1])
    assert document.tables[0].rows[0].cells[4].text == "复核得分"
    pdf = path.with_suffix(".pdf")
    for line in subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]:
        assert line.split()[-5] == "yes", line
    for n, page in enumerate(PdfReader(pdf).pages, start=1):
        assert re.search(rf"—\s*{n}\s*—", page.extract_text())


@pytest.mark.slow
def test_results_are_byte_identical_when_nothing_changed(flow, tmp_path):
    root, _ = flow
    out = root / "2023" / "复核结果"
    files = sorted(p for p in out.rglob("*") if p.suffix in (".docx", ".xlsx", ".pdf"))
    before = {p: p.read_bytes() for p in files}
    again = review(root, "results")
    assert again.exit_code == 0, again.stderr
    assert {p: p.read_bytes() for p in files} == before


@pytest.mark.slow
def test_a_second_year_shows_who_entered_left_rose_and_fell(flow, archives, tmp_path_factory):
    root, _ = flow
    base = tmp_path_factory.mktemp("counties2024")
    b = pack(make_county(base / "b", B, 2024))
    c = pack(make_county(base / "c", C, 2024, {"13.1.1": 24}))
    init = review(root, "init", "--year", "2024", "--reviewer", CITY)
    assert init.exit_code == 0 and "应报送单位 3 个" in init.stdout  # last year's counties
    assert review(root, "add", str(b), str(c)).exit_code == 0
    last_years = review(root, "add", str(archives["a"]))  # 甲县 sends last year's archive
    assert last_years.exit_code == 1 and "归档包是 2023 年度的材料，本次复核的是 2024 年度" in last_years.stdout
    assert review(root, "sheet").exit_code == 0
    for unit in (B, C):
        imported = review(root, "import", str(root / "2024" / "复核表" / f"{unit}-2024-复核评分表.xlsx"))
        assert imported.exit_code == 0, imported.stderr
    data = _json(review(root, "results", "--format", "json"))
    assert data["last_year"] == 2023
    assert data["movements"] == {"entered": [B], "left": [A], "rose": [B, C], "fell": []}
    assert _county(data, C)["last_year"] == {"verified": "82", "rank": 2, "list": "年度规范化单位"}
    assert _county(data, A)["status"] == "退回"
    text = review(root, "results").stdout
    assert "与2023年度比较" in text and f"新进入名单：{B}" in text and f"退出名单：{A}" in text
    # The 2023 year stays as published.
    assert "已发布" in review(root, "status", "--year", "2023").stdout


def test_register_refuses_a_newer_schema_and_never_changes_rows(tmp_path):
    from dossier.errors import InputError
    from dossier.review.register import SCHEMA_VERSION, open_register
    from dossier.review.workspace import init_review

    ws, register = init_review(tmp_path, 2023, CITY, (A,))
    assert register.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with pytest.raises(sqlite3.IntegrityError):
        register.db.execute("UPDATE counties SET unit = 'x'")
    register.close()
    db = sqlite3.connect(ws.register_path)  # as a newer dossier would leave it
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(InputError) as err:
        open_register(ws.register_path)
    assert "请升级 dossier" in err.value.render()


def test_commands_without_a_workspace_say_what_to_do(tmp_path):
    result = review(tmp_path, "status")
    assert result.exit_code == 3
    assert "dossier review init" in result.stderr and "Traceback" not in result.stderr
    shutil.rmtree(tmp_path, ignore_errors=True)
