"""The submission archive as a contract: what ``check`` passes, ``pack`` packs, ``verify`` accepts.

One definition that the three commands read (``check`` → findings, ``pack`` → the ZIP,
``verify`` → its report), so that every reason ``verify`` can give for rejecting an
archive ``pack`` made is first a blocking ``check`` finding with the file and the fix.

Decisions (DA/T 70-2018 in mind):
- Formats taken as-is (``ACCEPTED_EXTS``): PDF/OFD, Word/Excel/WPS writer and sheet files,
  plain text, common image, video and audio formats.
- An original in another format that the converters can render (``.pptx``, ``.ppt``, ``.dps``,
  ``.odt``, ``.rtf``, ``.jfif`` …) goes in together with its archival rendition, the PDF
  the converter made (``<item> <name>.pdf`` beside ``<item> <name>.pptx``); it is never
  refused for its format. A rendition that could not be made (placeholder page) is refused
  by ``pack`` with the file named.
- What cannot be rendered at all (a ``.zip`` of photos, ``.rar``, programs, unknown
  formats, video/audio in a rare container) is refused: a blocking ``check`` finding that
  says what to do (解压后放入…, 转换为 MP4 …).
- Readable means opens without a password: a PDF with only an owner (permissions)
  password is readable everywhere (scan, check, build, pack, verify). Empty, corrupt,
  password-protected, bomb and unreadable files are not.
- A PDF that carries JavaScript, a launch action or an executable attachment is refused
  (the city bureau's intake treats it as unsafe): re-print it to PDF.
- Evidence that does not count (unreadable or refused) never makes a criterion 有材料.
- Member names: ``<item number> <original name>``, NFC, made safe by ``dossier.safename``
  (Windows-reserved characters as their full-width forms) and ``%`` as ``％`` (BagIt
  manifests would have to percent-encode it, and validators disagree on decoding), the
  name cut to ``MAX_STEM`` characters.
- SM3: ``manifest-sm3.txt`` (payload) is protected by ``tagmanifest-sha256.txt``; there is
  no ``tagmanifest-sm3.txt``, which validators that do not know SM3 (bagit-utils) cannot
  account for. The archive's own SM3 is its fingerprint (printed by ``pack``).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from dossier.outputs import OUTPUTS
from dossier.safename import safe_component

ORIGINALS_DIR = "原件"
CONTENTS_NAME = "清单.json"
INDEX_NAME = "归档目录.xlsx"
INDEX_HEADER = ("序号", "档号", "题名", "责任部门", "日期", "页数", "SHA-256", "存放位置")
ARCHIVE_SUFFIX = "规范化建设材料"
CONTENTS_FORMAT = "dossier-archive/2"
ROLES = {o.role: o.label for o in OUTPUTS if o.builder}  # labels: dossier.outputs, one table
BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
PAYLOAD_ALGORITHMS = ("sha256", "sm3")
TAG_ALGORITHMS = ("sha256",)
TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sm3.txt")
REQUIRED_FILES = (*TAG_FILES, "tagmanifest-sha256.txt", f"data/{CONTENTS_NAME}", f"data/{INDEX_NAME}")

ACCEPTED_EXTS = frozenset({"pdf", "ofd", "docx", "doc", "wps", "xlsx", "xls", "et", "txt", "csv",
                           "json", "jpg", "jpeg", "png", "tif", "tiff", "bmp", "gif", "heic",
                           "heif", "webp", "mp4", "mov", "avi", "wmv", "mp3", "m4a", "wav",
                           "amr"})
RENDERABLE_KINDS = frozenset({"pdf", "image", "office", "text"})
UNREADABLE = ("empty", "corrupt", "encrypted", "bomb", "unreadable")
MAX_TOTAL = 20 << 30     # bytes uncompressed (verify refuses more: zip-bomb guard)
MAX_MEMBERS = 100_000
MAX_RATIO = 100          # uncompressed/compressed, for members over 1 MiB and in total
MAX_STEM = 60            # characters of the original name kept in a member name
_EXEC_EXTS = (".exe", ".com", ".bat", ".cmd", ".scr", ".pif", ".vbs", ".js", ".jse", ".wsf",
              ".ps1", ".msi", ".dll", ".jar", ".sh", ".lnk", ".hta")


# -- names -------------------------------------------------------------------------------

def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def safe_name(name: str, max_bytes: int = 200) -> str:
    """A member name every BagIt validator and a Chinese Windows PC read the same way:
    dossier.safename's rules, and ``%`` as ``％`` (BagIt manifests would percent-encode it,
    and validators disagree on decoding)."""
    return safe_component(nfc(name), max_bytes).replace("%", "％")


def member_name(number: str, original: str) -> str:
    """``<item number> <name>``, the name cut to MAX_STEM characters (the full name stays in
    清单.json and 归档目录), so that extracted paths fit Windows' limits."""
    path = Path(nfc(original).replace("/", "_"))
    stem = path.stem if len(path.stem) <= MAX_STEM else path.stem[:MAX_STEM].rstrip() + "…"
    stem = safe_name(stem)
    suffix = "." + safe_name(path.suffix[1:16]) if path.suffix else ""
    return f"{number} {stem}{suffix}"


def rendition_name(number: str, original: str) -> str:
    """The archival PDF beside an original whose format is not taken as-is."""
    return f"{Path(member_name(number, original)).stem}.pdf"


def archive_stem(project) -> str:
    return safe_name(project.output_name(ARCHIVE_SUFFIX))


def archive_path(project) -> Path:
    return project.build_dir / f"{archive_stem(project)}.zip"


def accepted_as_is(name: str) -> bool:
    return Path(name).suffix.lower().lstrip(".") in ACCEPTED_EXTS


# -- what an evidence file is to the archive ----------------------------------------------

def needs_rendition(file) -> bool:
    """An original that goes in with its archival PDF beside it."""
    return (file.problem is None and file.ext not in ACCEPTED_EXTS
            and file.kind in RENDERABLE_KINDS)


def unreadable_message(file) -> str | None:
    """Why ``file`` cannot be read (and what to do), or None when it can."""
    if file.problem is None:
        return None
    if file.problem == "corrupt":
        if file.kind == "pdf":
            return "PDF 无法解析，文件可能已损坏或未下载完整。请用原件重新导出或重新扫描后替换。"
        if file.kind == "image":
            return "图片无法解码，文件可能已损坏或未拷贝完整。请重新拷贝或重新拍摄后替换。"
    text = {
        "empty": "文件为空（0字节），无法编入汇编和归档包。请重新复制或导出该文件。",
        "encrypted": "PDF 设有打开密码，无法编入汇编和归档包。请用密码打开后“另存为”不加密的 PDF 替换"
                     "（只限制打印、复制的 PDF 不需处理）。",
        "unreadable": "无法读取该文件（{detail}）。请检查文件是否被占用或没有读取权限。",
        "bomb": "{detail}，无法编入汇编。请用看图软件缩小尺寸后另存替换。",
    }.get(file.problem, "文件有问题（{detail}），无法编入汇编和归档包。请替换。")
    return text.format(detail=file.problem_detail or file.problem)


def refusal(file, folder: str = "") -> tuple[str, str] | None:
    """(kind, Chinese message with the fix) when the archive cannot take ``file`` as it is.

    ``folder`` is where the file lies (relative to evidence/YYYY), named in the fix.
    Unreadable files are ``unreadable_message``'s business, not this one's.
    """
    if file.problem is not None:
        return None
    where = f"“{folder}”" if folder else "原来的文件夹"
    if file.active:
        return ("active_content", f"PDF {file.active}，不能报送（市局核验时按不安全文件拒收）。"
                "请用“打印为 PDF”重新生成后替换。")
    if file.ext in ACCEPTED_EXTS or file.kind in RENDERABLE_KINDS:
        return None
    if file.kind == "archive":
        return ("archive_format", f"压缩包（.{file.ext}）不能直接归档，也无法编入汇编。请解压后把其中的"
                f"文件放入{where}，再删除压缩包。")
    if file.kind == "executable":
        return ("executable", "程序或脚本文件不能作为佐证材料报送。请删除它；如需证明软件已安装使用，"
                "请放截图。")
    if file.kind in ("video", "audio"):
        target = "MP4" if file.kind == "video" else "MP3"
        return ("media_format", f"格式 .{file.ext} 不在归档允许的格式之内。请用格式工厂等软件转换为 "
                f"{target} 后替换。")
    shown = f".{file.ext}" if file.ext else "无扩展名"
    return ("unknown_format", f"无法识别的文件格式（{shown}），不能归档。请转换为 PDF 后替换，"
            "或确认扩展名是否写错。")


def counts_as_evidence(file) -> bool:
    """Whether a file can make a criterion 有材料 (DESIGN: evidence that does not count)."""
    if file.problem is not None:
        return False
    kind = (refusal(file) or ("",))[0]
    return kind in ("", "active_content")


# -- active content in PDFs (check, pack and verify read the same rule) ------------------

def pdf_active_content(pdf) -> set[str]:
    """What a PDF carries that could run code: JavaScript, Launch, executable attachments."""
    import pikepdf

    found: set[str] = set()

    def visit(obj, depth: int) -> None:
        if depth > 50:
            return
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            action = str(obj.get("/S", ""))
            if action == "/JavaScript" or "/JS" in obj or "/JavaScript" in obj:
                found.add("含 JavaScript 脚本")
            if action == "/Launch":
                found.add("含启动外部程序（Launch）动作")
            if str(obj.get("/Type", "")) == "/Filespec":
                names = [str(obj.get(k, "")).lower() for k in ("/F", "/UF")]
                if any(n.endswith(_EXEC_EXTS) for n in names):
                    found.add(f"含可执行附件 {names[-1] or names[0]}")
            if isinstance(obj, pikepdf.Stream) and str(obj.get("/Type", "")) == "/EmbeddedFile":
                head = obj.read_bytes()[:4]
                if head.startswith((b"MZ", b"\x7fELF", b"#!")):
                    found.add("含可执行程序附件")
            children = obj.values()
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            return
        for child in children:
            if not getattr(child, "is_indirect", True):
                visit(child, depth + 1)

    for obj in pdf.objects:
        visit(obj, 0)
    return found
