"""build_all: unchanged outputs are reused, edited outputs are backed up, never lost."""

from __future__ import annotations

import os

import pytest

from dossier.builders import BuildOptions, build_all, output_path
from dossier.progress import QuietProgress
from dossier.project import load_project
from tests import factories
from tests.cases import edit_manifest

from .conftest import as_in_a_terminal, finish_report, run_dossier

pytestmark = pytest.mark.slow
ROLES = ["binder_pdf", "binder_docx", "report", "sheet"]


@pytest.fixture
def workspace(empty_workspace):
    ev = empty_workspace / "evidence" / "2022"
    folder = next(p for p in ev.glob("1.1 */1.1.1 *"))
    factories.pdf(folder / "支部委员会名单.pdf", pages=2)
    factories.jpeg(next(p for p in ev.glob("3.1 */3.1.1 *")) / "执法车.jpg")
    manifest = edit_manifest(empty_workspace, date="2022-12-20",
                             claims={"1.1.1": {"points": 1, "note": "已健全支部委员会"}})
    finish_report(manifest)  # a report with 【待审阅】 markers is not packed
    return empty_workspace


def _build(root, **options):
    return build_all(load_project(root), BuildOptions(**options), progress=QuietProgress())


def _stats(result):
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in result.paths()}


def test_second_build_reuses_every_output_untouched(workspace):
    first = _build(workspace)
    assert first.reused == [] and not first.errors
    before = _stats(first)
    second = _build(workspace)
    assert second.reused == ROLES
    assert _stats(second) == before


def test_a_changed_input_or_rebuild_builds_again(workspace):
    _build(workspace)
    assert _build(workspace, reuse=False).reused == []
    edit_manifest(workspace, claims={"1.1.1": {"points": 1, "note": "已健全支部委员会，召开组织生活会4次"}})
    assert _build(workspace).reused == []
    photo = next((workspace / "evidence" / "2022").rglob("执法车.jpg"))
    factories.jpeg(photo, size=(640, 480))
    result = _build(workspace)
    assert "binder_pdf" not in result.reused and "binder_docx" not in result.reused


def test_deleted_output_is_built_again(workspace):
    _build(workspace)
    sheet = output_path(load_project(workspace), "sheet_xlsx")
    assert sheet.exists()
    sheet.unlink()
    result = _build(workspace)
    assert "sheet" not in result.reused and sheet.exists()


def test_report_edited_in_word_is_backed_up_before_rebuild(workspace):
    _build(workspace)
    report = output_path(load_project(workspace), "report_docx")
    edited = report.read_bytes() + b"staff edits"
    report.write_bytes(edited)
    result = run_dossier("-C", str(workspace), "build", "--rebuild")
    assert result.exit_code == 0, result.stderr
    backups = list((report.parent / "备份").glob("*年度工作进展和总结报告（修改于*）.docx"))
    assert len(backups) == 1 and backups[0].read_bytes() == edited
    assert "已备份" in result.stderr
    assert report.read_bytes() != edited


def test_pack_brings_stale_outputs_up_to_date_first(workspace):
    import hashlib
    import zipfile

    _build(workspace)
    report = output_path(load_project(workspace), "report_docx")
    old = report.read_bytes()
    manifest = workspace / "manifests" / "2022.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "  B2: false", "  B2: true", 1), encoding="utf-8")  # the report states the bonus
    b2 = next((workspace / "evidence" / "2022").glob("B2 *"))
    factories.pdf(b2 / "意外伤害保险保单.pdf")  # a bonus claimed without evidence blocks the pack
    result = run_dossier("-C", str(workspace), "pack")
    assert result.exit_code == 0, result.stderr
    assert report.read_bytes() != old  # rebuilt before packing
    archive = next((workspace / "build" / "2022").glob("*.zip"))
    with zipfile.ZipFile(archive) as z:
        packed = [n for n in z.namelist() if n.endswith("年度工作进展和总结报告.docx")]
        assert len(packed) == 1
        assert hashlib.sha256(z.read(packed[0])).digest() == hashlib.sha256(
            report.read_bytes()).digest()
        # the manifest file itself, with the clerk's comments, never leaves the office
        assert not [n for n in z.namelist() if n.endswith((".yaml", ".yml"))]


def test_pack_ships_the_report_as_edited_in_word(workspace):
    import zipfile

    _build(workspace)
    report = output_path(load_project(workspace), "report_docx")
    import docx

    document = docx.Document(str(report))  # as staff edit it in Word
    document.paragraphs[-1].add_run("（经局务会审定）")
    document.save(str(report))
    edited = report.read_bytes()
    result = run_dossier("-C", str(workspace), "pack")
    assert result.exit_code == 0, result.stderr
    assert report.read_bytes() == edited and not (report.parent / "备份").exists()
    assert "修改后的版本" in result.stderr
    archive = next((workspace / "build" / "2022").glob("*.zip"))
    with zipfile.ZipFile(archive) as z:
        [name] = [n for n in z.namelist() if n.endswith("年度工作进展和总结报告.docx")]
        assert z.read(name) == edited


def test_unwritable_output_fails_that_builder_only_and_spoils_nothing(workspace):
    sheet = output_path(load_project(workspace), "sheet_xlsx")
    sheet.mkdir(parents=True)  # stands for a file Windows keeps locked while Excel has it open
    result = run_dossier("-C", str(workspace), "build")
    assert result.exit_code == 5
    assert "无法写入" in result.stderr and "内部错误" not in result.stderr
    report = output_path(load_project(workspace), "report_docx")
    assert report.exists()  # the other builders ran and were recorded
    sheet.rmdir()
    again = _build(workspace)
    assert not (report.parent / "备份").exists()  # fresh outputs are not mistaken for edits
    assert "report" in again.reused and "sheet" not in again.reused


def test_ctrl_c_exits_130_without_traceback_and_keeps_previous_outputs(workspace):
    import os
    import signal
    import subprocess
    import sys

    _build(workspace)
    report = output_path(load_project(workspace), "report_docx")
    before = report.read_bytes()
    for i in range(12):  # enough work for the interrupt to land mid-build
        factories.pdf(next((workspace / "evidence" / "2022").glob("2.1 */2.1.1 *"))
                      / f"扫描件{i}.pdf", pages=20)
    proc = subprocess.Popen([sys.executable, "-m", "dossier", "-C", str(workspace), "build"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=as_in_a_terminal)
    for line in proc.stderr:  # wait for the event, not a clock: conversion has started
        if "转换证据文件" in line:
            break
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "已中断" in err
    assert report.read_bytes() == before  # outputs are replaced only when complete


# -- one registry, one record, figures computed once --------------------------------------------


def test_builders_registry_is_what_only_and_the_outputs_table_read():
    from dossier import outputs
    from dossier.builders import BUILDERS, PARTS

    assert list(BUILDERS) == ROLES and PARTS == ("binder", "report", "sheet")
    written = [role for b in BUILDERS.values() for role in b.roles]
    assert written == [o.role for o in outputs.OUTPUTS if o.builder]
    assert all(outputs.output(r).builder == b.name for b in BUILDERS.values() for r in b.roles)
    assert outputs.label("sheet_xlsx") == "自评得分表（Excel）"
    assert outputs.label("binder_pdf_2") == "佐证材料汇编（PDF）第2册"


def test_sheet_command_records_its_file_so_build_neither_backs_it_up_nor_calls_it_edited(workspace):
    made = run_dossier("-C", str(workspace), "sheet")
    assert made.exit_code == 0, made.stderr
    sheet = output_path(load_project(workspace), "sheet_xlsx")
    assert made.stdout.strip() == str(sheet)
    built = run_dossier("-C", str(workspace), "build")
    assert built.exit_code == 0, built.stderr
    assert not (sheet.parent / "备份").exists()
    assert "修改过" not in built.stderr and "自评得分表（Excel）" in built.stderr  # reused
    assert _build(workspace).reused == ROLES


def test_console_summary_gives_the_binders_own_figures(workspace):
    import re

    import pypdf

    result = run_dossier("-C", str(workspace), "build")
    assert result.exit_code == 0, result.stderr
    project = load_project(workspace)
    binder = output_path(project, "binder_pdf")
    pages = len(pypdf.PdfReader(binder).pages)
    stamp = re.compile(r"佐证 [0-9.]+-\d\d · \d+/\d+")  # the stamp on every evidence page
    stamped = sum(1 for page in pypdf.PdfReader(binder).pages
                  if stamp.search((page.extract_text() or "").replace("\x00", "")))
    assert stamped == 3
    line = f"完成：2 件佐证材料，{stamped} 页；佐证材料汇编共 {pages} 页"
    assert line in result.stderr  # 2-page PDF + one photo; the PDF's real page count
    again = run_dossier("-C", str(workspace), "build")  # reused: the recorded figures, not 0
    assert line in again.stderr and "沿用上次生成的" in again.stderr


def test_pack_refuses_a_hand_edited_sheet_that_contradicts_the_manifest(workspace):
    import openpyxl

    assert run_dossier("-C", str(workspace), "build").exit_code == 0
    sheet = output_path(load_project(workspace), "sheet_xlsx")
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 4).value).startswith("1.1.1 "))
    ws.cell(row, 6).value = 0.5
    book.save(sheet)
    refused = run_dossier("-C", str(workspace), "pack")
    assert refused.exit_code == 1
    assert "1.1.1 自评得分：清单 1，表中 0.5" in refused.stderr
    assert "dossier sheet --import build/2022/自评得分表.xlsx" in refused.stderr
    assert not list((workspace / "build" / "2022").glob("*.zip"))
    imported = run_dossier("-C", str(workspace), "sheet", "--import", str(sheet))
    assert imported.exit_code == 0, imported.stderr
    packed = run_dossier("-C", str(workspace), "pack")
    assert packed.exit_code == 0, packed.stderr


def test_a_crafted_build_record_never_moves_a_file_outside_build(workspace):
    import json

    _build(workspace)
    decoy = workspace / "decoy.txt"
    decoy.write_text("不要移动我", encoding="utf-8")
    record = workspace / "build" / ".cache" / "outputs-2022.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    for name in data["roles"]:
        data["roles"][name]["files"] = [["decoy.txt", [1, 1]], [str(decoy), [1, 1]],
                                        ["build/2022/../../decoy.txt", [1, 1]]]
    record.write_text(json.dumps(data), encoding="utf-8")
    result = _build(workspace)
    assert not result.errors and result.reused == []
    assert decoy.read_text(encoding="utf-8") == "不要移动我"
    assert not (workspace / "备份").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_binder_that_cannot_be_written_fails_alone_and_says_why(workspace, jobs):
    """With two cores the PDF binder is built in a worker beside the Word binder: its
    failure is reported like any builder's (exit 5, the reason), the others still built."""
    target = output_path(load_project(workspace), "binder_pdf")
    target.mkdir(parents=True)  # a folder where the binder should go: cannot be replaced
    done = run_dossier("-C", str(workspace), "build", env=dict(os.environ, DOSSIER_JOBS=jobs))
    assert done.exit_code == 5, done.stderr
    assert "生成失败（佐证材料汇编（PDF））" in done.stderr and "无法写入" in done.stderr
    assert "Traceback" not in done.stderr
    for role in ("binder_docx", "report_docx", "sheet_xlsx"):
        assert output_path(load_project(workspace), role).is_file()
