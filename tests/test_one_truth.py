"""One truth in every output: a messy year built and packed, then every output read back.

Each figure (total, grade, evidence items, evidence pages, binder pages) and the list of
criteria is read from every place a person sees it — console, cover, PDF outline, Word
binder, report DOCX and PDF, score sheet, bag-info, ``verify`` — and must agree with
``score --format json`` and with the binder itself.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dossier import outputs
from dossier.standard import load_standard

from . import factories
from .conftest import REPO, run_dossier

pytestmark = pytest.mark.slow


def _outline_titles(outline) -> list[str]:
    titles = []
    for entry in outline:
        if isinstance(entry, list):
            titles += _outline_titles(entry)
        else:
            titles.append(entry.title)
    return titles


def _pdf_text(path: Path, pages: range | None = None) -> str:
    reader = PdfReader(str(path))
    chosen = pages if pages is not None else range(len(reader.pages))
    return "\n".join(reader.pages[i].extract_text() or "" for i in chosen)


@pytest.fixture(scope="module")
def messy_year(tmp_path_factory) -> dict:
    """The demo year plus the files a clerk collects (PowerPoint, an empty file), built and packed."""
    ws = tmp_path_factory.mktemp("truth") / "ws"
    ws.mkdir()
    for name in ("manifests", "evidence", "templates"):
        shutil.copytree(REPO / name, ws / name)
    evidence = ws / "evidence" / "2022"
    factories.pptx(next(evidence.glob("1.2 */1.2.1 *")) / "党课课件.pptx")
    factories.owner_password_pdf(next(evidence.glob("2.2 */2.2.1 *")) / "网站下载的通知.pdf")
    factories.jpeg(next(evidence.glob("3.1 */3.1.2 *")) / "IMG_20220315_091233.jpg")
    score = json.loads(run_dossier("-C", str(ws), "score", "--format", "json").stdout)
    built = run_dossier("-C", str(ws), "build")
    assert built.exit_code == 0, built.stderr
    packed = run_dossier("-C", str(ws), "pack", "--force")
    assert packed.exit_code == 0, packed.stderr
    archive = next((ws / "build" / "2022").glob("*.zip"))
    verified = run_dossier("verify", str(archive), "--format", "json")
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    return {"ws": ws, "score": score, "build_log": built.stderr, "archive": archive,
            "verify": json.loads(verified.stdout)}


def _path(ws: Path, role: str) -> Path:
    from dossier.project import load_project

    return outputs.output_path(load_project(ws), role)


def test_console_cover_and_binder_give_the_same_counts(messy_year):
    ws = messy_year["ws"]
    binder = _path(ws, "binder_pdf")
    pages = len(PdfReader(str(binder)).pages)
    m = re.search(r"完成：(\d+) 件佐证材料，(\d+) 页.*?共 (\d+) 页", messy_year["build_log"])
    assert m, messy_year["build_log"]
    items, evidence_pages, total_pages = map(int, m.groups())
    assert total_pages == pages
    cover = _pdf_text(binder, range(1))
    assert f"{items} 件" in cover and f"（{evidence_pages} 页）" in cover and f"共 {pages} 页" in cover
    info = (zipfile.ZipFile(messy_year["archive"]).read(
        next(n for n in zipfile.ZipFile(messy_year["archive"]).namelist()
             if n.endswith("/bag-info.txt"))).decode("utf-8"))
    assert f"Evidence-Items: {items}\n" in info


def test_every_output_states_the_same_total_and_grade(messy_year):
    ws, score = messy_year["ws"], messy_year["score"]
    total, grade = Decimal(str(score["total"])), score["grade"]
    shown = f"{total.normalize():f}"

    report_docx = "\n".join(p.text for p in docx.Document(str(_path(ws, "report_docx"))).paragraphs)
    assert re.search(rf"自评总分(?:为)?\s*{re.escape(shown)}\s*分", report_docx), report_docx[:2000]
    assert grade in report_docx
    report_pdf = _pdf_text(_path(ws, "report_pdf")).replace(" ", "")
    assert f"{shown}分" in report_pdf and grade in report_pdf

    sheet = load_workbook(_path(ws, "sheet_xlsx"), data_only=True).active
    grades = {"规范化示范单位", "规范化单位", "未达标"}
    stated_total = stated_grade = None
    for row in sheet.iter_rows(values_only=True):
        cells = [c for c in row if c is not None]
        if cells and cells[0] == outputs.TOTAL:
            stated_total = next(c for c in cells[1:] if isinstance(c, (int, float)))
        if cells and cells[0] == outputs.GRADE:
            stated_grade = next(c for c in cells[1:] if c in grades)
    assert Decimal(str(stated_total)) == total and stated_grade == grade

    binder_front = _pdf_text(_path(ws, "binder_pdf"), range(6)).replace(" ", "")
    assert shown in binder_front

    archive = zipfile.ZipFile(messy_year["archive"])
    info = archive.read(next(n for n in archive.namelist() if n.endswith("/bag-info.txt"))).decode()
    assert f"Claimed-Score: {score['total']}" in info or f"Claimed-Score: {shown}" in info
    assert f"Grade: {grade}" in info
    summary = messy_year["verify"]["summary"]
    assert Decimal(str(summary["score"])) == total and summary["grade"] == grade


def test_both_binders_list_all_78_criteria_and_the_extra_items(messy_year):
    ws = messy_year["ws"]
    standard = load_standard()
    codes = [c.code for c in standard.criteria()] + [e.code for e in (*standard.bonus,
                                                                        *standard.deductions)]
    assert len(codes) == 78 + 4
    outline = " ".join(_outline_titles(PdfReader(str(_path(ws, "binder_pdf"))).outline))
    word = docx.Document(str(_path(ws, "binder_docx")))
    word_text = "\n".join(p.text for p in word.paragraphs)
    for code in codes:
        pattern = rf"(?<![\d.]){re.escape(code)}(?![\d.])"
        assert re.search(pattern, outline), f"{code} missing from the PDF bookmarks"
        assert re.search(pattern, word_text), f"{code} missing from the Word binder"


def test_the_same_items_in_the_binder_the_archive_and_verify(messy_year):
    archive = zipfile.ZipFile(messy_year["archive"])
    contents = json.loads(archive.read(next(n for n in archive.namelist()
                                            if n.endswith("/清单.json"))))
    numbers = [item["number"] for item in contents["items"]]
    outline = " ".join(_outline_titles(PdfReader(str(_path(messy_year["ws"], "binder_pdf"))).outline))
    for number in numbers:
        assert number in outline, number
    assert contents["counts"]["items"] == len(numbers)
