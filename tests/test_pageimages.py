"""Scanned pages taken straight from their JPEG, compared with pdfium rendering them.

The scans are real PDFs made here with Pillow and pikepdf the way scanners write them:
one JPEG image XObject drawn over the whole page (``q w 0 0 h 0 0 cm /Im0 Do Q``).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from dossier.builders import pageimages

A4_PT = (595.28, 841.89)


def scan_jpeg(size: tuple[int, int], mode: str = "L", *, seal: bool = False) -> bytes:
    """A scan-like page: off-white paper, lines of "text", a dark block in the top-left
    corner (so a page turned the wrong way is caught) and, for ``seal``, a red circle."""
    im = Image.new(mode, size, 235 if mode == "L" else (235, 233, 228))
    draw = ImageDraw.Draw(im)
    w, h = size
    draw.rectangle((w // 12, h // 14, w // 3, h // 6), fill=20 if mode == "L" else (20, 20, 20))
    for row in range(8, 40):
        y = row * h // 44
        draw.line((w // 10, y, w * 9 // 10, y), fill=60 if mode == "L" else (60, 60, 60),
                  width=max(1, w // 400))
    if seal:
        draw.ellipse((w // 2, h // 2, w * 3 // 4, h // 2 + w // 4), outline=(210, 20, 20),
                     width=max(2, w // 150))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def scan_pdf(path: Path, jpeg: bytes, page_pt: tuple[float, float] = A4_PT, *,
             rotate: int = 0, content: str | None = None, annotate: bool = False) -> Path:
    """A one-page PDF drawing ``jpeg`` over the whole page (or ``content`` instead)."""
    with Image.open(io.BytesIO(jpeg)) as im:
        size, mode = im.size, im.mode
    doc = pikepdf.new()
    page = doc.add_blank_page(page_size=page_pt)
    image = pikepdf.Stream(doc, jpeg)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = size
    image.ColorSpace = pikepdf.Name.DeviceGray if mode == "L" else pikepdf.Name.DeviceRGB
    image.BitsPerComponent = 8
    image.Filter = pikepdf.Name.DCTDecode
    resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    if content is not None:
        resources.Font = pikepdf.Dictionary(F1=pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    page.Resources = resources
    w, h = page_pt
    page.Contents = doc.make_stream(
        (content or f"q {w} 0 0 {h} 0 0 cm /Im0 Do Q").encode())
    if rotate:
        page.Rotate = rotate
    if annotate:
        page.Annots = doc.make_indirect(pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Square,
            Rect=[100, 100, 300, 300], C=[1, 0, 0])]))
    doc.save(path)
    return path


def pictures(pdf: Path, out: Path, *, scans: bool) -> list[tuple[Path, tuple[int, int], bool]]:
    out.mkdir(parents=True, exist_ok=True)
    return [(path, px, direct) for path, px, broken, direct
            in pageimages.page_pictures(pdf, out, scans=scans) if broken is None]


def _difference(a: Path, b: Path) -> float:
    """Mean grey difference of two pictures shrunk to 100 px (0 same … 255 opposite)."""
    with Image.open(a) as x, Image.open(b) as y:
        small = (100, round(100 * x.height / x.width))
        return ImageStat.Stat(ImageChops.difference(
            x.convert("L").resize(small), y.convert("L").resize(small))).mean[0]


A4_300 = (2480, 3508)


@pytest.mark.parametrize(("name", "jpeg_size", "page_pt", "rotate"), [
    ("portrait", A4_300, A4_PT, 0),
    ("rotated", A4_300, A4_PT, 90),
    ("rotated-270", A4_300, A4_PT, 270),
    ("landscape", A4_300[::-1], A4_PT[::-1], 0),
    ("150dpi-rotated", (1240, 1754), A4_PT, 90),
])
def test_a_scan_is_taken_from_its_jpeg_at_pdfiums_size_and_orientation(
        tmp_path, name, jpeg_size, page_pt, rotate):
    pdf = scan_pdf(tmp_path / f"{name}.pdf", scan_jpeg(jpeg_size), page_pt, rotate=rotate)
    ((direct_path, direct_px, direct),) = pictures(pdf, tmp_path / "direct", scans=True)
    ((rendered_path, rendered_px, rendered),) = pictures(pdf, tmp_path / "pdfium", scans=False)
    assert direct and not rendered
    assert direct_px == rendered_px
    with Image.open(direct_path) as im:
        assert im.size == direct_px and im.mode == "L" and direct_path.suffix == ".jpeg"
    landscape = (page_pt[0] > page_pt[1]) != (rotate in (90, 270))
    assert (direct_px[0] > direct_px[1]) == landscape
    assert _difference(direct_path, rendered_path) < 4  # same picture, same way up
    scan = scan_pdf(tmp_path / "other.pdf", scan_jpeg(jpeg_size), page_pt, rotate=rotate + 180)
    ((other, _, _),) = pictures(scan, tmp_path / "other", scans=True)
    assert _difference(other, rendered_path) > 10  # the comparison would see a wrong turn


def test_a_colour_scan_keeps_its_red_seal_and_a_grey_rgb_scan_is_stored_grey(tmp_path):
    seal = scan_pdf(tmp_path / "seal.pdf", scan_jpeg(A4_300, "RGB", seal=True))
    ((path, _, direct),) = pictures(seal, tmp_path / "seal", scans=True)
    with Image.open(path) as im:
        assert direct and im.mode == "RGB"
    grey = scan_pdf(tmp_path / "grey.pdf", scan_jpeg(A4_300, "RGB"))
    ((path, _, direct),) = pictures(grey, tmp_path / "grey", scans=True)
    with Image.open(path) as im:
        assert direct and im.mode == "L"


def test_a_scan_at_or_under_the_render_dpi_is_copied_as_it_is(tmp_path):
    jpeg = scan_jpeg((700, 990))  # ≈ 85 dpi on A4
    pdf = scan_pdf(tmp_path / "low.pdf", jpeg)
    ((path, px, direct),) = pictures(pdf, tmp_path / "low", scans=True)
    assert direct and path.read_bytes() == jpeg and px == (700, 990)
    rotated = scan_pdf(tmp_path / "low-rotated.pdf", jpeg, rotate=90)  # must be turned
    ((path, px, direct),) = pictures(rotated, tmp_path / "low-rotated", scans=True)
    ((_, rendered_px, _),) = pictures(rotated, tmp_path / "low-pdfium", scans=False)
    assert direct and path.read_bytes() != jpeg and px == rendered_px


@pytest.mark.parametrize("case", ["text", "margin", "annotation", "two-draws"])
def test_a_page_that_is_more_than_one_scan_is_rendered_by_pdfium(tmp_path, case):
    w, h = A4_PT
    content = {
        "text": f"q {w} 0 0 {h} 0 0 cm /Im0 Do Q BT /F1 24 Tf 72 72 Td (Signed) Tj ET",
        "margin": f"q {w - 80} 0 0 {h - 80} 40 40 cm /Im0 Do Q",
        "two-draws": f"q {w} 0 0 {h} 0 0 cm /Im0 Do Q q 100 0 0 100 0 0 cm /Im0 Do Q",
        "annotation": None,
    }[case]
    pdf = scan_pdf(tmp_path / f"{case}.pdf", scan_jpeg((1240, 1754)), content=content,
                   annotate=case == "annotation")
    with pikepdf.open(pdf) as doc:
        assert pageimages.scan_page(doc.pages[0]) is None
    ((_, px, direct),) = pictures(pdf, tmp_path / case, scans=True)
    assert not direct and px == pageimages.render_size(w, h, 0)


def test_render_size_matches_pdfium_for_awkward_page_sizes(tmp_path):
    import pypdfium2 as pdfium

    for size in [(612, 792), (595.28, 841.89), (595.2, 841.92), (841.89, 1190.55), (360, 360.5)]:
        pdf = scan_pdf(tmp_path / "size.pdf", scan_jpeg((300, 300)), size)
        doc = pdfium.PdfDocument(str(pdf))
        try:
            page = doc[0]
            bitmap = page.render(scale=pageimages.RENDER_DPI / 72)
            assert (bitmap.width, bitmap.height) == pageimages.render_size(*size, 0), size
            bitmap.close()
            page.close()
        finally:
            doc.close()


def test_cold_page_cache_fills_are_byte_identical_and_count_direct_pages(tmp_path):
    pdfs = [scan_pdf(tmp_path / f"scan{i}.pdf", scan_jpeg(A4_300, "RGB", seal=i == 1),
                     rotate=90 * i) for i in range(3)]
    cache = pageimages.PageCache(tmp_path / "cache", ((5_000_000, 8_000_000),) * 2)

    def fill() -> dict[str, bytes]:
        shutil.rmtree(cache.root, ignore_errors=True)
        for pdf in pdfs:
            cache.pages(pdf, photo=False, expected=1)
        return {str(p.relative_to(cache.root)): p.read_bytes()
                for p in sorted(cache.root.rglob("*")) if p.is_file()}

    first = fill()
    assert cache.direct == cache.rendered == 3
    assert fill() == first
    prepared = pageimages.PageCache(tmp_path / "cache", ((5_000_000, 8_000_000),) * 2)
    shutil.rmtree(prepared.root)
    prepared.prepare([(pdf, False, pageimages.PARALLEL_PAGES) for pdf in pdfs], jobs=2)
    assert prepared.direct == prepared.rendered == 3  # counted in the worker processes
    assert {str(p.relative_to(cache.root)): p.read_bytes()
            for p in sorted(cache.root.rglob("*")) if p.is_file()} == first
