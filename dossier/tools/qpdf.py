"""qpdf: check, repair and merge PDFs with the command-line program.

pikepdf wraps the same library; the command line is kept for repairs in a separate
process (a crash or a hang on a hostile file cannot take the build down) and for the
merge floor the binder is measured against.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dossier.errors import MissingToolError

log = logging.getLogger(__name__)

INSTALL_HINT = "Debian/Ubuntu：sudo apt-get install qpdf；Windows：从 https://qpdf.sourceforge.io 下载安装。"
TIMEOUT = 300
MERGE_TIMEOUT = 3600  # a 10,000-page binder on a slow disk


def find_qpdf() -> Path | None:
    found = shutil.which("qpdf")
    return Path(found) if found else None


def version() -> str | None:
    """``11.3.0``, or None when qpdf is missing or does not run."""
    exe = find_qpdf()
    return _version(str(exe)) if exe is not None else None


@functools.lru_cache(maxsize=4)
def _version(exe: str) -> str | None:
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, timeout=60, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = done.stdout.decode("utf-8", "replace").strip().splitlines()[:1]
    if done.returncode != 0 or not first or not first[0].startswith("qpdf version"):
        return None
    return first[0].removeprefix("qpdf version").strip()


def require_qpdf() -> Path:
    exe = find_qpdf()
    if exe is None:
        raise MissingToolError("未找到 qpdf，无法合并生成 PDF 汇编。", hint=INSTALL_HINT)
    return exe


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(require_qpdf()), *args], capture_output=True, timeout=TIMEOUT,
                          check=False)


def check(pdf: Path) -> tuple[bool, str]:
    """``qpdf --check``: (no errors and no warnings, qpdf's report)."""
    try:
        done = _run(["--check", str(pdf)])
    except subprocess.TimeoutExpired:
        return False, "qpdf 检查超时"
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


def merge(parts: Sequence[Path | tuple[Path, str]], out: Path, *, workdir: Path | None = None,
          deterministic_id: bool = True, timeout: float = MERGE_TIMEOUT) -> None:
    """Concatenate ``parts`` into ``out``: a path takes all its pages, (path, "3-5") a range.

    The arguments go through an ``@file`` (Windows limits a command line to 32K
    characters: a few hundred evidence paths). qpdf keeps the files open when the
    open-file limit allows (reopening a file for every page is much slower). Raises
    CalledProcessError (qpdf failed) or TimeoutExpired. ``deterministic_id=False`` saves
    hashing the whole output (a third of the time) when the caller rewrites it anyway.
    """
    files = {str(part[0] if isinstance(part, tuple) else part) for part in parts}
    keep = "y" if _open_files_allowed(len(files) + 64) else "n"
    args = ["--empty", *(["--deterministic-id"] if deterministic_id else []),
            f"--keep-files-open={keep}", "--pages"]
    for part in parts:
        path, pages = part if isinstance(part, tuple) else (part, "1-z")
        args += [str(path), pages]
    args += ["--", str(out)]
    with tempfile.TemporaryDirectory(prefix="qpdf-", dir=workdir) as tmp:
        argfile = Path(tmp) / "args.txt"
        argfile.write_text("\n".join(args) + "\n", encoding="utf-8")
        done = subprocess.run([str(require_qpdf()), f"@{argfile}"], capture_output=True,
                              timeout=timeout, check=False)
    if done.returncode not in (0, 3) or not Path(out).is_file():
        raise subprocess.CalledProcessError(done.returncode, args, done.stdout, done.stderr)


def _open_files_allowed(count: int) -> bool:
    """Whether a child may open ``count`` files; raises this process's soft limit (inherited)."""
    if sys.platform == "win32":
        return count <= 500  # the C runtime opens at most 512 files by default
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < count:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft == resource.RLIM_INFINITY or soft >= count
