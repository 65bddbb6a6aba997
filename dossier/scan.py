"""Scan ``evidence/YYYY``: every file with its indicator, real kind, size, hash and pages.

The folder codes decide where a file belongs (see DESIGN.md, Workspace). Symbolic
links are never followed. Results are cached in ``build/.cache/scan.json`` keyed by
path, size and modification time, so a second scan of an unchanged tree reads no
file contents (only directory listings and ``stat``).

Decisions:
- The kind comes from the content, not the name: a PDF named ``.jpg`` is a PDF.
- A PDF with only an owner password (permissions: no printing, no copying …) opens
  without a password, so it is *not* ``encrypted``: its pages can be read and the
  converter can save them without the restrictions. Only a PDF that needs a
  password to open (a user password) is ``encrypted``.
- Pages are counted for PDFs (page tree) and images (frames of a multi-page TIFF;
  an animated GIF is one page); other kinds get ``None``.
- An image over ``MAX_IMAGE_PIXELS`` is a ``bomb``: checked from its header, before
  anything is decoded, and without touching Pillow's global limit (scans run in
  threads).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath

from dossier.archive import pdf_active_content
from dossier.folders import README_NAME, Place, place_of
from dossier.fsutil import write_text_atomic
from dossier.stages import timed
from dossier.standard import Standard

log = logging.getLogger(__name__)

SCAN_VERSION = 4
IGNORED_NAMES = {"thumbs.db", ".ds_store", "desktop.ini", "ehthumbs.db", ".localized"}
LARGE_FILE = 50 * 1024 * 1024
MAX_IMAGE_PIXELS = 89_478_485  # Pillow's default warning limit: a 9500×9400 scan is already absurd

EXTENSIONS = {
    "pdf": {"pdf"},
    "image": {"jpg", "jpeg", "png", "tif", "tiff", "bmp", "gif", "webp", "heic", "heif", "jfif"},
    "office": {"doc", "docx", "xls", "xlsx", "wps", "et", "dps", "odt", "ods", "odp", "rtf", "ppt",
               "pptx"},
    "text": {"txt", "csv", "md", "log"},
    "video": {"mp4", "mov", "avi", "mkv", "wmv", "flv", "3gp", "m4v", "mpg", "mpeg", "rmvb"},
    "audio": {"mp3", "wav", "m4a", "aac", "amr", "flac", "ogg", "wma"},
    "archive": {"zip", "rar", "7z", "gz", "tar", "bz2", "xz", "tgz", "cab", "iso"},
    "executable": {"exe", "msi", "bat", "cmd", "com", "scr", "dll", "sh", "ps1", "vbs", "js", "jar",
                   "apk"},
}
_BY_EXT = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}


@dataclass(frozen=True)
class EvidenceFile:
    rel: str
    path: Path
    size: int
    mtime_ns: int
    sha256: str
    kind: str
    ext: str
    pages: int | None = None
    problem: str | None = None  # None, 'empty', 'corrupt', 'encrypted', 'bomb', 'unreadable'
    problem_detail: str = ""
    tertiary: str | None = None
    criterion: str | None = None
    extra: str | None = None  # a bonus or deduction item (B1, D2 …) whose folder holds the file
    active: str = ""  # what a PDF carries that could run code (JavaScript …), in Chinese

    @property
    def code(self) -> str | None:
        """The criterion, tertiary indicator or bonus/deduction item the file belongs to."""
        return self.criterion or self.tertiary or self.extra

    @property
    def name(self) -> str:
        return PurePosixPath(self.rel).name

    @property
    def can_be_pages(self) -> bool:
        """Whether the file's kind can become binder pages (else: archive only)."""
        return self.kind in ("pdf", "image", "office", "text")


@dataclass
class ScanResult:
    files: list[EvidenceFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    unknown_folders: list[tuple[str, str]] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    refused_links: list[tuple[str, str, bool]] = field(default_factory=list)  # rel, target, inside
    excluded: list[str] = field(default_factory=list)
    bad_names: list[str] = field(default_factory=list)  # names not in UTF-8, shown as a best guess
    unreadable_folders: list[str] = field(default_factory=list)

    def by_rel(self) -> dict[str, EvidenceFile]:
        return {f.rel: f for f in self.files}


def is_ignored_name(name: str) -> bool:
    """Office lock files and system files: never evidence."""
    low = name.lower()
    return (low in IGNORED_NAMES or name.startswith("~$") or name.startswith(".~lock.")
            or name.startswith("._") or low.endswith(".tmp"))


def is_excluded(rel: str, patterns: tuple[str, ...] | list[str]) -> bool:
    path = PurePosixPath(rel)
    for pat in patterns:
        pat = pat.strip().lstrip("./")
        if not pat:
            continue
        if fnmatch.fnmatch(rel, pat) or path.match(pat):
            return True
        # a folder pattern such as 草稿/* also covers deeper files
        if pat.endswith("/*") and (rel.startswith(pat[:-1]) or f"/{pat[:-1]}" in f"/{rel}"):
            return True
    return False


def sniff_kind(head: bytes, ext: str) -> str:
    """The real kind of a file from its first bytes (a PDF named .jpg is a PDF)."""
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head[:3] == b"\xff\xd8\xff" or head[:8] == b"\x89PNG\r\n\x1a\n" or head[:4] in (
            b"GIF8", b"II*\x00", b"MM\x00*") or head[:2] == b"BM" and ext in ("bmp", "dib"):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"hevc", b"avif"):
            return "image"
        if brand in (b"M4A ", b"M4B "):
            return "audio"
        return "video"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return "video"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio"
    if head[:4] == b"\x1a\x45\xdf\xa3" or head[:3] == b"FLV" or head[:4] == b"\x30\x26\xb2\x75":
        return "video"
    if head[:3] == b"ID3" or head[:4] in (b"fLaC", b"OggS") or head[:6] == b"#!AMR\n":
        return "audio"
    if head[:4] == b"PK\x03\x04":
        if ext in EXTENSIONS["office"] or b"[Content_Types].xml" in head or b"mimetypeapplication/vnd.oasis" in head:
            return "office"
        if ext in ("jar", "apk"):
            return "executable"
        return "archive"
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "office" if ext not in ("msi",) else "executable"
    if head[:5] == b"{\\rtf":
        return "office"
    if head[:4] == b"Rar!" or head[:6] == b"7z\xbc\xaf\x27\x1c" or head[:2] == b"\x1f\x8b" or \
            head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00":
        return "archive"
    if head[:2] == b"MZ" or head[:4] == b"\x7fELF":
        return "executable"
    by_ext = _BY_EXT.get(ext)
    if by_ext in ("video", "audio", "archive", "executable"):
        return by_ext
    if by_ext == "text" or ext == "":
        return "text" if _looks_like_text(head) else "other"
    if by_ext == "image" and head[:2] == b"BM":
        return "image"
    return "other"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return head[:2] in (b"\xff\xfe", b"\xfe\xff")
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError as exc:
            if exc.start > len(head) - 4:  # cut in the middle of a character
                return True
    return False


def hash_file(path: Path) -> tuple[str, bytes]:
    """SHA-256 of the file and its first 2 KiB."""
    h = hashlib.sha256()
    head = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            if not head:
                head = chunk[:2048]
            h.update(chunk)
    return h.hexdigest(), head


def inspect_file(path: Path, kind: str) -> tuple[int | None, str | None, str, str]:
    """Pages where cheap, whether the file cannot go into the binder, and active content."""
    if kind == "pdf":
        return _inspect_pdf(path)
    if kind == "image":
        return (*_inspect_image(path), "")
    return None, None, "", ""


def _inspect_pdf(path: Path) -> tuple[int | None, str | None, str, str]:
    """A PDF that opens without a password (owner/permissions password only) is readable."""
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
            try:
                active = "、".join(sorted(pdf_active_content(pdf)))
            except Exception:  # noqa: BLE001 - a PDF we cannot inspect is not known to be safe
                active = "含无法检查的内容"
            return pages, None, "", active
    except pikepdf.PasswordError:
        return None, "encrypted", "PDF 设有打开密码", ""
    except Exception as exc:  # pikepdf/qpdf could not repair it
        return None, "corrupt", f"PDF 无法解析（{type(exc).__name__}）", ""


def _inspect_image(path: Path) -> tuple[int | None, str | None, str]:
    from PIL import Image

    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # pragma: no cover - HEIC support is a declared dependency
        pass
    # Pillow warns above its own limit and refuses at twice it; our limit is checked
    # explicitly below, so its warning is noise (filterwarnings is process-wide, but
    # catch_warnings is not thread-safe).
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    try:
        with Image.open(path) as im:
            width, height = im.size
            if width * height > MAX_IMAGE_PIXELS:
                return None, "bomb", (f"图片 {width}×{height} 像素，超过 "
                                      f"{MAX_IMAGE_PIXELS // 1_000_000} 百万像素上限，疑似解压炸弹")
            frames = getattr(im, "n_frames", 1)
            if im.format == "GIF":
                frames = 1
            if im.format == "JPEG":
                if _jpeg_complete(path):  # a complete phone photo: decoding costs ~35 ms
                    return frames, None, ""
                im.draft(im.mode, (max(1, width // 8), max(1, height // 8)))
            im.load()  # decodes the first frame: catches truncated data
            return frames, None, ""
    except Image.DecompressionBombError:
        return None, "bomb", f"图片像素超过 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素上限，疑似解压炸弹"
    except Exception as exc:
        return None, "corrupt", f"图片无法解码（{type(exc).__name__}）"


def _jpeg_complete(path: Path) -> bool:
    """Whether a JPEG ends with its end-of-image marker (a cut-off copy does not)."""
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - 4096))
        return b"\xff\xd9" in fh.read()


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


_CACHE_FIELDS = {"size": int, "mtime_ns": int, "sha256": str, "kind": str}


def _load_cache(cache_file: Path, progress=None) -> dict:
    """The scan cache's entries; a cache of another version is silently dropped, a damaged
    one (cut short, wrong shape — data, never trusted) is dropped with a message and rebuilt."""
    try:
        raw = cache_file.read_bytes()
    except OSError:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
        if isinstance(data, dict) and data.get("version") != SCAN_VERSION \
                and isinstance(data.get("version"), int):
            return {}
        files = data["files"]
        if isinstance(files, dict) and all(
                isinstance(entry, dict) and all(isinstance(entry.get(key), kind)
                                                for key, kind in _CACHE_FIELDS.items())
                for entry in files.values()):
            return files
    except (ValueError, TypeError, KeyError):
        pass
    from dossier.progress import Progress

    (progress or Progress()).log(f"提示：扫描缓存文件 {cache_file} 已损坏，已忽略并重新扫描全部佐证材料"
                                 "（无需处理）。")
    return {}


def _analyse(path: Path, rel: str, st: os.stat_result, cached: dict | None) -> EvidenceFile:
    ext = PurePosixPath(rel).suffix.lower().lstrip(".")
    if cached and cached.get("size") == st.st_size and cached.get("mtime_ns") == st.st_mtime_ns:
        return EvidenceFile(rel=rel, path=path, size=st.st_size, mtime_ns=st.st_mtime_ns,
                            sha256=cached["sha256"], kind=cached["kind"], ext=ext,
                            pages=cached.get("pages"), problem=cached.get("problem"),
                            problem_detail=cached.get("problem_detail", ""),
                            active=cached.get("active", ""))
    try:
        sha, head = hash_file(path)
    except OSError as exc:
        return EvidenceFile(rel=rel, path=path, size=st.st_size, mtime_ns=st.st_mtime_ns,
                            sha256="", kind=_BY_EXT.get(ext, "other"), ext=ext,
                            problem="unreadable", problem_detail=f"无法读取（{exc.strerror}）")
    if st.st_size == 0:
        return EvidenceFile(rel=rel, path=path, size=0, mtime_ns=st.st_mtime_ns, sha256=sha,
                            kind=_BY_EXT.get(ext, "other"), ext=ext, problem="empty",
                            problem_detail="文件大小为0字节")
    kind = sniff_kind(head, ext)
    pages, problem, detail, active = inspect_file(path, kind)
    return EvidenceFile(rel=rel, path=path, size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=sha,
                        kind=kind, ext=ext, pages=pages, problem=problem, problem_detail=detail,
                        active=active)


def _walk(evidence_dir: Path, standard: Standard, result: ScanResult,
          exclude: tuple[str, ...]) -> list[tuple[Path, str, os.stat_result, Place]]:
    """Files with their place (dossier.folders), links refused, junk ignored."""
    found = []
    root_real = evidence_dir.resolve()

    def visit(folder: Path, parts: tuple[str, ...], place: Place) -> list:
        """Record the files of one folder; return its subfolders to visit, in name order."""
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            log.debug("cannot list %s: %s", folder, exc)
            result.unreadable_folders.append(folder.relative_to(evidence_dir).as_posix() or ".")
            return []
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            rel = path.relative_to(evidence_dir).as_posix()
            if not _utf8(rel):  # e.g. a zip from a Chinese Windows PC unpacked as GBK bytes
                result.bad_names.append("/".join(
                    part if _utf8(part) else os.fsencode(part).decode("gb18030", "replace")
                    for part in rel.split("/")))
                continue
            if entry.is_symlink():
                target = os.path.realpath(path)
                inside = Path(target).is_relative_to(root_real)
                result.refused_links.append((rel, target, inside))
                continue
            if entry.is_dir(follow_symlinks=False):
                sub = place
                if len(parts) < 2 and place.extra is None:
                    sub = place_of(standard, (*parts, entry.name))
                    if sub.unknown is not None and place.unknown is None:
                        result.unknown_folders.append((rel, sub.unknown))
                subfolders.append((path, (*parts, entry.name), sub))
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            if is_ignored_name(entry.name):
                result.ignored.append(rel)
                continue
            if entry.name == README_NAME:
                continue
            if exclude and is_excluded(rel, exclude):
                result.excluded.append(rel)
                continue
            st = entry.stat(follow_symlinks=False)
            found.append((path, rel, st, place))
        return subfolders

    # Depth first, in name order, with a stack instead of recursion: a tree 1,500 folders
    # deep (an unpacked backup, a copy loop) must not hit Python's recursion limit.
    if evidence_dir.is_dir():
        stack = [(evidence_dir, (), Place())]
        while stack:
            stack.extend(reversed(visit(*stack.pop())))
    return found


@timed("scan")
def scan_evidence(evidence_dir: Path, standard: Standard, cache_dir: Path | None = None,
                  exclude: tuple[str, ...] = (), progress=None) -> ScanResult:
    """Scan the evidence tree (read-only) and return every file with its facts."""
    evidence_dir = Path(evidence_dir)
    result = ScanResult()
    entries = _walk(evidence_dir, standard, result, tuple(exclude))
    cache_file = Path(cache_dir) / "scan.json" if cache_dir else None
    cache = _load_cache(cache_file, progress) if cache_file else {}

    def work(item):
        path, rel, st, place = item
        f = _analyse(path, rel, st, cache.get(rel))
        return replace(f, tertiary=place.tertiary, criterion=place.criterion, extra=place.extra)

    misses = sum(1 for _, rel, st, *_ in entries
                 if not (c := cache.get(rel)) or c.get("size") != st.st_size
                 or c.get("mtime_ns") != st.st_mtime_ns)
    if misses > 8:
        from dossier.progress import Progress

        progress = progress or Progress()
        with progress.task("扫描佐证材料", total=len(entries)) as task, \
                ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
            files = []
            for f in pool.map(work, entries):
                files.append(f)
                task.advance(1, f.name)
    else:
        files = [work(item) for item in entries]
    result.files = files
    result.outside = [f.rel for f in files if f.code is None]
    if cache_file is not None:
        new_cache = {f.rel: {k: v for k, v in asdict(f).items()
                             if k in ("size", "mtime_ns", "sha256", "kind", "pages", "problem",
                                      "problem_detail", "active")}
                     for f in files}
        if new_cache != cache:
            try:
                write_text_atomic(cache_file, json.dumps(
                    {"version": SCAN_VERSION, "files": new_cache}, ensure_ascii=False, indent=0))
            except OSError as exc:  # a read-only build folder must not stop a check
                log.warning("cannot write scan cache %s: %s", cache_file, exc)
    return result


def forget_files(cache_dir: Path, rels: list[str]) -> None:
    """Drop files from the scan cache, so that the next scan reads them again.

    For a file changed in place with the same size and modification time (which the
    cache cannot see), found when ``pack`` hashes every original.
    """
    cache_file = Path(cache_dir) / "scan.json"
    files = _load_cache(cache_file)
    if not files:
        return
    for rel in rels:
        files.pop(rel, None)
    try:
        write_text_atomic(cache_file, json.dumps({"version": SCAN_VERSION, "files": files},
                                                 ensure_ascii=False, indent=0))
    except OSError as exc:
        log.warning("cannot write scan cache %s: %s", cache_file, exc)
