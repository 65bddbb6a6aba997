"""Evidence pages as pictures for the Word binder, kept across builds.

Evidence pages have no Word form, so each page is a picture: a photo is the JPEG that
the image converter already put in its PDF (downscaled only if larger than needed);
a scanned page (one JPEG drawn over the whole page, nothing else: ``scan_page``) is
decoded straight from its JPEG at a reduced DCT scale (``Image.draft``) and shrunk to
the size pdfium would render it at: ≈ 15 ms a page instead of pdfium's ≈ 24 ms, and
300-dpi scans are most evidence pages (medium bench: 2,774 of 3,565; cold Word binder
49 s → 35 s on 2 cores, text as legible). Every other page (text PDFs, Office files,
placeholders, anything unusual) is rendered from its converted PDF with pypdfium2 at
``RENDER_DPI``. Either way a clean page becomes a 4-bit PNG, a scan a JPEG (greyscale
unless it has colour: red seals stay red); see ``save_page_image``. Measured on the
demo workspace: ≈ 39 KB per page overall.

Rendering is most of the binder's time (15–25 ms a page), so the pictures are cached
per converted PDF in the one cache store (``<cache>/docx-pages/<key>/`` plus
``<key>.json``): the key hashes the converted PDF's file name (itself content hash + kind
+ converter version), ``RENDER_VERSION``, every setting below and the drawing packages'
versions, so a warm build renders nothing and a changed file renders only its own pages.
The entry's sidecar is written last, atomically, and records the PDF's size and mtime: an interrupted render, or a placeholder page
rewritten in place (a renamed file), is rendered again, never half used. A cold build
renders the missing entries on all cores first (``PageCache.prepare``).

A page pdfium cannot render becomes a placeholder picture that says so (counted in
``PageImage.broken``); it does not stop the build.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from docx.shared import Emu
from PIL import Image, ImageChops, ImageDraw, ImageFont

from dossier import cachestore, children, stages
from dossier.tools import fonts

log = logging.getLogger(__name__)

RENDER_VERSION = "2"  # bump when a change below alters the pictures
RENDER_DPI = 100  # page images: above what 100 % zoom shows (the page is shown at 77 %)
JPEG_QUALITY = 60
PNG_LEVELS = 16  # 4-bit PNG: anti-aliased text stays smooth
_LEVEL_OF = [v * PNG_LEVELS // 256 for v in range(256)]
_GREY_RAMP = [c for i in range(PNG_LEVELS) for c in (i * 255 // (PNG_LEVELS - 1),) * 3]
CLEAN_WHITE_SHARE = 0.6  # share of pure-white pixels that marks a rendered (not scanned) page
PHOTO_DPI = 120  # a photo larger than this at its shown size is downscaled …
PHOTO_QUALITY = 70  # … and re-encoded at this quality
GREY_CHROMA = 40  # a pixel whose max−min channel exceeds this counts as coloured
GREY_SHARE = 0.0005  # a page with fewer coloured pixels than this share is stored grey
GREY_SAMPLE = 400  # pixels on the longer side looked at (nearest: thin red lines survive)

BROKEN_TITLE = "此页无法显示，原件见归档包"
A4_PX = (round(210 / 25.4 * RENDER_DPI), round(297 / 25.4 * RENDER_DPI))
TOOLS = ("pillow", "pypdfium2", "pikepdf")  # the drawing packages in the key
PARALLEL_PAGES = 40  # fewer pages to render (≈ 1 s) do not pay for starting worker processes
SCAN_FILTER = Image.Resampling.BOX  # scans shrunk from their JPEG: area average, as sharp as
# pdfium's at 100 % zoom and a third cheaper than BICUBIC (which enlarges a low-dpi scan)
SCAN_FIT_PT = 1.0  # the JPEG must cover the page to within this (points) on every side
SCAN_COPY_BITS = 3.0  # a scan JPEG at ≤ RENDER_DPI is copied as is up to these bits per pixel
_TRANSPOSE = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
              270: Image.Transpose.ROTATE_90}  # /Rotate turns clockwise, PIL anticlockwise


@dataclass(frozen=True)
class PageImage:
    """One evidence page as a picture file, and how large it is shown."""

    path: Path
    format: str  # "png" or "jpeg"
    px: tuple[int, int]
    emu: tuple[int, int]  # shown size, fitted into the page's box
    landscape: bool
    broken: str | None = None  # why pdfium could not render the page (a placeholder picture)


# -- pictures ------------------------------------------------------------------------------


def is_grey(im: Image.Image) -> bool:
    """Whether a page has (almost) no colour, so one channel is enough."""
    small = im.convert("RGB")
    small.thumbnail((GREY_SAMPLE, GREY_SAMPLE), Image.Resampling.NEAREST)
    r, g, b = small.split()
    high = ImageChops.lighter(ImageChops.lighter(r, g), b)
    low = ImageChops.darker(ImageChops.darker(r, g), b)
    coloured = sum(ImageChops.subtract(high, low).histogram()[GREY_CHROMA:])
    return coloured < GREY_SHARE * small.width * small.height


def save_page_image(im: Image.Image, base: Path) -> Path:
    """Store a rendered page compactly; returns the file written (``base`` + suffix).

    A clean page (rendered text: mostly pure white) becomes a 4-bit PNG — 16 greys, or
    16 colours when it has colour (a red 红头) — half the size of a JPEG and without
    JPEG's smudges around characters. A scan (noisy background) becomes a JPEG, grey
    unless it has colour (red seals stay red).
    """
    grey = im.convert("L")
    clean = grey.histogram()[255] >= CLEAN_WHITE_SHARE * grey.width * grey.height
    colour = im.mode != "L" and not is_grey(im)
    if clean:
        out = base.with_suffix(".png")
        if colour:
            indexed = im.convert("RGB").quantize(PNG_LEVELS, method=Image.Quantize.FASTOCTREE)
        else:
            levels = grey.point(_LEVEL_OF)
            indexed = Image.frombytes("P", levels.size, levels.tobytes())
            indexed.putpalette(_GREY_RAMP)
        indexed.save(out, "PNG", bits=4)
        return out
    out = base.with_suffix(".jpeg")
    (im.convert("RGB") if colour else grey).save(out, "JPEG", quality=JPEG_QUALITY,
                                                 optimize=True)
    return out


def _photo_jpeg(pdf_path: Path, out: Path, box: tuple[int, int]) -> tuple[int, int] | None:
    """The photo inside an image converter's page, as JPEG in ``out``; None when the page
    is not a single JPEG picture (a placeholder, say): then it is rendered instead."""
    with pikepdf.open(pdf_path) as doc:
        page = doc.pages[0]
        found = page.get_images(recursive=False) if hasattr(page, "get_images") else page.images
        images = list(found.values())
        if len(doc.pages) != 1 or len(images) != 1:
            return None
        xobject = images[0]
        if xobject.get("/Filter") != pikepdf.Name.DCTDecode:
            return None
        data = xobject.read_raw_bytes()
    with Image.open(io.BytesIO(data)) as im:
        size = im.size
        side = box[0] if im.width >= im.height else box[1]
        longest = max(1, round(Emu(side).inches * PHOTO_DPI))
        if max(size) <= longest:
            out.write_bytes(data)
            return size
        im.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        im.save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True)
        return im.size


def _render_page(page, base: Path) -> tuple[Path, tuple[int, int]]:
    bitmap = page.render(scale=RENDER_DPI / 72)
    im = bitmap.to_pil()
    try:
        return save_page_image(im, base), im.size
    finally:
        im.close()
        bitmap.close()


# -- scanned pages straight from their JPEG ------------------------------------------------


@dataclass(frozen=True)
class ScanPage:
    """A page that only draws one JPEG over the whole page: a scan."""

    jpeg: bytes
    mode: str  # "L" or "RGB", as the JPEG decodes
    size: tuple[int, int]  # the JPEG's pixels
    rotate: int  # the page's /Rotate: 0, 90, 180 or 270, clockwise
    px: tuple[int, int]  # the size pdfium renders the page at RENDER_DPI (after /Rotate)


def _inherited(obj, key: str):
    """A page attribute, looked up the /Parent chain as PDF inheritance says."""
    for _ in range(64):
        if key in obj:
            return obj[key]
        if "/Parent" not in obj:
            return None
        obj = obj.Parent
    return None


def _f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def render_size(width_pt: float, height_pt: float, rotate: int) -> tuple[int, int]:
    """The pixel size pypdfium2 renders a page at RENDER_DPI: pdfium measures the page in
    32-bit floats, pypdfium2 rounds up."""
    w, h = _f32(width_pt), _f32(height_pt)
    if rotate in (90, 270):
        w, h = h, w
    scale = RENDER_DPI / 72
    return math.ceil(w * scale), math.ceil(h * scale)


def scan_page(page: pikepdf.Page) -> ScanPage | None:
    """The JPEG of a scanned page, or None for any page that is more than that.

    Conservative on purpose: one DeviceGray/DeviceRGB 8-bit DCTDecode image without mask,
    decode array or parameters, drawn (``cm`` … ``Do``, nothing else) unrotated and
    covering the whole page; no annotations, no crop box. Anything else is rendered.
    """
    obj = page.obj
    rotate, box = _inherited(obj, "/Rotate") or 0, _inherited(obj, "/MediaBox")
    if not isinstance(rotate, int) or rotate % 90 or box is None or len(box) != 4 \
            or _inherited(obj, "/CropBox") not in (None, box) or obj.get("/Annots"):
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    resources = _inherited(obj, "/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    if x1 <= x0 or y1 <= y0 or xobjects is None or len(xobjects) != 1:
        return None
    (name, image), = xobjects.items()
    if not _plain_jpeg(image):
        return None
    drawn = [(list(i.operands), str(i.operator)) for i in pikepdf.parse_content_stream(obj)]
    ops = [op for _, op in drawn if op not in ("q", "Q")]
    depth = [op for _, op in drawn if op in ("q", "Q")]
    if ops != ["cm", "Do"] or depth.count("q") != depth.count("Q"):
        return None
    cm = next(operands for operands, op in drawn if op == "cm")
    a, b, c, d, e, f = (float(v) for v in cm)
    do = next(operands for operands, op in drawn if op == "Do")
    if do != [pikepdf.Name(name)] or b or c or a <= 0 or d <= 0 or max(
            abs(e - x0), abs(f - y0), abs(e + a - x1), abs(f + d - y1)) > SCAN_FIT_PT:
        return None
    data = image.read_raw_bytes()
    with Image.open(io.BytesIO(data)) as im:
        mode, size = im.mode, im.size
    expected = "L" if image.ColorSpace == pikepdf.Name.DeviceGray else "RGB"
    if mode != expected or size != (int(image.Width), int(image.Height)):
        return None
    rotate %= 360
    return ScanPage(data, mode, size, rotate, render_size(x1 - x0, y1 - y0, rotate))


def _plain_jpeg(image) -> bool:
    if not isinstance(image, pikepdf.Stream) or image.get("/Subtype") != pikepdf.Name.Image:
        return False
    filters = image.get("/Filter")
    if isinstance(filters, pikepdf.Array) and len(filters) == 1:
        filters = filters[0]
    return (filters == pikepdf.Name.DCTDecode and image.get("/BitsPerComponent") == 8
            and image.get("/ColorSpace") in (pikepdf.Name.DeviceGray, pikepdf.Name.DeviceRGB)
            and not image.get("/ImageMask")
            and not any(k in image for k in ("/Decode", "/DecodeParms", "/SMask", "/Mask")))


def scan_picture(scan: ScanPage, base: Path) -> tuple[Path, tuple[int, int]]:
    """The scan's picture at the size pdfium would render it, without rendering: a JPEG
    at or under RENDER_DPI is copied as is (unless rotated, larger than usual, or colour
    in a grey page); a larger one is decoded at the DCT scale just above the target
    (``draft``: 1/2, 1/4, 1/8), resized, turned by /Rotate and stored as a render is."""
    target = scan.px if scan.rotate in (0, 180) else (scan.px[1], scan.px[0])
    with Image.open(io.BytesIO(scan.jpeg)) as im:
        small = scan.size[0] <= target[0] and scan.size[1] <= target[1]
        if small and not scan.rotate and \
                len(scan.jpeg) * 8 <= SCAN_COPY_BITS * scan.size[0] * scan.size[1] and \
                (scan.mode == "L" or not is_grey(im)):
            out = base.with_suffix(".jpeg")
            out.write_bytes(scan.jpeg)
            return out, scan.size
        drafted = im.draft(scan.mode, target)
        box = drafted[1] if drafted else (0, 0, *im.size)
        if im.size == target and tuple(box[2:]) == im.size:
            picture = im.copy()
        else:
            shrink = im.width >= target[0] and im.height >= target[1]
            picture = im.resize(target, SCAN_FILTER if shrink else Image.Resampling.BICUBIC,
                                box=box)
    if scan.rotate:
        picture = picture.transpose(_TRANSPOSE[scan.rotate])
    try:
        return save_page_image(picture, base), picture.size
    finally:
        picture.close()


@functools.cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    face = fonts.resolve_font("黑体") or fonts.resolve_font("宋体")
    if face is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(face.path), size, index=face.index)


def broken_page_image(base: Path, page_no: int) -> tuple[Path, tuple[int, int]]:
    """An A4 picture saying that page ``page_no`` could not be shown (text in Chinese)."""
    im = Image.new("L", A4_PX, 255)
    draw = ImageDraw.Draw(im)
    w, h = A4_PX
    draw.rectangle((40, 40, w - 41, h - 41), outline=160, width=2)
    lines = [(BROKEN_TITLE, 36, 0), (f"（本文件第 {page_no} 页的页面数据损坏，无法渲染）", 22, 110)]
    for text, size, dy in lines:
        draw.text((w // 2, h // 3 + dy), text, fill=0, font=_font(size), anchor="mm")
    return save_page_image(im, base), im.size


def fit(size_px: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """Picture size in EMU that fills ``box`` (EMU) keeping the aspect ratio."""
    w, h = size_px
    scale = min(box[0] / w, box[1] / h)
    return int(w * scale), int(h * scale)


# -- the cache -----------------------------------------------------------------------------


class PageCache:
    """Page pictures per converted PDF: entries of the ``docx-pages`` area of the one
    cache store (``dossier.cachestore``: its key recipe and commit protocol; the payload
    is a folder of pictures, the sidecar lists them and is written last).

    ``boxes`` are the (portrait, landscape) areas in EMU a page picture is fitted into;
    they are part of the key, like every rendering setting and the drawing packages.
    """

    def __init__(self, cache_dir: Path, boxes: tuple[tuple[int, int], tuple[int, int]]):
        self.store = cachestore.Store(Path(cache_dir) / "docx-pages")
        self.root = self.store.root
        self.boxes = boxes
        self._inputs = {
            "settings": [RENDER_DPI, JPEG_QUALITY, PNG_LEVELS, CLEAN_WHITE_SHARE, PHOTO_DPI,
                         PHOTO_QUALITY, GREY_CHROMA, GREY_SHARE, GREY_SAMPLE, SCAN_FILTER.name,
                         SCAN_FIT_PT, SCAN_COPY_BITS, [list(b) for b in boxes]],
            "tools": cachestore.tools_identity(TOOLS), "pdfium": str(pdfium.PDFIUM_INFO)}
        self.rendered = 0  # pages rendered (not taken from the cache) by this instance …
        self.direct = 0  # … of which scans taken from their JPEG, not rendered by pdfium

    def name(self, pdf: Path, photo: bool) -> str:
        """The entry of ``pdf``'s pictures: its file name is the converted content's key."""
        return cachestore.digest("docx-pages", RENDER_VERSION,
                                 dict(self._inputs, pdf=Path(pdf).name, photo=photo))[:32]

    def pages(self, pdf: Path, *, photo: bool, expected: int) -> list[PageImage]:
        """The pictures of every page of ``pdf``, rendered now only when not cached.

        ``expected`` is the page count to show when the PDF cannot be opened at all.
        Raises OSError only when the cache folder cannot be written.
        """
        pdf = Path(pdf)
        name = self.name(pdf, photo)
        stamp = _stamp(pdf)
        cached = self._read(name, pdf, stamp) if stamp else None
        if cached is not None:
            return cached
        return self._render(name, pdf, photo, expected, stamp)

    def prepare(self, wanted: list[tuple[Path, bool, int]], jobs: int) -> None:
        """Render the entries missing for ``wanted`` (pdf, photo, expected) on ``jobs``
        processes, so a cold build uses every core; ``pages`` then finds them cached.

        Anything that goes wrong here is left to ``pages``, which tries again and reports.
        """
        missing = [w for w in dict.fromkeys(wanted)
                   if (stamp := _stamp(w[0])) is None
                   or self._read(self.name(w[0], w[1]), Path(w[0]), stamp) is None]
        if jobs < 2 or len(missing) < 2 or sum(w[2] for w in missing) < PARALLEL_PAGES:
            return
        try:
            with children.process_pool(min(jobs, len(missing))) as pool:
                for rendered, direct in pool.map(_prepare_one, [self] * len(missing), missing):
                    self.rendered += rendered
                    self.direct += direct
        except Exception:  # noqa: BLE001 - pages() renders it again and reports what fails
            log.debug("rendering page pictures in parallel failed", exc_info=True)

    def _read(self, name: str, pdf: Path, stamp: list[int]) -> list[PageImage] | None:
        data = self.store.read(name, payload=False)
        try:
            if data is None or data["pdf"] != pdf.name or data["stamp"] != stamp:
                return None
            entry = self.store.folder(name)
            pages = [self._page(entry, p) for p in data["pages"]]
        except (ValueError, KeyError, TypeError):
            return None
        return pages if pages and all(p.path.is_file() for p in pages) else None

    def _page(self, entry: Path, p: dict) -> PageImage:
        px = (int(p["px"][0]), int(p["px"][1]))
        emu = (int(p["emu"][0]), int(p["emu"][1]))
        return PageImage(entry / p["file"], p["format"], px, emu, bool(p["landscape"]),
                         p.get("broken"))

    def _render(self, name: str, pdf: Path, photo: bool, expected: int,
                stamp: list[int] | None) -> list[PageImage]:
        entry = self.store.folder(name, fresh=True)  # no sidecar: nothing half-written is used
        pages = []
        for path, px, broken, direct in page_pictures(pdf, entry, photo=photo,
                                                      expected=expected, box=self.boxes[0]):
            landscape = px[0] > px[1] and not photo
            emu = fit(px, self.boxes[1] if landscape else self.boxes[0])
            pages.append(PageImage(path, path.suffix.lstrip("."), px, emu, landscape, broken))
            self.rendered += 1
            self.direct += direct
        if stamp is not None:  # the converted PDF's size and mtime: rewritten in place → again
            self.store.commit(name, {"pdf": pdf.name, "stamp": stamp, "pages": [
                {"file": p.path.name, "format": p.format, "px": list(p.px), "emu": list(p.emu),
                 "landscape": p.landscape, "broken": p.broken} for p in pages]})
        return pages


_PIKEPDF_ERRORS = (pikepdf.PdfError, OSError, ValueError, TypeError, AttributeError,
                   Image.DecompressionBombError)


def page_pictures(pdf: Path, entry: Path, *, photo: bool = False, expected: int = 1,
                  box: tuple[int, int] = A4_PX, scans: bool = True,
                  ) -> Iterator[tuple[Path, tuple[int, int], str | None, bool]]:
    """(file, pixel size, broken reason, taken from the scan's JPEG) for each page of
    ``pdf``, written into ``entry``; ``scans=False`` renders every page with pdfium.

    ``box`` (EMU) is where a photo is shown; ``expected`` the page count to show when the
    PDF cannot be opened.
    """
    if photo:
        out = entry / "p0001.jpeg"
        try:
            size = _photo_jpeg(pdf, out, box)
        except _PIKEPDF_ERRORS as exc:
            log.debug("photo not taken from %s: %s", pdf, exc)
            size = None
        if size is not None:
            yield out, size, None, False
            return
    try:
        doc = pdfium.PdfDocument(str(pdf))
    except (pdfium.PdfiumError, OSError) as exc:
        reason = f"无法打开转换后的PDF（{exc}）"
        for index in range(max(1, expected)):
            yield *broken_page_image(entry / f"p{index + 1:04d}", index + 1), reason, False
        return
    try:
        count = len(doc)
        with _scan_source(pdf if scans else None, count) as direct:
            for index in range(count):
                base = entry / f"p{index + 1:04d}"
                picture = direct(index, base)
                if picture is not None:
                    yield *picture, None, True
                    continue
                try:
                    page = doc[index]
                    try:
                        out, size = _render_page(page, base)
                    finally:
                        page.close()
                except pdfium.PdfiumError as exc:
                    yield (*broken_page_image(base, index + 1),
                           f"第 {index + 1} 页无法渲染（{exc}）", False)
                    continue
                yield out, size, None, False
        if count == 0:
            yield *broken_page_image(entry / "p0001", 1), "转换后的PDF没有页面", False
    finally:
        doc.close()


@contextlib.contextmanager
def _scan_source(pdf: Path | None, count: int):
    """``direct(index, base)``: page ``index``'s picture taken from its scan JPEG, or None
    when the page is not a plain scan (or anything fails): pdfium renders it then. Only
    when pikepdf sees the same pages as pdfium."""
    doc = None
    if pdf is not None:
        try:
            doc = pikepdf.open(pdf)
        except _PIKEPDF_ERRORS as exc:
            log.debug("scan pages of %s not read: %s", pdf, exc)

    def direct(index: int, base: Path) -> tuple[Path, tuple[int, int]] | None:
        try:
            scan = scan_page(doc.pages[index])
            return scan_picture(scan, base) if scan is not None else None
        except _PIKEPDF_ERRORS as exc:
            log.debug("page %d of %s is rendered: %s", index + 1, pdf, exc)
            for suffix in (".jpeg", ".png"):
                base.with_suffix(suffix).unlink(missing_ok=True)
            return None

    try:
        yield direct if doc is not None and len(doc.pages) == count else (lambda i, b: None)
    finally:
        if doc is not None:
            doc.close()


def _stamp(pdf: Path) -> list[int] | None:
    try:
        st = Path(pdf).stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


@stages.timed("binder_docx.pictures.render")
def _prepare_one(cache: PageCache, wanted: tuple[Path, bool, int]) -> tuple[int, int]:
    pdf, photo, expected = wanted
    rendered, direct = cache.rendered, cache.direct  # this worker's copy of the counts
    cache.pages(pdf, photo=photo, expected=expected)
    return cache.rendered - rendered, cache.direct - direct
