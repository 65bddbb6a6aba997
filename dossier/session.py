"""One command at a time per workspace, and nothing left behind by a killed one.

``workspace_session(root)`` is held by every command that writes under ``build/``
(build, report, sheet, pack):

- **Lock**: an OS lock on ``build/.lock`` (``flock``; ``msvcrt.locking`` on Windows). The
  OS drops it when the process ends, however it ends, so a ``kill -9`` never leaves a
  stale lock. A second command on the same workspace is refused with a message (or, with
  ``wait=True``, waits). Re-entrant within one process (``pack`` runs a build).
- **Clean-up**: holding the lock, everything temporary that a killed run left is known to
  be stale and removed: the private temp folder ``build/.tmp``, ``.pack-*`` staging
  folders and ``.tmp-*`` half-written files.
- **Temp files** of this run (LibreOffice batches, binder merges, qpdf arguments) go to
  ``build/.tmp`` — through ``tempfile`` and ``TMPDIR`` for child processes — so the next
  run finds them there, and never to a shared system folder where no run could tell its
  own leftovers from another's.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dossier.errors import BusyError

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
TMP_NAME = ".tmp"
_held: dict[Path, int] = {}  # build folder → nesting depth in this process
_guard = threading.Lock()


def _lock(fd: int, wait: bool) -> bool:
    if os.name == "nt":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@contextmanager
def workspace_session(root: Path, command: str, *, wait: bool = False) -> Iterator[Path]:
    """Hold the lock of ``root``'s build folder for ``command``; yields the private temp folder."""
    build = Path(root) / "build"
    build.mkdir(parents=True, exist_ok=True)
    key = build.resolve()
    with _guard:
        depth = _held.get(key, 0)
        _held[key] = depth + 1
    if depth:
        try:
            yield key / TMP_NAME
        finally:
            with _guard:
                _held[key] -= 1
        return
    lock_path = build / LOCK_NAME
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _lock(fd, wait):
            other = _holder(lock_path)
            raise BusyError(
                "另一个 dossier 命令" + (f"（{other}）" if other else "") + "正在处理这个工作目录，"
                "同时运行会互相覆盖输出。", path=Path(root),
                hint="请等它结束后再运行（网页上的“生成”也算）。")
        os.ftruncate(fd, 0)
        os.write(fd, f"{command}，进程号 {os.getpid()}\n".encode())
        tmp = _fresh_tmp(key)
        try:
            with _temp_routed(tmp):
                yield tmp
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        with _guard:
            _held.pop(key, None)
        os.close(fd)  # releases the lock


def _fresh_tmp(build: Path) -> Path:
    """Remove what killed runs left under ``build`` (we hold the lock: none of it is live)."""
    tmp = build / TMP_NAME
    shutil.rmtree(tmp, ignore_errors=True)
    for stale in [*build.glob("*/.pack-*"), *build.glob("*/.tmp-*"), *build.glob(".cache/*/.tmp-*"),
                  *build.glob(".cache/*/*/.tmp-*")]:
        log.debug("removing %s, left by an interrupted run", stale)
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    tmp.mkdir()
    return tmp


@contextmanager
def _temp_routed(tmp: Path) -> Iterator[None]:
    import multiprocessing.util

    # multiprocessing keeps its own folder (the forkserver's socket) until the process
    # exits, after this session: it stays in the system temp folder, which it cleans.
    multiprocessing.util.get_temp_dir()
    saved_dir, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = str(tmp)
    os.environ["TMPDIR"] = str(tmp)
    try:
        yield
    finally:
        tempfile.tempdir = saved_dir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
