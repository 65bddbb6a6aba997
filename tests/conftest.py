"""Shared fixtures: fresh workspaces in tmp_path and a way to run the real CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "tests" / "data" / "seed"  # public document; see its README
UNIT = "泉州市示例县生态环境保护综合行政执法大队"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_dossier(*args: str, cwd: Path | None = None, env: dict | None = None,
                timeout: float = 600) -> CliResult:
    """Run the real ``dossier`` command in a subprocess (as users do)."""
    proc = subprocess.run([sys.executable, "-m", "dossier", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def as_in_a_terminal() -> None:
    """Child set-up: Ctrl-C handled by default, even when the tests run in a background job.

    A shell starts background jobs with SIGINT ignored and exec keeps it ignored, so the
    child would never see the Ctrl-C that a test sends (it would look like a bug).
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def dossier_cli():
    return run_dossier


@pytest.fixture
def empty_workspace(tmp_path: Path) -> Path:
    """A workspace made by ``init`` for 2022, with no evidence and no claims."""
    from dossier.workspace import init_workspace

    root = tmp_path / "ws"
    init_workspace(root, 2022, UNIT)
    return root


def tree_snapshot(root: Path) -> dict[str, bytes | str]:
    """Every entry under root with its bytes (files) or link target (links)."""
    snap: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            snap[rel] = "link:" + str(path.readlink())
        elif path.is_file():
            snap[rel] = path.read_bytes()
        else:
            snap[rel] = "dir"
    return snap


FINISHED_REPORT = {
    "opening": "现将我队规范化建设情况报告如下：",
    "summary": "我队承担本辖区生态环境保护综合行政执法职责。",
    "work": {str(n): "全年按标准推进各项工作。" for n in range(1, 7)},
    "problems": ["部分评价内容尚未达到要求"],
    "plans": ["对照标准逐项整改"],
}


def finished_report_yaml() -> str:
    """The ``report:`` section of FINISHED_REPORT, to end a manifest written by a test."""
    import json

    return "report:\n" + "".join(f"  {key}: {json.dumps(value, ensure_ascii=False)}\n"
                                  for key, value in FINISHED_REPORT.items())


def finish_report(manifest: Path) -> None:
    """Fill every part of ``report:`` that the tool would otherwise draft (and mark).

    A workspace made by ``init`` has the keys empty; staff fill them (or edit the report in
    Word) before the report may be packed.
    """
    import json

    text = manifest.read_text(encoding="utf-8")
    for key, value in FINISHED_REPORT.items():
        text = re.sub(rf"^  {key}:[^\n]*$", f"  {key}: {json.dumps(value, ensure_ascii=False)}",
                      text, count=1, flags=re.M)
    manifest.write_text(text, encoding="utf-8")
