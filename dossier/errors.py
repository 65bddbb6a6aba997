"""Exit codes and the errors that stop a command.

Problems found in the user's evidence are *findings* (data, see ``check``); the
exceptions here are only for what stops a command. Each carries its exit code and
a Chinese sentence for the user that says what is wrong, where, and what to do.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    ok = 0
    blocking = 1  # the check found blocking gaps (with --strict: any finding)
    usage = 2
    bad_input = 3  # unreadable manifest, unknown code, bad standard ...
    missing_tool = 4  # LibreOffice, fonts ...
    build_failed = 5  # a build step failed: a file cannot be written, the disk is full …
    internal = 70  # a bug (EX_SOFTWARE): the message asks to report it with --debug
    interrupted = 130  # Ctrl-C or SIGTERM


class DossierError(Exception):
    """An error that stops the command; ``str()`` is the message for the user."""

    exit_code = ExitCode.build_failed

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None,
                 column: int | None = None, hint: str | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f" 第{self.line}行"
                if self.column is not None:
                    where += f"第{self.column}列"
            where += "："
        text = where + self.message
        if self.hint:
            text += "\n处理办法：" + self.hint
        return text


class InputError(DossierError):
    """Bad input or configuration: manifest, standard, workspace (exit 3)."""

    exit_code = ExitCode.bad_input


class StandardError(InputError):
    """The standard file is malformed or its subtotals disagree."""


class MissingToolError(DossierError):
    """A required external program or font is not installed (exit 4)."""

    exit_code = ExitCode.missing_tool


class BuildError(DossierError):
    """A build step failed (exit 5)."""

    exit_code = ExitCode.build_failed


class BusyError(DossierError):
    """Another dossier command is working on the same workspace (exit 5)."""

    exit_code = ExitCode.build_failed
