"""Build and pack in the background, one at a time, with progress for the page.

``WebProgress`` is the ``dossier.progress`` protocol turned into a list of events
that the page reads as server-sent events; a second job while one runs is refused
(the page says to wait). The job runs in a thread of its own, the same library calls
as the CLI commands make.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from dossier.errors import DossierError
from dossier.progress import Progress

KIND_NAMES = {"build": "生成材料", "pack": "打包报送", "verify": "核验归档包"}


class Busy(Exception):
    """Another job is running; ``str()`` is the message for the page."""


class _WebTask:
    def __init__(self, job: Job, description: str, total: int | None):
        self.job, self.description, self.total, self.done = job, description, total, 0

    def advance(self, n: int = 1, note: str | None = None) -> None:
        self.done += n
        self.job.emit("advance", description=self.description, done=self.done,
                      total=self.total, note=note or "")


class WebProgress(Progress):
    """Progress events for one job (stages, steps, lines for people)."""

    def __init__(self, job: Job):
        self.job = job

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[_WebTask]:
        self.job.emit("stage", description=description, total=total)
        yield _WebTask(self.job, description, total)

    def log(self, message: str) -> None:
        self.job.emit("log", message=message)


@dataclass
class Job:
    id: int
    kind: str
    who: str
    started: float = field(default_factory=time.time)
    events: list[dict] = field(default_factory=list)
    state: str = "running"  # running, done, failed
    result: dict = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def emit(self, type_: str, **data) -> None:
        with self._changed:
            self.events.append({"type": type_, "seq": len(self.events), **data})
            self._changed.notify_all()

    def wait(self, after: int, timeout: float) -> list[dict]:
        """Events after index ``after`` (blocks until there are some, or the timeout)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.events) > after, timeout)
            return self.events[after:]

    @property
    def finished(self) -> bool:
        return self.state != "running"


class JobRunner:
    """At most one job at a time; the last job stays visible to the page."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.current: Job | None = None

    def start(self, kind: str, who: str, work: Callable[[WebProgress], dict]) -> Job:
        with self._lock:
            running = self.current
            if running is not None and not running.finished:
                raise Busy(f"{running.who}启动的“{KIND_NAMES[running.kind]}”正在进行，"
                           "同一时间只能进行一项。请等它完成后再试。")
            job = Job(next(self._ids), kind, who)
            self.current = job
        threading.Thread(target=self._run, args=(job, work), daemon=True,
                         name=f"dossier-{kind}-{job.id}").start()
        return job

    @staticmethod
    def _run(job: Job, work: Callable[[WebProgress], dict]) -> None:
        job.emit("start", kind=job.kind, title=KIND_NAMES[job.kind])
        try:
            job.result = work(WebProgress(job))
            state, message = "done", job.result.get("message", "已完成。")
        except DossierError as exc:
            state, message = "failed", exc.render()
        except Exception as exc:  # a bug: say so in Chinese, keep the server alive
            state, message = "failed", (f"内部错误：{type(exc).__name__}: {exc}。"
                                        "请在命令行运行同样的操作并加 --debug，把输出发给技术支持。")
        job.state = state
        job.emit("end", state=state, message=message, outputs=job.result.get("outputs", []))
