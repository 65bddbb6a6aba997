"""Factories for real sample files, built in a test's ``tmp_path``.

Every function writes one file with the real library that produces such files in the
wild (Pillow, pillow-heif, pypdf, fpdf2, python-docx, openpyxl) and returns its path;
none needs network access or a checked-in binary. Keep them general: other modules'
tests (scan, check, binder, pack) use them too. Sizes are small so tests stay fast.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw

A4_PT = (595.28, 841.89)
A3_PT = (841.89, 1190.55)
_FIXED = datetime(2022, 12, 31, tzinfo=UTC)


# --- images ---------------------------------------------------------------------------


def arrow_image(size: tuple[int, int] = (400, 300), mode: str = "RGB") -> Image.Image:
    """A picture whose orientation can be checked: a red bar along its top edge."""
    im = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, size[0] - 1, max(1, size[1] // 8)), fill=(220, 0, 0))
    draw.ellipse((size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2), fill=(0, 0, 200))
    return im.convert(mode) if mode != "RGB" else im


def jpeg(path: Path, size: tuple[int, int] = (800, 600), quality: int = 85) -> Path:
    arrow_image(size).save(path, "JPEG", quality=quality)
    return path


def exif_rotated_jpeg(path: Path, orientation: int = 6) -> Path:
    """A phone-style JPEG: pixels stored landscape (400×300) with EXIF Orientation.

    With orientation 6 the upright picture is portrait (300×400) and its red bar is on
    top; a converter that ignores EXIF shows it landscape with the bar on the left/right.
    """
    upright = arrow_image((300, 400))
    inverse = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
               8: Image.Transpose.ROTATE_270}[orientation]
    stored = upright.transpose(inverse)
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def multipage_tiff(path: Path, pages: int = 3, size: tuple[int, int] = (600, 800)) -> Path:
    """A scanner-style multi-page TIFF (each page numbered by its gray level)."""
    frames = [Image.new("L", size, 255 - 40 * i) for i in range(pages)]
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return path


def cmyk_jpeg(path: Path, size: tuple[int, int] = (500, 400)) -> Path:
    arrow_image(size, "CMYK").save(path, "JPEG", quality=85)
    return path


def png16(path: Path, size: tuple[int, int] = (300, 200)) -> Path:
    """A 16-bit grayscale PNG (mode I;16), with a gradient across the 16-bit range."""
    im = Image.new("I;16", size)
    im.putdata([(x * 65535 // max(1, size[0] - 1)) for _y in range(size[1]) for x in range(size[0])])
    im.save(path, "PNG")
    return path


def rgba_png(path: Path, size: tuple[int, int] = (300, 200)) -> Path:
    """A PNG with transparency (screenshots, logos)."""
    arrow_image(size, "RGBA").save(path, "PNG")
    return path


def heic(path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """An iPhone-style HEIC photo, written with pillow-heif."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    arrow_image(size).save(path, "HEIF", quality=60)
    return path


def corrupt_jpeg(path: Path) -> Path:
    """A JPEG header followed by garbage: looks like a photo, decodes to nothing."""
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
                     + b"\x13\x37" * 200)
    return path


def huge_png(path: Path, pixels: int) -> Path:
    """A PNG whose pixel count exceeds ``pixels`` (a decompression-bomb stand-in).

    Tests lower ``PIL.Image.MAX_IMAGE_PIXELS`` instead of writing a real 180-Mpx file.
    """
    side = int(pixels ** 0.5) + 2
    Image.new("1", (side, side), 1).save(path, "PNG")
    return path


# --- PDFs -----------------------------------------------------------------------------


def pdf(path: Path, pages: int = 1, size_pt: tuple[float, float] = A4_PT,
        text: str = "Evidence page", rotate: int = 0) -> Path:
    """A text PDF made with fpdf2 (core font, ASCII text), one line per page."""
    from fpdf import FPDF

    doc = FPDF(unit="pt", format=size_pt)
    doc.set_creation_date(_FIXED)
    doc.set_font("Helvetica", size=24)
    for i in range(pages):
        doc.add_page()
        doc.text(72, 144, f"{text} {i + 1}")
    doc.output(str(path))
    if rotate:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(path))
        for page in writer.pages:
            page.rotate(rotate)
        writer.write(path)
    return path


def a3_pdf(path: Path, pages: int = 1) -> Path:
    return pdf(path, pages, A3_PT, text="A3 drawing")


def encrypted_pdf(path: Path, user_password: str = "secret", owner_password: str = "owner") -> Path:
    """A PDF that needs a password to open (pypdf, RC4-128: AES needs the cryptography package)."""
    from pypdf import PdfReader, PdfWriter

    plain = pdf(path.with_name(path.stem + "-plain.pdf"))
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    writer.write(path)
    plain.unlink()
    return path


def owner_password_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF with only an owner (permissions) password: opens without one, like many PDFs
    downloaded from government sites (printing and copying restricted)."""
    from pypdf import PdfReader, PdfWriter

    plain = pdf(path.with_name(path.stem + "-plain.pdf"), pages=pages)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128",
                   permissions_flag=0)
    writer.write(path)
    plain.unlink()
    return path


def javascript_pdf(path: Path) -> Path:
    """A PDF that runs JavaScript when opened (an OpenAction), made with pikepdf."""
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page()
    document.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                  JS=pikepdf.String("app.alert('x')"))
    document.save(path)
    return path


def truncated_pdf(path: Path, keep: float = 0.1) -> Path:
    """The first ``keep`` share of a PDF's bytes: an interrupted download or copy.

    At 0.1 no trailer and no page survive, so no repair can recover it; at 0.5 and
    above qpdf recovers the pages (the page objects come first in fpdf2 files).
    """
    full = pdf(path.with_name(path.stem + "-full.pdf"), pages=3)
    data = full.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    full.unlink()
    return path


# --- office and text ------------------------------------------------------------------


def docx(path: Path, paragraphs: Sequence[str] = ("执法检查记录", "规范化建设自评材料"),
         font: str = "仿宋_GB2312") -> Path:
    """A Word document in a Chinese official-document font name (python-docx)."""
    import docx as python_docx
    from docx.oxml.ns import qn

    document = python_docx.Document()
    for text in paragraphs:
        run = document.add_paragraph().add_run(text)
        run.font.name = font
        run._element.rPr.rFonts.set(qn("w:eastAsia"), font)
    document.save(path)
    return path


def xlsx(path: Path, rows: Sequence[Sequence[object]] = (("姓名", "执法证号"), ("张三", "35001"))) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def odp(path: Path, text: str = "党课课件：规范化建设") -> Path:
    """An OpenDocument presentation (what Impress opens), written as its ZIP package."""
    import zipfile
    from xml.sax.saxutils import escape

    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
          'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
               'office:version="1.2"><office:body><office:presentation><draw:page draw:name="p1">'
               '<draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="4cm"><draw:text-box>'
               f'<text:p>{escape(text)}</text:p></draw:text-box></draw:frame></draw:page>'
               '</office:presentation></office:body></office:document-content>')
    mime = "application/vnd.oasis.opendocument.presentation"
    manifest = (f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest {ns} manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mime, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def text_file(path: Path, text: str = "执法巡查记录\n第二行：规范化建设\n", encoding: str = "utf-8") -> Path:
    """A text file; ``encoding`` may be utf-8, utf-8-sig (with BOM) or gb18030."""
    path.write_bytes(text.encode(encoding))
    return path


def pptx(path: Path, titles: Sequence[str] = ("党课课件", "学习贯彻党的二十大精神")) -> Path:
    """A PowerPoint deck (python-pptx), one title slide per entry: 党课课件 are PowerPoint."""
    from pptx import Presentation

    deck = Presentation()
    for title in titles:
        slide = deck.slides.add_slide(deck.slide_layouts[0])
        slide.shapes.title.text = title
    deck.core_properties.created = deck.core_properties.modified = _FIXED.replace(tzinfo=None)
    deck.save(path)
    return path


def odt(path: Path, work: Path, paragraphs: Sequence[str] = ("执法检查记录",)) -> Path:
    """An OpenDocument text, converted from a Word file by the real LibreOffice."""
    import subprocess

    work.mkdir(parents=True, exist_ok=True)
    source = docx(work / f"{path.stem}.docx", paragraphs)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{work / 'profile'}", "--headless",
                    "--convert-to", "odt", "--outdir", str(work), str(source)],
                   check=True, capture_output=True, timeout=180)
    (work / f"{path.stem}.odt").replace(path)
    return path


def zip_of_photos(path: Path, count: int = 2) -> Path:
    """A .zip of phone photos (JPEGs made with Pillow), as a colleague mails them."""
    import io
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for i in range(1, count + 1):
            photo = io.BytesIO()
            arrow_image((160 + i, 120)).save(photo, "JPEG", quality=80)
            archive.writestr(f"照片{i}.jpg", photo.getvalue())
    return path


def fake_video(path: Path) -> Path:
    """The start of an MP4 (ftyp box) and filler: enough for kind detection, not playable."""
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 1024)
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


# --- evidence-file stand-in -----------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """An EvidenceFile-like record for converter tests (the attributes convert reads)."""

    path: Path
    rel: str
    size: int
    sha256: str
    kind: str
    ext: str
    problem: str | None = None


def evidence(path: Path, kind: str, problem: str | None = None, rel: str | None = None) -> Evidence:
    data = path.read_bytes()
    return Evidence(path, rel or path.name, len(data), hashlib.sha256(data).hexdigest(), kind,
                    path.suffix.lower().lstrip("."), problem)


# --- reading back ---------------------------------------------------------------------


def pdf_text(path: Path, page: int = 0) -> str:
    """A page's text via pdfium. pypdf misreads fpdf2's CFF (Noto CJK) fonts: it puts a
    NUL before every character, so use this (or poppler's pdftotext) for our own PDFs."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        return doc[page].get_textpage().get_text_range()
    finally:
        doc.close()
