"""Progress reporting: rich bars on a terminal's stderr, nothing otherwise.

Builders call ``progress.task(description, total)`` and ``advance()``; stdout is
never touched, so it carries only results.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Task(Protocol):
    def advance(self, n: int = 1, note: str | None = None) -> None: ...


class _SilentTask:
    def advance(self, n: int = 1, note: str | None = None) -> None:
        pass


class Progress:
    """Plain progress for pipes and logs: one line when a stage starts; the base for rich."""

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        self.log(f"{description}（共 {total} 项）……" if total else f"{description}……")
        yield _SilentTask()

    def log(self, message: str) -> None:
        """A line for people, on stderr (never stdout, which carries results)."""
        print(message, file=sys.stderr)


class QuietProgress(Progress):
    """No output at all (library use, tests that compare stderr)."""

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        yield _SilentTask()

    def log(self, message: str) -> None:
        pass


class _RichTask:
    def __init__(self, bar, task_id, description: str):
        self._bar = bar
        self._id = task_id
        self._description = description

    def advance(self, n: int = 1, note: str | None = None) -> None:
        desc = self._description if not note else f"{self._description} {note}"
        self._bar.update(self._id, advance=n, description=desc)


class RichProgress(Progress):
    """Progress bars with an estimate of the time left, on stderr."""

    def __init__(self):
        from rich.console import Console

        self.console = Console(file=sys.stderr)

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RP

        columns = [TextColumn("{task.description}", markup=False), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("剩余"),
                   TimeRemainingColumn()]
        with RP(*columns, console=self.console, transient=True) as bar:
            task_id = bar.add_task(description, total=total)
            yield _RichTask(bar, task_id, description)

    def log(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False)


def default_progress() -> Progress:
    """Rich progress when stderr is a terminal, silent otherwise (tests, pipes)."""
    return RichProgress() if sys.stderr.isatty() else Progress()
