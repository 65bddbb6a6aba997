"""qpdf: check, repair and merge PDFs with the command-line program.

pikepdf wraps the same library; the command line is kept for repairs in a separate
process (a crash or a hang on a hostile file cannot take the build down) and for the
merge floor the binder is measured against.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from dossier.errors import MissingToolError

log = logging.getLogger(__name__)

INSTALL_HINT = "Debian/Ubuntu：sudo apt-get install qpdf；Windows：从 https://qpdf.sourceforge.io 下载安装。"
TIMEOUT = 300


def find_qpdf() -> Path | None:
    found = shutil.which("qpdf")
    return Path(found) if found else None


def require_qpdf() -> Path:
    exe = find_qpdf()
    if exe is None:
        raise MissingToolError("未找到 qpdf。", hint=INSTALL_HINT)
    return exe


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(require_qpdf()), *args], capture_output=True, timeout=TIMEOUT,
                          check=False)


def check(pdf: Path) -> tuple[bool, str]:
    """``qpdf --check``: (no errors and no warnings, qpdf's report)."""
    try:
        done = _run(["--check", str(pdf)])
    except subprocess.TimeoutExpired:
        return False, "qpdf --check timed out"
    text = (done.stdout + done.stderr).decode("utf-8", "replace")
    return done.returncode == 0, text


def repair(src: Path, dst: Path) -> bool:
    """Rewrite ``src`` to ``dst``, rebuilding a broken cross-reference table.

    qpdf exits 3 when it recovered with warnings: that is a successful repair.
    """
    try:
        done = _run(["--deterministic-id", str(src), str(dst)])
    except subprocess.TimeoutExpired:
        log.warning("qpdf repair timed out: %s", src)
        return False
    ok = done.returncode in (0, 3) and Path(dst).is_file() and Path(dst).stat().st_size > 0
    if not ok:
        log.info("qpdf cannot repair %s: %s", src, done.stderr.decode("utf-8", "replace")[:300])
    return ok


def merge(pdfs: Sequence[Path], out: Path) -> None:
    """Concatenate all pages of ``pdfs`` into ``out`` (raises CalledProcessError on failure)."""
    args = ["--empty", "--deterministic-id", "--keep-files-open=y", "--pages",
            *map(str, pdfs), "--", str(out)]
    done = _run(args)
    if done.returncode not in (0, 3):
        raise subprocess.CalledProcessError(done.returncode, args, done.stdout, done.stderr)
