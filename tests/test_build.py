"""build_all: unchanged outputs are reused, edited outputs are backed up, never lost."""

from __future__ import annotations

import pytest

from dossier.builders import BuildOptions, build_all, output_path
from dossier.progress import QuietProgress
from dossier.project import load_project
from tests import factories

from .conftest import run_dossier

pytestmark = pytest.mark.slow
ROLES = ["binder_pdf", "binder_docx", "report", "sheet_xlsx"]


@pytest.fixture
def workspace(empty_workspace):
    ev = empty_workspace / "evidence" / "2022"
    folder = next(p for p in ev.glob("1.1 */1.1.1 *"))
    factories.pdf(folder / "支部委员会名单.pdf", pages=2)
    factories.jpeg(next(p for p in ev.glob("3.1 */3.1.1 *")) / "执法车.jpg")
    manifest = empty_workspace / "manifests" / "2022.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace('\n  "1.1.1":', '\n  "1.1.1": {points: 1, note: 已健全支部委员会}', 1)
    manifest.write_text(text.replace("date:   ", "date: 2022-12-20   ", 1), encoding="utf-8")
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
    manifest = workspace / "manifests" / "2022.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "已健全支部委员会", "已健全支部委员会，召开组织生活会4次"), encoding="utf-8")
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
    assert "sheet_xlsx" not in result.reused and sheet.exists()


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
        "已健全支部委员会", "已健全支部委员会，全年召开组织生活会6次"), encoding="utf-8")
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
    edited = report.read_bytes() + b"staff edits"
    report.write_bytes(edited)
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
    assert "report" in again.reused and "sheet_xlsx" not in again.reused


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
                            start_new_session=True)
    for line in proc.stderr:  # wait for the event, not a clock: conversion has started
        if "转换证据文件" in line:
            break
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "已中断" in err
    assert report.read_bytes() == before  # outputs are replaced only when complete
