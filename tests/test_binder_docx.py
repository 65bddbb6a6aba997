"""The Word binder, built from a small real workspace and read back with python-docx.

The workspace (made by ``init``) holds: a 2-page text PDF and a 4:3 photo for 1.1.1, a
file directly in the tertiary folder 1.1 (item 1.1-01), a landscape page for 3.1.1 and
an encrypted PDF for 3.1.2 (a placeholder page). Files come from tests/factories.py;
conversion is the real ``dossier.convert``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from PIL import Image

from dossier.builders import BuildContext, binder_docx, output_path, pageimages
from dossier.cnformat import pts
from dossier.convert import convert_files
from dossier.progress import Progress, QuietProgress
from dossier.project import load_project
from dossier.score import compute_score
from dossier.workspace import init_workspace
from tests import factories

UNIT = "泉州市示例县生态环境保护综合行政执法大队"
NOTE = "已健全第四党支部委员会，全年召开组织生活会4次"


def _workspace(root: Path) -> Path:
    init_workspace(root, 2022, UNIT)
    ev = root / "evidence" / "2022"
    folders = {p.name.split(" ")[0]: p for p in ev.rglob("*") if p.is_dir()}
    factories.pdf(folders["1.1.1"] / "组织生活会会议纪要.pdf", pages=2)
    factories.jpeg(folders["1.1.1"] / "组织生活会照片.jpg", size=(800, 600))
    factories.pdf(folders["1.1"] / "党组织建设情况汇总.pdf")
    factories.pdf(folders["3.1.1"] / "执法车辆台账.pdf", size_pt=factories.A3_PT[::-1])
    factories.encrypted_pdf(folders["3.1.2"] / "执法终端清单.pdf")
    manifest = root / "manifests" / "2022.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^date:.*$", "date: 2022-12-20", text)
    text = re.sub(r'(?m)^  "1\.1\.1":.*$', f'  "1.1.1": {{points: 1, note: {NOTE}}}', text)
    text = re.sub(r'(?m)^  "3\.1\.1":.*$', '  "3.1.1": 1.5', text)
    manifest.write_text(text, encoding="utf-8")
    return root


def _context(root: Path) -> BuildContext:
    project = load_project(root)
    files = {it.file.sha256: it.file for it in project.all_items()}
    converted = convert_files(list(files.values()), project.cache_dir, progress=QuietProgress())
    return BuildContext(project=project, score=compute_score(project), check=None,
                        converted=converted, progress=QuietProgress())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = _workspace(tmp_path_factory.mktemp("binder") / "ws")
    ctx = _context(root)
    path = binder_docx.build(ctx)
    return ctx, path, docx.Document(str(path))


def _style(p) -> str:
    ppr = p.pPr
    return ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else "Normal"


def _text(p) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


def _headings(document) -> list[tuple[int, str]]:
    out = []
    for p in document.element.body.iter(qn("w:p")):
        m = re.fullmatch(r"Heading(\d)", _style(p))
        if m:
            out.append((int(m.group(1)), _text(p)))
    return out


def _pictures_per_item(document) -> dict[str, int]:
    counts: dict[str, int] = {}
    current = None
    for p in document.element.body.iter(qn("w:p")):
        if _style(p) == "Heading5":
            current = _text(p).split(" ")[0]
            counts[current] = 0
        elif _style(p).startswith("Heading"):
            current = None
        n = len(list(p.iter(qn("a:blip"))))
        if n:
            assert current is not None, "a picture outside an evidence item"
            counts[current] += n
    return counts


def test_binder_is_written_where_output_path_says(built):
    ctx, path, _ = built
    assert path == output_path(ctx.project, "binder_docx")
    assert path.name == f"{UNIT}-2022-佐证材料汇编.docx"


def test_headings_follow_the_indicator_tree_in_order(built):
    ctx, _, document = built
    heads = _headings(document)
    assert heads[:7] == [
        (1, "一、机构职能规范化（11分）"), (2, "1.坚持党建引领（5分）"), (3, "1.1 党组织建设（3分）"),
        (5, "1.1-01 党组织建设情况汇总"), (4, "1.1.1 健全党支部委员会（1分）"),
        (5, "1.1.1-01 组织生活会会议纪要"), (5, "1.1.1-02 组织生活会照片")]
    previous = 0
    for level, text in heads:  # never deeper by more than one, except items under a tertiary
        assert level <= previous + 1 or (level == 5 and previous == 3), text
        previous = level


def _toc(document) -> list[tuple[str, str, str]]:
    """(text, page number, link anchor) of every static TOC entry."""
    out = []
    for p in document.element.body.iter(qn("w:p")):
        if _style(p).lower().startswith("toc"):
            link = p.find(qn("w:hyperlink"))
            out.append((_text(link), _text(p)[len(_text(link)):].strip(), link.get(qn("w:anchor"))))
    return out


def test_toc_is_static_with_page_numbers_and_links_and_asks_for_no_update(built):
    ctx, _, document = built
    body = document.element.body
    assert not [t for t in body.iter(qn("w:instrText")) if "TOC" in t.text]
    assert document.settings.element.find(qn("w:updateFields")) is None
    toc = _toc(document)
    marks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    assert all(anchor in marks for _t, _n, anchor in toc)
    assert all(number.isdigit() for _t, number, _a in toc)
    texts = [t for t, _n, _a in toc]
    criteria = [c.code for c in ctx.project.standard.criteria()]
    listed = [t.split(" ")[0] for t in texts if re.match(r"\d+\.\d+\.\d+ ", t)]
    assert listed == criteria and len(listed) == 78
    assert "附加项" in texts and [t.split(" ")[0] for t in texts[-4:]] == ["B1", "B2", "D1", "D2"]
    assert "1.1.2 年度党建和学习计划（1分）　无佐证材料" in texts


def test_heading_styles_carry_outline_levels_for_the_navigation_pane(built):
    _, _, document = built
    for level in range(1, 6):
        ppr = document.styles[f"Heading {level}"].element.pPr
        assert ppr.find(qn("w:outlineLvl")).get(qn("w:val")) == str(level - 1)


def test_every_item_has_a_heading_and_one_picture_per_page(built):
    ctx, _, document = built
    counts = _pictures_per_item(document)
    items = ctx.project.all_items()
    assert sorted(counts) == sorted(it.number for it in items)
    for item in items:
        assert counts[item.number] == ctx.converted[item.file.sha256].pages, item.number
    assert counts["1.1.1-01"] == 2 and counts["3.1.2-01"] == 1  # placeholder page included


def test_photo_is_the_picture_itself_not_a_rendered_page(built):
    _, path, document = built
    photo = next(s for s in document.inline_shapes
                 if abs(s.width / s.height - 4 / 3) < 0.01)
    assert photo.width > photo.height
    rid = photo._inline.graphic.graphicData.pic.blipFill.blip.embed
    part = document.part.related_parts[rid]
    assert part.partname.endswith(".jpeg")
    with Image.open(__import__("io").BytesIO(part.blob)) as im:
        assert max(im.size) <= 800 and abs(im.width / im.height - 4 / 3) < 0.01


def test_landscape_page_gets_a_landscape_section_and_the_rest_stays_portrait(built):
    _, _, document = built
    orientations = [s.orientation for s in document.sections]
    assert orientations.count(WD_ORIENT.LANDSCAPE) == 1  # the A3 landscape page's section
    landscape = document.sections[orientations.index(WD_ORIENT.LANDSCAPE)]
    assert landscape.page_width > landscape.page_height
    assert landscape.footer.paragraphs[0].text.startswith("佐证 3.1.1-01")
    wide = [s for s in document.inline_shapes if s.width > s.height * 1.4]
    assert len(wide) == 1  # the A3 landscape page, fitted across the landscape page
    # the page number shows in every section, and the cover has none
    assert document.sections[0].different_first_page_header_footer
    assert not document.sections[1].different_first_page_header_footer


def test_fonts_name_east_asian_faces_in_the_styles(built):
    _, _, document = built
    expected = {"Normal": "仿宋_GB2312", "Heading 1": "黑体", "Heading 2": "黑体",
                "Heading 3": "楷体_GB2312", "Heading 4": "仿宋_GB2312", "Heading 5": "仿宋_GB2312"}
    for name, font in expected.items():
        rfonts = document.styles[name].element.rPr.rFonts
        assert rfonts.get(qn("w:eastAsia")) == font, name
        assert rfonts.get(qn("w:eastAsiaTheme")) is None, name


def test_cover_names_unit_year_title_and_manifest_date(built):
    _, _, document = built
    texts = [p.text for p in document.paragraphs[:25] if p.text]
    assert texts[:2] == ["2022年度", "规范化建设自评佐证材料汇编"]
    assert UNIT in texts and "2022年12月20日" in texts


def test_score_table_and_divider_show_claimed_points_and_note(built):
    ctx, _, document = built
    score_rows = [[c.text for c in row.cells] for t in document.tables[:3] for row in t.rows]
    assert ["", "自评总分", "", pts(ctx.score.total), ""] in score_rows
    assert ["3.1", "完成装备配备", "5", "1.5", "2"] in score_rows
    divider = next(t for t in document.tables if t.rows[0].cells[1].text == "评价标准")
    row = [c.text for c in divider.rows[1].cells]
    assert row[0] == "1.1.1" and row[3] == "1" and row[4].startswith(NOTE)


def test_front_matter_is_numbered_roman_and_evidence_footers_carry_the_item(built):
    _, _, document = built
    footer = document.sections[0].footer.paragraphs[0]._p
    assert [t.text.strip() for t in footer.iter(qn("w:instrText"))] == ["PAGE"]
    first = document.sections[0]._sectPr.find(qn("w:pgNumType"))
    assert first.get(qn("w:fmt")) == "lowerRoman"
    body = document.sections[1]._sectPr.find(qn("w:pgNumType"))
    assert (body.get(qn("w:fmt")), body.get(qn("w:start"))) == ("decimal", "1")
    footers = {s.footer.paragraphs[0].text for s in document.sections}
    assert "佐证 1.1.1-01\t第 1 页" in footers


def test_core_properties_are_dated_from_the_manifest(built):
    _, _, document = built
    props = document.core_properties
    assert props.created.date().isoformat() == "2022-12-20"
    assert props.modified.date().isoformat() == "2022-12-20" and props.revision == 1


def test_two_builds_are_byte_identical(built):
    ctx, path, _ = built
    first = path.read_bytes()
    again = binder_docx.build(ctx)
    assert again.read_bytes() == first


def test_grey_detection_keeps_a_thin_red_seal_in_colour():
    page = Image.new("RGB", (827, 1169), "white")
    from PIL import ImageDraw

    ImageDraw.Draw(page).ellipse((500, 800, 700, 1000), outline=(220, 0, 0), width=3)
    assert not pageimages.is_grey(page)
    ImageDraw.Draw(page).ellipse((500, 800, 700, 1000), outline=(90, 90, 90), width=3)
    assert pageimages.is_grey(page)


def _page_keys(pdf: Path) -> list[tuple[str | None, str | None]]:
    """(item number, running page number) printed at the foot of every page."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    out = []
    for page in text.split("\f")[:-1]:
        tail = page.rstrip()[-200:]
        item = re.findall(r"佐证\s*(\S+?-\d+)", tail)
        running = re.findall(r"第\s*(\d+)\s*页", tail)
        out.append((item[-1] if item else None, running[-1] if running else None))
    return out


def test_word_binder_converted_by_libreoffice_has_the_pdf_binders_pages_and_toc(
        built, tmp_path, capsys):
    from dossier.builders import binder_pdf

    ctx, path, document = built
    (pdf_binder,) = binder_pdf.build(ctx)
    src = tmp_path / "binder.docx"
    shutil.copy(path, src)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=300)
    from pypdf import PdfReader

    converted = tmp_path / "binder.pdf"
    pages = len(PdfReader(converted).pages)
    assert pages == len(PdfReader(pdf_binder).pages)
    outline = []

    def walk(nodes):
        for node in nodes:
            walk(node) if isinstance(node, list) else outline.append(node.title)

    walk(PdfReader(pdf_binder).outline)
    assert outline[3:] == [t for t, _n, _a in _toc(document)]  # after 封面, 自评得分表, 目录
    word, pdf = _page_keys(converted), _page_keys(pdf_binder)
    assert word == pdf and sum(1 for item, _n in word if item) >= 6
    text = subprocess.run(["pdftotext", "-layout", str(converted), "-"], check=True,
                          capture_output=True, text=True).stdout
    lines = [re.sub(r"\s+", "", line) for line in text.splitlines()]
    toc_at = lines.index("目录")
    for entry, number, _anchor in _toc(document):  # every entry shown with its page number
        prefix = re.sub(r"\s+", "", entry)[:10]
        at = next(i for i, line in enumerate(lines) if i > toc_at and line.startswith(prefix))
        assert any(re.search(r"\.{3,}" + number + "$", line) for line in lines[at:at + 3]), entry
    with capsys.disabled():
        print(f"\n  Word binder: {pages} pages as converted by LibreOffice, PDF binder {pages}")


def test_rendered_text_pages_become_png_and_scans_jpeg(tmp_path):
    from PIL import ImageDraw

    text_page = Image.new("RGB", (827, 1169), "white")
    ImageDraw.Draw(text_page).text((100, 100), "Evidence page 1", fill="black")
    out = pageimages.save_page_image(text_page, tmp_path / "text")
    assert out.suffix == ".png" and Image.open(out).mode == "P"

    scan = Image.effect_noise((827, 1169), 30).convert("RGB")
    out = pageimages.save_page_image(scan, tmp_path / "scan")
    assert out.suffix == ".jpeg" and Image.open(out).mode == "L"

    ImageDraw.Draw(scan).ellipse((500, 800, 700, 1000), outline=(220, 0, 0), width=4)
    out = pageimages.save_page_image(scan, tmp_path / "seal")
    assert out.suffix == ".jpeg" and Image.open(out).mode == "RGB"


# -- the page picture cache ---------------------------------------------------------------


def _pictures(document) -> dict[str, list[bytes]]:
    """Each evidence item's picture bytes, in page order."""
    out: dict[str, list[bytes]] = {}
    current = None
    for p in document.element.body.iter(qn("w:p")):
        if _style(p) == "Heading5":
            current = _text(p).split(" ")[0]
            out[current] = []
        for blip in p.iter(qn("a:blip")):
            out[current].append(document.part.related_parts[blip.get(qn("r:embed"))].blob)
    return out


def _cache_files(project) -> dict[Path, int]:
    root = project.cache_dir / "docx-pages"
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def _pdf_with_missing_page(path: Path) -> Path:
    """A real broken converted PDF: two pages listed, the second a null object.

    pdfium opens it and counts 2 pages, then fails to load page 2.
    """
    page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>", page,
               "<< /Length 24 >>\nstream\n0 0 0 rg 99 99 300 40 re f\nendstream", "null"]
    data, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(data)
    data += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    data += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    data += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
             f"startxref\n{xref}\n%%EOF\n").encode()
    path.write_bytes(data)
    return path


def test_warm_build_renders_nothing_and_cold_and_warm_builds_are_byte_identical(built):
    ctx, path, _ = built
    binder_docx.build(ctx)
    warm_bytes = path.read_bytes()
    cached = _cache_files(ctx.project)
    assert any(p.suffix == ".json" for p in cached)  # the entries' sidecars
    binder_docx.build(ctx)
    assert path.read_bytes() == warm_bytes
    assert _cache_files(ctx.project) == cached  # nothing rendered, nothing rewritten
    shutil.rmtree(ctx.project.cache_dir / "docx-pages")
    binder_docx.build(ctx)  # from a cold cache
    assert path.read_bytes() == warm_bytes
    assert len(_cache_files(ctx.project)) == len(cached)


def test_an_entry_without_its_sidecar_is_rendered_again_not_half_used(built):
    ctx, path, _ = built
    binder_docx.build(ctx)
    good = path.read_bytes()
    sidecar = next((ctx.project.cache_dir / "docx-pages").glob("*.json"))
    pictures = sorted(sidecar.with_suffix("").iterdir())
    sidecar.unlink()  # as after an interrupted render: pictures half written, no sidecar
    pictures[0].write_bytes(pictures[0].read_bytes()[:100])
    binder_docx.build(ctx)
    assert path.read_bytes() == good
    assert sidecar.is_file()


def test_a_replaced_photo_renders_only_its_own_page(tmp_path):
    root = _workspace(tmp_path / "ws")
    ctx = _context(root)
    binder_docx.build(ctx)
    before = _cache_files(ctx.project)
    photo = next((root / "evidence").rglob("组织生活会照片.jpg"))
    factories.jpeg(photo, size=(600, 800))  # now portrait
    ctx = _context(root)
    path = binder_docx.build(ctx)
    after = _cache_files(ctx.project)
    assert {p: m for p, m in after.items() if p in before} == before  # untouched
    new = {p.relative_to(ctx.project.cache_dir / "docx-pages") for p in after if p not in before}
    (entry,) = {p.parts[0] for p in new if len(p.parts) == 2}  # one entry: its folder …
    assert new == {Path(entry) / "p0001.jpeg", Path(f"{entry}.json")}  # … and its sidecar
    (photo_bytes,) = _pictures(docx.Document(str(path)))["1.1.1-02"]
    with Image.open(__import__("io").BytesIO(photo_bytes)) as im:
        assert im.width < im.height


def test_a_placeholder_rewritten_for_a_renamed_file_is_rendered_again(tmp_path):
    root = _workspace(tmp_path / "ws")
    ctx = _context(root)
    old = _pictures(docx.Document(str(binder_docx.build(ctx))))["3.1.2-01"]
    encrypted = next((root / "evidence").rglob("执法终端清单.pdf"))
    encrypted.rename(encrypted.with_name("执法终端清单（加密）.pdf"))
    ctx = _context(root)  # same content: the placeholder PDF is rewritten in place
    new = _pictures(docx.Document(str(binder_docx.build(ctx))))["3.1.2-01"]
    assert len(new) == 1 and new != old
    shutil.rmtree(ctx.project.cache_dir / "docx-pages")
    assert _pictures(docx.Document(str(binder_docx.build(ctx))))["3.1.2-01"] == new


def _broken_context(root: Path, capsys) -> tuple[BuildContext, Path]:
    ctx = _context(root)
    ctx.progress = Progress()  # messages on stderr, read with capsys
    minutes = next(it for it in ctx.project.all_items() if it.number == "1.1.1-01")
    capsys.readouterr()
    return ctx, ctx.converted[minutes.file.sha256].pdf


def test_a_page_pdfium_cannot_render_becomes_a_picture_saying_so(tmp_path, capsys):
    ctx, converted_pdf = _broken_context(_workspace(tmp_path / "ws"), capsys)
    _pdf_with_missing_page(converted_pdf)  # the cached conversion of a 2-page PDF
    path = binder_docx.build(ctx)  # does not raise
    err = capsys.readouterr().err
    assert "佐证 1.1.1-01" in err and "有 1 页无法显示" in err
    first, second = _pictures(docx.Document(str(path)))["1.1.1-01"]
    with Image.open(__import__("io").BytesIO(second)) as im:
        assert im.size == pageimages.A4_PX
        grey = im.convert("L")
        dark = sum(grey.histogram()[:128])
        assert 500 < dark < 0.05 * im.width * im.height  # a frame and a few lines of text
    with Image.open(__import__("io").BytesIO(first)) as im:
        assert im.convert("L").getextrema()[0] < 64  # page 1 rendered as usual
    binder_docx.build(ctx)  # warm: still reported, from the cache entry
    assert "有 1 页无法显示" in capsys.readouterr().err


def test_a_converted_pdf_that_cannot_be_opened_shows_its_pages_as_pictures_saying_so(
        tmp_path, capsys):
    ctx, converted_pdf = _broken_context(_workspace(tmp_path / "ws"), capsys)
    converted_pdf.write_bytes(converted_pdf.read_bytes()[:300])  # truncated
    path = binder_docx.build(ctx)
    assert "有 2 页无法显示" in capsys.readouterr().err
    pictures = _pictures(docx.Document(str(path)))["1.1.1-01"]
    assert len(pictures) == 2 and pictures[0] != pictures[1]  # each names its page


def test_pictures_rendered_in_worker_processes_give_the_same_binder(built):
    ctx, path, _ = built
    binder_docx.build(ctx)
    serial = path.read_bytes()
    shutil.rmtree(ctx.project.cache_dir / "docx-pages")
    cache = pageimages.PageCache(ctx.project.cache_dir,
                                 (binder_docx.BOX_PORTRAIT, binder_docx.BOX_LANDSCAPE))
    wanted = [(c.pdf, False, pageimages.PARALLEL_PAGES) for c in ctx.converted.values()]
    cache.prepare(wanted, jobs=2)
    assert cache.rendered == sum(c.pages for c in ctx.converted.values())
    assert len(list(cache.root.glob("*.json"))) == len(ctx.converted)  # one sidecar each
    shutil.rmtree(cache.root)
    photo = next(it for it in ctx.project.all_items() if it.file.kind == "image")
    wanted = [binder_docx._Binder(ctx)._wanted(it) for it in ctx.project.all_items()]
    assert (ctx.converted[photo.file.sha256].pdf, True, 1) in wanted
    cache.prepare([(pdf, ph, pageimages.PARALLEL_PAGES) for pdf, ph, _ in wanted], jobs=2)
    prepared = _cache_files(ctx.project)
    binder_docx.build(ctx)
    assert _cache_files(ctx.project) == prepared  # every page was found cached
    assert path.read_bytes() == serial


def test_a_scan_enters_the_binder_from_its_jpeg_and_cold_builds_stay_byte_identical(tmp_path):
    from tests.test_pageimages import A4_300, pictures, scan_jpeg, scan_pdf

    root = _workspace(tmp_path / "ws")
    folder = next((root / "evidence").rglob("组织生活会照片.jpg")).parent
    scan_pdf(folder / "组织生活会签到表（扫描件）.pdf", scan_jpeg(A4_300), rotate=90)
    ctx = _context(root)
    path = binder_docx.build(ctx)
    first = path.read_bytes()
    shutil.rmtree(ctx.project.cache_dir / "docx-pages")
    assert binder_docx.build(ctx).read_bytes() == first
    item = next(it for it in ctx.project.all_items() if it.file.rel.endswith("（扫描件）.pdf"))
    (picture,) = _pictures(docx.Document(str(path)))[item.number]
    ((direct, px, taken),) = pictures(ctx.converted[item.file.sha256].pdf, tmp_path / "d",
                                      scans=True)
    assert taken and picture == direct.read_bytes() and px[0] > px[1]  # turned by /Rotate
