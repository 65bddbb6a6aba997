"""The synthetic evidence generators (devtools/synth.py, bench/generate.py) and the demo workspace.

Files are read back with the real libraries; determinism is checked by hashing two runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat

from bench.generate import generate
from devtools import make_demo, synth
from dossier.manifest import load_manifest
from dossier.workspace import README_NAME, folder_code

ROOT = Path(__file__).resolve().parents[1]
DEMO_EVIDENCE = ROOT / "evidence" / "2022"


def hashes(root: Path, skip=(README_NAME, "manifest.schema.json", ".bench-generated")) -> dict:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name not in skip}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "ws"
    generate(out, "tiny", seed=1, jobs=1, log=lambda *_: None)
    return out


def evidence_files(root: Path) -> list[Path]:
    return [p for p in sorted((root / "evidence" / "2022").rglob("*"))
            if p.is_file() and p.name != README_NAME]


def test_tiny_year_has_one_real_file_of_each_kind(tiny):
    import openpyxl
    import pillow_heif
    from docx import Document
    from pypdf import PdfReader

    files = evidence_files(tiny)
    assert sorted(p.suffix for p in files) == sorted(
        [".pdf", ".pdf", ".jpg", ".docx", ".xlsx", ".heic", ".tif", ".txt"])
    texts = []
    for p in files:
        if p.suffix == ".pdf":
            reader = PdfReader(p)
            assert len(reader.pages) >= 1
            texts.append(reader.pages[0].extract_text().strip())
        elif p.suffix == ".jpg":
            with Image.open(p) as im:
                assert im.format == "JPEG" and im.size in ((480, 640), (640, 480))
        elif p.suffix == ".heic":
            pillow_heif.register_heif_opener()
            with Image.open(p) as im:
                assert im.size == (480, 640)
        elif p.suffix == ".tif":
            with Image.open(p) as im:
                assert im.n_frames >= 2
        elif p.suffix == ".docx":
            assert Document(str(p)).tables
        elif p.suffix == ".xlsx":
            assert openpyxl.load_workbook(p).active.max_row > 3
        elif p.suffix == ".txt":
            assert "\r\n" in p.read_bytes().decode("utf-8-sig")
    assert sorted(bool(t) for t in texts) == [False, True]  # one scan (image only), one text PDF
    manifest = load_manifest(tiny / "manifests" / "2022.yaml")
    assert len(manifest.claims) == 78


def test_tiny_year_is_the_same_bytes_whatever_the_process_count(tiny, tmp_path):
    again = tmp_path / "ws"
    generate(again, "tiny", seed=1, jobs=2, log=lambda *_: None)
    assert hashes(again) == hashes(tiny)


def test_another_seed_gives_other_files(tiny, tmp_path):
    other = tmp_path / "ws"
    generate(other, "tiny", seed=2, jobs=1, log=lambda *_: None)
    assert set(hashes(other).values()) != set(hashes(tiny).values())


def test_generate_refuses_to_wipe_a_foreign_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit):
        generate(tmp_path, "tiny", seed=1, jobs=1, log=lambda *_: None)
    assert (tmp_path / "keep.txt").exists()


@pytest.mark.parametrize("orientation", [6, 8])
def test_rotated_photo_stands_upright_after_exif_transpose(tmp_path, orientation):
    when = dt.datetime(2022, 5, 12, 9, 30)
    kw = dict(scene="site", when=when, place="示例县城关镇", size=(300, 400), quality=95)
    synth.write_photo(tmp_path / "up.jpg", random.Random(7), orientation=1, **kw)
    synth.write_photo(tmp_path / "side.jpg", random.Random(7), orientation=orientation, **kw)
    with Image.open(tmp_path / "side.jpg") as side, Image.open(tmp_path / "up.jpg") as up:
        assert side.size == (400, 300)
        assert side.getexif()[0x0112] == orientation
        turned = ImageOps.exif_transpose(side)
        diff = ImageChops.difference(turned.convert("L"), up.convert("L"))
        assert ImageStat.Stat(diff).mean[0] < 4  # the same picture, up to JPEG noise


def test_office_files_carry_the_document_date_not_the_clock(tmp_path):
    from docx import Document

    date = dt.date(2022, 3, 15)
    doc = synth.compose("ledger", "执法装备使用台账", random.Random(1), date, ledger="usage")
    synth.write_docx(doc, tmp_path / "a.docx")
    synth.write_xlsx(doc, tmp_path / "a.xlsx")
    assert Document(str(tmp_path / "a.docx")).core_properties.created.date() == date
    for name in ("a.docx", "a.xlsx"):
        with zipfile.ZipFile(tmp_path / name) as z:
            assert {i.date_time for i in z.infolist()} == {(2022, 3, 15, 9, 30, 0)}
            core = z.read("docProps/core.xml").decode()
            assert "2022-03-15T01:30:00Z" in core


def test_text_pdf_embeds_cjk_font_and_fixed_date(tmp_path):
    from pypdf import PdfReader

    doc = synth.compose("notice", "关于印发《2022年度执法检查计划》的通知", random.Random(3),
                        dt.date(2022, 2, 10))
    synth.write_text_pdf(doc, tmp_path / "n.pdf")
    reader = PdfReader(tmp_path / "n.pdf")
    assert "执法检查计划" in reader.pages[0].extract_text().replace(" ", "")
    assert reader.metadata["/CreationDate"].startswith("D:20220210")
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert all("/FontFile2" in f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
               or "/FontFile3" in f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
               for f in fonts.values())


# -- the committed demo workspace -----------------------------------------------

def test_demo_leaves_exactly_the_deliberately_missing_criteria_empty():
    standard_codes = {c.code for c in make_demo.load_standard().criteria()}
    with_files = set()
    for p in DEMO_EVIDENCE.rglob("*"):
        if p.is_file() and p.name != README_NAME and folder_code(p.parent.name) in standard_codes:
            with_files.add(folder_code(p.parent.name))
    assert standard_codes - with_files == set(make_demo.DELIBERATELY_MISSING)
    manifest = load_manifest(ROOT / "manifests" / "2022.yaml")
    claimed = {code: float(manifest.claims[code].points) for code in make_demo.DELIBERATELY_MISSING}
    assert claimed == make_demo.DELIBERATELY_MISSING
    assert sorted(v > 0 for v in claimed.values()) == [False, False, True, True]


def test_demo_is_small_and_has_every_kind_of_file():
    files = [p for p in DEMO_EVIDENCE.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 10 * 1024 * 1024
    suffixes = {p.suffix for p in files}
    assert {".pdf", ".jpg", ".docx", ".xlsx", ".txt", ".tif", ".heic", ".png"} <= suffixes
    tertiary_level = [p for p in files if p.name != README_NAME
                      and folder_code(p.parent.name) and p.parent.name.count(".") == 1]
    assert tertiary_level, "some files sit directly in a tertiary folder"


@pytest.mark.slow
def test_committed_demo_is_what_make_demo_writes(tmp_path):
    """Same files, same manifest, same plain-text bytes.

    Image, PDF and Office bytes also depend on the installed Pillow, libjpeg, fpdf2 and
    fonts, which pip and apt may update between machines, so only their names are
    compared here; byte-reproducibility on one machine is tested above.
    """
    make_demo.build(tmp_path)
    fresh, committed = hashes(tmp_path / "evidence"), hashes(ROOT / "evidence")
    assert sorted(fresh) == sorted(committed), \
        "the demo is stale: run .venv/bin/python devtools/make_demo.py and commit"
    for rel in committed:
        if rel.endswith(".txt"):
            assert fresh[rel] == committed[rel], rel
    assert (tmp_path / "manifests" / "2022.yaml").read_bytes() == \
        (ROOT / "manifests" / "2022.yaml").read_bytes()
