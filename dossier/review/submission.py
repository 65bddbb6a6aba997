"""What a county's archive says about itself, read in one place (``read_submission``).

The archive (``dossier.pack``) holds ``data/清单.json`` (unit, year, standard, claimed
total and grade, every evidence item), the binder, the report and the score sheet.
Claims, facts, bonus and deductions as data are being added to 清单.json; until an
archive carries them, the claims and notes are read from its 自评得分表.xlsx and the
bonus and deduction items as points from the same sheet. Facts are then unknown, so
only the reviewer's system data decide the fact-bound criteria.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dossier.errors import InputError
from dossier.pack import CONTENTS_NAME

_CODE = re.compile(r"^\s*(\d+\.\d+\.\d+|[BD]\d+)(?=\s|$)")


@dataclass(frozen=True)
class Claim:
    points: Decimal | None
    note: str = ""


@dataclass
class Submission:
    unit: str
    year: int
    standard: str
    claimed_total: str
    claimed_grade: str
    claims: dict[str, Claim]
    evidence: dict[str, int]  # criterion / B / D code → evidence items
    pages: dict[str, str]  # code → binder page range "12–15"
    facts: dict | None = None  # None: the archive does not say
    bonus: dict | None = None
    deductions: dict | None = None
    extra_points: dict[str, Decimal] = field(default_factory=dict)  # B/D code → claimed points
    files: dict[str, str] = field(default_factory=dict)  # role → path inside the bag


def read_submission(bag: Path) -> Submission:
    """Read an extracted, verified bag (the folder holding ``data/``)."""
    path = bag / "data" / CONTENTS_NAME
    try:
        contents = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"归档包中的 {CONTENTS_NAME} 无法读取（{exc}）。", path=path,
                         hint="请报送单位重新打包后报送。") from None
    files = {o["role"]: o["path"] for o in contents.get("outputs", [])}
    evidence: dict[str, int] = {}
    for item in contents.get("items", []):
        evidence[item["code"]] = evidence.get(item["code"], 0) + 1
    score = contents.get("score") or {}
    # dossier-archive/2 carries the manifest as data; an older archive only its sheet
    manifest = contents.get("manifest") if isinstance(contents.get("manifest"), dict) else {}
    sub = Submission(unit=contents["unit"], year=int(contents["year"]),
                     standard=contents.get("standard", ""),
                     claimed_total=str(score.get("total", "")),
                     claimed_grade=str(score.get("grade", "")), claims={}, evidence=evidence,
                     pages={}, facts=manifest.get("facts"), bonus=manifest.get("bonus"),
                     deductions=manifest.get("deductions"), files=files)
    sheet_claims, extras = _sheet_claims(bag / files["sheet_xlsx"]) if "sheet_xlsx" in files \
        else ({}, {})
    if isinstance(manifest.get("claims"), dict):
        sub.claims = {code: _claim(value) for code, value in manifest["claims"].items()}
    else:
        sub.claims = sheet_claims
    sub.extra_points = extras
    binder = files.get("binder_pdf") or files.get("binder_pdf_1")
    if binder:
        sub.pages = binder_pages(bag / binder)
    return sub


def _claim(value) -> Claim:
    if isinstance(value, dict):
        points = value.get("points")
        return Claim(None if points is None else Decimal(str(points)), str(value.get("note") or ""))
    return Claim(None if value is None else Decimal(str(value)))


def _sheet_claims(path: Path) -> tuple[dict[str, Claim], dict[str, Decimal]]:
    """Claims and notes per criterion, and bonus/deduction points, from 自评得分表.xlsx."""
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=False, read_only=True)
    ws = book.active
    rows = list(ws.iter_rows(values_only=True))
    book.close()
    header = next((i for i, r in enumerate(rows[:12]) if r and "评价标准" in r), None)
    if header is None:
        return {}, {}
    cols = {str(v): i for i, v in enumerate(rows[header]) if v is not None}
    claims: dict[str, Claim] = {}
    extras: dict[str, Decimal] = {}
    for r in rows[header + 1:]:
        m = _CODE.match(str(r[cols["评价标准"]] or ""))
        if not m:
            continue
        value = r[cols["自评得分"]]
        points = None if value is None or isinstance(value, str) else Decimal(repr(value))
        if m.group(1)[0] in "BD":
            extras[m.group(1)] = abs(points or Decimal(0))
        else:
            note = r[cols["自评说明"]] if "自评说明" in cols else None
            claims[m.group(1)] = Claim(points, str(note or ""))
    return claims, extras


def binder_pages(pdf_path: Path) -> dict[str, str]:
    """The binder's page range per criterion and extra item, from its bookmarks.

    Pages are the numbers printed on them (the page labels), so the reviewer types what
    the sheet says into the viewer's page box.
    """
    from pypdf import PdfReader

    reader = PdfReader(str(pdf_path))
    flat: list[tuple[int, str, int]] = []

    def walk(nodes, depth: int) -> None:
        for node in nodes:
            if isinstance(node, list):
                walk(node, depth + 1)
            else:
                flat.append((depth, str(node.title), reader.get_destination_page_number(node)))

    walk(reader.outline, 0)
    labels = reader.page_labels
    out: dict[str, str] = {}
    for i, (depth, title, first) in enumerate(flat):
        m = _CODE.match(title)
        if not m:
            continue
        nxt = next((p for d, _, p in flat[i + 1:] if d <= depth), len(reader.pages))
        last = max(first, nxt - 1)
        a, b = labels[first], labels[last]
        out[m.group(1)] = a if a == b else f"{a}–{b}"
    return out
