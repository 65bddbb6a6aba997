"""Images (JPEG, PNG, TIFF, BMP, GIF, WebP, HEIC) → one A4 page per picture.

Layout decision: every picture sits on an A4 page with 15 mm margins, centred. A
landscape picture (wider than tall, after EXIF rotation) gets a landscape A4 page, so a
photo is never printed sideways and never shrunk to half the page. The picture is shown
at its natural size at 96 dpi, shrunk to fit the margins, never enlarged. Its pixels are
resampled to ``dpi`` (150, at most 200) at that size, never upsampled, and stored as
JPEG quality 75: a binder of phone photos stays small enough to mail.

A multi-page TIFF gives one page per frame; animated GIF/WebP and HEIC sequences give
their first picture. JPEGs decode at a reduced scale (``Image.draft``) when that is all
the page needs. The PDF is written with pikepdf, with no date and a content-hash ID.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

import pikepdf
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from dossier.convert import placeholder
from dossier.convert.cache import Outcome, Source
from dossier.fsutil import atomic_write

log = logging.getLogger(__name__)

VERSION = f"1.{placeholder.VERSION}"

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
MARGIN = 15 * MM
NATURAL_DPI = 96
DEFAULT_DPI = 150
MAX_DPI = 200
QUALITY = 75

BOMB = "图片像素过大（超过安全上限，疑似解压炸弹），未编入汇编，请缩小图片后替换。"
UNREADABLE = "图片已损坏或格式无法识别，无法编入汇编，请重新导出或拍摄后替换。"

try:
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - HEIC then reads as unreadable
    pillow_heif = None


def layout(width: int, height: int, dpi: int = DEFAULT_DPI) -> tuple[tuple[float, float],
                                                                      tuple[float, float],
                                                                      tuple[int, int]]:
    """(page size pt, shown size pt, pixel size) for a picture of ``width``×``height`` px."""
    dpi = min(dpi, MAX_DPI)
    page = (A4[1], A4[0]) if width > height else A4
    box_w, box_h = page[0] - 2 * MARGIN, page[1] - 2 * MARGIN
    natural_w, natural_h = width * 72 / NATURAL_DPI, height * 72 / NATURAL_DPI
    scale = min(1.0, box_w / natural_w, box_h / natural_h)
    shown = (natural_w * scale, natural_h * scale)
    pixels = (max(1, min(width, round(shown[0] / 72 * dpi))),
              max(1, min(height, round(shown[1] / 72 * dpi))))
    return page, shown, pixels


def _flatten(im: Image.Image) -> Image.Image:
    """RGB or L, 8 bits, alpha composited on white (CMYK, 16-bit, palette …)."""
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        im = im.convert("I") if im.mode != "F" else im
        high = im.getextrema()[1] or 0
        if high > 255:
            im = im.point(lambda v: v / 256)
        return im.convert("L")
    if im.mode == "1":
        return im.convert("L")
    if "A" in im.getbands() or "a" in im.getbands() or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im if im.mode in ("L", "RGB") else im.convert("RGB")


def _upright_size(im: Image.Image) -> tuple[int, int]:
    orientation = im.getexif().get(0x0112, 1)
    return (im.height, im.width) if orientation in (5, 6, 7, 8) else im.size


def _page_image(frame: Image.Image, dpi: int, is_first_jpeg: bool) -> tuple[bytes, Image.Image,
                                                                            tuple]:
    width, height = _upright_size(frame)
    page, shown, pixels = layout(width, height, dpi)
    if is_first_jpeg:
        swap = (width, height) != frame.size
        frame.draft(frame.mode if frame.mode in ("RGB", "L") else None,
                    (pixels[1], pixels[0]) if swap else pixels)
    im = _flatten(ImageOps.exif_transpose(frame) or frame)
    if im.size != pixels:
        im = im.resize(pixels, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=QUALITY, optimize=True)
    return buf.getvalue(), im, (page, shown)


def _frames(im: Image.Image):
    if im.format == "TIFF":
        yield from ImageSequence.Iterator(im)
    else:
        yield im


def write_pdf(src: Path, out: Path, dpi: int = DEFAULT_DPI) -> int:
    """Write the picture(s) in ``src`` as PDF pages; returns the page count."""
    doc = pikepdf.new()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(src) as im:
            jpeg = im.format == "JPEG"
            for frame in _frames(im):
                data, page_im, ((page_w, page_h), (shown_w, shown_h)) = _page_image(
                    frame, dpi, jpeg)
                xobject = pikepdf.Stream(doc, data)
                xobject.Type = pikepdf.Name.XObject
                xobject.Subtype = pikepdf.Name.Image
                xobject.Width, xobject.Height = page_im.size
                xobject.ColorSpace = pikepdf.Name.DeviceGray if page_im.mode == "L" \
                    else pikepdf.Name.DeviceRGB
                xobject.BitsPerComponent = 8
                xobject.Filter = pikepdf.Name.DCTDecode
                x, y = (page_w - shown_w) / 2, (page_h - shown_h) / 2
                page = doc.add_blank_page(page_size=(page_w, page_h))
                page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject))
                content = f"q {shown_w:.3f} 0 0 {shown_h:.3f} {x:.3f} {y:.3f} cm /Im0 Do Q"
                page.Contents = doc.make_stream(content.encode())
    with atomic_write(out) as tmp:
        doc.save(tmp, deterministic_id=True)
    return len(doc.pages)


def convert(source: Source, out: Path, dpi: int = DEFAULT_DPI) -> Outcome:
    try:
        return Outcome(write_pdf(source.path, out, dpi))
    except Image.DecompressionBombError:
        return placeholder.for_source(source, out, BOMB)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        log.info("cannot read image %s: %s", source.name, exc)
        return placeholder.for_source(source, out, UNREADABLE)
