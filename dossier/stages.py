"""Wall and CPU time per stage of a command, for the benchmark; free when nobody asks.

The benchmark sets ``DOSSIER_STAGES`` to a file; every dossier process (the command and
its worker processes) then adds up, per stage name, the calls, the wall time and the CPU
time, and appends them to that file as JSON lines (the command when it ends, a worker
after each outermost stage, since a pool worker never runs ``atexit``). Without the
variable, ``stage`` returns a shared null context and ``call`` calls straight through.

CPU is this process's CPU plus that of the child processes it has reaped (LibreOffice,
qpdf, pool workers). A stage on a helper thread counts its own thread's CPU and claims
the reaped children's CPU no other stage has claimed yet, so two concurrent LibreOffice
batches are not each charged with both. Nested stages each count their whole span.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

ENV = "DOSSIER_STAGES"

T = TypeVar("T")

_path = os.environ.get(ENV) or None
_totals: dict[str, list[float]] = {}  # name → [calls, wall, cpu, wall when outermost]
_lock = threading.Lock()
_claimed = [0.0]  # children CPU already charged to a helper-thread stage
_depth = threading.local()
_NULL = contextlib.nullcontext()


def enabled() -> bool:
    return _path is not None


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


@contextlib.contextmanager
def _timed(name: str) -> Iterator[None]:
    main = threading.current_thread() is threading.main_thread()
    own = time.process_time if main else time.thread_time
    depth = getattr(_depth, "n", 0)
    _depth.n = depth + 1
    wall0, own0, kids0 = time.perf_counter(), own(), _children_cpu()
    try:
        yield
    finally:
        wall, cpu = time.perf_counter() - wall0, own() - own0
        kids = _children_cpu()
        with _lock:
            if main:
                cpu += kids - kids0
            else:
                cpu += max(0.0, kids - max(kids0, _claimed[0]))
                _claimed[0] = max(_claimed[0], kids)
            row = _totals.setdefault(name, [0, 0.0, 0.0, 0.0])
            row[0] += 1
            row[1] += wall
            row[2] += cpu
            row[3] += wall if depth == 0 and main else 0.0
        _depth.n = depth
        if depth == 0 and _in_worker():
            flush()


def stage(name: str) -> contextlib.AbstractContextManager:
    """``with stage("convert.office"):`` — counted when ``DOSSIER_STAGES`` is set."""
    return _NULL if _path is None else _timed(name)


def call(name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` counted as stage ``name``: a one-line edit at a call site."""
    if _path is None:
        return fn(*args, **kwargs)
    with _timed(name):
        return fn(*args, **kwargs)


def timed(name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator form of ``call``; the wrapper is only installed when counting."""
    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        if _path is None:
            return fn

        @functools.wraps(fn)  # its __qualname__ too: pools pickle it by name
        def counted(*args: Any, **kwargs: Any) -> T:
            with _timed(name):
                return fn(*args, **kwargs)

        return counted
    return wrap


def _in_worker() -> bool:
    return multiprocessing.parent_process() is not None


def flush() -> None:
    """Append this process's totals to the stages file and start again from zero."""
    if _path is None:
        return
    with _lock:
        worker = _in_worker()
        rows = [{"stage": k, "calls": int(v[0]), "wall": v[1], "cpu": v[2], "outer": v[3],
                 "pid": os.getpid(), "worker": worker} for k, v in _totals.items()]
        _totals.clear()
    if rows:
        with open(_path, "a", encoding="utf-8") as fh:  # one write per flush: O_APPEND
            fh.write("".join(json.dumps(r) + "\n" for r in rows))


def read(path: Path) -> dict[str, dict[str, Any]]:
    """The stages file summed over processes: name → {calls, wall, cpu, outer, worker}.

    ``outer`` is the wall time the stage ran outermost on the command's main thread: their
    sum, taken from the command's whole time, leaves start-up and what no stage covers.

    A stage of the command that hands work to a process pool gets the CPU its workers
    spent in its sub-stages (``convert`` gets ``convert.image`` …): forkserver workers are
    not the command's children, so ``os.times`` never sees them. ``worker`` marks a stage
    timed inside pool workers: its wall time is summed over jobs that ran side by side.
    """
    out: dict[str, dict[str, Any]] = {}
    if not Path(path).is_file():
        return out
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        row = out.setdefault(r["stage"], {"calls": 0, "wall": 0.0, "cpu": 0.0, "outer": 0.0,
                                          "worker": False, "worker_cpu": 0.0})
        row["calls"] += r["calls"]
        if r.get("worker"):
            row["worker"] = True
            row["worker_cpu"] += r["cpu"]
        row["wall"] += r["wall"]
        row["cpu"] += r["cpu"]
        row["outer"] += 0.0 if r.get("worker") else r["outer"]
    for name, row in out.items():
        if not row["worker"]:
            row["cpu"] += sum(other["worker_cpu"] for sub, other in out.items()
                              if sub.startswith(name + ".") and other["worker"])
    for row in out.values():
        del row["worker_cpu"]
    return out


def _after_fork() -> None:  # a forked worker starts with nothing of its parent's
    _totals.clear()
    _claimed[0] = 0.0


if _path is not None:
    atexit.register(flush)
    os.register_at_fork(after_in_child=_after_fork)
