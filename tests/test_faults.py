"""Faults leave nothing behind, and the same inputs give the same bytes on any machine.

Real builds in subprocesses: ``kill -9`` and SIGTERM in the middle of the conversion
stage (waiting for its progress line and for LibreOffice to be running, not a clock),
then the processes that carry the run's marker in their environment must all end; a
rerun gives the bytes of a clean build. The number of processes (``DOSSIER_JOBS``) does
not change a byte. One lock per workspace; leftovers of a killed run are removed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from dossier.session import workspace_session
from tests import factories

from .conftest import run_dossier

MARK = "DOSSIER_TEST_RUN"


def _evidence(root: Path) -> None:
    ev = root / "evidence" / "2022"
    folders = [next(ev.glob(pattern)) for pattern in ("1.1 */1.1.1 *", "2.1 */2.1.1 *",
                                                      "3.1 */3.1.1 *", "4.1 */4.1.1 *")]
    for i, folder in enumerate(folders):
        factories.docx(folder / f"会议记录{i}.docx", [f"会议记录第{i}号", "规范化建设"])
        factories.xlsx(folder / f"台账{i}.xlsx", (("序号", "事项"), (i, f"执法检查{i}")))
        factories.pdf(folder / f"扫描件{i}.pdf", pages=15)
        factories.jpeg(folder / f"现场照片{i}.jpg")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """A workspace with office files, PDFs and photos (copied per test: same bytes)."""
    from dossier.workspace import init_workspace

    from .conftest import UNIT

    root = tmp_path_factory.mktemp("sample") / "ws"
    init_workspace(root, 2022, UNIT)
    _evidence(root)
    return root


@pytest.fixture(scope="module")
def clean_build(sample, tmp_path_factory) -> dict[str, bytes]:
    """The outputs of an uninterrupted build with one process."""
    root = tmp_path_factory.mktemp("clean") / "ws"
    shutil.copytree(sample, root)
    result = run_dossier("-C", str(root), "build", env=_env(jobs=1))
    assert result.exit_code == 0, result.stderr
    return _outputs(root)


def _env(jobs: int, mark: str = "") -> dict[str, str]:
    return dict(os.environ, DOSSIER_JOBS=str(jobs), **{MARK: mark or uuid.uuid4().hex})


def _outputs(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "build" / "2022").iterdir())
            if p.is_file()}


def _marked(mark: str) -> list[tuple[int, str]]:
    """Live processes whose environment carries ``mark``: (pid, command line)."""
    found = []
    needle = f"{MARK}={mark}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if needle not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        if state != "Z":
            found.append((int(proc.name), cmdline))
    return found


def _poll(predicate, limit: float = 60.0, step: float = 0.05) -> bool:
    """Poll process state until ``predicate()`` holds; False after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    pause = threading.Event()
    while time.monotonic() < deadline:
        if predicate():
            return True
        pause.wait(step)
    return predicate()


def _start_build(root: Path, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "dossier", "-C", str(root), "build"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    for line in proc.stderr:  # the event: conversion has started
        if "转换证据文件" in line:
            break
    # … and LibreOffice and the workers are running (so there is something to leave behind)
    assert _poll(lambda: any("soffice" in cmd for _, cmd in _marked(env[MARK]))), \
        _marked(env[MARK])
    return proc


@pytest.mark.slow
def test_kill_9_mid_conversion_leaves_no_process_and_rerun_is_byte_identical(
        sample, clean_build, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(sample, root)
    env = _env(jobs=2)
    proc = _start_build(root, env)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    proc.stdout.close()
    assert _poll(lambda: not _marked(env[MARK]), limit=30), _marked(env[MARK])

    again = run_dossier("-C", str(root), "build", env=_env(jobs=2))
    assert again.exit_code == 0, again.stderr
    assert _outputs(root) == clean_build
    build = root / "build"
    assert not (build / ".tmp").exists() and not list(build.glob("*/.pack-*"))
    assert not list(build.rglob(".tmp-*"))


@pytest.mark.slow
def test_sigterm_mid_conversion_exits_130_and_leaves_no_process(sample, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(sample, root)
    env = _env(jobs=2)
    proc = _start_build(root, env)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)  # pipes closed: nothing survives holding them
    assert proc.returncode == 130, err
    assert "已中断" in err and "Traceback" not in err
    assert _poll(lambda: not _marked(env[MARK]), limit=30), _marked(env[MARK])
    assert not (root / "build" / ".tmp").exists()


@pytest.mark.slow
def test_outputs_do_not_depend_on_the_number_of_processes(sample, clean_build, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(sample, root)
    result = run_dossier("-C", str(root), "build", env=_env(jobs=4))
    assert result.exit_code == 0, result.stderr
    assert _outputs(root) == clean_build


def test_a_second_command_on_a_busy_workspace_is_refused(empty_workspace):
    with workspace_session(empty_workspace, "dossier build"):
        busy = run_dossier("-C", str(empty_workspace), "build", "--only", "sheet")
    assert busy.exit_code == 5
    assert "另一个 dossier 命令（dossier build，进程号" in busy.stderr
    assert not (empty_workspace / "build" / "2022").exists()
    free = run_dossier("-C", str(empty_workspace), "build", "--only", "sheet")
    assert free.exit_code == 0, free.stderr


def test_the_lock_is_reentrant_within_one_process(empty_workspace):
    with workspace_session(empty_workspace, "dossier pack") as outer, \
            workspace_session(empty_workspace, "dossier build") as inner:
        assert outer == inner and inner.is_dir()


def test_leftovers_of_a_killed_run_are_removed_by_the_next(empty_workspace):
    build = empty_workspace / "build"
    leftovers = [build / ".tmp" / "dossier-lo-abc" / "profile0" / "x.xcu",
                 build / "2022" / ".pack-x1y2" / "data" / "big.pdf",
                 build / "2022" / ".tmp-3f9a.pdf",
                 build / ".cache" / "convert" / ".tmp-77.pdf"]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    kept = build / "2022" / "自评得分表.xlsx"
    kept.write_bytes(b"an output")
    with workspace_session(empty_workspace, "dossier build") as tmp:
        assert not any(p.exists() for p in leftovers)
        assert tmp == (build / ".tmp").resolve() and not any(tmp.iterdir())
        import tempfile

        assert Path(tempfile.gettempdir()) == tmp  # this run's temp files go there
    assert kept.read_bytes() == b"an output"
    assert not (build / ".tmp").exists()


@pytest.mark.slow
def test_sigterm_while_the_binders_build_side_by_side_leaves_no_process(
        sample, clean_build, tmp_path):
    """The PDF binder's worker (and its qpdf) go with an interrupted build; a rerun gives
    the bytes of a one-process build."""
    root = tmp_path / "ws"
    shutil.copytree(sample, root)
    first = run_dossier("-C", str(root), "build", env=_env(jobs=2))  # caches filled
    assert first.exit_code == 0, first.stderr
    env = _env(jobs=2)
    proc = subprocess.Popen([sys.executable, "-m", "dossier", "-C", str(root), "build",
                             "--rebuild"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, start_new_session=True)
    for line in proc.stderr:  # the event: the PDF binder's worker has been started
        if "与Word汇编同时进行" in line:
            break
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "已中断" in err and "Traceback" not in err
    assert _poll(lambda: not _marked(env[MARK]), limit=30), _marked(env[MARK])
    again = run_dossier("-C", str(root), "build", env=_env(jobs=2))
    assert again.exit_code == 0, again.stderr
    assert _outputs(root) == clean_build
