"""Personal-data scan: real PDF, DOCX, XLSX and text files written here, read back by pii."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import fpdf
import openpyxl

from dossier import pii


def make_id(prefix17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(prefix17, weights, strict=True))
    return prefix17 + "10X98765432"[total % 11]


VALID_ID = make_id("35058219850312123")


def bad_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def test_valid_id_number_is_found_and_masked():
    hits = pii.find_in_text(f"当事人身份证号：{VALID_ID}，住址略。")
    assert hits == [("id", VALID_ID[:6] + "********" + VALID_ID[-4:])]


def test_id_with_wrong_check_digit_is_ignored():
    assert pii.find_in_text(f"编号 {bad_check_digit(VALID_ID)}") == []


def test_id_with_impossible_birth_date_is_ignored():
    assert not pii.id_number_valid(make_id("35058219851332123"))


def test_lowercase_x_check_digit_is_accepted():
    number = next(make_id(f"3505821985031212{i}") for i in range(10)
                  if make_id(f"3505821985031212{i}").endswith("X"))
    assert pii.id_number_valid(number.lower())


def test_mobile_number_found_but_not_inside_longer_numbers():
    text = "联系电话13812345678；案号2022031381234567890；座机0595-12345678"
    assert pii.find_in_text(text) == [("mobile", "138****5678")]


def test_mobile_and_id_in_order():
    text = f"电话 15900001111 身份证 {VALID_ID}"
    assert [k for k, _ in pii.find_in_text(text)] == ["mobile", "id"]


def test_pdf_hits_carry_page_numbers(tmp_path):
    pdf = fpdf.FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(text="Nothing here")
    pdf.add_page()
    pdf.cell(text=f"ID {VALID_ID} tel 13912345678")
    path = tmp_path / "record.pdf"
    pdf.output(str(path))
    hits = pii.scan_file(path, "2.1.1-01 record.pdf")
    assert [(h.page, h.kind) for h in hits] == [(2, "id"), (2, "mobile")]
    assert "第2页" in hits[0].message() and "身份证号" in hits[0].message()
    assert VALID_ID not in hits[0].message()


def test_docx_paragraphs_and_tables_are_searched(tmp_path):
    document = docx.Document()
    document.add_paragraph("执法人员名单")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "张三"
    table.cell(0, 1).text = "13712345678"
    path = tmp_path / "名单.docx"
    document.save(str(path))
    assert [h.masked for h in pii.scan_file(path)] == ["137****5678"]


def test_xlsx_cells_are_searched_per_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "身份证"])
    second = workbook.create_sheet("第二页")
    second.append(["李四", VALID_ID])
    path = tmp_path / "台账.xlsx"
    workbook.save(path)
    hits = pii.scan_file(path)
    assert [(h.page, h.kind) for h in hits] == [(2, "id")]


def test_gbk_text_file_is_read(tmp_path):
    path = tmp_path / "说明.txt"
    path.write_bytes("联系人手机：18612345678\n".encode("gb18030"))
    assert [h.masked for h in pii.scan_file(path)] == ["186****5678"]


def test_unreadable_or_unsupported_files_give_no_hits(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff 13812345678")
    assert pii.scan_file(broken) == []
    assert pii.scan_file(photo) == []


def test_background_scan_in_a_worker_finds_what_the_scan_in_process_finds(tmp_path):
    """pack scans in a worker process while it writes the archive: the same hits, in order."""
    from dossier.project import load_project
    from tests.cases import Case

    def text(body: str):
        return lambda path: path.write_text(body, encoding="utf-8")

    files = {f"{n:02d} 记录.txt": text(f"第{n}份记录，联系电话 1381234{n:04d}\n")
             for n in range(pii.BACKGROUND_MIN + 5)}
    files["身份证.txt"] = text(f"当事人身份证号：{VALID_ID}\n")
    root = Case(claims={"1.1.1": 1}, files={"1.1.1": files}).make(tmp_path / "ws")
    items = load_project(root).all_items()
    scan = pii.Background(items)
    assert scan.future is not None  # it did start a worker
    hits = scan.result()
    assert hits == pii.scan_items(items)
    assert len(hits) == pii.BACKGROUND_MIN + 6
    assert scan.pool is None  # the worker is gone


def test_a_file_scanned_once_is_not_read_again_and_an_unreadable_one_is_not_cached(tmp_path):
    """The second pack of the year reads only new or changed files; a file that could not
    be read (locked, moved) is read again next time, never remembered as clean."""
    from dossier.project import load_project
    from tests.cases import Case

    def text(body: str):
        return lambda path: path.write_text(body, encoding="utf-8")

    root = Case(claims={"1.1.1": 1}, files={"1.1.1": {
        "联系表.txt": text("联系电话 13812345678\n"),
        "当事人.txt": text(f"当事人身份证号：{VALID_ID}\n")}}).make(tmp_path / "ws")
    project = load_project(root)
    items = project.all_items()
    first = pii.scan_items(items, cache_dir=project.cache_dir)
    assert sorted(h.kind for h in first) == ["id", "mobile"]
    entries = sorted((project.cache_dir / "pii").glob("*.json"))
    assert len(entries) == 2
    for item in items:  # gone from the disk: only the cache can answer now
        Path(item.file.path).unlink()
    assert pii.scan_items(items, cache_dir=project.cache_dir) == first
    assert pii.scan_items(items) == []  # without the cache the files are really gone

    shutil.rmtree(project.cache_dir / "pii")
    assert pii.scan_items(items, cache_dir=project.cache_dir) == []  # unreadable now …
    assert not list((project.cache_dir / "pii").glob("*.json"))  # … and nothing cached
