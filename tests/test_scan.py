"""Scan: real kind from content, pages, problem files, links, junk, and the cache.

Every file is made in tmp_path with the real library (tests/factories.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from dossier.scan import SCAN_VERSION, scan_evidence
from dossier.standard import load_standard
from tests import factories

STD = load_standard("fujian-county-2021")
T = "1.1 党组织建设"
C = f"{T}/1.1.1 健全党支部委员会"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "evidence" / "2022"
    (root / C).mkdir(parents=True)
    return root


def scan(tree: Path, **kw):
    return scan_evidence(tree, STD, tree.parent.parent / "build" / ".cache", **kw)


def one(result, name: str):
    return next(f for f in result.files if f.name == name)


def test_pdf_named_jpg_is_a_pdf_with_its_pages(tree):
    factories.pdf(tree / C / "名单.jpg", pages=2)
    f = one(scan(tree), "名单.jpg")
    assert (f.kind, f.ext, f.pages, f.problem) == ("pdf", "jpg", 2, None)
    assert (f.tertiary, f.criterion) == ("1.1", "1.1.1")


def test_owner_password_only_pdf_opens_and_is_not_encrypted(tree, tmp_path):
    plain = factories.pdf(tmp_path / "plain.pdf", pages=3)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    writer.write(tree / C / "只限打印.pdf")
    assert PdfReader(tree / C / "只限打印.pdf").is_encrypted
    f = one(scan(tree), "只限打印.pdf")
    assert (f.problem, f.pages) == (None, 3)


def test_pdf_with_open_password_is_encrypted(tree):
    factories.encrypted_pdf(tree / C / "加密.pdf")
    f = one(scan(tree), "加密.pdf")
    assert (f.kind, f.problem, f.pages) == ("pdf", "encrypted", None)


def test_truncated_pdf_is_corrupt(tree):
    factories.truncated_pdf(tree / C / "截断.pdf")
    assert one(scan(tree), "截断.pdf").problem == "corrupt"


def test_image_pages_are_counted_per_frame(tree):
    factories.multipage_tiff(tree / C / "扫描.tif", pages=3)
    factories.jpeg(tree / C / "照片.jpg")
    result = scan(tree)
    assert one(result, "扫描.tif").pages == 3
    assert one(result, "照片.jpg").pages == 1


def test_corrupt_jpeg_and_empty_file_are_problems(tree):
    factories.corrupt_jpeg(tree / C / "坏图.jpg")
    factories.empty_file(tree / C / "空.pdf")
    result = scan(tree)
    assert one(result, "坏图.jpg").problem == "corrupt"
    assert one(result, "空.pdf").problem == "empty"


def test_huge_image_is_a_bomb_detected_from_its_header(tree):
    Image.new("1", (10_000, 9_000), 1).save(tree / C / "巨图.png")  # 90 Mpx, 30 KB on disk
    f = one(scan(tree), "巨图.png")
    assert f.problem == "bomb"
    assert "10000×9000" in f.problem_detail


def test_symlink_is_refused_and_never_followed(tree):
    os.symlink("/etc/passwd", tree / C / "passwd.txt")
    os.symlink(tree / C, tree / T / "链接文件夹")
    result = scan(tree)
    assert not result.files
    refused = {rel: inside for rel, _target, inside in result.refused_links}
    assert refused == {f"{C}/passwd.txt": False, f"{T}/链接文件夹": True}


def test_lock_and_system_files_are_ignored(tree):
    for name in ("~$计划.docx", "Thumbs.db", ".DS_Store", "desktop.ini"):
        (tree / C / name).write_bytes(b"junk")
    factories.pdf(tree / C / "计划.pdf")
    result = scan(tree)
    assert [f.name for f in result.files] == ["计划.pdf"]
    assert len(result.ignored) == 4


def test_unknown_folder_codes_and_outside_files(tree):
    (tree / "99.1 不存在").mkdir()
    factories.text_file(tree / "99.1 不存在" / "a.txt")
    (tree / T / "1.1.9 多出来的").mkdir()
    factories.text_file(tree / T / "1.1.9 多出来的" / "b.txt")
    factories.text_file(tree / "根目录.txt")
    result = scan(tree)
    assert sorted(result.unknown_folders) == [(f"{T}/1.1.9 多出来的", "1.1.9"), ("99.1 不存在", "99.1")]
    assert sorted(result.outside) == ["99.1 不存在/a.txt", "根目录.txt"]
    b = one(result, "b.txt")
    assert (b.tertiary, b.criterion) == ("1.1", None)


def test_second_scan_of_unchanged_tree_reads_no_file_contents(tree):
    """Swap a file's bytes keeping size and mtime: a cached scan must not notice."""
    pdf = factories.pdf(tree / C / "计划.pdf", pages=2)
    first = one(scan(tree), "计划.pdf")
    st = pdf.stat()
    pdf.write_bytes(b"\0" * st.st_size)  # same size, other content
    os.utime(pdf, ns=(st.st_atime_ns, st.st_mtime_ns))
    second = one(scan(tree), "计划.pdf")
    assert (second.sha256, second.kind, second.pages) == (first.sha256, "pdf", 2)
    os.utime(pdf, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # touched: re-read
    third = one(scan(tree), "计划.pdf")
    assert third.sha256 != first.sha256 and third.pages is None


def test_cache_is_written_outside_the_evidence_tree(tree):
    factories.pdf(tree / C / "计划.pdf")
    before = factories_snapshot(tree)
    scan(tree)
    assert factories_snapshot(tree) == before
    cache = tree.parent.parent / "build" / ".cache" / "scan.json"
    assert f'"version": {SCAN_VERSION}' in cache.read_text(encoding="utf-8")


def test_many_files_scan_in_threads_with_the_same_result_as_cached(tree):
    src = factories.pdf(tree / C / "0.pdf")
    for i in range(1, 20):
        shutil.copy(src, tree / C / f"{i}.pdf")
    cold = scan(tree)
    warm = scan(tree)
    assert [(f.rel, f.sha256, f.pages) for f in cold.files] == \
        [(f.rel, f.sha256, f.pages) for f in warm.files]
    assert all(f.pages == 1 for f in cold.files)


def factories_snapshot(root: Path) -> dict:
    from tests.conftest import tree_snapshot

    return tree_snapshot(root)


def test_cut_off_jpeg_copy_is_corrupt_and_a_whole_one_is_not(tree):
    whole = factories.jpeg(tree / C / "完整.jpg", size=(1600, 1200))
    data = whole.read_bytes()
    (tree / C / "拷贝中断.jpg").write_bytes(data[: len(data) // 2])
    result = scan(tree)
    assert one(result, "完整.jpg").problem is None
    assert one(result, "拷贝中断.jpg").problem == "corrupt"
