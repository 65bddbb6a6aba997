"""Every converted page is A4: larger pages scaled to fit, small ones centred, tiny ones enlarged.

The sample PDF is made here with fpdf2: each page gray to its edges, so that rendering the
converted page shows exactly where the original page went.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader

from dossier.convert import convert_files, pagesize
from tests import factories
from tests.test_binder_pdf import _text_pdf, build_binder, folder, make_workspace

A4P, A4L = (595, 842), (842, 595)
LETTER = (612.0, 792.0)
# name, size (pt), /Rotate, converted page (w, h), where the gray goes on it (x0, y0, x1, y1) in pt
PAGES = [
    ("letter", LETTER, 0, A4P, (0, 35.7, 595.3, 806.2)),
    ("small", (243.0, 337.0), 0, A4P, (176.1, 252.4, 419.1, 589.4)),
    ("tiny", (3.84, 3.84), 0, A4P, (42.5, 166.0, 552.8, 675.9)),
    ("a3", factories.A3_PT, 0, A4P, (0, 0, 595.3, 841.9)),
    ("rotated-a4", factories.A4_PT, 90, A4L, (0, 0, 841.9, 595.3)),
    ("rotated-letter", LETTER, 90, A4L, (35.7, 0, 806.2, 595.3)),
]


def _gray_page(path: Path, size: tuple[float, float], rotate: int) -> Path:
    from fpdf import FPDF

    doc = FPDF(unit="pt", format=size)
    doc.set_creation_date(factories._FIXED)
    doc.add_page()
    doc.set_fill_color(128, 128, 128)
    doc.rect(0, 0, size[0], size[1], style="F")
    doc.output(str(path))
    if rotate:
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            pdf.pages[0].obj.Rotate = rotate
            pdf.save(path)
    return path


def mixed_pdf(path: Path) -> Path:
    """One PDF whose pages are the sizes of ``PAGES``, in that order."""
    out = pikepdf.new()
    for name, size, rotate, *_ in PAGES:
        with pikepdf.open(_gray_page(path.with_name(f"{name}.pdf"), size, rotate)) as one:
            out.pages.extend(one.pages)
    out.save(path)
    return path


def _gray_box(pdf: Path, index: int, tmp: Path) -> tuple[tuple[int, int], tuple[int, ...]]:
    """Rendered page size and bounding box of its gray, in pt (rendered at 72 dpi)."""
    prefix = tmp / f"p{index}"
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", "-f", str(index + 1),
                    "-l", str(index + 1), str(pdf), str(prefix)], check=True)
    im = Image.open(prefix.with_suffix(".png")).convert("L")
    gray = im.point(lambda v: 255 if v < 200 else 0)
    return im.size, gray.getbbox()


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sizes")
    record = factories.evidence(mixed_pdf(tmp / "mixed.pdf"), "pdf")
    result = convert_files([record], tmp / "cache", jobs=1)[record.sha256]
    assert result.placeholder is None and result.pages == len(PAGES)
    return result.pdf


@pytest.mark.parametrize("index", range(len(PAGES)), ids=[p[0] for p in PAGES])
def test_every_page_is_a4_with_its_content_placed_by_the_rule(converted, tmp_path, index):
    name, _size, _rotate, shown, (x0, y0, x1, y1) = PAGES[index]
    page = PdfReader(converted).pages[index]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    if page.rotation % 180:
        w, h = h, w
    assert (round(w), round(h)) == shown, name
    size, box = _gray_box(converted, index, tmp_path)
    assert abs(size[0] - shown[0]) <= 1 and abs(size[1] - shown[1]) <= 1
    # pixel rows count from the top; PDF y from the bottom
    expected = (x0, shown[1] - y1, x1, shown[1] - y0)
    assert all(abs(a - b) <= 2 for a, b in zip(box, expected, strict=True)), (name, box, expected)


def test_a4_page_is_left_as_it_is():
    assert pagesize.is_a4((595.28, 841.89)) and pagesize.is_a4((841.89, 595.28))
    assert not pagesize.is_a4(LETTER)
    assert pagesize.placement((595.0, 842.0)) == pytest.approx((0, 0, 595, 842), abs=0.5)


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def test_binder_pages_are_all_a4_and_every_stamp_is_the_same_size(tmp_path):
    root = make_workspace(tmp_path / "ws")
    mixed = mixed_pdf(tmp_path / "mixed.pdf")
    (folder(root, "2.1.1") / "各种纸张.pdf").write_bytes(mixed.read_bytes())
    _text_pdf(folder(root, "2.1.1") / "小票.pdf", size=(243, 337))
    binder = build_binder(root)[0]
    reader = PdfReader(binder)
    for n, page in enumerate(reader.pages):
        w, h = sorted((round(float(page.mediabox.width)), round(float(page.mediabox.height))))
        assert (w, h) == A4P, f"page {n + 1} is {w}×{h} pt"
    bbox = subprocess.run(["pdftotext", "-bbox", str(binder), "-"], capture_output=True,
                          text=True, check=True).stdout
    heights = {round(float(m[3]) - float(m[1]), 1) for m in WORD.findall(bbox) if m[4] == "佐证"}
    assert len(heights) == 1, heights  # one stamp size on every evidence page
