"""docxkit: East Asian fonts, fields, pictures kept on disk, deterministic saves.

Every test writes a real DOCX with python-docx and reads it back (python-docx, zipfile).
"""

from __future__ import annotations

import datetime as dt
import time
import zipfile
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image

from dossier.builders import docxkit

DATE = dt.date(2022, 12, 20)


def _reopen(document, path: Path):
    docxkit.save_deterministic(document, path, DATE)
    return docx.Document(str(path))


def test_run_font_names_east_asian_and_latin_fonts(tmp_path):
    document = docx.Document()
    run = document.add_paragraph().add_run("自评说明 2022")
    docxkit.set_run_font(run, "仿宋_GB2312", 14, True, latin="Times New Roman")
    back = _reopen(document, tmp_path / "a.docx").paragraphs[0].runs[0]
    rfonts = back._element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert rfonts.get(qn("w:ascii")) == "Times New Roman"
    assert back.font.size.pt == 14 and back.font.bold is True


def test_style_font_replaces_theme_fonts_and_colour(tmp_path):
    document = docx.Document()
    style = document.styles["Heading 1"]
    docxkit.set_style_font(style, "黑体", "Times New Roman", 16,
                           color_rgb=docx.shared.RGBColor(0, 0, 0))
    back = _reopen(document, tmp_path / "a.docx").styles["Heading 1"]
    rfonts = back.element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == "黑体"
    assert rfonts.get(qn("w:asciiTheme")) is None and rfonts.get(qn("w:eastAsiaTheme")) is None
    color = back.element.rPr.find(qn("w:color"))
    assert color.get(qn("w:val")) == "000000" and color.get(qn("w:themeColor")) is None
    assert back.font.size.pt == 16


def test_page_field_has_begin_instruction_separate_result_end(tmp_path):
    document = docx.Document()
    docxkit.add_field(document.add_paragraph(), "PAGE", "1")
    p = _reopen(document, tmp_path / "a.docx").paragraphs[0]._p
    kinds = [f.get(qn("w:fldCharType")) for f in p.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]
    assert [t.text.strip() for t in p.iter(qn("w:instrText"))] == ["PAGE"]
    assert "".join(t.text for t in p.iter(qn("w:t"))) == "1"


def test_internal_link_points_at_a_bookmark(tmp_path):
    document = docx.Document()
    target = document.add_paragraph("一、机构职能规范化")
    docxkit.add_bookmark(target, "_Toc00000001", 1)
    docxkit.add_internal_hyperlink(document.add_paragraph(), "一、机构职能规范化", "_Toc00000001")
    body = _reopen(document, tmp_path / "a.docx").element.body
    names = [b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))]
    anchors = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))]
    assert names == anchors == ["_Toc00000001"]


def test_picture_store_names_parts_in_order_and_reuses_a_key(tmp_path):
    red, blue = tmp_path / "red.jpeg", tmp_path / "blue.png"
    Image.new("RGB", (40, 60), "red").save(red, "JPEG")
    Image.new("RGB", (60, 40), "blue").save(blue, "PNG")
    document = docx.Document()
    store = docxkit.PictureStore(document)
    for path, key in ((red, "a"), (blue, "b"), (red, "a")):
        store.add(document.add_paragraph().add_run(), path, Mm(40), Mm(60), key=key,
                  border_rgb="A0A0A0" if key == "b" else None)
    out = tmp_path / "a.docx"
    back = _reopen(document, out)
    assert len(back.inline_shapes) == 3
    media = sorted(n for n in zipfile.ZipFile(out).namelist() if n.startswith("word/media/"))
    assert media == ["word/media/image1.jpeg", "word/media/image2.png"]
    ids = [d.get("id") for d in back.element.body.iter(qn("wp:docPr"))]
    assert len(set(ids)) == 3
    assert back.inline_shapes[0].width == Mm(40)
    frames = [ln.find(qn("a:solidFill")).find(qn("a:srgbClr")).get("val")
              for ln in back.element.body.iter(qn("a:ln"))]
    assert frames == ["A0A0A0"]  # only the picture that asked for a frame


def test_saves_at_different_times_give_identical_bytes_and_fixed_dates(tmp_path):
    def make(path: Path) -> bytes:
        document = docx.Document()
        document.add_paragraph("规范化建设自评佐证材料汇编")
        docxkit.save_deterministic(document, path, DATE)
        return path.read_bytes()

    first = make(tmp_path / "1.docx")
    time.sleep(2.1)  # ZIP times have 2-second resolution
    assert make(tmp_path / "2.docx") == first
    with zipfile.ZipFile(tmp_path / "1.docx") as z:
        assert {i.date_time for i in z.infolist()} == {(2022, 12, 20, 0, 0, 0)}
        assert z.namelist()[0] == "[Content_Types].xml"
        assert "docProps/thumbnail.jpeg" not in z.namelist()
    props = docx.Document(str(tmp_path / "1.docx")).core_properties
    assert props.created.date() == DATE and props.modified.date() == DATE
    assert props.last_printed.date() == DATE and props.revision == 1


def test_pictures_on_disk_are_copied_into_the_zip_whole_and_stored(tmp_path):
    big = tmp_path / "scan.png"
    Image.effect_noise((1600, 1200), 60).save(big, "PNG")  # > 1 MiB: several chunks
    assert big.stat().st_size > 1 << 20
    document = docx.Document()
    docxkit.PictureStore(document).add(document.add_paragraph().add_run(), big, Mm(80), Mm(60))
    out = tmp_path / "a.docx"
    docxkit.save_deterministic(document, out, DATE)
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        info = z.getinfo("word/media/image1.png")
        assert info.compress_type == zipfile.ZIP_STORED
        assert z.read(info) == big.read_bytes()
    docxkit.save_deterministic(document, tmp_path / "b.docx", DATE)
    assert (tmp_path / "b.docx").read_bytes() == out.read_bytes()
