"""pack: a real workspace (``init`` + sample files) packed, then read back with bagit, zipfile, unzip."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import bagit
import openpyxl
import pytest

from dossier import sm3
from dossier.archive import INDEX_HEADER
from dossier.errors import ExitCode
from dossier.finding import Finding
from dossier.pack import PackRefused, pack, write_index
from dossier.project import load_project
from dossier.score import compute_score
from dossier.workspace import init_workspace
from tests import factories
from tests.conftest import FINISHED_REPORT, run_dossier
from tests.test_pii import VALID_ID

UNIT = "晋江测试生态环境保护综合行政执法大队"
BAGIT_CLI = Path(sys.executable).parent / "bagit.py"
NFD_NAME = unicodedata.normalize("NFD", "café 巡查记录.txt")
CLAIMS = {"1.1.1": 1, "3.1.1": 1.5}


def folder(root: Path, code: str) -> Path:
    tertiary = ".".join(code.split(".")[:2])
    base = next((root / "evidence" / "2022").glob(f"{tertiary} *"))
    return base if code == tertiary else next(base.glob(f"{code} *"))


def write_claims(root: Path, claims: dict[str, float] = CLAIMS, extra: str = "") -> Path:
    """A small manifest with these claims and a finished report: (the report then has no
    draft markers, which pack refuses), and a comment that must never reach the archive."""
    lines = [f"unit: {UNIT}", "year: 2022", "# 王科长：先报1分，材料还没收到", "claims:"]
    lines += [f'  "{code}": {{points: {points}, note: 自评说明{code}}}' for code, points in claims.items()]
    lines += ["report:"] + [f"  {key}: {json.dumps(value, ensure_ascii=False)}"
                            for key, value in FINISHED_REPORT.items()]
    path = root / "manifests" / "2022.yaml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def make_workspace(root: Path, extra=None) -> tuple[Path, dict[str, Path]]:
    """A workspace with PDFs, Word, Excel, a photo and text files, and some built outputs."""
    init_workspace(root, 2022, UNIT)
    write_claims(root)
    c111 = folder(root, "1.1.1")
    factories.pdf(c111 / "2022年3月15日 支部委员会名单.pdf", pages=3)
    factories.docx(c111 / "支部会议记录.docx", ("会议记录", f"参会人身份证号 {VALID_ID}"))
    factories.jpeg(c111 / "10 活动照片.jpg", size=(200, 150))
    factories.text_file(c111 / "2 签到表.txt", "签到：张三 13812345678\n")
    factories.xlsx(folder(root, "1.1") / "党建工作台账.xlsx")
    factories.text_file(folder(root, "3.1.1") / NFD_NAME)
    factories.text_file(folder(root, "3.1.1") / "车辆:登记.txt")
    if extra:
        extra(root)
    out = root / "built"
    out.mkdir()
    outputs = {"binder_pdf": factories.pdf(out / f"{UNIT}-2022-佐证材料汇编.pdf", pages=5),
               "sheet_xlsx": factories.xlsx(out / f"{UNIT}-2022-自评得分表.xlsx"),
               "report_docx": factories.docx(out / f"{UNIT}-2022-年度工作进展和总结报告.docx")}
    return root, outputs


def pack_workspace(root: Path, extra=None, **kwargs):
    root, outputs = make_workspace(root, extra)
    project = load_project(root)
    return project, pack(project, outputs, [], **kwargs)


def extract(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dest)
    (top,) = list(dest.iterdir())
    return top


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def finding(severity: str, kind: str, code: str, path: str, message: str) -> Finding:
    return Finding(severity, kind, code, path, message, "机关党委")


@pytest.fixture
def packed(tmp_path):
    project, result = pack_workspace(tmp_path / "ws")
    return project, result, extract(result.path, tmp_path / "out")


def test_archive_name_and_place(packed):
    project, result, bag = packed
    assert result.path == project.build_dir / f"{UNIT}-2022-规范化建设材料.zip"
    assert bag.name == f"{UNIT}-2022-规范化建设材料"
    assert result.size == result.path.stat().st_size
    assert result.sha256 == sha256(result.path)  # taken while writing: no second read …
    assert result.sm3 == sm3.new(result.path.read_bytes()).hexdigest()  # … and still exact


def test_bag_validates_with_bagit_library_and_command_line(packed):
    _, _, bag = packed
    assert bagit.Bag(str(bag)).validate()
    run = subprocess.run([str(BAGIT_CLI), "--validate", str(bag)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "is valid" in run.stderr


def test_every_original_is_in_the_bag_with_the_same_hash(packed):
    project, result, bag = packed
    items = project.all_items()
    originals = sorted((bag / "data" / "原件").iterdir())
    assert len(originals) == len(items) == result.originals == result.items == 7
    for item in items:
        (found,) = [p for p in originals if p.name.startswith(f"{item.number} ")]
        assert sha256(found) == sha256(item.file.path)


def test_outputs_contents_and_index_are_in_the_payload(packed):
    _, result, bag = packed
    data = bag / "data"
    assert sorted(result.outputs) == sorted(p.name for p in data.iterdir()
                                            if p.suffix in (".pdf", ".docx") or "得分" in p.name)
    contents = json.loads((data / "清单.json").read_text(encoding="utf-8"))
    assert contents["unit"] == UNIT and contents["year"] == 2022
    assert contents["score"]["total"] == "2.50" and contents["score"]["grade"] == "未达标"
    first = contents["items"][0]
    assert set(first) >= {"number", "file", "title", "pages", "sha256", "path"}
    pdf = next(e for e in contents["items"] if e["ext"] == "pdf")
    assert pdf["pages"] == 3 and pdf["date"] == "2022-03-15"
    for entry in contents["outputs"]:
        assert entry["sha256"] == sha256(bag / entry["path"])
        assert entry["sm3"] == sm3.file_sm3(bag / entry["path"])


def test_index_lists_every_item_with_archival_codes(packed):
    project, _, bag = packed
    sheet = openpyxl.load_workbook(bag / "data" / "归档目录.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == INDEX_HEADER
    assert [r[0] for r in rows[1:]] == list(range(1, len(project.all_items()) + 1))
    assert [r[1] for r in rows[1:]] == [f"2022-{i.number}" for i in project.all_items()]
    assert all(r[6] and len(r[6]) == 64 for r in rows[1:])
    assert any(r[3] for r in rows[1:]), "responsible departments come from the standard"


def test_bag_info_carries_unit_year_score_grade_counts(packed):
    _, _, bag = packed
    info = bagit.Bag(str(bag)).info
    assert info["Source-Organization"] == UNIT
    assert info["Assessment-Year"] == "2022"
    assert info["Claimed-Score"] == "2.50" and info["Grade"] == "未达标"
    assert info["Evidence-Items"] == "7" and info["Original-Files"] == "7"
    assert info["Output-Files"] == "3"
    assert info["Bagging-Date"] == "2022-12-31"
    assert "Payload-Oxum" in info
    assert (bag / "bagit.txt").read_text() .startswith("BagIt-Version: 1.0\n")


def test_sm3_manifests_match_and_are_protected_by_the_sha256_tag_manifest(packed):
    _, _, bag = packed
    lines = (bag / "manifest-sm3.txt").read_text(encoding="utf-8").splitlines()
    payload = sorted(p for p in (bag / "data").rglob("*") if p.is_file())
    assert len(lines) == len(payload)
    for line in lines:
        digest, rel = line.split("  ", 1)
        assert sm3.file_sm3(bag / rel) == digest
    tags = (bag / "tagmanifest-sha256.txt").read_text(encoding="utf-8")
    assert "manifest-sm3.txt" in tags and "bag-info.txt" in tags
    assert not (bag / "tagmanifest-sm3.txt").exists(), "validators without SM3 cannot place it"


def test_member_names_are_utf8_flagged_nfc_and_portable(packed):
    _, result, _ = packed
    with zipfile.ZipFile(result.path) as zf:
        infos = zf.infolist()
    names = [i.filename.split("/", 1)[1] for i in infos]
    assert names[0] == "bagit.txt" and names[-4:] == [
        "bag-info.txt", "manifest-sha256.txt", "manifest-sm3.txt", "tagmanifest-sha256.txt"]
    assert all(i.flag_bits & 0x800 for i in infos)
    assert all(i.date_time == (2022, 12, 31, 0, 0, 0) for i in infos)
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert any(n.endswith("café 巡查记录.txt") for n in names)
    assert any(n.endswith("车辆：登记.txt") for n in names), "':' is not allowed on Windows"
    assert not any(i.is_dir() for i in infos)


def test_names_read_back_in_chinese_with_unzip(packed, tmp_path):
    _, result, _ = packed
    listing = subprocess.run(["unzip", "-l", str(result.path)], capture_output=True, check=True)
    assert "data/归档目录.xlsx".encode() in listing.stdout
    assert "支部委员会名单.pdf".encode() in listing.stdout
    dest = tmp_path / "unzipped"
    subprocess.run(["unzip", "-q", str(result.path), "-d", str(dest)], check=True)
    (top,) = list(dest.iterdir())
    assert (top / "data" / "原件" / "1.1.1-03 2022年3月15日 支部委员会名单.pdf").is_file()
    assert bagit.Bag(str(top)).is_valid()


def test_two_packs_of_the_same_workspace_are_byte_identical(tmp_path):
    project, first = pack_workspace(tmp_path / "ws")
    kept = tmp_path / "first.zip"
    shutil.copyfile(first.path, kept)
    time.sleep(1.1)  # a ZIP or xlsx stamped with "now" would differ
    again = pack(load_project(tmp_path / "ws"), make_outputs(tmp_path), [])
    assert again.path == first.path
    assert again.path.read_bytes() == kept.read_bytes()


def make_outputs(tmp_path: Path) -> dict[str, Path]:
    out = tmp_path / "ws" / "built"
    return {"binder_pdf": out / f"{UNIT}-2022-佐证材料汇编.pdf",
            "sheet_xlsx": out / f"{UNIT}-2022-自评得分表.xlsx",
            "report_docx": out / f"{UNIT}-2022-年度工作进展和总结报告.docx"}


def test_index_workbook_is_deterministic(tmp_path):
    import datetime as dt

    contents = {"items": [{"seq": 1, "archival_code": "2022-1.1.1-01", "title": "名单",
                           "department": "机关党委", "date": "", "pages": 2, "sha256": "0" * 64,
                           "path": "data/原件/1.1.1-01 名单.pdf"}]}
    write_index(tmp_path / "a.xlsx", contents, dt.date(2022, 12, 31))
    time.sleep(1.1)
    write_index(tmp_path / "b.xlsx", contents, dt.date(2022, 12, 31))
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as zf:
        assert {i.date_time for i in zf.infolist()} == {(2022, 12, 31, 0, 0, 0)}
        assert b"2022-12-31T00:00:00Z" in zf.read("docProps/core.xml")


def test_no_originals_leaves_evidence_out_but_indexes_it(tmp_path):
    project, result = pack_workspace(tmp_path / "ws", originals=False)
    bag = extract(result.path, tmp_path / "out")
    assert not (bag / "data" / "原件").exists()
    assert result.originals == 0 and result.items == 7
    assert bagit.Bag(str(bag)).is_valid()
    rows = list(openpyxl.load_workbook(bag / "data" / "归档目录.xlsx").active.values)
    assert len(rows) == 8
    assert any("--no-originals" in n for n in result.notes)


def test_blocking_findings_refuse_the_pack_and_name_each_file(tmp_path):
    root, outputs = make_workspace(tmp_path / "ws")
    project = load_project(root)
    findings = [finding("error", "encrypted", "8.6.2", "8.6 完善典型执法案例指导制度/8.6.2 案例/乙.pdf",
                        "PDF 设有打开密码"),
                finding("warning", "unassigned", "1.1", "1.1 党组织建设/x.pdf", "未归入评价标准")]
    with pytest.raises(PackRefused) as caught:
        pack(project, outputs, findings)
    assert caught.value.exit_code == ExitCode.blocking == 1
    message = str(caught.value)
    assert "1 项阻断性问题" in message and "8.6.2 案例/乙.pdf：PDF 设有打开密码" in message
    assert "--force" in message and "未归入" not in message
    assert not (project.build_dir / f"{UNIT}-2022-规范化建设材料.zip").exists()


def test_force_packs_anyway_and_lists_each_overridden_finding(tmp_path):
    root, outputs = make_workspace(tmp_path / "ws")
    findings = [finding("error", "claimed_without_evidence", "3.1.2", "3.1 完成装备配备/3.1.2 取证设备",
                        "3.1.2：自评 1 分，但没有可用的佐证材料")]
    result = pack(load_project(root), outputs, findings, force=True)
    assert any("强制打包" in w and "3.1.2" in w for w in result.warnings)
    bag = extract(result.path, tmp_path / "out")
    assert bagit.Bag(str(bag)).info["Blocking-Findings"] == "1"
    contents = json.loads((bag / "data" / "清单.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in contents["overridden"]] == ["3.1.2"]
    assert contents["overridden"][0]["path"] == "3.1 完成装备配备/3.1.2 取证设备"


def test_missing_outputs_are_skipped_with_a_note(tmp_path):
    root, outputs = make_workspace(tmp_path / "ws")
    result = pack(load_project(root), {"sheet_xlsx": outputs["sheet_xlsx"]}, [])
    assert result.outputs == [outputs["sheet_xlsx"].name]
    assert any("佐证材料汇编（PDF）" in n and "dossier build" in n for n in result.notes)


def test_binder_volumes_are_all_packed(tmp_path):
    root, outputs = make_workspace(tmp_path / "ws")
    vol = {f"binder_pdf_{i}": factories.pdf(tmp_path / f"汇编第{i}册.pdf") for i in (1, 2)}
    result = pack(load_project(root), vol, [])
    assert result.outputs == ["汇编第1册.pdf", "汇编第2册.pdf"]
    assert not any("佐证材料汇编（PDF）" in n and "未找到" in n and "册" not in n
                   for n in result.notes)


def test_personal_data_is_listed_as_warnings_with_masked_values(packed):
    _, result, _ = packed
    kinds = {(Path(h.file.split(" ", 1)[1]).name, h.kind) for h in result.pii}
    assert ("支部会议记录.docx", "id") in kinds and ("2 签到表.txt", "mobile") in kinds
    joined = "\n".join(result.warnings)
    assert VALID_ID not in joined and "13812345678" not in joined
    assert "138****5678" in joined and "脱敏" in joined


def test_score_is_computed_when_not_given(tmp_path):
    project, result = pack_workspace(tmp_path / "ws")
    expected = compute_score(project)
    info = bagit.Bag(str(extract(result.path, tmp_path / "out"))).info
    assert info["Claimed-Score"] == str(expected.total) and info["Grade"] == expected.grade


def test_very_long_original_names_are_cut_in_the_archive_but_kept_in_the_index():
    from dossier.archive import MAX_STEM, member_name

    long = "关于" + "党支部委员会组成人员调整" * 6 + "的通知正式版本版.pdf"
    assert len(long.encode("utf-8")) > 240
    name = member_name("1.1.1-01", long)
    assert name.startswith("1.1.1-01 关于党支部") and name.endswith("….pdf")
    assert len(name) <= len("1.1.1-01 ") + MAX_STEM + len("….pdf")
    assert member_name("1.1.1-02", "名单.xlsx") == "1.1.1-02 名单.xlsx"


def test_archive_carries_the_manifest_as_data_without_comments(packed):
    _, _, bag = packed
    contents = json.loads((bag / "data" / "清单.json").read_text(encoding="utf-8"))
    manifest = contents["manifest"]
    assert manifest["claims"]["1.1.1"] == {"points": "1", "note": "自评说明1.1.1"}
    assert set(manifest) >= {"claims", "facts", "bonus", "deductions", "unit", "year"}
    every_text = "\n".join(p.read_bytes().decode("utf-8", "replace") for p in bag.rglob("*")
                           if p.is_file() and p.suffix in (".json", ".txt"))
    assert "王科长" not in every_text
    assert not list(bag.rglob("*.yaml")) and not list(bag.rglob("*.yml"))


def test_a_title_that_looks_like_a_formula_stays_text_in_the_index(tmp_path):
    project, result = pack_workspace(tmp_path / "ws", lambda root: factories.pdf(
        folder(root, "3.1.1") / '=HYPERLINK("x.example","点我").pdf'))
    bag = extract(result.path, tmp_path / "out")
    book = openpyxl.load_workbook(bag / "data" / "归档目录.xlsx")
    cells = [c for row in book.active.iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_an_empty_year_is_refused_even_with_force(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root, 2024, UNIT)
    for args in (("pack",), ("pack", "--force")):
        result = run_dossier("-C", str(root), *args)
        assert result.exit_code == 1, result.stderr
        assert "2024 年度没有任何佐证材料、清单中没有填写任何自评得分" in result.stderr
        assert "不能生成报送用的归档包" in result.stderr and "Traceback" not in result.stderr
    assert not list((root / "build").rglob("*.zip")) if (root / "build").exists() else True


def test_claims_without_evidence_files_are_still_an_empty_year(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root, 2022, UNIT)
    write_claims(root)
    with pytest.raises(PackRefused) as caught:
        pack(load_project(root), {}, [], force=True)
    assert "没有任何佐证材料" in str(caught.value)


def test_pack_keeps_volumes_prints_the_fingerprint_and_catches_an_in_place_edit(tmp_path):
    """build --max-pages, then pack: the volumes are packed; then an original edited with the
    same size and modification time stops the next pack, and the one after picks it up."""
    import os

    root = tmp_path / "ws"
    init_workspace(root, 2022, UNIT)
    write_claims(root, {"1.1.1": 1, "1.1.2": 1})
    first = factories.pdf(folder(root, "1.1.1") / "名单.pdf", pages=8)
    factories.pdf(folder(root, "1.1.2") / "计划.pdf", pages=8)
    built = run_dossier("-C", str(root), "build", "--max-pages", "10", "--only", "binder")
    assert built.exit_code == 0, built.stderr
    volumes = sorted(p.name for p in (root / "build" / "2022").glob("*（第*册）.pdf"))
    assert len(volumes) >= 2
    packed = run_dossier("-C", str(root), "pack")
    assert packed.exit_code == 0, packed.stderr
    archive = Path(packed.stdout.splitlines()[0])
    fingerprint = packed.stdout.splitlines()[1]
    assert fingerprint == f"SM3 指纹：{sm3.file_sm3(archive)}"
    form = Path(packed.stdout.splitlines()[2])
    assert form.name == f"{UNIT}-2022-报送单.docx"
    import docx

    cells = [c.text for t in docx.Document(form).tables for row in t.rows for c in row.cells]
    assert "SM3 指纹" in cells and UNIT in cells and archive.name in cells
    declared = cells[cells.index("SM3 指纹") + 1]
    assert declared.replace(" ", "") == sm3.file_sm3(archive)
    verified = run_dossier("verify", str(archive), "--expect", declared)
    assert verified.exit_code == 0 and "这就是报送单位声明的归档包" in verified.stdout
    with zipfile.ZipFile(archive) as zf:
        packed_names = [n.rsplit("/", 1)[1] for n in zf.namelist()]
    assert all(v in packed_names for v in volumes)
    assert not any(n.endswith("佐证材料汇编.pdf") for n in packed_names)

    stat = first.stat()
    data = bytearray(first.read_bytes())
    at = data.index(b"D:2022")  # the creation date, stored uncompressed
    data[at:at + 6] = b"D:2021"
    first.write_bytes(bytes(data))
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = run_dossier("-C", str(root), "pack")
    assert changed.exit_code == 3, changed.stderr
    assert "1.1.1 健全党支部委员会/名单.pdf" in changed.stderr and "再运行一次" in changed.stderr
    assert "Traceback" not in changed.stderr
    again = run_dossier("-C", str(root), "pack")
    assert again.exit_code == 0, again.stderr
    with zipfile.ZipFile(archive) as zf:
        original = next(n for n in zf.namelist() if n.endswith("名单.pdf"))
        assert b"D:2021" in zf.read(original)


def test_archive_digests_taken_while_writing_match_the_file_with_large_members(tmp_path):
    """Members of several blocks, stored and deflated: the digests the pack takes as it
    writes (a thread reading behind the writer) equal those of the finished file."""
    def big(root):
        c111 = folder(root, "1.1.1")
        (c111 / "大台账.txt").write_text("执法巡查记录\n" * 400_000, encoding="utf-8")  # deflated
        factories.pdf(c111 / "扫描件.pdf", pages=3)
        (c111 / "录像.mp4").write_bytes(bytes(range(256)) * 20_000)  # stored, 5 MB
    project, result = pack_workspace(tmp_path / "ws", extra=big)
    data = result.path.read_bytes()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.sm3 == sm3.new(data).hexdigest()
    bag = extract(result.path, tmp_path / "out")
    bagit.Bag(str(bag)).validate()  # every member's own SHA-256 and SM3 as well
    rows = dict(line.split("  ")[::-1] for line in
                (bag / "manifest-sm3.txt").read_text(encoding="utf-8").splitlines())
    member = next(k for k in rows if k.endswith("录像.mp4"))
    assert rows[member] == sm3.new((bag / member).read_bytes()).hexdigest()
