"""Folder rules of the evidence tree: codes in folder names, and which indicator a path is in.

One answer, read by ``init`` (which folders to make), ``scan`` (where a file belongs) and
``check`` (where to tell staff to put a file). See DESIGN.md, Workspace:

- A folder is matched by the code at the start of its name (``1.1.1``, ``B1``), then a
  space, ``_``, ``-`` or the end; the rest of the name is free text staff may change.
  NFKC first: the ideographic space a Chinese IME types (U+3000) and full-width digits
  and letters count.
- Level 1 (directly under ``evidence/YYYY``): a tertiary indicator (``3.1``) or a bonus or
  deduction item (``B1``, ``D2``). Level 2, inside a tertiary folder: one of its criteria
  (``3.1.1``). Deeper folders, and any folder inside a bonus/deduction folder, belong to
  the folder above them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from dossier.standard import Criterion, ExtraItem, Standard, Tertiary

README_NAME = "说明.txt"
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_CODE_PREFIX = re.compile(r"^(\d+(?:\.\d+){0,2}|[BDbd]\d+)(?=$|[ _\-])")


def safe_name(text: str, limit: int = 24) -> str:
    """A folder name that is legal on Windows and short."""
    name = _ILLEGAL.sub("", text).strip().rstrip(".")
    return name[:limit].rstrip()


def folder_code(name: str) -> str | None:
    """The code at the start of a folder name (``1.1.1`` or ``B1``, then space, ``_``, ``-`` or end)."""
    m = _CODE_PREFIX.match(unicodedata.normalize("NFKC", name))
    return m.group(1).upper() if m else None


def tertiary_folder_name(t: Tertiary) -> str:
    return f"{t.code} {safe_name(t.name)}"


def criterion_folder_name(c: Criterion) -> str:
    return f"{c.code} {safe_name(c.short)}"


def extra_folder_name(item: ExtraItem) -> str:
    """``B1 大练兵成绩``: the folder of a bonus or deduction item."""
    return f"{item.code} {safe_name(item.name)}"


def extra_items(standard: Standard) -> tuple[ExtraItem, ...]:
    """Bonus then deduction items, in printed order (the binder's 附加项 order)."""
    return tuple(standard.bonus) + tuple(standard.deductions)


def is_extra_code(standard: Standard, code: str | None) -> bool:
    return bool(code) and any(item.code == code for item in extra_items(standard))


@dataclass(frozen=True)
class Place:
    """Which indicator a folder path is in; ``unknown`` is a code that matches nothing."""

    tertiary: str | None = None
    criterion: str | None = None
    extra: str | None = None
    unknown: str | None = None

    @property
    def code(self) -> str | None:
        return self.criterion or self.tertiary or self.extra


def place_of(standard: Standard, folders: tuple[str, ...] | list[str]) -> Place:
    """The indicator of a file whose folders (relative to evidence/YYYY) are ``folders``."""
    if not folders:
        return Place()
    first = folder_code(folders[0])
    if first is None:
        return Place()
    if is_extra_code(standard, first):
        return Place(extra=first)
    if not standard.has_tertiary(first):
        return Place(unknown=first)
    if len(folders) < 2 or (second := folder_code(folders[1])) is None:
        return Place(tertiary=first)
    if standard.has_criterion(second) and second.rsplit(".", 1)[0] == first:
        return Place(tertiary=first, criterion=second)
    return Place(tertiary=first, unknown=second)


def existing_folders(evidence_dir: Path) -> dict[str, str]:
    """Code → folder name for the indicator folders already in an evidence tree."""
    found: dict[str, str] = {}
    if not evidence_dir.is_dir():
        return found
    for first in sorted(evidence_dir.iterdir()):
        if first.is_dir() and not first.is_symlink() and (code := folder_code(first.name)):
            found.setdefault(code, first.name)
            if code[0] in "BD":
                continue
            for second in sorted(first.iterdir()):
                if second.is_dir() and not second.is_symlink() and (c2 := folder_code(second.name)):
                    found.setdefault(c2, second.name)
    return found


def folder_of(standard: Standard, evidence_dir: Path, code: str,
              names: dict[str, str] | None = None) -> str:
    """Where files for ``code`` go, as staff see it (relative to evidence/YYYY, posix)."""
    names = existing_folders(evidence_dir) if names is None else names
    if is_extra_code(standard, code):
        item = next(i for i in extra_items(standard) if i.code == code)
        return names.get(code, extra_folder_name(item))
    if standard.has_tertiary(code):
        return names.get(code, tertiary_folder_name(standard.tertiary(code)))
    c = standard.criterion(code)
    tertiary = folder_of(standard, evidence_dir, c.tertiary_code, names)
    return f"{tertiary}/{names.get(code, criterion_folder_name(c))}"
