"""verify: a packed workspace passes; each kind of tampering fails with a clear Chinese message."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pikepdf
import pytest

from dossier import sm3
from dossier.errors import InputError
from dossier.verify import GROUPS, verify_archive
from tests import factories
from tests.test_pack import folder, pack_workspace


@pytest.fixture
def archive(tmp_path) -> Path:
    _, result = pack_workspace(tmp_path / "ws")
    return result.path


def failed(report) -> dict[str, list[str]]:
    return {c.name: c.details for c in report.checks if not c.ok}


def rewrite(src: Path, dst: Path, *, drop=None, change=None, add=()) -> Path:
    """Copy a ZIP member by member, dropping, changing or adding members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if drop and drop(info.filename):
                continue
            data = zin.read(info)
            if change and change(info.filename):
                data = change(info.filename)(data)
            zout.writestr(info, data)
        for info, data in add:
            zout.writestr(info, data)
    return dst


def top(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()[0].split("/")[0]


def js_pdf(path: Path) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                             JS=pikepdf.String("app.alert('x')"))
    pdf.save(path)
    return path


def test_clean_archive_passes_every_check(archive):
    report = verify_archive(archive)
    assert report.ok, report.render_text()
    assert report.exit_code == 0
    assert {c.group for c in report.checks} == set(GROUPS)
    assert len(report.checks) >= 15


def test_text_report_is_in_chinese_grouped_by_the_four_properties(archive):
    text = verify_archive(archive).render_text()
    for group in GROUPS:
        assert f"【{group}】" in text
    assert "结论：通过" in text


def test_json_report_has_stable_keys(archive):
    data = json.loads(json.dumps(verify_archive(archive).to_json(), ensure_ascii=False))
    assert set(data) == {"archive", "ok", "checks", "fingerprint", "authenticity_checked",
                         "summary", "overridden"} and data["ok"] is True
    assert data["fingerprint"] == sm3.file_sm3(archive) and data["authenticity_checked"] is False
    assert set(data["checks"][0]) == {"name", "group", "ok", "details"}


def test_flipped_byte_in_an_original_is_caught(archive, tmp_path):
    def flip(data: bytes) -> bytes:
        return data[:10] + bytes([data[10] ^ 1]) + data[11:]

    bad = rewrite(archive, tmp_path / "bad.zip",
                  change=lambda n: flip if n.endswith("支部委员会名单.pdf") else None)
    report = verify_archive(bad)
    assert not report.ok and report.exit_code == 1
    problems = failed(report)
    assert any(re.search(r"文件内容已被改动：data/原件/.*支部委员会名单\.pdf（SHA-256", d)
               for d in problems["SHA-256 校验值一致"])
    assert any("SM3 应为" in d for d in problems["SM3 校验值一致"])
    assert "BagIt 校验（bagit-python，RFC 8493）" in problems


def test_deleted_member_is_caught(archive, tmp_path):
    bad = rewrite(archive, tmp_path / "bad.zip", drop=lambda n: n.endswith("活动照片.jpg"))
    problems = failed(verify_archive(bad))
    assert any("列出的文件缺失" in d and "活动照片.jpg" in d for d in problems["SHA-256 校验值一致"])
    assert any("原件缺失" in d for d in problems["索引条目齐全、原件与目录相符"])
    assert any("Payload-Oxum 不符：应有 12 个文件" in d and "实有 11 个文件" in d
               for d in problems["BagIt 校验（bagit-python，RFC 8493）"])


def test_added_member_is_caught(archive, tmp_path):
    name = f"{top(archive)}/data/原件/9.9.9-01 补充材料.txt"
    bad = rewrite(archive, tmp_path / "bad.zip", add=[(zipfile.ZipInfo(name), b"late")])
    problems = failed(verify_archive(bad))
    assert any("未列入 manifest-sha256.txt" in d and "补充材料" in d
               for d in problems["SHA-256 校验值一致"])
    assert any("未登记的多余文件" in d for d in problems["无多余文件"])


def test_dotdot_member_is_caught_and_never_extracted(archive, tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    bad = rewrite(archive, tmp_path / "deep" / "er" / "bad.zip",
                  add=[(zipfile.ZipInfo("../evil"), b"x"),
                       (zipfile.ZipInfo(f"{top(archive)}/../../evil2"), b"x")])
    report = verify_archive(bad)
    details = failed(report)["成员路径不越出文件夹"]
    assert any("../evil" in d and "..”" in d and "未解压" in d for d in details)
    assert len(details) == 2
    assert not list(tmp_path.rglob("evil*"))
    assert not list(Path("/tmp").glob("evil*"))


@pytest.mark.parametrize(("name", "reason"), [("/etc/evil", "绝对路径"), ("C:/evil.txt", "盘符"),
                                              ("x\\..\\evil.txt", "反斜杠")])
def test_absolute_drive_and_backslash_names_are_refused(archive, tmp_path, name, reason):
    bad = rewrite(archive, tmp_path / "bad.zip", add=[(zipfile.ZipInfo(name), b"x")])
    details = failed(verify_archive(bad))["成员路径不越出文件夹"]
    assert any(reason in d for d in details)


def test_symlink_member_is_refused(archive, tmp_path):
    link = zipfile.ZipInfo(f"{top(archive)}/data/link")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    bad = rewrite(archive, tmp_path / "bad.zip", add=[(link, b"/etc/passwd")])
    details = failed(verify_archive(bad))["不含链接"]
    assert any("符号链接" in d and "data/link" in d for d in details)


def test_pdf_with_javascript_added_to_the_archive_is_caught(archive, tmp_path):
    pdf = js_pdf(tmp_path / "js.pdf").read_bytes()
    bad = rewrite(archive, tmp_path / "bad.zip",
                  add=[(zipfile.ZipInfo(f"{top(archive)}/data/原件/1.1.1-09 js.pdf"), pdf)])
    details = failed(verify_archive(bad))["PDF 不含脚本、启动动作或可执行附件"]
    assert details == ["data/原件/1.1.1-09 js.pdf：含 JavaScript 脚本"]


def test_zip_bomb_is_not_extracted(archive, tmp_path):
    bomb = zipfile.ZipInfo(f"{top(archive)}/data/zeros.txt")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    bad = rewrite(archive, tmp_path / "bad.zip", add=[(bomb, b"\0" * (30 << 20))])
    report = verify_archive(bad)
    details = failed(report)["不是压缩炸弹（大小与压缩比在限度内）"]
    assert any("压缩比" in d and "zeros.txt" in d for d in details)
    assert "未解压" in "\n".join(failed(report)["内容检查"])


def reseal(archive: Path, edit, out: Path, work: Path) -> Path:
    """Repack after ``edit(bag_dir)`` with fresh manifests: a packer that lied consistently."""
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(work)
    (bag,) = list(work.iterdir())
    edit(bag)
    payload = sorted(p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file())
    oxum = f"{sum((bag / p).stat().st_size for p in payload)}.{len(payload)}"
    info = bag / "bag-info.txt"
    info.write_text(re.sub(r"Payload-Oxum: .*", f"Payload-Oxum: {oxum}",
                           info.read_text(encoding="utf-8")), encoding="utf-8")
    digest = {"sha256": lambda p: hashlib.sha256(p.read_bytes()).hexdigest(), "sm3": sm3.file_sm3}
    for alg in ("sha256", "sm3"):
        (bag / f"manifest-{alg}.txt").write_text(
            "".join(f"{digest[alg](bag / rel)}  {rel}\n" for rel in payload), encoding="utf-8")
    tags = ["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sm3.txt"]
    (bag / "tagmanifest-sha256.txt").write_text(
        "".join(f"{digest['sha256'](bag / t)}  {t}\n" for t in tags), encoding="utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(bag.rglob("*")):
            if path.is_file():
                zf.write(path, f"{bag.name}/{path.relative_to(bag).as_posix()}")
    return out


def edit_index(bag: Path, change) -> None:
    path = bag / "data" / "归档目录.xlsx"
    book = openpyxl.load_workbook(path)
    change(book.active)
    book.save(path)


def test_resealed_archive_without_changes_passes(archive, tmp_path):
    ok = reseal(archive, lambda bag: None, tmp_path / "same.zip", tmp_path / "w")
    assert verify_archive(ok).ok


def test_page_count_disagreeing_with_the_pdf_is_caught(archive, tmp_path):
    def wrong_pages(sheet):
        for row in sheet.iter_rows(min_row=2):
            if str(row[7].value).endswith(".pdf"):
                row[5].value = 9

    bad = reseal(archive, lambda bag: edit_index(bag, wrong_pages), tmp_path / "bad.zip",
                 tmp_path / "w")
    details = failed(verify_archive(bad))["页数与 PDF 一致"]
    assert any("归档目录记 9 页，PDF 实有 3 页" in d for d in details)


def test_gap_in_numbering_is_caught(archive, tmp_path):
    def gap(sheet):
        sheet.cell(row=3, column=2).value = sheet.cell(row=3, column=2).value[:-2] + "07"

    bad = reseal(archive, lambda bag: edit_index(bag, gap), tmp_path / "bad.zip", tmp_path / "w")
    problems = failed(verify_archive(bad))
    assert any("件号不连续" in d for d in problems["编号连续无缺号"])


def test_metadata_disagreeing_with_contents_is_caught(archive, tmp_path):
    def other_unit(bag):
        info = bag / "bag-info.txt"
        info.write_text(info.read_text(encoding="utf-8").replace("Source-Organization: 晋江",
                                                                 "Source-Organization: 石狮"),
                        encoding="utf-8")

    bad = reseal(archive, other_unit, tmp_path / "bad.zip", tmp_path / "w")
    details = failed(verify_archive(bad))["元数据（单位、年度、分数、数量）与内容一致"]
    assert any("单位" in d and "石狮" in d for d in details)


def test_garbled_bag_info_gives_a_report_not_a_traceback(archive, tmp_path):
    bad = rewrite(archive, tmp_path / "bad.zip",
                  change=lambda n: (lambda d: b"\xff\xfe garbage") if n.endswith("bag-info.txt") else None)
    report = verify_archive(bad)
    assert not report.ok
    assert any("bag-info.txt" in d for c in report.checks for d in c.details)


def test_not_a_zip_fails_and_missing_file_is_an_input_error(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    report = verify_archive(junk)
    assert not report.ok and "不是有效的 ZIP" in report.render_text()
    with pytest.raises(InputError):
        verify_archive(tmp_path / "missing.zip")


def test_tampered_outputs_with_recomputed_manifests_are_caught(archive, tmp_path):
    """A packer that changed the binder and the report and recomputed every BagIt manifest."""
    def swap_outputs(bag):
        for name in ("佐证材料汇编.pdf", "年度工作进展和总结报告.docx"):
            (target,) = (bag / "data").glob(f"*{name}")
            if target.suffix == ".pdf":
                factories.pdf(target, pages=5, text="changed binder")
            else:
                factories.docx(target, ("改过的报告",))

    bad = reseal(archive, swap_outputs, tmp_path / "bad.zip", tmp_path / "w")
    report = verify_archive(bad)
    details = failed(report)["索引条目齐全、原件与目录相符"]
    assert any("佐证材料汇编（PDF）与清单记录的 SHA-256 不符" in d for d in details)
    assert any("年度工作进展和总结报告（Word）与清单记录的 SM3 不符" in d for d in details)
    assert "SHA-256 校验值一致" not in failed(report)  # the manifests were recomputed
    assert not verify_archive(bad, expect=sm3.file_sm3(archive)).ok


@pytest.mark.parametrize(("field", "value"), [("Claimed-Score", "99.00"), ("Grade", "规范化示范单位"),
                                              ("Bagging-Date", "2023-01-01"),
                                              ("Bag-Software-Agent", "other 1.0")])
def test_every_bag_info_field_is_cross_checked(archive, tmp_path, field, value):
    def edit(bag):
        info = bag / "bag-info.txt"
        info.write_text(re.sub(rf"{field}: .*", f"{field}: {value}",
                               info.read_text(encoding="utf-8")), encoding="utf-8")

    bad = reseal(archive, edit, tmp_path / "bad.zip", tmp_path / "w")
    details = failed(verify_archive(bad))["元数据（单位、年度、分数、数量）与内容一致"]
    assert any(field in d and value in d for d in details)


def test_unknown_bag_info_field_is_reported(archive, tmp_path):
    def edit(bag):
        info = bag / "bag-info.txt"
        info.write_text(info.read_text(encoding="utf-8") + "Reviewed-By: 市局\n", encoding="utf-8")

    bad = reseal(archive, edit, tmp_path / "bad.zip", tmp_path / "w")
    details = failed(verify_archive(bad))["元数据（单位、年度、分数、数量）与内容一致"]
    assert details == ["bag-info.txt 含有不认识的字段 Reviewed-By"]


@pytest.mark.parametrize("where", ["before", "after"])
def test_bytes_before_or_after_the_zip_are_reported(archive, tmp_path, where):
    junk = b"\x00junk" * 2000
    data = archive.read_bytes()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(junk + data if where == "before" else data + junk)
    report = verify_archive(bad)
    details = failed(report)["ZIP 前后没有多余数据"]
    assert details == [f"第一个成员之前有 {len(junk)} 字节的多余数据，归档包可能被改动或拼接"
                       if where == "before" else
                       f"归档结束标记之后有 {len(junk)} 字节的多余数据，归档包可能被改动或拼接"]


def test_expect_says_plainly_whether_this_is_the_declared_archive(archive):
    right = verify_archive(archive, expect=sm3.file_sm3(archive).upper())
    assert right.ok and "指纹与报送单一致：这就是报送单位声明的归档包" in right.render_text()
    wrong = verify_archive(archive, expect="0" * 64)
    assert not wrong.ok
    assert any("这不是报送单位声明的那个归档包" in d
               for d in failed(wrong)["与报送单声明的归档包一致（SM3 指纹）"])
    plain = verify_archive(archive).render_text()
    assert "只核验了完整性" in plain and "没有核验真实性" in plain and "--expect" in plain
    assert verify_archive(archive, expect="abc").ok is False


def test_report_shows_unit_year_score_and_grade(archive):
    text = verify_archive(archive).render_text()
    assert "报送单位：晋江测试生态环境保护综合行政执法大队" in text
    assert "评估年度：2022" in text and "自评总分：2.50" in text and "自评等次：未达标" in text


def test_archive_with_a_percent_name_validates_with_bagit_python_and_bagit_utils(tmp_path):
    import bagit
    from bagit_utils import Bag

    _, result = pack_workspace(tmp_path / "ws",
                               lambda root: factories.pdf(folder(root, "3.1.1") / "完成率100%.pdf"))
    assert verify_archive(result.path).ok
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(tmp_path / "x")
    (bag,) = list((tmp_path / "x").iterdir())
    assert bagit.Bag(str(bag)).is_valid()
    utils = Bag(bag, load=True).validate()
    assert utils.valid, [i.message for i in utils.issues]
    contents = json.loads((bag / "data" / "清单.json").read_text(encoding="utf-8"))
    entry = next(e for e in contents["items"] if "完成率" in e["file"])
    assert entry["file"].endswith("完成率100%.pdf") and (bag / entry["path"]).is_file()
