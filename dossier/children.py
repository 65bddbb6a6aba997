"""Child processes die with the main process, however it ends.

Two kinds of children outlive a killed parent unless told otherwise:

- LibreOffice runs in its own process group (so that a hang can be killed whole) and
  is started by a launcher (``oosplash``) that forks ``soffice.bin``: no signal sent to
  our pid or our group reaches it. A *reaper* process watches them: the main process
  tells it, through a pipe, each group it starts and ends; when that pipe reaches
  end-of-file — the main process exited, normally, on a signal or by ``kill -9`` — the
  reaper kills every group still listed, then exits.
- Worker processes of a process pool (forkserver children) wait forever for work that
  never comes. Their initialiser starts a watchdog thread that waits on a pidfd of the
  main process (no polling) and exits the worker when it ends.

Neither holds the caller's stdout or stderr, so a caller that captures them is not kept
waiting by a survivor. ``jobs()`` is the one place that decides how many processes run.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading

log = logging.getLogger(__name__)

JOBS_ENV = "DOSSIER_JOBS"

_REAPER_CODE = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
groups = set()
for line in sys.stdin:
    sign, pgid = line[:1], int(line[1:])
    (groups.add if sign == "+" else groups.discard)(pgid)
for pgid in groups:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
"""

_lock = threading.Lock()
_reaper: subprocess.Popen | None = None
_reaper_pid: int | None = None  # the process that started the reaper (not a forked copy)


def jobs() -> int:
    """How many processes to run at once: ``DOSSIER_JOBS`` when set, else the CPU count.

    Outputs never depend on it (tests build with 1 and 4 and compare bytes).
    """
    value = os.environ.get(JOBS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return max(1, os.cpu_count() or 1)


def _writer() -> subprocess.Popen | None:
    global _reaper, _reaper_pid
    if os.name != "posix":
        return None
    with _lock:
        if _reaper is None or _reaper_pid != os.getpid() or _reaper.poll() is not None:
            _reaper = subprocess.Popen(
                [sys.executable, "-c", _REAPER_CODE], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
                start_new_session=True)
            _reaper_pid = os.getpid()
        return _reaper


def _tell(line: str) -> None:
    reaper = _writer()
    if reaper is None or reaper.stdin is None:
        return
    try:
        with _lock:
            reaper.stdin.write(line.encode("ascii"))
            reaper.stdin.flush()
    except OSError:  # the reaper is gone: nothing will clean up after a kill -9
        log.debug("reaper not reachable", exc_info=True)


def watch_group(pgid: int) -> None:
    """Kill process group ``pgid`` if this process ends before ``release_group``."""
    _tell(f"+{pgid}\n")


def release_group(pgid: int) -> None:
    _tell(f"-{pgid}\n")


def kill_group(proc: subprocess.Popen) -> None:
    """Kill a child started with ``start_new_session`` and everything it started."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def init_worker(main_pid: int) -> None:
    """Initialiser of pool workers: Ctrl-C is the main process's to handle (it exits 130),
    library log lines stay out of the user's terminal, and the worker exits with main."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.CRITICAL + 1)
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return
    try:
        fd = pidfd_open(main_pid)
    except OSError:  # already gone
        os._exit(1)
    threading.Thread(target=_exit_with, args=(fd,), daemon=True, name="main-watch").start()


def _exit_with(fd: int) -> None:
    import select

    select.select([fd], [], [])  # readable once the main process has ended
    os._exit(1)


def worker_initializer() -> tuple:
    """(initializer, initargs) for a ``ProcessPoolExecutor`` started by this process."""
    return init_worker, (os.getpid(),)


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A pool of ``workers`` processes (forkserver where there is one) whose workers leave
    Ctrl-C to this process and end with it: every pool dossier starts is made here."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    initializer, initargs = worker_initializer()
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                  initializer=initializer, initargs=initargs)


def stop_pool(pool: cf.Executor) -> None:
    """Interrupted or failed: drop the queued work and kill the workers that run."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
