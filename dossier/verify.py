"""``dossier verify ARCHIVE``: what the city bureau runs on a received archive.

The 四性 checks of DA/T 70-2018 as they apply to a submission archive, each a named
check with pass/fail and details in Chinese:

- 真实性 (authenticity): bagit-python's validation; our own SHA-256 and SM3 checks of
  payload and tag manifests; bag-info.txt, 清单.json and 归档目录.xlsx agree.
- 完整性 (integrity): every indexed item present with its hash; numbering without gaps;
  PDF page counts equal the index; no file that the contents do not list.
- 可用性 (usability): members readable; every PDF opens and is not encrypted; formats
  on the allowed list.
- 安全性 (security): member names stay inside the folder; no links; PDFs carry no
  JavaScript, launch actions or executable attachments; not a zip bomb.

Members are inspected before anything is extracted; unsafe members are never
extracted, and extraction goes only into a temporary folder that is removed after.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import bagit

from dossier import sm3
from dossier.archive import (
    CONTENTS_NAME,
    INDEX_HEADER,
    INDEX_NAME,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TOTAL,
    ROLES,
    TAG_FILES,
    accepted_as_is,
    pdf_active_content,
)
from dossier.errors import ExitCode, InputError

log = logging.getLogger(__name__)

GROUPS = ("真实性", "完整性", "可用性", "安全性")
KNOWN_TAG_FILES = {*TAG_FILES, "tagmanifest-sha256.txt", "tagmanifest-sm3.txt"}
BAG_INFO_LABELS = {"Source-Organization": "单位", "External-Identifier": "包名",
                   "External-Description": "说明", "Bagging-Date": "成文日期",
                   "Bag-Software-Agent": "生成工具", "Assessment-Standard": "评价标准",
                   "Assessment-Year": "年度", "Evidence-Items": "佐证材料件数",
                   "Original-Files": "原件数", "Output-Files": "报送文件数",
                   "Claimed-Score": "自评总分", "Grade": "等次", "Payload-Oxum": "文件数与字节数",
                   "Blocking-Findings": "强制打包时的阻断问题数"}
BAG_INFO_FIELDS = set(BAG_INFO_LABELS)
_NUMBER = re.compile(r"^(\d+(?:\.\d+)*|[BD]\d+)-(\d+)$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Check:
    name: str
    group: str
    ok: bool
    details: list[str] = field(default_factory=list)


@dataclass
class VerifyReport:
    archive: Path
    checks: list[Check] = field(default_factory=list)
    fingerprint: str = ""   # SM3 of the archive file
    expected: str | None = None  # the fingerprint declared on the 报送单 (--expect)
    summary: dict = field(default_factory=dict)  # unit, year, claimed score, grade (bag-info)
    overridden: list[str] = field(default_factory=list)  # blocking findings packed with --force

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def exit_code(self) -> int:
        """0 when every check passed, else 1 (ExitCode.blocking)."""
        return 0 if self.ok else int(ExitCode.blocking)

    def add(self, group: str, name: str, problems: list[str]) -> None:
        self.checks.append(Check(name, group, not problems, list(problems)))

    def to_json(self) -> dict:
        return {"archive": str(self.archive), "ok": self.ok, "fingerprint": self.fingerprint,
                "authenticity_checked": self.expected is not None, "summary": self.summary,
                "overridden": self.overridden, "checks": [asdict(c) for c in self.checks]}

    def render_text(self) -> str:
        lines = [f"归档包校验：{self.archive}", f"SM3 指纹：{self.fingerprint}"]
        labels = (("unit", "报送单位"), ("year", "评估年度"), ("score", "自评总分"), ("grade", "自评等次"))
        lines += [f"{label}：{self.summary[key]}" for key, label in labels if self.summary.get(key)]
        if self.overridden:
            lines.append(f"（说明）报送单位在有 {len(self.overridden)} 项阻断性问题时强制打包（--force），"
                         "这些问题如下，供复核时参考（不属于篡改）：")
            lines += [f"  - {text}" for text in self.overridden]
        for group in GROUPS:
            lines.append(f"【{group}】")
            for c in (c for c in self.checks if c.group == group):
                lines.append(f"  {'通过  ' if c.ok else '不通过'}  {c.name}")
                lines += [f"          - {d}" for d in c.details]
        failed = [c for c in self.checks if not c.ok]
        if failed:
            lines.append(f"结论：不通过，{len(failed)} 项检查未通过。"
                         "请将以上问题告知报送单位，由其更正后重新打包报送。")
        else:
            lines.append(f"结论：通过，全部 {len(self.checks)} 项检查均通过。")
        if self.expected is None:
            lines.append("注意：本次只核验了完整性（包内文件未被改动、彼此一致），没有核验真实性——"
                         "它是否就是报送单位声明的那个归档包。请用报送单上的指纹运行："
                         "dossier verify 归档包 --expect 指纹。")
        elif self.ok:
            lines.append("指纹与报送单一致：这就是报送单位声明的归档包。")
        return "\n".join(lines)


def verify_archive(path: Path, expect: str | None = None) -> VerifyReport:
    """Check a submission archive; never raises for what is wrong inside it.

    ``expect`` is the SM3 fingerprint declared on the 报送单: with it, the report also says
    whether this is the declared archive (authenticity); without it, only integrity.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("找不到要校验的归档包。", path=path, hint="检查文件名和路径。")
    report = VerifyReport(path, fingerprint=sm3.file_sm3(path))
    if expect is not None:
        report.expected = re.sub(r"[\s:：-]", "", expect).lower()
        problems = []
        if not _HEX64.match(report.expected):
            problems.append(f"给出的指纹“{expect}”不是64位十六进制数，请照报送单上的 SM3 指纹重新输入")
        elif report.expected != report.fingerprint:
            problems.append(f"归档包的 SM3 指纹为 {report.fingerprint}，与报送单上的 {report.expected} "
                            "不一致：这不是报送单位声明的那个归档包（可能被替换或改动），请向报送单位核实")
        report.add("真实性", "与报送单声明的归档包一致（SM3 指纹）", problems)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        empty = path.stat().st_size == 0
        report.add("可用性", "归档包可打开", [
            ("是空文件（0 字节）" if empty else "不是有效的 ZIP 文件")
            + "，可能传输不完整或收错了文件，请向报送单位重新索取"])
        return report
    report.add("完整性", "ZIP 前后没有多余数据", _extra_bytes(path, archive))
    with archive, tempfile.TemporaryDirectory(prefix="dossier-verify-") as tmp:
        safe, bomb = _inspect_members(archive, report)
        if bomb:
            report.add("完整性", "内容检查", ["压缩包疑似“压缩炸弹”，为安全起见未解压，其余检查未执行"])
            return report
        unreadable = _extract(archive, safe, Path(tmp))
        report.add("可用性", "成员可读取（未加密、未损坏）", unreadable)
        root, stray = _bag_root(Path(tmp))
        if root is None:
            report.add("完整性", "BagIt 结构", stray or ["压缩包内没有 BagIt 包（缺少 bagit.txt）"])
            return report
        for group, name, step in (("真实性", "BagIt 与校验值", lambda: _check_bag(root, report)),
                                  ("完整性", "清单与归档目录", lambda: _check_contents(root, stray, report)),
                                  ("可用性", "PDF 文件", lambda: _check_pdfs(root, report))):
            try:
                step()
            except Exception:  # a malformed archive must give a report, not a traceback
                report.add(group, f"{name}检查", ["检查时出错（程序内部错误，请加 --debug 重新运行并把输出发给技术支持），"
                                                  "归档包结构可能已被破坏"])
    report.checks.sort(key=lambda c: GROUPS.index(c.group))
    return report


# -- before extraction -------------------------------------------------------

def _extra_bytes(path: Path, archive: zipfile.ZipFile) -> list[str]:
    """Bytes before the first member or after the end-of-archive record (junk, or a
    second file hidden in the ZIP) — a ZIP reader skips them silently."""
    problems = []
    size = path.stat().st_size
    infos = archive.infolist()
    first = min((i.header_offset for i in infos), default=archive.start_dir)
    if first > 0:
        problems.append(f"第一个成员之前有 {first} 字节的多余数据，归档包可能被改动或拼接")
    with open(path, "rb") as fh:
        tail_len = min(size, (1 << 16) + 22)
        fh.seek(size - tail_len)
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at >= 0 and at + 22 <= len(tail):
        comment = int.from_bytes(tail[at + 20:at + 22], "little")
        end = size - tail_len + at + 22 + comment
        if end < size:
            problems.append(f"归档结束标记之后有 {size - end} 字节的多余数据，归档包可能被改动或拼接")
    return problems


MAX_NAME_BYTES = 255  # one path component, on every common file system


def _unsafe_reason(name: str) -> str | None:
    if "\x00" in name:
        return "名称含空字符"
    if "\\" in name:
        return "名称含反斜杠“\\”，在 Windows 上会被当作文件夹分隔符"
    if name.startswith("/"):
        return "是绝对路径"
    if re.match(r"^[A-Za-z]:", name):
        return "带盘符，会写到其他磁盘"
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return "含“..”，解压时会写到目标文件夹之外"
    if any(p in ("", ".") for p in parts):
        return "路径不规范（含空的或“.”的部分）"
    if any(len(p.encode("utf-8")) > MAX_NAME_BYTES for p in parts):
        return f"名称的一部分超过 {MAX_NAME_BYTES} 字节，多数系统无法解压"
    return None


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode) or (info.create_system == 0 and info.external_attr & 0x400)


def _inspect_members(archive: zipfile.ZipFile, report: VerifyReport):
    infos = archive.infolist()
    unsafe, links, seen, safe = [], [], {}, []
    files = {unicodedata.normalize("NFC", i.filename).casefold(): i.filename
             for i in infos if not i.is_dir()}
    for info in infos:
        reason = _unsafe_reason(info.filename)
        key = unicodedata.normalize("NFC", info.filename).casefold()
        if reason is None and key in seen:
            reason = f"与“{seen[key]}”重名（在 Windows 上会互相覆盖）"
        folders = key.rstrip("/").split("/")[:-1]
        clash = next((files["/".join(folders[:n])] for n in range(1, len(folders) + 1)
                      if "/".join(folders[:n]) in files), None)
        if reason is None and clash is not None:
            reason = f"所在文件夹与文件“{clash}”同名（同一名称既是文件又是文件夹）"
        seen.setdefault(key, info.filename)
        if reason:
            unsafe.append(f"成员“{info.filename}”{reason}，未解压")
        elif _is_link(info):
            links.append(f"成员“{info.filename}”是符号链接（快捷方式），未解压")
        elif not info.is_dir():
            safe.append(info)
    report.add("安全性", "成员路径不越出文件夹", unsafe)
    report.add("安全性", "不含链接", links)
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    bomb = []
    if len(infos) > MAX_MEMBERS:
        bomb.append(f"成员数 {len(infos)} 超过上限 {MAX_MEMBERS}")
    if total > MAX_TOTAL:
        bomb.append(f"解压后共 {total} 字节，超过上限 {MAX_TOTAL} 字节")
    if total > 10 << 20 and total / packed > MAX_RATIO:
        bomb.append(f"整体压缩比 {total / packed:.0f}:1 超过上限 {MAX_RATIO}:1")
    for i in infos:
        if i.file_size > 1 << 20 and i.file_size / max(i.compress_size, 1) > MAX_RATIO:
            bomb.append(f"成员“{i.filename}”压缩比 {i.file_size / max(i.compress_size, 1):.0f}:1"
                        f" 超过上限 {MAX_RATIO}:1")
    report.add("安全性", "不是压缩炸弹（大小与压缩比在限度内）", bomb)
    return safe, bool(bomb)


def _extract(archive: zipfile.ZipFile, infos, dest: Path) -> list[str]:
    """Extract only the vetted members, never writing more than each declares."""
    problems = []
    base = dest.resolve()
    for info in infos:
        target = (dest / info.filename).resolve()
        if base not in target.parents:
            problems.append(f"成员“{info.filename}”解压位置越界，未解压")
            continue
        if info.flag_bits & 0x1:
            problems.append(f"成员“{info.filename}”已加密，无法读取")
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(target, "wb") as out:
                written = 0
                while block := src.read(1 << 20):
                    written += len(block)
                    if written > info.file_size:
                        raise zipfile.BadZipFile("实际大小超过声明大小")
                    out.write(block)
        except (zipfile.BadZipFile, OSError, NotImplementedError, EOFError) as exc:
            if target.is_file():
                target.unlink()
            problems.append(f"成员“{info.filename}”无法读取或无法解压（{_why(exc)}），文件已损坏")
    return problems


def _why(exc: Exception) -> str:
    """Why a member could not be extracted, in Chinese (library text never reaches people)."""
    if isinstance(exc, zipfile.BadZipFile) and re.search(r"[\u4e00-\u9fff]", str(exc)):
        return str(exc)
    if isinstance(exc, NotImplementedError):
        return "压缩方式不受支持"
    if isinstance(exc, OSError):
        return "系统拒绝写出这个名称"
    return "数据不完整或校验失败"


def _bag_root(dest: Path) -> tuple[Path | None, list[str]]:
    tops = sorted(dest.iterdir())
    dirs = [p for p in tops if p.is_dir() and (p / "bagit.txt").is_file()]
    if len(dirs) != 1:
        return None, [f"压缩包内应只有一个含 bagit.txt 的文件夹，实有 {len(dirs)} 个"]
    stray = [f"BagIt 文件夹之外的多余文件：{p.relative_to(dest).as_posix()}"
             for p in sorted(dest.rglob("*")) if p.is_file() and dirs[0] not in p.parents]
    return dirs[0], stray


# -- 真实性 ------------------------------------------------------------------

def _payload(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "data").rglob("*")
                  if p.is_file())


def _hash(path: Path, alg: str) -> str:
    if alg == "sm3":
        return sm3.file_sm3(path)
    h = hashlib.new(alg)
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _read_manifest(path: Path) -> dict[str, str]:
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, _, rel = line.strip().partition(" ")
            rel = rel.strip().replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
            entries[unicodedata.normalize("NFC", rel)] = digest.lower()
    return entries


def _check_manifest(root: Path, alg: str, label: str) -> list[str]:
    problems = []
    for kind, expected in (("manifest", _payload(root)), ("tagmanifest", None)):
        name = f"{kind}-{alg}.txt"
        if not (root / name).is_file():
            if name in TAG_FILES or name == "tagmanifest-sha256.txt":
                problems.append(f"缺少 {name}，无法核对{label}校验值")
            continue
        entries = _read_manifest(root / name)
        listed = set(entries)
        if expected is not None:
            problems += [f"文件未列入 {name}（可能是后来加入的）：{rel}"
                         for rel in expected if rel not in listed]
        else:
            problems += [f"{name} 未登记 {tag}，它本身无法核对" for tag in TAG_FILES
                         if tag not in listed and (root / tag).is_file()]
        for rel, digest in sorted(entries.items()):
            target = root / rel
            if _unsafe_reason(rel) or not target.is_file():
                problems.append(f"{name} 列出的文件缺失：{rel}")
            elif (found := _hash(target, alg)) != digest:
                problems.append(f"文件内容已被改动：{rel}（{label} 应为 {digest[:16]}…，"
                                f"实为 {found[:16]}…）")
    return problems


def _bagit_problems(root: Path) -> list[str]:
    try:
        bagit.Bag(str(root)).validate()
    except bagit.BagValidationError as exc:
        details = []
        for d in exc.details or []:
            if isinstance(d, bagit.ChecksumMismatch):
                details.append(f"校验值不符：{d.path}（{d.algorithm}）")
            elif isinstance(d, bagit.FileMissing):
                details.append(f"清单列出但缺失：{d.path}")
            elif isinstance(d, bagit.UnexpectedFile):
                details.append(f"未列入清单的多余文件：{d.path}")
        if m := re.search(r"Expected (\d+) files and (\d+) bytes but found (\d+) files and (\d+)",
                          str(exc.message)):
            details.append(f"data 中的文件与 bag-info.txt 的 Payload-Oxum 不符：应有 {m[1]} 个文件"
                           f"共 {m[2]} 字节，实有 {m[3]} 个文件共 {m[4]} 字节")
        return details or [f"BagIt 校验未通过：{exc.message}"]
    except (bagit.BagError, UnicodeDecodeError, ValueError, OSError):
        return ["不是有效的 BagIt 包，bagit.txt、bag-info.txt 或清单文件无法读取"]
    return []


def _read_bag_info(root: Path) -> tuple[dict, list[str]]:
    try:
        return dict(bagit.Bag(str(root)).info), []
    except (bagit.BagError, UnicodeDecodeError, ValueError, OSError):
        return {}, ["bag-info.txt 无法读取，无法核对单位、年度和数量"]


def _check_bag(root: Path, report: VerifyReport) -> None:
    report.add("真实性", "BagIt 校验（bagit-python，RFC 8493）", _bagit_problems(root))
    report.add("真实性", "SHA-256 校验值一致", _check_manifest(root, "sha256", "SHA-256"))
    report.add("真实性", "SM3 校验值一致", _check_manifest(root, "sm3", "SM3"))


# -- 完整性 and metadata -----------------------------------------------------

def _load_contents(root: Path) -> tuple[dict | None, list[dict] | None, list[str]]:
    problems = []
    contents = rows = None
    try:
        contents = json.loads((root / "data" / CONTENTS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        problems.append(f"无法读取 data/{CONTENTS_NAME}（文件损坏或格式不对）")
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(root / "data" / INDEX_NAME, read_only=True)
        values = list(workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
        if not values or tuple(values[0][:len(INDEX_HEADER)]) != INDEX_HEADER:
            problems.append(f"data/{INDEX_NAME} 表头不是 {'、'.join(INDEX_HEADER)}")
        else:
            rows = [dict(zip(INDEX_HEADER, v, strict=False)) for v in values[1:] if any(v)]
    except Exception:  # any unreadable workbook is a finding, not a crash
        problems.append(f"无法读取 data/{INDEX_NAME}（文件损坏或格式不对）")
    return contents, rows, problems


def _check_contents(root: Path, stray: list[str], report: VerifyReport) -> None:
    contents, rows, problems = _load_contents(root)
    if contents is None or rows is None:
        report.add("真实性", "元数据与内容一致", problems)
        report.add("完整性", "索引条目齐全", ["缺少可读的清单或归档目录，无法核对"])
        return
    info, meta = _read_bag_info(root)
    items = contents.get("items", [])
    originals = [e for e in items if e.get("path")]
    renditions = [e for e in items if e.get("rendition")]
    score = contents.get("score") or {}
    overridden = contents.get("overridden") or []
    report.summary = {"unit": info.get("Source-Organization", contents.get("unit")),
                      "year": info.get("Assessment-Year", contents.get("year")),
                      "score": info.get("Claimed-Score", score.get("total")),
                      "grade": info.get("Grade", score.get("grade"))}
    report.overridden = [_describe_overridden(f) for f in overridden if isinstance(f, dict)]
    meta += _bag_info_problems(root, info, contents, originals, renditions)
    if len(rows) != len(items):
        meta.append(f"归档目录有 {len(rows)} 条，清单有 {len(items)} 条，不一致")
    report.add("真实性", "元数据（单位、年度、分数、数量）与内容一致", meta)
    _check_items(root, contents, rows, report)
    _check_numbering(contents, rows, report)
    _check_pages(root, rows, report)
    expected = {f"data/{CONTENTS_NAME}", f"data/{INDEX_NAME}"}
    expected |= {o.get("path") for o in contents.get("outputs", [])}
    expected |= {e.get("path") for e in originals}
    expected |= {e.get("rendition") for e in renditions}
    extra = [f"未登记的多余文件：{rel}" for rel in _payload(root) if rel not in expected]
    extra += [f"包内多余的文件：{p.name}" for p in sorted(root.iterdir())
              if p.name != "data" and p.name not in KNOWN_TAG_FILES]
    report.add("完整性", "无多余文件", stray + extra)
    rendered = {e.get("path") for e in renditions if (root / str(e.get("rendition"))).is_file()}
    formats = [f"格式不在允许范围内，也没有附上转换成的 PDF：{rel}" for rel in _payload(root)
               if not accepted_as_is(rel) and rel not in rendered]
    report.add("可用性", "文件格式符合要求（其他格式附有 PDF 版本）", formats)


def _describe_overridden(finding: dict) -> str:
    where = finding.get("path") or finding.get("code") or ""
    message = str(finding.get("message", ""))
    return f"{where}：{message}" if where and where not in message else message


def _bag_info_problems(root: Path, info: dict, contents: dict, originals, renditions) -> list[str]:
    """Every bag-info.txt field against what the archive holds."""
    if not info:
        return []
    score = contents.get("score") or {}
    overridden = contents.get("overridden") or []
    in_originals = [p for p in _payload(root) if p.startswith("data/原件/")]
    unit, year = contents.get("unit"), contents.get("year")
    expected = {
        "Source-Organization": unit, "External-Identifier": root.name,
        "External-Description": f"{unit}{year}年度规范化建设自评材料",
        "Bagging-Date": contents.get("date"), "Bag-Software-Agent": contents.get("generator"),
        "Assessment-Standard": contents.get("standard"), "Assessment-Year": str(year),
        "Evidence-Items": str(len(contents.get("items", []))),
        "Original-Files": str(len(originals)), "Output-Files": str(len(contents.get("outputs", []))),
        "Claimed-Score": score.get("total"), "Grade": score.get("grade"),
        "Blocking-Findings": str(len(overridden)) if overridden else None}
    problems = []
    for key, want in expected.items():
        have = info.get(key)
        have = have[0] if isinstance(have, list) else have
        if want is None and have is None:
            continue
        if str(have) != str(want):
            problems.append(f"bag-info.txt 的{BAG_INFO_LABELS[key]}（{key}: "
                            f"{have if have is not None else '缺失'}）与清单内容"
                            f"（{want if want is not None else '无'}）不符")
    unknown = sorted(set(info) - BAG_INFO_FIELDS)
    problems += [f"bag-info.txt 含有不认识的字段 {key}" for key in unknown]
    if len(in_originals) != len(originals) + len(renditions):
        problems.append(f"清单登记原件 {len(originals)} 个（另附 PDF 版本 {len(renditions)} 个），"
                        f"data/原件 中实有 {len(in_originals)} 个文件")
    return problems


def _check_items(root: Path, contents: dict, rows: list[dict], report: VerifyReport) -> None:
    problems = []
    for entry in contents.get("outputs", []):
        rel = str(entry.get("path", ""))
        title = entry.get("title") or ROLES.get(entry.get("role"), "报送文件")
        if _unsafe_reason(rel) or not (root / rel).is_file():
            problems.append(f"清单登记的{title}缺失：{rel}")
            continue
        for alg, label in (("sha256", "SHA-256"), ("sm3", "SM3")):
            if entry.get(alg) and _hash(root / rel, alg) != entry[alg]:
                problems.append(f"{title}与清单记录的 {label} 不符，内容已被改动：{rel}")
        if not entry.get("sha256"):
            problems.append(f"清单没有记录{title}的 SHA-256，无法核对：{rel}")
    for entry in contents.get("items", []):
        rel = entry.get("rendition")
        if rel and (_unsafe_reason(str(rel)) or not (root / rel).is_file()):
            problems.append(f"{entry.get('number')} 的 PDF 版本缺失：{rel}")
        elif rel and _hash(root / rel, "sha256") != entry.get("rendition_sha256"):
            problems.append(f"{entry.get('number')} 的 PDF 版本与清单记录的 SHA-256 不符：{rel}")
    included = contents.get("originals_included", True)
    for entry, row in zip(contents.get("items", []), rows, strict=False):
        number = entry.get("number")
        if row.get("档号") != entry.get("archival_code") or row.get("题名") != entry.get("title"):
            problems.append(f"归档目录第 {row.get('序号')} 行（{row.get('档号')}）与清单（{number}）不一致")
        if row.get("SHA-256") != entry.get("sha256"):
            problems.append(f"{number} 在归档目录与清单中的 SHA-256 不一致")
        if not included:
            continue
        rel = entry.get("path")
        if not rel or not (root / rel).is_file():
            problems.append(f"{number}《{entry.get('title')}》的原件缺失：{rel or '未登记位置'}")
        elif _hash(root / rel, "sha256") != entry.get("sha256"):
            problems.append(f"{number}《{entry.get('title')}》的原件与归档目录的 SHA-256 不符：{rel}")
    report.add("完整性", "索引条目齐全、原件与目录相符", problems)


def _check_numbering(contents: dict, rows: list[dict], report: VerifyReport) -> None:
    problems = []
    year = str(contents.get("year"))
    seqs: dict[str, list[int]] = {}
    for position, row in enumerate(rows, 1):
        if row.get("序号") != position:
            problems.append(f"归档目录第 {position} 条的序号为 {row.get('序号')}，应为 {position}")
        code = str(row.get("档号") or "")
        number = code[len(year) + 1:] if code.startswith(f"{year}-") else None
        m = _NUMBER.match(number or "")
        if not m:
            problems.append(f"档号“{code}”格式不正确，应为“{year}-指标编号-序号”")
            continue
        seqs.setdefault(m[1], []).append(int(m[2]))
    for code, found in sorted(seqs.items()):
        if sorted(found) != list(range(1, len(found) + 1)):
            problems.append(f"{code} 的件号不连续或重复：{'、'.join(f'{n:02d}' for n in sorted(found))}")
    report.add("完整性", "编号连续无缺号", problems)


def _pdf_pages(path: Path) -> int | None:
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except Exception:
        return None


def _check_pages(root: Path, rows: list[dict], report: VerifyReport) -> None:
    problems = []
    for row in rows:
        rel = str(row.get("存放位置") or "")
        if rel.lower().endswith(".pdf") and (root / rel).is_file():
            pages = _pdf_pages(root / rel)
            if pages is not None and pages != row.get("页数"):
                problems.append(f"{row.get('档号')}：归档目录记 {row.get('页数')} 页，PDF 实有 {pages} 页")
    report.add("完整性", "页数与 PDF 一致", problems)


# -- 可用性 and 安全性 of PDFs ------------------------------------------------

def _check_pdfs(root: Path, report: VerifyReport) -> None:
    import pikepdf

    unusable, active = [], []
    for rel in _payload(root):
        if not rel.lower().endswith(".pdf"):
            continue
        try:
            with pikepdf.open(root / rel) as pdf:  # opens without a password: readable
                try:
                    found = pdf_active_content(pdf)
                except Exception:  # a PDF we cannot inspect is not known to be safe
                    log.debug("active content of %s not inspectable", rel, exc_info=True)
                    found = {"无法检查其中的活动内容（文件结构损坏）"}
        except pikepdf.PasswordError:
            unusable.append(f"PDF 有打开密码，无法打开：{rel}")
            continue
        except Exception:  # the library's English reason stays in the --debug log
            log.debug("%s does not open", rel, exc_info=True)
            unusable.append(f"PDF 无法打开（文件为空或已损坏）：{rel}")
            continue
        active += [f"{rel}：{what}" for what in sorted(found)]
    report.add("可用性", "PDF 均可打开（无需密码）", unusable)
    report.add("安全性", "PDF 不含脚本、启动动作或可执行附件", active)
