"""Images become upright A4 pages at no more than 150 dpi; bad images become placeholders."""

from __future__ import annotations

import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader

from dossier.convert import convert_files, image
from tests import factories


def _convert(tmp_path, path):
    record = factories.evidence(path, "image")
    return convert_files([record], tmp_path / "cache", jobs=1)[record.sha256]


def _images(pdf_path) -> list[Image.Image]:
    with pikepdf.open(pdf_path) as doc:
        return [pikepdf.PdfImage(xobj).as_pil_image()
                for page in doc.pages for xobj in page.get_images().values()]


def test_multipage_tiff_gives_one_page_per_frame(tmp_path):
    result = _convert(tmp_path, factories.multipage_tiff(tmp_path / "scan.tif", pages=4))
    assert result.pages == 4 == len(PdfReader(result.pdf).pages)


def test_exif_rotated_jpeg_is_upright(tmp_path):
    result = _convert(tmp_path, factories.exif_rotated_jpeg(tmp_path / "phone.jpg"))
    [picture] = _images(result.pdf)
    assert picture.width < picture.height  # portrait, as the photographer held the phone
    red, green, blue = picture.convert("RGB").getpixel((picture.width // 2, 3))
    assert red > 180 and green < 80  # the red bar is on top
    box = PdfReader(result.pdf).pages[0].mediabox
    assert box.width < box.height


def test_landscape_photo_gets_landscape_page_and_at_most_150_dpi(tmp_path):
    result = _convert(tmp_path, factories.jpeg(tmp_path / "wide.jpg", size=(4000, 3000)))
    page = PdfReader(result.pdf).pages[0]
    assert page.mediabox.width > page.mediabox.height
    [picture] = _images(result.pdf)
    _page, (shown_w, _h), _px = image.layout(4000, 3000)
    assert picture.width <= shown_w / 72 * 150 + 1


def test_small_image_is_not_upsampled(tmp_path):
    result = _convert(tmp_path, factories.jpeg(tmp_path / "small.jpg", size=(200, 150)))
    assert _images(result.pdf)[0].size == (200, 150)


@pytest.mark.parametrize("factory,name", [(factories.cmyk_jpeg, "cmyk.jpg"),
                                          (factories.png16, "deep.png"),
                                          (factories.rgba_png, "alpha.png"),
                                          (factories.heic, "iphone.heic")])
def test_unusual_modes_convert(tmp_path, factory, name):
    result = _convert(tmp_path, factory(tmp_path / name))
    assert result.placeholder is None and result.pages == 1
    [picture] = _images(result.pdf)
    assert picture.mode in ("RGB", "L")


def test_16_bit_gradient_keeps_its_range(tmp_path):
    result = _convert(tmp_path, factories.png16(tmp_path / "deep.png"))
    low, high = _images(result.pdf)[0].convert("L").getextrema()
    assert low < 30 and high > 220


def test_corrupt_jpeg_becomes_placeholder(tmp_path):
    result = _convert(tmp_path, factories.corrupt_jpeg(tmp_path / "broken.jpg"))
    assert result.placeholder == image.UNREADABLE
    assert "原件见归档包" in factories.pdf_text(result.pdf)


def test_decompression_bomb_becomes_placeholder(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    result = _convert(tmp_path, factories.huge_png(tmp_path / "bomb.png", 30_000))
    assert result.placeholder == image.BOMB
