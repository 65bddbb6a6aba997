"""Reliability suite (#19 point 8): nothing a user or a colleague's folder can contain gives
an internal error, writes outside ``build/`` or touches the evidence.

Each case runs the real CLI on a fresh copy of a small built workspace (previous outputs and a
warm cache) and asserts: the documented exit code (never 70), a Chinese message naming the
file, no traceback or English exception text, the evidence tree unchanged, nothing written
outside ``build/`` (the workspace minus ``build/`` and the listing of its parent folder), the
previous outputs intact when the command fails, and no process of the run left behind.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import factories

from .conftest import FINISHED_REPORT, UNIT, CliResult
from .test_faults import MARK, _marked

ENGLISH = re.compile(r"Traceback|\b[A-Z][a-zA-Z]+(Error|Exception)\b|\bErrno\b|Usage:|No such |"
                     r"\b[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+\b")  # four English words: library text
ROOT = os.geteuid() == 0  # then file modes are enforced by dropping capabilities


def _folder(root: Path, code: str) -> Path:
    tertiary = ".".join(code.split(".")[:2])
    base = next((root / "evidence" / "2022").glob(f"{tertiary} *"))
    return base if code == tertiary else next(base.glob(f"{code} *"))


def _manifest(root: Path, note: str = "健全支部委员会", extra: str = "") -> None:
    lines = [f"unit: {UNIT}", "year: 2022", "date: 2022-12-20", "claims:",
             f'  "1.1.1": {{points: 1, note: {note}}}',
             '  "3.1.1": {points: 1.5, note: 配备执法车}', "report:"]
    lines += [f"  {key}: {json.dumps(value, ensure_ascii=False)}"
              for key, value in FINISHED_REPORT.items()]
    (root / "manifests" / "2022.yaml").write_text("\n".join(lines) + "\n" + extra,
                                                   encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A small workspace with PDFs, a photo and a text file, built once (outputs + cache)."""
    from dossier.workspace import init_workspace

    root = tmp_path_factory.mktemp("built") / "ws"
    init_workspace(root, 2022, UNIT)
    _manifest(root)
    factories.pdf(_folder(root, "1.1.1") / "支部委员会名单.pdf", pages=2)
    factories.jpeg(_folder(root, "1.1.1") / "活动照片.jpg", size=(200, 150))
    factories.pdf(_folder(root, "3.1.1") / "车辆登记.pdf", pages=1)
    factories.text_file(_folder(root, "3.1.1") / "使用台账.txt")
    result = _run(root, "build")
    assert result.exit_code == 0, result.stderr
    return root


def _run(root: Path, *args: str, mark: str = "", as_clerk: bool = False) -> CliResult:
    """The real CLI on ``root`` (as an unprivileged user when asked and running as root)."""
    env = dict(os.environ, **{MARK: mark or uuid.uuid4().hex})
    extra = {"preexec_fn": _without_root_file_access} if as_clerk and ROOT else {}
    proc = subprocess.run([sys.executable, "-m", "dossier", "-C", str(root), *args], env=env,
                          capture_output=True, text=True, timeout=600, **extra)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _without_root_file_access() -> None:
    """Drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set before exec, so
    that a process running as root obeys file modes (a mode-000 file, a read-only folder)
    as an office clerk's account does."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _hash_tree(root: Path) -> dict[str, str]:
    """Every entry under root (names as bytes: a GBK name too) with its hash and mode;
    walked with a stack, as deep trees are."""
    out = {}
    base = os.fsencode(root)
    stack = [base]
    while stack:
        folder = stack.pop()
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            rel = os.path.relpath(entry.path, base).decode("utf-8", "surrogateescape")
            st = entry.stat(follow_symlinks=False)
            if entry.is_symlink():
                out[rel] = "link:" + os.readlink(entry.path).decode("utf-8", "surrogateescape")
            elif entry.is_dir(follow_symlinks=False):
                out[rel] = f"dir:{oct(st.st_mode)}"
                stack.append(entry.path)
            else:
                with open(entry.path, "rb") as fh:
                    out[rel] = f"{hashlib.sha256(fh.read()).hexdigest()}:{oct(st.st_mode)}"
    return out


def _outside_build(root: Path) -> dict[str, str]:
    """Everything the tool may not write: the workspace minus build/, and its parent's listing."""
    snap = {k: v for k, v in _hash_tree(root).items()
            if k != "build" and not k.startswith("build/")}
    snap["<parent>"] = ",".join(sorted(p.name for p in root.parent.iterdir()))
    return snap


@dataclass
class Case:
    name: str
    setup: Callable[[Path], None]
    steps: list[tuple[tuple[str, ...], int, tuple[str, ...]]]  # command, exit code, message parts
    check: Callable[[Path], None] | None = None  # what must hold afterwards
    as_clerk: bool = False  # file modes enforced even when the suite runs as root
    slow: bool = False


# ----------------------------------------------------------------------------- setups

def nested_folders(root: Path) -> None:
    deep = str(_folder(root, "1.1.1"))
    for _ in range(1500):
        deep += "/a"
        os.mkdir(deep)
    factories.text_file(Path(deep) / "深处记录.txt")


def cache_wrong_shape(root: Path) -> None:
    cache = root / "build" / ".cache"
    (cache / "scan.json").write_text('[1, 2, {"version": 1}]', encoding="utf-8")


def cache_wrong_entries(root: Path) -> None:
    cache = root / "build" / ".cache"
    data = json.loads((cache / "scan.json").read_text(encoding="utf-8"))
    data["files"] = {rel: "不是对象" for rel in data["files"]}
    (cache / "scan.json").write_text(json.dumps(data), encoding="utf-8")


def cache_truncated(root: Path) -> None:
    cache = root / "build" / ".cache" / "scan.json"
    cache.write_bytes(cache.read_bytes()[:40])


def build_is_a_link(root: Path) -> None:
    elsewhere = root.parent / "bigdisk"
    shutil.move(root / "build", elsewhere)
    (root / "build").symlink_to(elsewhere)


def deep_file_in_binder(root: Path) -> None:
    from docx import Document

    binder = next((root / "build" / "2022").glob("*佐证材料汇编.docx"))
    assert any("深处记录" in p.text for p in Document(binder).paragraphs)


def outputs_through_link(root: Path) -> None:
    names = [p.name for p in (root.parent / "bigdisk" / "2022").iterdir()]
    assert any(n.endswith(".zip") for n in names), names
    assert any(n.endswith("佐证材料汇编.pdf") for n in names), names
    assert (root / "build").is_symlink()


def long_override(root: Path) -> None:
    _manifest(root, extra='evidence:\n  "1.1.1": ["' + "很长的文件名" * 50 + '.pdf"]\n')


def unreadable_file(root: Path) -> None:
    path = factories.pdf(_folder(root, "1.1.1") / "无权限.pdf")
    path.chmod(0)


def zip_file_and_folder(root: Path) -> None:
    with zipfile.ZipFile(root.parent / "收到的.zip", "w") as z:
        z.writestr("data/a", b"x")
        z.writestr("data/a/b", b"y")


def zip_long_name(root: Path) -> None:
    with zipfile.ZipFile(root.parent / "收到的.zip", "w") as z:
        z.writestr("data/" + "名" * 100 + ".pdf", b"x")


def not_a_zip(root: Path) -> None:
    (root.parent / "收到的.zip").write_bytes(b"%PDF-1.4 not an archive\n" * 10)


def empty_zip(root: Path) -> None:
    (root.parent / "收到的.zip").write_bytes(b"")


def crafted_record(root: Path) -> None:
    (root.parent / "decoy.txt").write_text("别动我", encoding="utf-8")
    absolute = root.parent / "absolute.txt"
    absolute.write_text("也别动我", encoding="utf-8")
    record = root / "build" / ".cache" / "outputs-2022.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    for entry in data["roles"].values():
        entry["files"] += [["../decoy.txt", [1, 1]], [str(absolute), [1, 1]]]
    record.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def decoys_untouched(root: Path) -> None:
    assert (root.parent / "decoy.txt").read_text(encoding="utf-8") == "别动我"
    assert (root.parent / "absolute.txt").read_text(encoding="utf-8") == "也别动我"
    assert not (root.parent / "备份").exists()


def control_characters(root: Path) -> None:
    _manifest(root, note='"从Word粘贴\\x0b的说明\\b文字"')


def all_outputs(root: Path) -> None:
    names = [p.name for p in (root / "build" / "2022").iterdir()]
    for suffix in ("佐证材料汇编.pdf", "佐证材料汇编.docx", "自评得分表.xlsx",
                   "年度工作进展和总结报告.docx", "年度工作进展和总结报告.pdf"):
        assert any(n.endswith(suffix) for n in names), (suffix, names)
    from openpyxl import load_workbook

    sheet = next((root / "build" / "2022").glob("*自评得分表.xlsx"))
    texts = [str(c.value) for row in load_workbook(sheet).active.iter_rows() for c in row
             if c.value]
    assert any("从Word粘贴" in t and "的说明" in t for t in texts)
    assert not any("\x0b" in t or "\x08" in t for t in texts)


FIVE_MISTAKES = """\
unit: 泉州市示例县生态环境保护综合行政执法大队
year: 2022
date: 2022-02-30
claims:
  "1.1.1": {points: 9, note: 超过满分}
  "9.9.9": {points: 1}
  "1.1.2": {points: 一分}
exclude: 5
colour: 红
"""


def five_mistakes(root: Path) -> None:
    (root / "manifests" / "2022.yaml").write_text(FIVE_MISTAKES, encoding="utf-8")


def five_located(text: str) -> None:
    lines = {int(n) for n in re.findall(r"第\s*(\d+)\s*行", text)}
    assert len(lines & {3, 5, 6, 7, 8, 9}) >= 5, (lines, text)


def gbk_name(root: Path) -> None:
    folder = os.fsencode(_folder(root, "1.1.1"))
    with open(os.path.join(folder, "执法记录.pdf".encode("gbk")), "wb") as fh:
        fh.write(b"%PDF-1.4\n")


def read_only_build(root: Path) -> None:
    for path in [root / "build", *(root / "build").rglob("*")]:
        if path.is_dir():
            path.chmod(0o555)


def nothing(root: Path) -> None:
    pass


VERIFY = ("verify", "<parent>/收到的.zip")
CACHE = ("扫描缓存", "scan.json", "重新扫描")
CASES = [
    Case("1500 nested folders", nested_folders, [(("check",), 0, ()), (("build",), 0, ())],
         check=deep_file_in_binder, slow=True),
    Case("scan cache of the wrong shape", cache_wrong_shape, [(("check",), 0, CACHE)]),
    Case("scan cache with wrong entries", cache_wrong_entries, [(("check",), 0, CACHE)]),
    Case("scan cache truncated", cache_truncated, [(("check",), 0, CACHE)]),
    Case("build/ is a link", build_is_a_link, [(("build",), 0, ()), (("pack", "--force"), 0, ())],
         check=outputs_through_link, slow=True),
    Case("override naming a 300-character file", long_override,
         [((cmd,), 3, ("2022.yaml", "第14行", "很长的文件名", "文件名过长")) for cmd in ("check", "build")]),
    Case("mode-000 evidence file", unreadable_file,
         [(("check",), 1, ("无权限.pdf", "无法读取")), (("build",), 0, ("无权限.pdf",)),
          (("pack",), 1, ("无权限.pdf",))], as_clerk=True, slow=True),
    Case("verify: member both file and folder", zip_file_and_folder,
         [(VERIFY, 1, ("收到的.zip", "data/a/b", "既是文件又是文件夹"))]),
    Case("verify: 300-byte member name", zip_long_name,
         [(VERIFY, 1, ("收到的.zip", "255 字节"))]),
    Case("verify: not a ZIP", not_a_zip, [(VERIFY, 1, ("收到的.zip", "不是有效的 ZIP"))]),
    Case("verify: empty file", empty_zip, [(VERIFY, 1, ("收到的.zip", "空文件"))]),
    Case("crafted outputs record", crafted_record, [(("build",), 0, ())], check=decoys_untouched),
    Case("note with control characters", control_characters, [(("build",), 0, ())],
         check=all_outputs),
    Case("manifest with five mistakes", five_mistakes, [(("check",), 3, ("2022.yaml",))],
         check=None),
    Case("--max-pages 0", nothing, [(("build", "--max-pages", "0"), 2, ("--max-pages",))]),
    Case("--max-pages -5", nothing, [(("build", "--max-pages", "-5"), 2, ("--max-pages",))]),
    Case("--max-mb 0.001", nothing, [(("build", "--max-mb", "0.001"), 2, ("--max-mb",))]),
    Case("pack --max-pages 0", nothing, [(("pack", "--max-pages", "0"), 2, ("--max-pages",))]),
    Case("GBK-named file", gbk_name, [(("check",), 1, ("1.1.1", "执法记录.pdf"))]),
    Case("read-only build/", read_only_build, [(("build",), 5, ("build",))], as_clerk=True),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow
                                               else []) for c in CASES])
def test_reliability(case: Case, built: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    try:
        _case(case, built, root)
    finally:  # pytest's own cleanup recurses and would fail on the 1,500-deep tree
        subprocess.run(["rm", "-rf", "--", str(root)], check=True)


def _case(case: Case, built: Path, root: Path) -> None:
    shutil.copytree(built, root, symlinks=True)
    case.setup(root)
    evidence = _hash_tree(root / "evidence")
    outside = _outside_build(root)
    previous = {p.name: p.read_bytes() for p in (root / "build" / "2022").glob("*.*")}
    for command, expected, says in case.steps:
        mark = uuid.uuid4().hex
        command = tuple(a.replace("<parent>", str(root.parent)) for a in command)
        result = _run(root, *command, mark=mark, as_clerk=case.as_clerk)
        text = result.stdout + result.stderr
        assert result.exit_code == expected, (command, result.exit_code, text)
        assert not ENGLISH.search(text), (command, ENGLISH.search(text), text)
        assert "Word" not in text or case.name != "read-only build/", text
        for fragment in says:
            assert fragment in text, (command, fragment, text)
        assert not _marked(mark), (command, _marked(mark))
        now = {p.name: p.read_bytes() for p in (root / "build" / "2022").glob("*.*")}
        if expected != 0:  # a refused or failed command leaves the previous outputs as they were
            assert all(now.get(name) == data for name, data in previous.items()), command
        previous = now
        if case.name == "manifest with five mistakes":
            five_located(text)
    assert _hash_tree(root / "evidence") == evidence
    assert _outside_build(root) == outside
    if case.check:
        case.check(root)
