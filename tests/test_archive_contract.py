"""The archive contract (dossier.archive): what ``check`` passes, ``pack`` packs, ``verify`` accepts.

Two kinds of test:
- per ``verify`` check that an archive ``pack`` made can fail: the same problem file is a
  blocking ``check`` finding first, naming the file (and a forced pack then fails exactly
  that verify check);
- the property, over a generated messy year with every kind of problem file the project
  knows: fixing only what ``check`` lists as blocking lets ``pack`` run without ``--force``,
  and ``verify`` passes that archive. It runs the real commands, LibreOffice included.
"""

from __future__ import annotations

import json
import os
import random
import zipfile
from pathlib import Path

import pikepdf
import pytest

from dossier.check import run_check
from dossier.pack import PackRefused, pack
from dossier.project import load_project
from dossier.verify import verify_archive
from tests import factories
from tests.conftest import run_dossier
from tests.test_pack import folder, make_workspace, write_claims

PDF_OPENS = "PDF 均可打开（无需密码）"
FORMATS = "文件格式符合要求（其他格式附有 PDF 版本）"
ACTIVE = "PDF 不含脚本、启动动作或可执行附件"


def launch_pdf(path: Path) -> Path:
    document = pikepdf.new()
    document.add_blank_page()
    document.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
    document.attachments["run.exe"] = pikepdf.AttachedFileSpec(document, b"MZ\x90\x00rest",
                                                               filename="run.exe")
    document.save(path)
    return path


PROBLEMS = {  # name: (file name, maker, check finding kind, the verify check it would fail)
    "javascript": ("宣传册.pdf", factories.javascript_pdf, "active_content", ACTIVE),
    "launch": ("通知附件.pdf", launch_pdf, "active_content", ACTIVE),
    "encrypted": ("加密.pdf", factories.encrypted_pdf, "encrypted", PDF_OPENS),
    "corrupt": ("截断.pdf", factories.truncated_pdf, "corrupt", PDF_OPENS),
    "empty": ("空文件.pdf", factories.empty_file, "empty", PDF_OPENS),
    "zip": ("照片.zip", factories.zip_of_photos,
            "archive_format", FORMATS),
    "mkv": ("执法记录仪.mkv", lambda p: p.write_bytes(b"\x1a\x45\xdf\xa3" + b"\0" * 64) and p,
            "media_format", FORMATS),
    "exe": ("安装程序.exe", lambda p: p.write_bytes(b"MZ\x90\x00" + b"\0" * 64) and p,
            "executable", FORMATS),
    "unknown": ("数据.xyz", lambda p: p.write_bytes(bytes(range(256))) and p,
                "unknown_format", FORMATS),
}


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_every_reason_verify_rejects_is_first_a_blocking_check_finding(tmp_path, problem):
    name, make, kind, verify_check = PROBLEMS[problem]
    root, outputs = make_workspace(tmp_path / "ws",
                                   lambda root: make(folder(root, "3.1.1") / name))
    project = load_project(root)
    report = run_check(project)
    rel = f"{folder(root, '3.1.1').relative_to(root / 'evidence' / '2022').as_posix()}/{name}"
    (found,) = [f for f in report.findings if f.path == rel and f.severity == "error"]
    assert found.kind == kind and found.code == "3.1.1" and "请" in found.message
    with pytest.raises(PackRefused) as refused:
        pack(project, outputs, report.findings)
    assert f"{rel}：" in str(refused.value)
    forced = pack(project, outputs, report.findings, force=True)
    failed = {c.name: c.details for c in verify_archive(forced.path).checks if not c.ok}
    assert list(failed) == [verify_check]
    assert any(Path(name).stem in d for d in failed[verify_check])


def test_zip_finding_says_unpack_into_the_folder(tmp_path):
    root, _ = make_workspace(tmp_path / "ws", lambda root: factories.zip_of_photos(
        folder(root, "1.1.1") / "活动照片.zip"))
    (found,) = [f for f in run_check(load_project(root)).findings if f.kind == "archive_format"]
    assert "请解压后把其中的文件放入“1.1 党组织建设/1.1.1 健全党支部委员会”" in found.message


def test_owner_password_pdf_is_readable_everywhere(tmp_path):
    root, outputs = make_workspace(tmp_path / "ws", lambda root: factories.owner_password_pdf(
        folder(root, "3.1.1") / "政府网站下载的通知.pdf"))
    project = load_project(root)
    file = next(f for f in project.scan.files if f.name == "政府网站下载的通知.pdf")
    assert file.problem is None and file.pages == 2
    report = run_check(project)
    assert not [f for f in report.findings if f.path and "政府网站" in f.path]
    assert report.status_of("3.1.1").status == "ok"
    result = pack(project, outputs, report.findings)
    verified = verify_archive(result.path)
    assert verified.ok, verified.render_text()


# -- the property over a messy year ------------------------------------------------------------

UNIT = "晋江测试生态环境保护综合行政执法大队"


def messy_year(root: Path, rng: random.Random) -> dict[str, str]:
    """A 2022 workspace as a clerk collects it: every problem file kind the project knows,
    placed in criteria chosen by ``rng``; returns {kind: file name} of what was put in."""
    from dossier.workspace import init_workspace

    init_workspace(root, 2022, UNIT)
    codes = ["1.1.1", "1.1.2", "1.1.3", "1.2.1", "3.1.1", "3.1.2", "3.2.1", "5.1.1", "8.1.1"]
    claims = {code: 0.5 for code in codes}
    write_claims(root, claims, "bonus:\n  B2: true\n")  # a bonus claimed without evidence
    placed = {}

    def put(kind: str, name: str, make) -> None:
        target = folder(root, rng.choice(codes)) / name
        make(target)
        placed[kind] = name

    for code in rng.sample(codes, 4):  # some criteria also have a good file, others not
        factories.pdf(folder(root, code) / f"{code} 台账.pdf", pages=2)
    for problem, (name, make, _, _) in PROBLEMS.items():
        put(problem, name, make)
    put("owner_password", "下载的文件.pdf", factories.owner_password_pdf)
    put("pptx", "党课课件.pptx", factories.pptx)
    put("odt", "会议纪要.odt", lambda p: factories.odt(p, root.parent / "odtwork"))
    put("bad_jpeg", "损坏的照片.jpg", factories.corrupt_jpeg)
    put("wrong_year", "2019年计划.pdf", factories.pdf)  # a warning only
    gbk_folder = folder(root, rng.choice(codes))
    factories.pdf(Path(os.fsdecode(os.fsencode(gbk_folder) + b"/" + "会议签到表.pdf".encode("gbk"))))
    placed["gbk"] = "会议签到表.pdf"
    os.symlink("/etc/hostname", folder(root, rng.choice(codes)) / "快捷方式.txt")
    placed["link"] = "快捷方式.txt"
    return placed


def fix(root: Path, finding: dict) -> None:
    """What a clerk does for one blocking finding, following its message."""
    evidence = root / "evidence" / "2022"
    kind, path = finding["kind"], evidence / (finding["path"] or "")
    if kind in ("claimed_without_evidence",):
        factories.pdf(path / "补充材料.pdf")
    elif kind == "archive_format":  # 解压后放入…，再删除压缩包
        with zipfile.ZipFile(path) as archive:
            archive.extractall(path.parent)
        path.unlink()
    elif kind in ("executable", "link_outside"):
        path.unlink()
    elif kind == "media_format":  # 转换为 MP4 后替换
        factories.fake_video(path.with_suffix(".mp4"))
        path.unlink()
    elif kind in ("active_content", "encrypted", "corrupt", "empty", "unknown_format"):
        path.unlink()  # re-exported / re-printed as a clean PDF
        factories.pdf(path.with_suffix(".pdf"))
    elif kind == "bad_name":  # 改成正常的中文名
        for raw in os.listdir(os.fsencode(path.parent)):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                os.rename(os.fsencode(path.parent) + b"/" + raw,
                          os.fsencode(path.parent) + b"/" + raw.decode("gbk").encode("utf-8"))
    else:
        raise AssertionError(f"no fix known for blocking finding {kind}: {finding['message']}")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2022])
def test_fixing_only_what_check_blocks_on_lets_pack_and_verify_pass(tmp_path, seed):
    root = tmp_path / "ws"
    placed = messy_year(root, random.Random(seed))
    first = run_dossier("-C", str(root), "check", "--format", "json")
    assert first.exit_code == 1, first.stderr
    blocking = [f for f in json.loads(first.stdout)["findings"] if f["severity"] == "error"]
    kinds = {f["kind"] for f in blocking}
    assert kinds >= {"active_content", "encrypted", "corrupt", "empty", "archive_format",
                     "media_format", "executable", "unknown_format", "bad_name", "link_outside",
                     "claimed_without_evidence"}
    assert any(f["code"] == "B2" for f in blocking), "a bonus without evidence is at risk"
    refused = run_dossier("-C", str(root), "pack")
    assert refused.exit_code == 1 and "未生成归档包" in refused.stderr
    for f in blocking:
        assert f["path"], f  # every blocking finding says where
        if f["kind"] == "claimed_without_evidence" and f["code"] != "B2":
            continue  # fixing the bad files in it is enough, or the second check says so
        fix(root, f)
    again = run_dossier("-C", str(root), "check", "--format", "json")
    for f in json.loads(again.stdout)["findings"]:
        if f["severity"] == "error":
            fix(root, f)
    packed = run_dossier("-C", str(root), "pack")
    assert packed.exit_code == 0, packed.stderr
    archive = Path(packed.stdout.splitlines()[0])
    fingerprint = packed.stdout.splitlines()[1].removeprefix("SM3 指纹：")
    verified = run_dossier("verify", str(archive), "--expect", fingerprint)
    assert verified.exit_code == 0, verified.stdout
    assert "这就是报送单位声明的归档包" in verified.stdout
    with zipfile.ZipFile(archive) as zf:
        names = [n.split("/", 1)[1] for n in zf.namelist()]
    for kept in ("pptx", "odt", "owner_password"):  # not blocking: untouched, archived as they are
        stem = Path(placed[kept]).stem
        assert any(n.endswith(placed[kept]) for n in names), kept
        if kept != "owner_password":  # with their archival PDF beside them
            assert any(n.endswith(f"{stem}.pdf") for n in names), kept
    assert not any(n.endswith(".yaml") for n in names)


def test_copy_of_the_rendition_is_the_converted_pdf(tmp_path):
    """pack_project puts the PDF the converter made beside a .pptx (read back with pikepdf)."""
    root = tmp_path / "ws"
    from dossier.workspace import init_workspace

    init_workspace(root, 2022, UNIT)
    write_claims(root, {"1.2.1": 0.5})
    factories.pptx(folder(root, "1.2.1") / "党课课件.pptx", ("第一页", "第二页", "第三页"))
    result = run_dossier("-C", str(root), "pack")
    assert result.exit_code == 0, result.stderr
    archive = Path(result.stdout.splitlines()[0])
    with zipfile.ZipFile(archive) as zf:
        (rendition,) = [n for n in zf.namelist() if n.endswith("1.2.1-01 党课课件.pdf")]
        (tmp_path / "r.pdf").write_bytes(zf.read(rendition))
        contents = json.loads(zf.read(next(n for n in zf.namelist() if n.endswith("清单.json"))))
    with pikepdf.open(tmp_path / "r.pdf") as pdf:
        assert len(pdf.pages) == 3
    (entry,) = contents["items"]
    assert entry["rendition"].endswith("1.2.1-01 党课课件.pdf") and entry["rendition_sha256"]


def broken_pptx(path: Path) -> Path:
    """A .pptx that is a ZIP with a content-types part but no presentation LibreOffice can load."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<garbage")
        archive.writestr("ppt/presentation.xml", "nonsense")
    return path


def test_an_unconvertible_file_does_not_count_once_a_build_has_tried_it(tmp_path):
    from dossier.score import compute_score
    from dossier.workspace import init_workspace

    root = tmp_path / "ws"
    init_workspace(root, 2022, UNIT)
    write_claims(root, {"1.2.1": 0.5})
    broken_pptx(folder(root, "1.2.1") / "坏课件.pptx")
    before = run_check(load_project(root))
    assert before.status_of("1.2.1").status == "ok"  # not known before a conversion
    built = run_dossier("-C", str(root), "build", "--only", "binder")
    assert built.exit_code == 0, built.stderr
    project = load_project(root)
    report = run_check(project)
    assert report.status_of("1.2.1").status == "missing"
    kinds = {f.kind: f for f in report.findings if f.code == "1.2.1"}
    assert kinds["unconvertible"].severity == "error" and "另存为 PDF" in kinds["unconvertible"].message
    assert kinds["claimed_without_evidence"].severity == "error"
    assert not compute_score(project).criterion("1.2.1").supported
