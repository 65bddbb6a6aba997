"""pack: a real workspace (``init`` + sample files) packed, then read back with bagit, zipfile, unzip."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import bagit
import openpyxl
import pytest

from dossier import sm3
from dossier.errors import ExitCode
from dossier.pack import INDEX_HEADER, PackRefused, pack, write_index
from dossier.project import load_project
from dossier.workspace import init_workspace
from tests import factories
from tests.test_pii import VALID_ID

UNIT = "晋江测试生态环境保护综合行政执法大队"
BAGIT_CLI = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "bagit.py"
NFD_NAME = unicodedata.normalize("NFD", "café 巡查记录.txt")


@dataclass(frozen=True)
class Finding:
    severity: str
    kind: str
    code: str
    path: str
    message: str


@dataclass(frozen=True)
class Score:
    total: Decimal
    grade: str


SCORE = Score(Decimal("86.50"), "规范化单位")


def folder(root: Path, code: str) -> Path:
    tertiary = ".".join(code.split(".")[:2])
    base = next((root / "evidence" / "2022").glob(f"{tertiary} *"))
    return base if code == tertiary else next(base.glob(f"{code} *"))


def make_workspace(root: Path, extra=None) -> tuple[Path, dict[str, Path]]:
    """A workspace with PDFs, Word, Excel, a photo and text files, and some built outputs."""
    init_workspace(root, 2022, UNIT)
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
               "sheet_xlsx": factories.xlsx(out / f"{UNIT}-2022-自评评分表.xlsx"),
               "report_docx": factories.docx(out / f"{UNIT}-2022-年度工作报告.docx")}
    return root, outputs


def pack_workspace(root: Path, extra=None, **kwargs):
    root, outputs = make_workspace(root, extra)
    project = load_project(root)
    kwargs.setdefault("score", SCORE)
    return project, pack(project, outputs, [], **kwargs)


def extract(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dest)
    (top,) = list(dest.iterdir())
    return top


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def packed(tmp_path):
    project, result = pack_workspace(tmp_path / "ws")
    return project, result, extract(result.path, tmp_path / "out")


def test_archive_name_and_place(packed):
    project, result, bag = packed
    assert result.path == project.build_dir / f"{UNIT}-2022-规范化建设材料.zip"
    assert bag.name == f"{UNIT}-2022-规范化建设材料"
    assert result.size == result.path.stat().st_size
    assert result.sha256 == sha256(result.path)


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
                                            if p.suffix in (".pdf", ".docx") or "评分" in p.name)
    contents = json.loads((data / "清单.json").read_text(encoding="utf-8"))
    assert contents["unit"] == UNIT and contents["year"] == 2022
    assert contents["score"] == {"total": "86.50", "grade": "规范化单位"}
    first = contents["items"][0]
    assert set(first) >= {"number", "file", "title", "pages", "sha256", "path"}
    pdf = next(e for e in contents["items"] if e["ext"] == "pdf")
    assert pdf["pages"] == 3 and pdf["date"] == "2022-03-15"


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
    assert info["Claimed-Score"] == "86.50" and info["Grade"] == "规范化单位"
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
    assert "manifest-sm3.txt" in tags and "tagmanifest-sm3.txt" not in tags
    for line in (bag / "tagmanifest-sm3.txt").read_text(encoding="utf-8").splitlines():
        digest, rel = line.split("  ", 1)
        assert sm3.file_sm3(bag / rel) == digest


def test_member_names_are_utf8_flagged_nfc_and_portable(packed):
    _, result, _ = packed
    with zipfile.ZipFile(result.path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert all(i.flag_bits & 0x800 for i in infos)
    assert all(i.date_time == (2022, 12, 31, 0, 0, 0) for i in infos)
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert any(n.endswith("café 巡查记录.txt") for n in names)
    assert any(n.endswith("车辆_登记.txt") for n in names), "':' is not allowed on Windows"
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
    again = pack(load_project(tmp_path / "ws"), make_outputs(tmp_path), [], score=SCORE)
    assert again.path == first.path
    assert again.path.read_bytes() == kept.read_bytes()


def make_outputs(tmp_path: Path) -> dict[str, Path]:
    out = tmp_path / "ws" / "built"
    return {"binder_pdf": out / f"{UNIT}-2022-佐证材料汇编.pdf",
            "sheet_xlsx": out / f"{UNIT}-2022-自评评分表.xlsx",
            "report_docx": out / f"{UNIT}-2022-年度工作报告.docx"}


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


def test_blocking_findings_refuse_the_pack_and_name_each(tmp_path):
    root, outputs = make_workspace(tmp_path / "ws")
    project = load_project(root)
    findings = [Finding("error", "unsupported", "3.1.1", "3.1 完成装备配备/3.1.1", "已自评 1.5 分但没有佐证材料"),
                Finding("warning", "unassigned", "1.1", "1.1 党组织建设/x.pdf", "未归入评价标准")]
    with pytest.raises(PackRefused) as caught:
        pack(project, outputs, findings, score=SCORE)
    assert caught.value.exit_code == ExitCode.blocking == 1
    message = str(caught.value)
    assert "1 项阻断性问题" in message and "3.1.1" in message and "没有佐证材料" in message
    assert "--force" in message and "未归入" not in message
    assert not (project.build_dir / f"{UNIT}-2022-规范化建设材料.zip").exists()


def test_force_packs_anyway_and_records_it(tmp_path):
    root, outputs = make_workspace(tmp_path / "ws")
    findings = [Finding("error", "unsupported", "3.1.1", "", "已自评但没有佐证材料")]
    result = pack(load_project(root), outputs, findings, force=True, score=SCORE)
    assert any("强制打包" in w and "3.1.1" in w for w in result.warnings)
    bag = extract(result.path, tmp_path / "out")
    assert bagit.Bag(str(bag)).info["Blocking-Findings"] == "1"


def test_missing_outputs_are_skipped_with_a_note(tmp_path):
    root, outputs = make_workspace(tmp_path / "ws")
    result = pack(load_project(root), {"sheet_xlsx": outputs["sheet_xlsx"]}, [], score=SCORE)
    assert result.outputs == [outputs["sheet_xlsx"].name]
    assert any("佐证材料汇编（PDF）" in n and "dossier build" in n for n in result.notes)


def test_binder_volumes_are_all_packed(tmp_path):
    root, outputs = make_workspace(tmp_path / "ws")
    vol = {f"binder_pdf_{i}": factories.pdf(tmp_path / f"汇编第{i}册.pdf") for i in (1, 2)}
    result = pack(load_project(root), vol, [], score=SCORE)
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


def test_formats_verify_would_reject_are_warned(tmp_path):
    def add_zip(root):
        shutil.make_archive(str(folder(root, "1.1.1") / "材料打包"), "zip", root / "manifests")

    _, result = pack_workspace(tmp_path / "ws", add_zip)
    assert any("材料打包.zip" in w and "格式" in w for w in result.warnings)


def test_score_is_computed_when_not_given(tmp_path):
    from dossier.score import compute_score

    project, result = pack_workspace(tmp_path / "ws", score=None)
    expected = compute_score(project)
    info = bagit.Bag(str(extract(result.path, tmp_path / "out"))).info
    assert info["Claimed-Score"] == str(expected.total) and info["Grade"] == expected.grade


def test_very_long_original_names_are_cut_in_the_archive_but_kept_in_the_index():
    from dossier.pack import MAX_STEM, member_name

    long = "关于" + "党支部委员会组成人员调整" * 6 + "的通知正式版本版.pdf"
    assert len(long.encode("utf-8")) > 240
    name = member_name("1.1.1-01", long)
    assert name.startswith("1.1.1-01 关于党支部") and name.endswith("….pdf")
    assert len(name) <= len("1.1.1-01 ") + MAX_STEM + len("….pdf")
    assert member_name("1.1.1-02", "名单.xlsx") == "1.1.1-02 名单.xlsx"
