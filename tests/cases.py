"""Sample workspaces from declarative specs, and manifest edits as data.

A ``Case`` says what a workspace holds — the unit and year, the claims, facts, bonus,
deductions and report fields, and the evidence files (criterion or indicator code →
file name → maker) — and ``Case.make(root)`` writes it: ``dossier init``'s tree (every
folder and 说明.txt, the commented manifest) with the manifest's fields then set through
``edit_manifest``. Tests change a workspace the same way, by field, never by replacing
text in the YAML: ``edit_manifest(root, claims={"1.1.1": {"points": 1}}, date=None)``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from dossier.workspace import init_workspace

UNIT = "晋江市生态环境综合执法大队"
DROP = object()  # edit_manifest(date=DROP): remove the field

Maker = Callable[[Path], Any]  # writes one evidence file at the path it is given


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, order and quoting kept
    yaml.width = 4096
    yaml.allow_unicode = True
    yaml.preserve_quotes = True
    return yaml


def manifest_path(root: Path, year: int = 2022) -> Path:
    return Path(root) / "manifests" / f"{year}.yaml"


def edit_manifest(root: Path, year: int = 2022, **fields: Any) -> Path:
    """Set manifest fields as a person would in an editor, comments kept.

    A mapping field (``claims``, ``facts``, ``bonus``, ``deductions``, ``report``) is merged
    key by key; any other field is replaced; ``DROP`` removes a field or a key. A
    ``date`` given as ``"2022-12-20"`` is written as a date, as a person types it.
    """
    if isinstance(fields.get("date"), str):
        fields["date"] = dt.date.fromisoformat(fields["date"])
    path = manifest_path(root, year)
    yaml = _yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    for name, value in fields.items():
        if value is DROP:
            data.pop(name, None)
        elif isinstance(value, dict) and isinstance(data.get(name), dict):
            for key, item in value.items():
                if item is DROP:
                    data[name].pop(key, None)
                else:
                    data[name][key] = item
        else:
            data[name] = value
    out = io.StringIO()
    yaml.dump(data, out)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def read_manifest(root: Path, year: int = 2022) -> dict:
    return _yaml().load(manifest_path(root, year).read_text(encoding="utf-8"))


def evidence_folder(root: Path, code: str, year: int = 2022) -> Path:
    """The evidence folder ``init`` made for an indicator, criterion or bonus code."""
    base = Path(root) / "evidence" / str(year)
    return next(p for p in base.rglob("*") if p.is_dir() and p.name.split(" ")[0] == code)


@dataclass
class Case:
    """One sample workspace, declared."""

    claims: dict[str, Any] = field(default_factory=dict)  # code → points or {points, note}
    files: dict[str, dict[str, Maker]] = field(default_factory=dict)  # code → name → maker
    date: str | None = "2022-12-20"
    facts: dict[str, Any] = field(default_factory=dict)
    bonus: dict[str, Any] = field(default_factory=dict)
    deductions: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    unit: str = UNIT
    year: int = 2022

    def make(self, root: Path) -> Path:
        root = Path(root)
        init_workspace(root, self.year, self.unit)
        for code, files in self.files.items():
            folder = evidence_folder(root, code, self.year)
            for name, maker in files.items():
                maker(folder / name)
        fields: dict[str, Any] = {"claims": self.claims}
        if self.date is not None:
            fields["date"] = self.date
        for name in ("facts", "bonus", "deductions"):
            if getattr(self, name):
                fields[name] = getattr(self, name)
        if self.report is not None:
            fields["report"] = self.report
        edit_manifest(root, self.year, **fields)
        return root
