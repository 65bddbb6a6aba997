"""The PDF binder, built from a real small workspace and read back with pypdf and poppler.

Sample files are made by ``tests/factories.py`` and by ``_text_pdf`` below (fpdf2 with
an embedded CJK font, so that ``pdffonts`` can require every font to be embedded).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from dossier.builders import BuildContext, BuildOptions, binder_pdf, output_path
from dossier.convert import convert_files
from dossier.project import load_project
from dossier.score import compute_score
from dossier.workspace import init_workspace
from tests import factories
from tests.cases import edit_manifest
from tests.conftest import UNIT

STAMP = re.compile(r"佐证 (\S+) · (\d+)/(\d+)")
RUNNING = re.compile(r"第\s*(\d+)\s*页")
TOC_ITEM = re.compile(r"^\s*(\d+\.\d+(?:\.\d+)?-\d{2}) .*?(\d+)\s*$")


def _text_pdf(path: Path, pages: int = 1, size: tuple[float, float] = factories.A4_PT,
              rotate: int = 0, label: str = "证据页", black: bool = False) -> Path:
    """A PDF with an embedded CJK font; ``black`` fills every page edge to edge."""
    from fpdf import FPDF

    from dossier.tools import fonts

    doc = FPDF(unit="pt", format=size)
    doc.set_creation_date(factories._FIXED)
    face = fonts.add_role_font(doc, "仿宋")
    doc.set_font(face, size=20)
    for n in range(pages):
        doc.add_page()
        if black:
            doc.set_fill_color(0, 0, 0)
            doc.rect(0, 0, size[0], size[1], style="F")
        doc.text(72, 144, f"{label} {n + 1}")
    doc.output(str(path))
    if rotate:
        import pikepdf

        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            for page in pdf.pages:
                page.obj.Rotate = rotate
            pdf.save(path)
    return path


def folder(root: Path, code: str) -> Path:
    evidence = root / "evidence" / "2022"
    return next(p for p in evidence.rglob("*") if p.is_dir() and p.name.split(" ")[0] == code)


def make_workspace(root: Path) -> Path:
    init_workspace(root, 2022, UNIT)
    _text_pdf(folder(root, "1.1.1") / "支部委员会名单.pdf", pages=3)
    factories.jpeg(folder(root, "1.1.1") / "组织生活会照片.jpg")
    _text_pdf(folder(root, "1.1.2") / "学习计划A3.pdf", pages=2, size=factories.A3_PT)
    _text_pdf(folder(root, "1.1") / "党建总体情况.pdf", rotate=90)
    _text_pdf(folder(root, "1.2.1") / "倒置扫描.pdf", rotate=180)
    _text_pdf(folder(root, "1.2.2") / "横向扫描.pdf", rotate=270, size=(841.89, 595.28))
    factories.encrypted_pdf(folder(root, "3.1.1") / "加密文件.pdf")
    _text_pdf(folder(root, "3.1.2") / "满版黑色.pdf", black=True)
    _text_pdf(folder(root, "13.1.1") / "效能评估.pdf", pages=2)
    edit_manifest(root, date="2022-12-20", claims={
        "1.1.1": {"points": 1, "note": "已健全党支部委员会，全年召开组织生活会4次"},
        "1.1.2": 1, "3.1.1": {"points": 1.5, "note": "配备执法执勤专用车2辆"}})
    return root


def build_binder(root: Path, **options) -> list[Path]:
    project = load_project(root)
    converted = convert_files([it.file for it in project.all_items()], project.cache_dir)
    ctx = BuildContext(project=project, score=compute_score(project), check=None,
                       converted=converted, options=BuildOptions(**options))
    return binder_pdf.build(ctx)


@pytest.fixture(scope="module")
def binder(tmp_path_factory) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("binder") / "ws")
    paths = build_binder(root)
    assert len(paths) == 1
    return paths[0]


def page_texts(path: Path) -> list[str]:
    """Text of every page (poppler: pypdf reads the CFF CJK subsets with stray NULs)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[: len(PdfReader(path).pages)]


@pytest.fixture(scope="module")
def pages_text(binder: Path) -> list[str]:
    return page_texts(binder)


def first_stamps(pages_text: list[str]) -> dict[str, int]:
    """Item number → 0-based index of the page that carries its stamp ``1/n``."""
    out = {}
    for index, text in enumerate(pages_text):
        for number, page, _of in STAMP.findall(text):
            if page == "1":
                out.setdefault(number, index)
    return out


def test_output_is_named_for_unit_and_year(binder: Path):
    assert binder.name == f"{UNIT}-2022-佐证材料汇编.pdf"


def test_every_item_is_stamped_on_each_of_its_pages(pages_text):
    stamps = [STAMP.findall(t) for t in pages_text]
    seen = {(n, int(p), int(of)) for s in stamps for n, p, of in s}
    assert ("1.1.1-01", 3, 3) in seen and ("1.1.1-01", 1, 3) in seen
    assert {n for n, _p, _of in seen} == {"1.1-01", "1.1.1-01", "1.1.1-02", "1.1.2-01",
                                          "1.2.1-01", "1.2.2-01", "3.1.1-01", "3.1.2-01",
                                          "13.1.1-01"}
    assert all(len(s) <= 1 for s in stamps)


def test_toc_page_numbers_are_where_each_item_is_stamped(pages_text):
    toc = {}
    for text in pages_text[:15]:
        if re.search(r"目\s+录", text) or toc:
            for line in text.splitlines():
                if m := TOC_ITEM.match(line):
                    toc[m.group(1)] = int(m.group(2))
    first = first_stamps(pages_text)
    assert set(toc) == set(first)
    for number, index in first.items():
        assert RUNNING.search(pages_text[index]).group(1) == str(toc[number]), number


def test_bookmarks_and_links_point_to_the_stamped_pages(binder, pages_text):
    reader = PdfReader(binder)
    first = first_stamps(pages_text)

    def walk(nodes, depth, out):
        for node in nodes:
            if isinstance(node, list):
                walk(node, depth + 1, out)
            else:
                out.append((depth, node.title, reader.get_destination_page_number(node)))
        return out

    marks = walk(reader.outline, 0, [])
    assert [t for d, t, _ in marks if d == 0][:4] == ["封面", "自评得分表", "目录",
                                                    "一、机构职能规范化（11分）"]
    items = {t.split(" ")[0]: (d, p) for d, t, p in marks if re.match(r"\d.*-\d\d ", t)}
    assert {n: p for n, (_d, p) in items.items()} == first
    assert items["1.1.1-01"][0] == 4  # primary → secondary → tertiary → criterion → item
    assert items["1.1-01"][0] == 3  # tertiary-level files sit under the tertiary

    links = set()
    for page in reader.pages[:15]:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link":
                links.add(reader.get_page_number(annot["/Dest"][0].get_object()))
    assert set(first.values()) <= links


def test_page_labels_are_roman_then_the_printed_numbers(binder, pages_text):
    labels = PdfReader(binder).page_labels
    assert labels[:3] == ["i", "ii", "iii"]
    stamped = [(i, m.group(1)) for i, t in enumerate(pages_text) if (m := RUNNING.search(t))]
    assert len(stamped) > 20  # the summary page, the dividers and the evidence pages
    assert all(labels[i] == number for i, number in stamped)
    assert labels[stamped[0][0]] == "1"


def test_divider_shows_claim_note_and_points(pages_text):
    divider = next(t for t in pages_text if "党组织建设" in t and "评价标准" in t)
    assert "已健全党支部委员会" in divider.replace("\n", "").replace(" ", "")
    assert "自评得分 2 分" in divider


def test_cover_has_unit_title_and_chinese_date(pages_text):
    cover = pages_text[0]
    assert UNIT in cover and "规范化建设自评佐证材料汇编" in cover
    assert "2022年12月20日" in cover


def test_cover_counts_are_the_binders_own(binder, pages_text):
    cover = pages_text[0].replace(" ", "")
    stamps = [STAMP.findall(t) for t in pages_text]
    items = {n for s in stamps for n, _p, _of in s}
    evidence_pages = sum(1 for s in stamps if s)
    assert f"收录佐证材料{len(items)}件（{evidence_pages}页），共{len(pages_text)}页" in cover


def test_outline_lists_all_78_criteria_and_the_bonus_and_deduction_items(binder):
    reader = PdfReader(binder)

    def titles(nodes):
        for node in nodes:
            yield from titles(node) if isinstance(node, list) else [node.title]

    marks = list(titles(reader.outline))
    criteria = [t.split(" ")[0] for t in marks if re.match(r"\d+\.\d+\.\d+ ", t)]
    assert len(criteria) == 78 and len(set(criteria)) == 78
    assert "1.1.3 集体决策制度（1分）　无佐证材料" in marks
    assert marks.index("附加项") > marks.index("六、效能评估常态化（30分）")
    assert [t.split(" ")[0] for t in marks[-4:]] == ["B1", "B2", "D1", "D2"]


def test_score_table_shows_total_and_grade(pages_text):
    table = "".join(pages_text[1:4])
    assert "自评得分表" in table and "总分" in table and "未达标" in table


def test_encrypted_pdf_appears_as_placeholder_page(pages_text):
    index = first_stamps(pages_text)["3.1.1-01"]
    assert "原件见归档包" in pages_text[index]
    assert "加密" in pages_text[index]


def test_all_fonts_are_embedded(binder):
    rows = subprocess.run(["pdffonts", str(binder)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert len(rows) >= 4  # the binder's own CJK fonts, at least
    assert all(row.split()[-5] == "yes" for row in rows), rows  # columns: … emb sub uni obj gen


def test_qpdf_check_passes(binder):
    done = subprocess.run(["qpdf", "--check", str(binder)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a3_page_is_reduced_to_a4_and_rotation_is_kept(binder, pages_text):
    reader = PdfReader(binder)
    first = first_stamps(pages_text)
    a3 = reader.pages[first["1.1.2-01"]]
    assert (round(float(a3.mediabox.width)), round(float(a3.mediabox.height))) == (595, 842)
    rotated = reader.pages[first["1.1-01"]]
    assert rotated.rotation == 90
    a4 = reader.pages[first["1.1.1-01"]]
    assert (round(float(a4.mediabox.width)), round(float(a4.mediabox.height))) == (595, 842)


def _render(binder: Path, index: int, tmp: Path, dpi: int = 30) -> Image.Image:
    prefix = tmp / f"page{index}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(index + 1),
                    "-l", str(index + 1), str(binder), str(prefix)], check=True)
    return Image.open(prefix.with_suffix(".png")).convert("L")


def test_stamp_strip_does_not_cover_page_content(binder, pages_text, tmp_path):
    """A page black to its edges is shrunk: the strip below it stays white but for the stamp."""
    im = _render(binder, first_stamps(pages_text)["3.1.2-01"], tmp_path)
    w, h = im.size
    strip = im.crop((0, h - int(h * 26 / 842), w, h))
    content = im.crop((int(w * 0.1), int(h * 0.1), int(w * 0.9), int(h * 0.8)))
    assert sum(content.tobytes()) / (content.width * content.height) < 20  # still black
    white = sum(1 for v in strip.tobytes() if v > 200) / (strip.width * strip.height)
    assert white > 0.8


@pytest.mark.parametrize(("number", "landscape"), [
    ("1.1.1-01", False), ("1.1-01", True), ("1.2.1-01", False), ("1.2.2-01", False)])
def test_stamp_is_upright_at_the_bottom_as_shown(binder, pages_text, tmp_path, number, landscape):
    """/Rotate 0, 90, 180, 270: the stamp reads left to right along the bottom edge as shown."""
    im = _render(binder, first_stamps(pages_text)[number], tmp_path, dpi=72)
    w, h = im.size
    assert (w > h) == landscape
    text_band = im.crop((0, h - 22, w, h))  # below the hairline (26 pt up)
    ink = [x for x in range(w) for y in range(22) if text_band.getpixel((x, y)) < 160]
    assert ink, "no stamp at the bottom"
    left = sum(1 for x in ink if x < w / 3)
    right = sum(1 for x in ink if x > 2 * w / 3)
    assert left > right > 0  # "佐证 … · 1/1" at the left, the shorter "第 N 页" at the right
    top = im.crop((0, 0, w, int(h * 0.05)))
    assert min(top.tobytes()) > 200  # and nothing along the top edge


@pytest.mark.slow
def test_two_builds_are_byte_identical(tmp_path):
    root = make_workspace(tmp_path / "ws")
    first = build_binder(root)[0].read_bytes()
    again = build_binder(root)[0].read_bytes()
    assert first == again


@pytest.mark.slow
def test_max_pages_splits_into_volumes_without_splitting_an_item(tmp_path):
    root = make_workspace(tmp_path / "ws")
    single = build_binder(root)
    assert single[0].exists()
    paths = build_binder(root, max_pages=20)
    assert len(paths) > 1
    assert [p.name for p in paths][:2] == [f"{UNIT}-2022-佐证材料汇编（第1册）.pdf",
                                           f"{UNIT}-2022-佐证材料汇编（第2册）.pdf"]
    assert not single[0].exists()  # the unsplit binder of the earlier build is gone
    where: dict[str, set[int]] = {}
    for n, path in enumerate(paths, start=1):
        texts = page_texts(path)
        assert len(texts) <= 20
        assert f"第{n}册/共{len(paths)}册" in texts[0].replace(" ", "")
        for text in texts:
            for number, _p, _of in STAMP.findall(text):
                where.setdefault(number, set()).add(n)
        running = [int(m.group(1)) for t in texts if (m := RUNNING.search(t))]
        assert running[0] == 1 and running == sorted(running)  # numbers restart per volume
    assert all(len(v) == 1 for v in where.values())
    assert len(where) == 9


@pytest.mark.slow
def test_changing_one_file_reconverts_only_that_file(tmp_path):
    root = make_workspace(tmp_path / "ws")
    build_binder(root)
    cache = root / "build" / ".cache" / "convert"
    before = {p.name for p in cache.glob("*.pdf")}
    _text_pdf(folder(root, "1.1.2") / "学习计划A3.pdf", pages=1, label="修订后")
    path = build_binder(root)[0]
    added = {p.name for p in cache.glob("*.pdf")} - before
    assert len(added) == 1
    assert "修订后" in "".join(page_texts(path))


@pytest.mark.slow
def test_cli_build_with_a_placeholder_exits_0_and_1_when_strict(tmp_path, dossier_cli):
    root = make_workspace(tmp_path / "ws")
    done = dossier_cli("-C", str(root), "build", "--only", "binder")
    assert done.exit_code == 0, done.stderr
    assert output_path(load_project(root), "binder_pdf").exists()
    strict = dossier_cli("-C", str(root), "build", "--only", "binder", "--strict")
    assert strict.exit_code == 1, strict.stderr
    assert "加密文件.pdf" in strict.stderr


@pytest.mark.slow
def test_missing_conversion_gets_a_placeholder_and_the_build_finishes(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root, 2022, UNIT)
    _text_pdf(folder(root, "2.1.1") / "名单.pdf")
    project = load_project(root)
    ctx = BuildContext(project=project, score=compute_score(project), check=None, converted={})
    path = binder_pdf.build(ctx)[0]
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "佐证 2.1.1-01 · 1/1" in text and "原件见归档包" in text
    shutil.rmtree(root / "build")


@pytest.mark.slow
def test_unreadable_converted_pdf_becomes_a_placeholder_and_numbering_holds(tmp_path):
    """A cache entry damaged after conversion: the merge fails, the item is replaced, re-planned."""
    root = make_workspace(tmp_path / "ws")
    project = load_project(root)
    converted = convert_files([it.file for it in project.all_items()], project.cache_dir)
    a3 = next(it for it in project.all_items() if it.number == "1.1.2-01")
    converted[a3.file.sha256].pdf.write_bytes(b"%PDF-1.4\n garbage, no objects at all")
    ctx = BuildContext(project=project, score=compute_score(project), check=None,
                       converted=converted)
    path = binder_pdf.build(ctx)[0]
    texts = page_texts(path)
    index = first_stamps(texts)["1.1.2-01"]
    assert "原件见归档包" in texts[index] and "佐证 1.1.2-01 · 1/1" in texts[index]
    labels = PdfReader(path).page_labels
    assert all(labels[i] == m.group(1) for i, t in enumerate(texts) if (m := RUNNING.search(t)))


def _entries(root: Path) -> set[str]:
    return {p.name for p in (root / "build" / ".cache" / "binder").glob("*")}


@pytest.mark.slow
def test_cold_and_warm_cache_builds_are_byte_identical(tmp_path):
    """The drawn pages come from the cache on a rebuild; the binder's bytes do not change."""
    root = make_workspace(tmp_path / "ws")
    cold = build_binder(root)[0].read_bytes()
    entries = _entries(root)
    assert {n.split("-")[0] for n in entries} == {"layout", "front", "stamps"}
    warm = build_binder(root)[0].read_bytes()
    assert _entries(root) == entries  # every part was a hit: nothing drawn again
    assert warm == cold
    shutil.rmtree(root / "build" / ".cache" / "binder")
    assert build_binder(root)[0].read_bytes() == cold


@pytest.mark.slow
def test_changed_claim_note_redraws_only_the_front_matter(tmp_path):
    root = make_workspace(tmp_path / "ws")
    build_binder(root)
    before = _entries(root)
    edit_manifest(root, claims={"1.1.1": {"points": 1, "note": "已健全党支部委员会，全年召开组织生活会6次"}})
    path = build_binder(root)[0]
    added = _entries(root) - before
    assert {n.split("-")[0] for n in added} == {"front", "layout"}  # stamps reused
    assert not any(n.startswith("stamps-") for n in added)
    divider = next(t for t in page_texts(path) if "党组织建设" in t and "评价标准" in t)
    assert "组织生活会6次" in divider.replace("\n", "").replace(" ", "")  # the new note


@pytest.mark.slow
def test_damaged_front_matter_cache_entry_is_not_a_crash(tmp_path):
    """A cache entry whose sidecar is unreadable counts as a miss; the binder is the same."""
    root = make_workspace(tmp_path / "ws")
    first = build_binder(root)[0].read_bytes()
    for sidecar in (root / "build" / ".cache" / "binder").glob("front-*.json"):
        sidecar.write_text("{not json", encoding="utf-8")
    assert build_binder(root)[0].read_bytes() == first
