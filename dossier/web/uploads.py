"""Adding evidence files through the web page: the one sanctioned write into evidence/.

Files are only ever added. A name is made safe by ``dossier.safename`` (what Windows
cannot store becomes its full-width form), but a name that tries to leave its folder (``../``, ``/``, ``C:``) is refused, not repaired; the
file lands in the criterion's own folder (evidence/YYYY/<tertiary>/<criterion>/) and a
name clash gets a new name (``名称（2）.pdf``), so nothing is overwritten. The file is
written beside its target under a name the scan ignores, then hard-linked into place,
which fails instead of replacing when the name was taken meanwhile. Its type is
judged by its content (``scan.sniff_kind``), which must agree with its extension.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from dossier.safename import MAX_COMPONENT_BYTES, safe_component
from dossier.scan import EXTENSIONS, is_ignored_name, sniff_kind

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # a long 执法记录仪 video still fits
ACCEPTED_KINDS = ("pdf", "image", "office", "text", "video", "audio")
KIND_NAMES = {"pdf": "PDF", "image": "图片", "office": "Office/WPS 文档", "text": "文本",
              "video": "视频", "audio": "音频", "archive": "压缩包", "executable": "程序",
              "other": "未知类型"}
_BY_EXT = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}


class UploadRefused(Exception):
    """A file that is not added; ``status`` is the HTTP answer, ``str()`` the message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Added:
    original: str  # the name as sent by the browser
    rel: str  # where it landed, relative to evidence/YYYY (posix)
    size: int
    kind: str


def clean_name(raw: str) -> str:
    """A safe file name, or UploadRefused for names that try to leave the folder."""
    name = unicodedata.normalize("NFC", raw or "").strip()
    if not name:
        raise UploadRefused(400, "文件没有名称，请给文件起一个名称后再上传。")
    if ("/" in name or "\\" in name or name in (".", "..") or name.startswith("..")
            or PurePosixPath(name).is_absolute() or re.match(r"^[A-Za-z]:", name)):
        raise UploadRefused(400, f"文件名“{raw}”含有路径（/、\\、..、盘符），已拒绝。"
                                 "只能上传文件本身，请直接选择文件。")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem.strip(". ") or not ext.strip():
        raise UploadRefused(415, f"文件“{raw}”没有扩展名（如 .pdf、.jpg），无法判断类型。"
                                 "请加上正确的扩展名后再上传。")
    # the project's one rule for names on disk; a long name is cut before its extension
    ext = safe_component(ext, max_bytes=16)
    name = safe_component(stem, max_bytes=MAX_COMPONENT_BYTES - len(ext.encode()) - 1) + "." + ext
    if is_ignored_name(name):
        raise UploadRefused(415, f"“{raw}”是临时文件或系统文件，不能作为佐证材料。")
    return name


def check_type(name: str, head: bytes) -> str:
    """The file's kind by content; refused unless evidence-like and matching its extension."""
    ext = name.rpartition(".")[2].lower()
    kind = sniff_kind(head, ext)
    if kind not in ACCEPTED_KINDS:
        raise UploadRefused(415, f"“{name}”的内容是{KIND_NAMES.get(kind, kind)}，不能作为佐证材料上传。"
                                 "请上传 PDF、图片、Word/Excel/WPS 文档、文本或音视频文件。")
    by_ext = _BY_EXT.get(ext)
    if by_ext != kind and {by_ext, kind} != {"video", "audio"}:
        raise UploadRefused(415, f"“{name}”的内容是{KIND_NAMES[kind]}，与扩展名 .{ext} 不符。"
                                 "请用正确的扩展名保存后再上传（不要直接改扩展名）。")
    return kind


def add_file(evidence_dir: Path, folder_rel: str, raw_name: str, source: BinaryIO,
             max_bytes: int = MAX_UPLOAD_BYTES) -> Added:
    """Add one file to ``evidence_dir/folder_rel``; never overwrites, moves or deletes."""
    name = clean_name(raw_name)
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(0)
    if size > max_bytes:
        raise UploadRefused(413, f"“{name}”有 {size / 1048576:.1f} MB，超过单个文件 "
                                 f"{max_bytes / 1048576:.0f} MB 的上限。请压缩或拆分后再上传。")
    if size == 0:
        raise UploadRefused(400, f"“{name}”是空文件（0 字节），请检查后重新上传。")
    kind = check_type(name, source.read(8192))
    source.seek(0)
    folder = _confined(evidence_dir, folder_rel)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".上传中-{uuid.uuid4().hex}.tmp"  # scan ignores *.tmp
    try:
        with staging.open("xb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        target = _link_free_name(staging, folder, name)
    finally:
        staging.unlink(missing_ok=True)
    return Added(raw_name, target.relative_to(evidence_dir).as_posix(), size, kind)


def _confined(evidence_dir: Path, folder_rel: str) -> Path:
    """The folder, refused if it (or a link on the way) leads outside evidence/YYYY."""
    base = evidence_dir.resolve()
    folder = evidence_dir / folder_rel
    probe = evidence_dir
    for part in PurePosixPath(folder_rel).parts:
        probe = probe / part
        if probe.is_symlink() or part in ("..", "."):
            raise UploadRefused(403, f"文件夹“{folder_rel}”是快捷方式或不在佐证材料目录内，已拒绝。")
    if not folder.resolve().is_relative_to(base):
        raise UploadRefused(403, f"文件夹“{folder_rel}”不在佐证材料目录内，已拒绝。")
    return folder


def _link_free_name(staging: Path, folder: Path, name: str) -> Path:
    stem, _, ext = name.rpartition(".")
    for n in range(1, 1000):
        target = folder / (name if n == 1 else f"{stem}（{n}）.{ext}")
        try:
            os.link(staging, target)  # atomic, and never replaces an existing file
            return target
        except FileExistsError:
            continue
    raise UploadRefused(409, f"文件夹中已有太多名为“{name}”的文件，请改名后再上传。")
