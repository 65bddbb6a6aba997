"""Evidence pages as pictures for the Word binder, kept across builds.

Evidence pages have no Word form, so each page is a picture: a photo is the JPEG that
the image converter already put in its PDF (downscaled only if larger than needed);
every other page (scans, text PDFs, Office files, placeholders) is rendered from its
converted PDF with pypdfium2 at ``RENDER_DPI``: a clean rendered page becomes a 4-bit
PNG, a scan a JPEG (greyscale unless it has colour: red seals stay red); see
``save_page_image``. Measured on the demo workspace: ≈ 39 KB per page overall.

Rendering is most of the binder's time (≈ 25 ms a page), so the pictures are cached
per converted PDF in ``<cache>/docx-pages/<key>/``: the key hashes the converted PDF's
file name (itself content hash + kind + converter version), ``RENDER_VERSION``, every
setting below and the library versions, so a warm build renders nothing and a changed
file renders only its own pages. The entry's ``pages.json`` is written last, atomically,
and records the PDF's size and mtime: an interrupted render, or a placeholder page
rewritten in place (a renamed file), is rendered again, never half used. A cold build
renders the missing entries on all cores first (``PageCache.prepare``).

A page pdfium cannot render becomes a placeholder picture that says so (counted in
``PageImage.broken``); it does not stop the build.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import hashlib
import io
import json
import logging
import multiprocessing
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import PIL
import pypdfium2 as pdfium
from docx.shared import Emu
from PIL import Image, ImageChops, ImageDraw, ImageFont

from dossier.fsutil import write_text_atomic
from dossier.tools import fonts

log = logging.getLogger(__name__)

RENDER_VERSION = "1"  # bump when a change below alters the pictures
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
SIDECAR = "pages.json"
PARALLEL_PAGES = 40  # fewer pages to render (≈ 1 s) do not pay for starting worker processes


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
    colour = not is_grey(im)
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
    """Page pictures per converted PDF, under ``<cache_dir>/docx-pages``.

    ``boxes`` are the (portrait, landscape) areas in EMU a page picture is fitted into;
    they are part of the key, like every rendering setting.
    """

    def __init__(self, cache_dir: Path, boxes: tuple[tuple[int, int], tuple[int, int]]):
        self.root = Path(cache_dir) / "docx-pages"
        self.boxes = boxes
        settings = [RENDER_VERSION, RENDER_DPI, JPEG_QUALITY, PNG_LEVELS, CLEAN_WHITE_SHARE,
                    PHOTO_DPI, PHOTO_QUALITY, GREY_CHROMA, GREY_SHARE, GREY_SAMPLE,
                    [list(b) for b in boxes], PIL.__version__, str(pdfium.PDFIUM_INFO),
                    pikepdf.__version__]
        self._settings = json.dumps(settings)
        self.rendered = 0  # pages rendered (not taken from the cache) by this instance

    def entry_dir(self, pdf: Path, photo: bool) -> Path:
        key = f"{Path(pdf).name}\n{int(photo)}\n{self._settings}"
        return self.root / hashlib.sha256(key.encode()).hexdigest()[:32]

    def pages(self, pdf: Path, *, photo: bool, expected: int) -> list[PageImage]:
        """The pictures of every page of ``pdf``, rendered now only when not cached.

        ``expected`` is the page count to show when the PDF cannot be opened at all.
        Raises OSError only when the cache folder cannot be written.
        """
        pdf = Path(pdf)
        entry = self.entry_dir(pdf, photo)
        stamp = _stamp(pdf)
        cached = self._read(entry, pdf, stamp) if stamp else None
        if cached is not None:
            return cached
        return self._render(entry, pdf, photo, expected, stamp)

    def prepare(self, wanted: list[tuple[Path, bool, int]], jobs: int) -> None:
        """Render the entries missing for ``wanted`` (pdf, photo, expected) on ``jobs``
        processes, so a cold build uses every core; ``pages`` then finds them cached.

        Anything that goes wrong here is left to ``pages``, which tries again and reports.
        """
        missing = [w for w in dict.fromkeys(wanted)
                   if (stamp := _stamp(w[0])) is None
                   or self._read(self.entry_dir(w[0], w[1]), Path(w[0]), stamp) is None]
        if jobs < 2 or len(missing) < 2 or sum(w[2] for w in missing) < PARALLEL_PAGES:
            return
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
        try:
            with cf.ProcessPoolExecutor(min(jobs, len(missing)), mp_context=context) as pool:
                self.rendered += sum(pool.map(_prepare_one, [self] * len(missing), missing))
        except Exception:  # noqa: BLE001 - pages() renders it again and reports what fails
            log.debug("rendering page pictures in parallel failed", exc_info=True)


    def _read(self, entry: Path, pdf: Path, stamp: list[int]) -> list[PageImage] | None:
        try:
            data = json.loads((entry / SIDECAR).read_text(encoding="utf-8"))
            if data["pdf"] != pdf.name or data["stamp"] != stamp:
                return None
            pages = [self._page(entry, p) for p in data["pages"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return pages if pages and all(p.path.is_file() for p in pages) else None

    def _page(self, entry: Path, p: dict) -> PageImage:
        px = (int(p["px"][0]), int(p["px"][1]))
        emu = (int(p["emu"][0]), int(p["emu"][1]))
        return PageImage(entry / p["file"], p["format"], px, emu, bool(p["landscape"]),
                         p.get("broken"))

    def _render(self, entry: Path, pdf: Path, photo: bool, expected: int,
                stamp: list[int] | None) -> list[PageImage]:
        (entry / SIDECAR).unlink(missing_ok=True)  # no sidecar: nothing half-written is used
        shutil.rmtree(entry, ignore_errors=True)
        entry.mkdir(parents=True, exist_ok=True)
        pages = []
        for path, px, broken in _images(pdf, photo, entry, expected, self.boxes[0]):
            landscape = px[0] > px[1] and not photo
            emu = fit(px, self.boxes[1] if landscape else self.boxes[0])
            pages.append(PageImage(path, path.suffix.lstrip("."), px, emu, landscape, broken))
            self.rendered += 1
        if stamp is not None:
            data = {"pdf": pdf.name, "stamp": stamp, "pages": [
                {"file": p.path.name, "format": p.format, "px": list(p.px), "emu": list(p.emu),
                 "landscape": p.landscape, "broken": p.broken} for p in pages]}
            write_text_atomic(entry / SIDECAR, json.dumps(data, ensure_ascii=False) + "\n")
        return pages


def _images(pdf: Path, photo: bool, entry: Path, expected: int,
            box: tuple[int, int]) -> Iterator[tuple[Path, tuple[int, int], str | None]]:
    """(file, pixel size, broken reason) for each page, rendered into ``entry``."""
    if photo:
        out = entry / "p0001.jpeg"
        try:
            size = _photo_jpeg(pdf, out, box)
        except (pikepdf.PdfError, OSError, ValueError, Image.DecompressionBombError) as exc:
            log.debug("photo not taken from %s: %s", pdf, exc)
            size = None
        if size is not None:
            yield out, size, None
            return
    try:
        doc = pdfium.PdfDocument(str(pdf))
    except (pdfium.PdfiumError, OSError) as exc:
        reason = f"无法打开转换后的PDF（{exc}）"
        for index in range(max(1, expected)):
            yield *broken_page_image(entry / f"p{index + 1:04d}", index + 1), reason
        return
    try:
        count = len(doc)
        for index in range(count):
            base = entry / f"p{index + 1:04d}"
            try:
                page = doc[index]
                try:
                    out, size = _render_page(page, base)
                finally:
                    page.close()
            except pdfium.PdfiumError as exc:
                yield *broken_page_image(base, index + 1), f"第 {index + 1} 页无法渲染（{exc}）"
                continue
            yield out, size, None
        if count == 0:
            yield *broken_page_image(entry / "p0001", 1), "转换后的PDF没有页面"
    finally:
        doc.close()


def _stamp(pdf: Path) -> list[int] | None:
    try:
        st = Path(pdf).stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _prepare_one(cache: PageCache, wanted: tuple[Path, bool, int]) -> int:
    pdf, photo, expected = wanted
    return len(cache.pages(pdf, photo=photo, expected=expected))
