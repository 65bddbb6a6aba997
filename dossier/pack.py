"""The submission archive: a BagIt bag (RFC 8493, version 1.0) in a deterministic ZIP.

Layout of ``build/YYYY/<unit>-YYYY-规范化建设材料.zip`` (one top folder, named like the
zip stem, so extracting never scatters files)::

    <stem>/bagit.txt  bag-info.txt
    <stem>/manifest-sha256.txt  manifest-sm3.txt  tagmanifest-sha256.txt  tagmanifest-sm3.txt
    <stem>/data/<binder, report, score sheet as built>
    <stem>/data/清单.json        resolved manifest: unit, year, score, every evidence item
    <stem>/data/归档目录.xlsx    archive index (序号, 档号, 题名, 责任部门, 日期, 页数, SHA-256, 存放位置)
    <stem>/data/原件/<item number> <original name>   unless ``originals=False``

Decisions:
- ``bagit.make_bag`` builds the bag and its SHA-256 manifests and Payload-Oxum. SM3 is not
  in ``hashlib.algorithms_guaranteed``, which is the list bagit-python recognises, so it
  treats ``manifest-sm3.txt`` as an ordinary tag file: validation passes and the SHA-256
  tag manifest protects it. RFC 8493 §2.4 allows further algorithms; ``verify`` checks SM3.
  All manifests are rewritten sorted by path so the bag is byte-stable.
- 档号 is ``<year>-<item number>`` (e.g. ``2022-3.1.1-02``); 序号 runs 1..N in binder order.
  日期 is a date found in the file name (2022-03-15, 20220315, 2022年3月15日), else empty:
  the tool does not know when a document was written, and file times are not evidence.
- Names are NFC-normalised; characters Windows forbids (``\\/:*?"<>|``) become ``_``.
- ZIP: members sorted, every timestamp = ``manifest.date`` 00:00, mode 0644, the UTF-8 flag
  (0x800) on every member, no directory entries; already-compressed formats are stored.
- Blocking findings (severity ``error``) stop the pack unless ``force``; a forced pack
  records their number as ``Blocking-Findings`` in bag-info.txt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import bagit

from dossier import __version__, sm3
from dossier.errors import DossierError, ExitCode
from dossier.fsutil import atomic_write
from dossier.names import dates_in_name
from dossier.outputs import OUTPUTS, label
from dossier.pii import PiiHit, scan_items
from dossier.progress import Progress

log = logging.getLogger(__name__)

ROLES = {o.role: o.label for o in OUTPUTS if o.builder}  # labels: dossier.outputs, one table
ORIGINALS_DIR = "原件"
CONTENTS_NAME = "清单.json"
INDEX_NAME = "归档目录.xlsx"
INDEX_HEADER = ("序号", "档号", "题名", "责任部门", "日期", "页数", "SHA-256", "存放位置")
ARCHIVE_SUFFIX = "规范化建设材料"
CONTENTS_FORMAT = "dossier-archive/1"
ALLOWED_EXTS = frozenset({"pdf", "ofd", "docx", "doc", "wps", "xlsx", "xls", "et", "txt", "csv",
                          "json", "jpg", "jpeg", "png", "tif", "tiff", "bmp", "gif", "heic",
                          "heif", "webp", "mp4", "mov", "avi", "wmv", "mp3", "m4a", "wav",
                          "amr"})
# Formats whose content is already compressed: deflating them again costs minutes on a
# real year (45 s of 75 s for 1.8 GB of scans) and saves a few per cent.
_STORED_EXTS = {"jpg", "jpeg", "png", "heic", "heif", "webp", "gif", "mp4", "mov", "avi", "wmv",
                "mp3", "m4a", "amr", "zip", "rar", "7z", "gz", "docx", "xlsx", "pptx", "odt",
                "ods", "pdf"}
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class PackRefused(DossierError):
    """Blocking findings exist and ``--force`` was not given (exit 1)."""

    exit_code = ExitCode.blocking


@dataclass
class PackResult:
    path: Path
    size: int
    sha256: str
    items: int
    originals: int
    outputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)      # what was skipped, and why
    warnings: list[str] = field(default_factory=list)   # forced findings, formats, PII
    pii: list[PiiHit] = field(default_factory=list)


def archive_stem(project) -> str:
    return nfc(project.output_name(ARCHIVE_SUFFIX))


def archive_path(project) -> Path:
    return project.build_dir / f"{archive_stem(project)}.zip"


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def safe_name(name: str) -> str:
    return _FORBIDDEN.sub("_", nfc(name)).strip() or "_"


MAX_STEM = 60  # characters of the original name kept in a member name (Windows: 260 per path)


def member_name(number: str, original: str) -> str:
    """``<item number> <name>``, the name cut to MAX_STEM characters (the full name stays in
    清单.json and 归档目录), so that extracted paths fit Windows' limits."""
    path = Path(original)
    stem, suffix = path.stem, path.suffix[:16]
    if len(stem) > MAX_STEM:
        stem = stem[:MAX_STEM].rstrip() + "…"
    return f"{number} {stem}{suffix}"


def zip_date_time(date: dt.date) -> tuple[int, int, int, int, int, int]:
    return (max(date.year, 1980), date.month, date.day, 0, 0, 0)


def pack(project, outputs: dict[str, Path], findings: list, *, originals: bool = True,
         force: bool = False, progress: Progress | None = None, score=None) -> PackResult:
    """Pack the project's outputs and evidence into the submission archive.

    ``outputs`` maps roles (``ROLES``, or ``binder_pdf_1``… for a binder in volumes) to
    built files. ``score`` has ``.total`` and ``.grade`` (str or object with ``.name``);
    when omitted it is computed with ``dossier.score.compute_score`` if that exists.
    Raises PackRefused when ``findings`` hold errors and ``force`` is false.
    """
    progress = progress or Progress()
    blocking = [f for f in findings if getattr(f, "severity", None) == "error"]
    if blocking and not force:
        raise PackRefused(f"有 {len(blocking)} 项阻断性问题，未生成归档包：\n"
                          + "\n".join(f"  - {describe_finding(f)}" for f in blocking),
                          hint="请按 dossier check 的提示补齐或更正后再打包；"
                               "确需先行打包（如内部预审）时加 --force。")
    result = PackResult(path=archive_path(project), size=0, sha256="", items=0, originals=0)
    result.warnings += [f"强制打包，存在阻断性问题：{describe_finding(f)}" for f in blocking]
    items = list(project.all_items())
    result.pii = scan_items(items, progress)
    result.warnings += [hit.message() for hit in result.pii]
    result.warnings += _format_warnings(items)
    stem = archive_stem(project)
    project.build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pack-", dir=project.build_dir) as tmp:
        bag_dir = Path(tmp) / stem
        bag_dir.mkdir()
        contents = _stage(project, items, outputs, bag_dir, originals, result, progress)
        contents["score"] = _score_json(score if score is not None else _default_score(project))
        _write_json(bag_dir / CONTENTS_NAME, contents)
        write_index(bag_dir / INDEX_NAME, contents, project.manifest.date)
        info = _bag_info(project, contents, stem, len(blocking))
        bagit.make_bag(str(bag_dir), info, checksums=["sha256"])
        finish_bag(bag_dir)
        with atomic_write(result.path) as zip_tmp:
            write_zip(bag_dir, zip_tmp, stem, project.manifest.date, progress)
    result.size = result.path.stat().st_size
    result.sha256 = _sha256_file(result.path)
    result.items, result.originals = len(items), contents["counts"]["originals"]
    return result


def describe_finding(finding) -> str:
    """The finding's message, prefixed with its code or path when the message lacks them."""
    message = str(finding.message)
    for where in (getattr(finding, "code", None), getattr(finding, "path", None)):
        if where and str(where) not in message:
            return f"{where}：{message}"
    return message


def _format_warnings(items) -> list[str]:
    warnings = []
    for item in items:
        name = f"{item.number} {item.file.rel}"
        if item.file.ext not in ALLOWED_EXTS:
            warnings.append(f"{name}：格式 .{item.file.ext} 不在归档允许的格式之内，verify 的可用性检查"
                            "将不通过；请转换为 PDF 或图片后放入证据目录")
        elif item.file.problem in ("encrypted", "corrupt", "empty"):
            what = {"encrypted": "已加密", "corrupt": "已损坏", "empty": "是空文件"}[item.file.problem]
            warnings.append(f"{name}：文件{what}，verify 的可用性检查将不通过；请换成可正常打开的文件")
        elif item.file.ext == "pdf" and (active := _pdf_active(item.file.path)):
            warnings.append(f"{name}：PDF {'、'.join(sorted(active))}，verify 的安全性检查将不通过；"
                            "请用“打印为 PDF”重新生成后替换")
    return warnings


def _pdf_active(path: Path) -> set[str]:
    import pikepdf

    from dossier.verify import pdf_active_content

    try:
        with pikepdf.open(path) as pdf:
            return pdf_active_content(pdf)
    except Exception:  # unreadable PDFs are reported by check and scan
        return set()


def _stage(project, items, outputs, bag_dir: Path, originals: bool, result: PackResult,
           progress: Progress) -> dict:
    """Copy outputs and originals into the future payload; return the resolved manifest."""
    out_entries = []
    volumes = sorted((r for r in outputs if r.startswith("binder_pdf_")), key=_volume_number)
    for role in [r for r in ROLES if not (r == "binder_pdf" and volumes)] + volumes + \
            sorted(set(outputs) - set(ROLES) - set(volumes)):
        src = outputs.get(role)
        label = _role_label(role)
        if src is None or not Path(src).is_file():
            result.notes.append(f"未找到{label}，归档包中不含此文件；如需包含请先运行 dossier build")
            continue
        name = safe_name(Path(src).name)
        shutil.copyfile(src, bag_dir / name)
        out_entries.append({"role": role, "title": label, "path": f"data/{name}",
                            "sha256": _sha256_file(bag_dir / name)})
        result.outputs.append(name)
    entries = []
    with progress.task("复制原件", total=len(items)) as task:
        for seq, item in enumerate(items, 1):
            entries.append(_item_entry(project, item, seq, bag_dir if originals else None))
            task.advance(1, item.number)
    copied = sum(1 for e in entries if e["path"])
    if not originals:
        result.notes.append("按 --no-originals 未放入证据原件，归档目录仍列出全部条目")
    manifest = project.manifest
    return {"format": CONTENTS_FORMAT, "generator": f"dossier {__version__}",
            "standard": manifest.standard, "unit": manifest.unit, "year": manifest.year,
            "date": manifest.date.isoformat(), "originals_included": originals,
            "counts": {"items": len(entries), "originals": copied, "outputs": len(out_entries)},
            "outputs": out_entries, "items": entries}


def _volume_number(role: str) -> int:
    tail = role.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _role_label(role: str) -> str:
    return label(role)


def _item_entry(project, item, seq: int, bag_dir: Path | None) -> dict:
    file = item.file
    original = safe_name(Path(file.rel).name)
    path = None
    sha256 = file.sha256
    if bag_dir is not None:
        target = bag_dir / ORIGINALS_DIR / member_name(item.number, original)
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(file.path, target)
        sha256 = _sha256_file(target)  # what is in the bag, even if the file changed since scan
        path = f"data/{ORIGINALS_DIR}/{target.name}"
    return {"seq": seq, "number": item.number, "archival_code": f"{project.year}-{item.number}",
            "code": item.code, "title": item.title, "department": _department(project, item.code),
            "date": date_from_name(Path(file.rel).stem), "file": nfc(file.rel), "path": path,
            "kind": file.kind, "ext": file.ext, "size": file.size, "pages": file.pages,
            "sha256": sha256, "problem": file.problem}


def _department(project, code: str) -> str:
    standard = project.standard
    node = (standard.criterion(code) if standard.has_criterion(code)
            else standard.tertiary(code) if standard.has_tertiary(code) else None)
    departments = getattr(node, "departments", ()) or ()
    if not departments and node is not None and hasattr(node, "tertiary_code"):
        departments = standard.tertiary(node.tertiary_code).departments
    return "、".join(departments)


def date_from_name(name: str) -> str:
    """The first date written in the file name (dossier.names), for the archive index."""
    dates = dates_in_name(name)
    return dates[0].isoformat() if dates else ""


def _default_score(project):
    try:
        from dossier.score import compute_score
    except ImportError:
        return None
    return compute_score(project)


def _score_json(score) -> dict | None:
    if score is None:
        return None
    grade = getattr(score, "grade", None)
    return {"total": str(score.total), "grade": str(getattr(grade, "name", grade) or "")}


def _bag_info(project, contents: dict, stem: str, blocking: int) -> dict[str, str]:
    manifest = project.manifest
    info = {"Source-Organization": manifest.unit, "External-Identifier": stem,
            "External-Description": f"{manifest.unit}{manifest.year}年度规范化建设自评材料",
            "Bagging-Date": manifest.date.isoformat(),
            "Bag-Software-Agent": f"dossier {__version__}",
            "Assessment-Standard": manifest.standard, "Assessment-Year": str(manifest.year),
            "Evidence-Items": str(contents["counts"]["items"]),
            "Original-Files": str(contents["counts"]["originals"]),
            "Output-Files": str(contents["counts"]["outputs"])}
    if contents["score"]:
        info["Claimed-Score"] = contents["score"]["total"]
        info["Grade"] = contents["score"]["grade"]
    if blocking:
        info["Blocking-Findings"] = str(blocking)
    return info


def write_index(target: Path, contents: dict, date: dt.date) -> None:
    """归档目录.xlsx, byte-identical for the same contents and date."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from dossier.xlsxtext import append_row  # titles and names are people's text, never formulas

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "归档目录"
    sheet.append(INDEX_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for e in contents["items"]:
        append_row(sheet, (e["seq"], e["archival_code"], e["title"], e["department"], e["date"],
                           e["pages"], e["sha256"], e["path"] or "（未随包提供原件）"))
    for column, width in zip("ABCDEFGH", (6, 18, 40, 16, 12, 6, 66, 50), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    save_workbook_deterministic(workbook, target, date)


def save_workbook_deterministic(workbook, target: Path, date: dt.date) -> None:
    """openpyxl stamps 'now' into docProps and every ZIP entry; pin both to ``date``."""
    from openpyxl.writer.excel import ExcelWriter

    when = dt.datetime(date.year, date.month, date.day)
    workbook.properties.created = workbook.properties.modified = when
    workbook.properties.creator = workbook.properties.lastModifiedBy = "dossier"
    buffer = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, zip_date_time(date))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o100644 << 16
            dst.writestr(fixed, src.read(info))


def finish_bag(bag_dir: Path) -> None:
    """Declare BagIt 1.0, sort the SHA-256 manifest, add SM3 and both tag manifests."""
    (bag_dir / "bagit.txt").write_text(
        "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8")
    payload = sorted(p.relative_to(bag_dir).as_posix()
                     for p in (bag_dir / "data").rglob("*") if p.is_file())
    for alg, digest in (("sha256", _sha256_file), ("sm3", sm3.file_sm3)):
        _write_manifest(bag_dir / f"manifest-{alg}.txt",
                        [(digest(bag_dir / rel), rel) for rel in payload])
    tags = ["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sm3.txt"]
    for alg, digest in (("sha256", _sha256_file), ("sm3", sm3.file_sm3)):
        _write_manifest(bag_dir / f"tagmanifest-{alg}.txt", [(digest(bag_dir / t), t) for t in tags])


def encode_manifest_path(rel: str) -> str:
    """RFC 8493 §2.1.3: percent-encode %, CR and LF in manifest paths."""
    return rel.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _write_manifest(path: Path, entries: list[tuple[str, str]]) -> None:
    text = "".join(f"{digest}  {encode_manifest_path(rel)}\n" for digest, rel in entries)
    path.write_text(text, encoding="utf-8", newline="\n")


class _Utf8ZipInfo(zipfile.ZipInfo):
    """zipfile sets the UTF-8 flag only for non-ASCII names; set it on every member."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
        return self.filename.encode("utf-8"), self.flag_bits | 0x800


def write_zip(bag_dir: Path, target: Path, stem: str, date: dt.date,
              progress: Progress | None = None) -> None:
    """The bag under ``<stem>/`` as a ZIP whose bytes depend only on the contents and date."""
    progress = progress or Progress()
    files = sorted((nfc(p.relative_to(bag_dir).as_posix()), p)
                   for p in bag_dir.rglob("*") if p.is_file())
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive, \
            progress.task("写入归档包", total=len(files)) as task:
        for rel, path in files:
            info = _Utf8ZipInfo(f"{stem}/{rel}", zip_date_time(date))
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            stored = path.suffix.lower().lstrip(".") in _STORED_EXTS
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.file_size = path.stat().st_size
            with open(path, "rb") as src, archive.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            task.advance(1)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8",
                    newline="\n")


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()
