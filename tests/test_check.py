"""``dossier check``: findings, severities, departments and exit codes on real bad files.

Each workspace is made by ``init`` in tmp_path; the manifest is written per test and
the evidence files are made with the real libraries (tests/factories.py). The CLI
runs in-process through ``dossier.cli.main`` (SystemExit carries the exit code).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dossier.check import run_check
from dossier.cli import main
from dossier.names import years_in_name
from dossier.project import load_project
from tests import factories
from tests.conftest import REPO, UNIT, finished_report_yaml, tree_snapshot

EV = "evidence/2022"
T11 = "1.1 党组织建设"
C111 = f"{T11}/1.1.1 健全党支部委员会"
C112 = f"{T11}/1.1.2 年度党建和学习计划"
C113 = f"{T11}/1.1.3 集体决策制度"
T12 = "1.2 党建与业务工作深度融合"
C121 = f"{T12}/1.2.1 教育专题党课"


def write_manifest(root: Path, body: str = "") -> Path:
    path = root / "manifests" / "2022.yaml"
    report = "" if "report:" in body else finished_report_yaml()  # drafts would block
    path.write_text(f"unit: {UNIT}\nyear: 2022\n{body}{report}", encoding="utf-8")
    return path


def check(root: Path, *args: str, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["-C", str(root), "check", *args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def check_json(root: Path, capsys, *args: str) -> tuple[int, dict]:
    code, out, _ = check(root, "--format", "json", *args, capsys=capsys)
    return code, json.loads(out)


def found(data: dict, kind: str, path: str | None = None) -> list[dict]:
    return [f for f in data["findings"] if f["kind"] == kind and (path is None or f["path"] == path)]


@pytest.fixture
def bad_workspace(empty_workspace: Path) -> Path:
    """Every kind of bad file the brief names, in a 2022 workspace."""
    ev = empty_workspace / EV
    write_manifest(empty_workspace, 'claims:\n  "1.1.1": 1\n  "1.1.2": 1\n  "1.1.3": 1\n'
                                    '  "1.2.1": 0.5\n  "1.2.2": 0\n')
    factories.truncated_pdf(ev / C112 / "截断的会议记录.pdf")
    factories.encrypted_pdf(ev / C112 / "加密的学习计划.pdf")
    factories.empty_file(ev / C113 / "空文件.pdf")
    factories.corrupt_jpeg(ev / C113 / "损坏的照片.jpg")
    os.symlink("/etc/passwd", ev / C113 / "passwd.txt")
    factories.pdf(ev / C121 / "党课记录.pdf")
    shutil.copy(ev / C121 / "党课记录.pdf", ev / C113 / "党课记录副本.pdf")
    (ev / C121 / "~$党课记录.docx").write_bytes(b"lock")
    factories.pdf(ev / C121 / "2021年度计划.pdf")
    return empty_workspace


def test_bad_files_each_get_their_finding_and_block(bad_workspace, capsys):
    code, data = check_json(bad_workspace, capsys)
    assert code == 1 and data["complete"] is False
    sev = {(f["kind"], f["path"]): f["severity"] for f in data["findings"]}
    assert sev[("corrupt", f"{C112}/截断的会议记录.pdf")] == "error"
    assert sev[("encrypted", f"{C112}/加密的学习计划.pdf")] == "error"
    assert sev[("empty", f"{C113}/空文件.pdf")] == "error"
    assert sev[("corrupt", f"{C113}/损坏的照片.jpg")] == "error"
    assert sev[("link_outside", f"{C113}/passwd.txt")] == "error"
    assert sev[("date_out_of_year", f"{C121}/2021年度计划.pdf")] == "warning"
    assert sev[("claimed_without_evidence", C111)] == "error"
    dup = found(data, "duplicate")
    assert len(dup) == 1 and dup[0]["severity"] == "warning"
    assert f"{C121}/党课记录.pdf" in dup[0]["message"] and f"{C113}/党课记录副本.pdf" in dup[0]["message"]
    ignored = found(data, "ignored")
    assert len(ignored) == 1 and ignored[0]["severity"] == "info" and "1 个" in ignored[0]["message"]
    assert not any("~$" in rel for c in data["criteria"] for rel in c["files"])
    assert not any("passwd" in rel for c in data["criteria"] for rel in c["files"])


def test_messages_are_chinese_and_name_the_department(bad_workspace, capsys):
    _, data = check_json(bad_workspace, capsys)
    enc = found(data, "encrypted")[0]
    assert enc["code"] == "1.1.2" and enc["department"] == "机关党委、第四党支部"
    assert "密码" in enc["message"] and "另存为" in enc["message"]
    missing = found(data, "claimed_without_evidence")[0]
    assert "1 分" in missing["message"] and C111 in missing["message"]


def test_json_has_exactly_the_design_keys(bad_workspace, capsys):
    _, data = check_json(bad_workspace, capsys)
    assert set(data) == {"complete", "criteria", "findings"}
    assert len(data["criteria"]) == 78
    assert all(set(c) == {"code", "status", "files"} for c in data["criteria"])
    assert all(set(f) == {"severity", "kind", "code", "path", "message", "department"}
               for f in data["findings"])
    status = {c["code"]: c for c in data["criteria"]}
    assert status["1.1.1"]["status"] == "missing"
    assert status["1.1.2"]["status"] == "missing"  # only an encrypted and a corrupt file
    assert status["1.2.1"]["status"] == "ok"
    assert status["1.2.2"]["status"] == "not_claimed"
    assert status["1.1.2"]["files"] == [f"{C112}/加密的学习计划.pdf", f"{C112}/截断的会议记录.pdf"]


def test_check_leaves_the_evidence_tree_byte_identical(bad_workspace, capsys):
    before = tree_snapshot(bad_workspace / EV)
    listing = sorted(os.walk(bad_workspace / EV))
    for fmt in ("text", "json", "html"):
        check(bad_workspace, "--format", fmt, capsys=capsys)
    assert tree_snapshot(bad_workspace / EV) == before
    assert sorted(os.walk(bad_workspace / EV)) == listing


def test_claimed_zero_with_evidence_warns_and_unclaimed_empty_is_info(empty_workspace, capsys):
    ev = empty_workspace / EV
    write_manifest(empty_workspace, 'claims:\n  "1.1.1": 0\n  "1.1.2": {points: 1, note: 有}\n')
    factories.pdf(ev / C111 / "名单.pdf")
    factories.pdf(ev / C112 / "计划.pdf")
    code, data = check_json(empty_workspace, capsys)
    assert code == 0 and data["complete"] is True
    assert found(data, "evidence_not_claimed")[0]["severity"] == "warning"
    not_filled = {f["code"] for f in found(data, "not_filled")}
    assert "1.1.3" in not_filled and "1.1.1" not in not_filled and "1.1.2" not in not_filled
    assert all(f["severity"] == "info" for f in found(data, "not_filled"))
    assert check(empty_workspace, "--strict", capsys=capsys)[0] == 1


def test_folder_problems(empty_workspace, capsys):
    ev = empty_workspace / EV
    write_manifest(empty_workspace)
    factories.pdf(ev / T11 / "直接放在三级指标下.pdf")
    (ev / "99.1 不存在的指标").mkdir()
    factories.text_file(ev / "99.1 不存在的指标" / "a.txt")
    factories.text_file(ev / "随手放的.txt")
    factories.fake_video(ev / C111 / "执法记录.mp4")
    _, data = check_json(empty_workspace, capsys)
    unassigned = found(data, "unassigned", f"{T11}/直接放在三级指标下.pdf")[0]
    assert unassigned["severity"] == "warning" and unassigned["department"] == "机关党委、第四党支部"
    unknown = found(data, "unknown_folder", "99.1 不存在的指标")[0]
    assert unknown["severity"] == "error" and "1 个文件" in unknown["message"]
    assert found(data, "outside", "随手放的.txt")[0]["severity"] == "warning"
    assert not found(data, "outside", "99.1 不存在的指标/a.txt")  # the folder error covers it
    assert found(data, "archive_only", f"{C111}/执法记录.mp4")[0]["severity"] == "warning"


def test_large_file_warns(empty_workspace, capsys):
    write_manifest(empty_workspace)
    big = factories.pdf(empty_workspace / EV / C111 / "扫描件.pdf")
    with open(big, "ab") as fh:  # a PDF with 51 MB of trailing padding still opens
        fh.truncate(51 * 1024 * 1024)
    _, data = check_json(empty_workspace, capsys)
    assert found(data, "large_file")[0]["severity"] == "warning"


def test_facts_decide_missing_evidence_is_a_warning(empty_workspace, capsys):
    write_manifest(empty_workspace, 'claims:\n  "13.1.1": 26.25\n  "9.5.3": 0.5\n'
                                    "facts:\n  efficiency_score: 87.5\n")
    code, data = check_json(empty_workspace, capsys)
    assert found(data, "facts_without_evidence")[0]["code"] == "13.1.1"
    assert found(data, "facts_without_evidence")[0]["severity"] == "warning"
    blocking = [f["code"] for f in data["findings"] if f["severity"] == "error"]
    assert blocking == ["9.5.3"] and code == 1  # grid_leads not given: a claim like any other


def test_manifest_override_outside_the_tree_is_refused(empty_workspace, capsys):
    write_manifest(empty_workspace, 'evidence:\n  "1.1.1":\n    - {file: ../../../etc/passwd}\n')
    code, data = check_json(empty_workspace, capsys)
    refused = found(data, "override_outside")[0]
    assert refused["severity"] == "error" and "清单第 5 行" in refused["message"]
    assert code == 1


def test_override_puts_a_file_from_elsewhere_under_its_criterion(empty_workspace, capsys):
    write_manifest(empty_workspace, 'claims:\n  "1.1.1": 1\nevidence:\n  "1.1.1":\n'
                                    "    - {file: 党建/名单.pdf, title: 支部委员会名单}\n")
    (empty_workspace / EV / "党建").mkdir()
    factories.pdf(empty_workspace / EV / "党建" / "名单.pdf")
    code, data = check_json(empty_workspace, capsys)
    assert code == 0
    assert data["criteria"][0]["files"] == ["党建/名单.pdf"]
    assert not found(data, "outside")


@pytest.mark.parametrize("body, line", [
    ('claims:\n  "1.1.1": 1\n  "1.1.2": 1: 2\n', 5),     # YAML syntax
    ('claims:\n  "1.1.1": 1\n  "99.9.9": 1\n', 5),       # unknown code
    ('evidence:\n  "1.1.1":\n    - {file: 没有这个文件.pdf}\n', 5),  # override file missing
])
def test_bad_manifest_exits_3_naming_the_line(empty_workspace, capsys, body, line):
    write_manifest(empty_workspace, body)
    code, out, err = check(empty_workspace, capsys=capsys)
    assert code == 3 and out == ""
    assert "2022.yaml" in err and f"第{line}行" in err and "Traceback" not in err


def test_text_report_summarises_and_lists_blocking_first(bad_workspace, capsys):
    code, out, _ = check(bad_workspace, capsys=capsys)
    assert code == 1
    assert "\x1b[" not in out  # no colour codes when not a terminal
    assert "1 机构职能规范化" in out and "█" in out
    assert out.index("阻断问题") < out.index("警告（建议处理）") < out.index("提示")
    assert "passwd.txt" in out and "结论：有" in out


def test_text_by_department_lists_a_criterion_under_each_department(empty_workspace, capsys):
    write_manifest(empty_workspace, 'claims:\n  "3.1.1": 1.5\n')  # 执法大队、办公室、信息中心
    code, out, _ = check(empty_workspace, "--by", "department", capsys=capsys)
    assert code == 1
    for dept in ("【执法大队】", "【办公室】", "【信息中心】"):
        section = out.split(dept, 1)[1].split("【", 1)[0]
        assert "3.1.1 执法执勤专用车：自评 1.5 分" in section


def test_clean_workspace_exits_0_even_strict(empty_workspace, capsys):
    codes = [c.code for c in load_project(empty_workspace).standard.criteria()]
    write_manifest(empty_workspace, "claims:\n" + "".join(f'  "{c}": 0\n' for c in codes))
    assert check(empty_workspace, "--strict", capsys=capsys)[0] == 0
    report = run_check(load_project(empty_workspace))
    assert report.complete and not report.findings
    assert {c.status for c in report.criteria} == {"not_claimed"}


@pytest.mark.parametrize("name, years", [
    ("2021年度计划.pdf", {2021}),
    ("关于2022年对2021年问题整改的报告.docx", {2021, 2022}),
    ("会议纪要20210315.pdf", {2021}),
    ("检查记录2021-03-15.jpg", {2021}),
    ("检查记录2021.3.15.jpg", {2021}),
    ("罚款10000元.pdf", set()),
    ("编号20211345.pdf", set()),  # month 13: not a date
    ("IMG_20220105_101010.jpg", {2022}),
    ("案号No.20211.pdf", set()),
    ("2021版制度汇编.pdf", set()),
])
def test_name_years(name, years):
    assert years_in_name(name) == years


def test_name_of_the_year_itself_is_not_out_of_year(empty_workspace, capsys):
    write_manifest(empty_workspace)
    factories.pdf(empty_workspace / EV / C111 / "关于2022年对2021年问题整改的报告.pdf")
    factories.pdf(empty_workspace / EV / C111 / "2023年1月5日 总结.pdf", text="other")
    _, data = check_json(empty_workspace, capsys)
    assert [f["path"] for f in found(data, "date_out_of_year")] == [f"{C111}/2023年1月5日 总结.pdf"]


DEMO = REPO / "devtools" / "make_demo.py"


@pytest.mark.slow
def test_demo_reports_exactly_the_deliberately_missing_criteria(tmp_path, capsys):
    from devtools.make_demo import DELIBERATELY_MISSING, build

    root = tmp_path / "demo"
    build(root)
    code, data = check_json(root, capsys)
    without_files = {c["code"] for c in data["criteria"] if not c["files"]}
    assert without_files == set(DELIBERATELY_MISSING)
    blocking = {f["code"] for f in found(data, "claimed_without_evidence")}
    assert blocking == {c for c, pts in DELIBERATELY_MISSING.items() if pts > 0}
    status = {c["code"]: c["status"] for c in data["criteria"]}
    assert all(status[c] == "not_claimed" for c, pts in DELIBERATELY_MISSING.items() if pts == 0)
    assert code == 1


def test_file_name_not_in_utf8_is_an_error_finding_not_a_crash(tmp_path):
    from dossier.workspace import init_workspace

    root = tmp_path / "ws"
    init_workspace(root, 2022, "测试单位")
    folder = next((root / "evidence" / "2022").glob("1.1 */1.1.1 *"))
    name = os.fsencode(folder) + b"/" + "照片".encode("gbk") + b".jpg"
    with open(name, "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0 not really")
    result = subprocess.run([sys.executable, "-m", "dossier", "-C", str(root), "check",
                             "--format", "json"], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    [bad] = [f for f in data["findings"] if f["kind"] == "bad_name"]
    assert bad["severity"] == "error" and "照片" in bad["path"] and "UTF-8" in bad["message"]


def test_missing_evidence_folder_is_named_once(tmp_path):
    from dossier.workspace import init_workspace

    root = tmp_path / "ws"
    init_workspace(root, 2022, "测试单位")
    shutil.rmtree(root / "evidence")
    result = subprocess.run([sys.executable, "-m", "dossier", "-C", str(root), "check",
                             "--format", "json"], capture_output=True, text=True)
    data = json.loads(result.stdout)
    [missing] = [f for f in data["findings"] if f["kind"] == "evidence_missing"]
    assert missing["severity"] == "error" and "dossier init" in missing["message"]


def test_files_that_cannot_be_used_never_make_a_criterion_have_evidence(bad_workspace, capsys):
    """1.1.2 holds only an encrypted and a corrupt PDF: 缺材料 in JSON, text and HTML, at risk."""
    _, data = check_json(bad_workspace, capsys)
    status = {c["code"]: c["status"] for c in data["criteria"]}
    assert status["1.1.2"] == "missing" and status["1.1.3"] == "ok"  # 1.1.3 has one good copy
    at_risk = {f["code"]: f for f in found(data, "claimed_without_evidence")}
    assert "1.1.2" in at_risk and "1.1.3" not in at_risk
    assert "其中 2 个文件无法使用" in at_risk["1.1.2"]["message"]
    from dossier.project import load_project
    from dossier.score import compute_score

    score = compute_score(load_project(bad_workspace))
    assert not score.criterion("1.1.2").supported and score.criterion("1.1.3").supported
    assert score.criterion("1.1.2").evidence == 0
    check(bad_workspace, "--format", "html", capsys=capsys)
    page = (bad_workspace / "build" / "2022" / "检查报告.html").read_text(encoding="utf-8")
    rows = dict(re.findall(r'<tr><td>([\d.]+)</td>.*?<td class="status st-\w+">([^<]+)</td>',
                           page, flags=re.S))
    assert rows["1.1.2"] == "缺材料" and rows["1.1.3"] == rows["1.2.1"] == "有材料"
