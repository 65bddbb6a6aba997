"""Font roles (仿宋, 楷体, 黑体, 小标宋, 宋体) and the installed fonts that play them.

Word and WPS documents name the fonts of Chinese official documents (仿宋_GB2312 …);
most Linux PCs lack them, so every role maps to the best installed substitute, found
through fontconfig. A candidate must cover simplified Chinese: some "FangSong" fonts
(cwTeX) are traditional-only and would print boxes. On Windows, without fontconfig, the
built-in font files are looked up directly.

Two consumers: fpdf2 (``add_role_font`` embeds the face, fpdf2 subsets it) and
LibreOffice (``fontconfig_file`` aliases the Word names to the substitutes).
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import os
import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from dossier.errors import MissingToolError

if TYPE_CHECKING:
    from fpdf import FPDF

log = logging.getLogger(__name__)

ROLES = ("仿宋", "楷体", "黑体", "小标宋", "宋体")

# The name each role has in a DOCX written for Word/WPS on Chinese Windows.
WORD_NAMES = {"仿宋": "仿宋_GB2312", "楷体": "楷体_GB2312", "黑体": "黑体",
              "小标宋": "方正小标宋简体", "宋体": "宋体"}

# Names a DOCX may use for a role; fontconfig_file() maps them all to the substitute.
ALIASES = {
    "仿宋": ("仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312"),
    "楷体": ("楷体_GB2312", "楷体", "KaiTi", "KaiTi_GB2312"),
    "黑体": ("黑体", "SimHei", "微软雅黑", "Microsoft YaHei"),
    "小标宋": ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S"),
    "宋体": ("宋体", "SimSun", "NSimSun", "新宋体"),
}

# Preference per role: (family names, bold?). The first tier is the real font; the rest
# were chosen by looking at what Debian ships (fonts-arphic-*, fonts-lxgw-wenkai,
# fonts-wqy-zenhei, fonts-noto-cjk) set side by side: Debian has no simplified-Chinese
# FangSong, and of the simplified Song faces AR PL SungtiL GB (文鼎简报宋, GB 2312 glyph
# forms, light strokes) is the closest to 仿宋's even, light line; LXGW WenKai is a real Kai;
# WenQuanYi Zen Hei a Hei with simplified forms; the only bold Song is Noto Serif CJK SC Bold,
# which LibreOffice gets as its own file (see ``lo_font_dir``).
PREFERENCES: dict[str, tuple[tuple[tuple[str, ...], bool], ...]] = {
    "仿宋": ((("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "STFangsong", "华文仿宋"), False),
             (("AR PL SungtiL GB", "文鼎ＰＬ简报宋"), False), (("AR PL UMing CN",), False),
             (("Noto Serif CJK SC",), False)),
    "楷体": ((("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "STKaiti", "华文楷体"), False),
             (("LXGW WenKai", "霞鹜文楷"), False), (("AR PL UKai CN",), False),
             (("AR PL KaitiM GB", "文鼎ＰＬ简中楷"), False)),
    "黑体": ((("黑体", "SimHei"), False), (("WenQuanYi Zen Hei", "文泉驿正黑"), False),
             (("Noto Sans CJK SC",), False)),
    "小标宋": ((("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S"), False),
               (("Noto Serif CJK SC",), True)),
    "宋体": ((("宋体", "SimSun", "STSong", "华文宋体"), False),
             (("AR PL SungtiL GB", "文鼎ＰＬ简报宋"), False), (("AR PL UMing CN",), False),
             (("Noto Serif CJK SC",), False)),
}

# Windows (no fontconfig): font files in %WINDIR%\Fonts, with the face index.
WINDOWS_FILES = {
    "仿宋": (("simfang.ttf", 0, "仿宋"), ("SIMFANG.TTF", 0, "仿宋")),
    "楷体": (("simkai.ttf", 0, "楷体"), ("SIMKAI.TTF", 0, "楷体")),
    "黑体": (("simhei.ttf", 0, "黑体"), ("SIMHEI.TTF", 0, "黑体")),
    "小标宋": (("FZXBSJW.TTF", 0, "方正小标宋简体"), ("方正小标宋简体.ttf", 0, "方正小标宋简体")),
    "宋体": (("simsun.ttc", 0, "宋体"), ("SIMSUN.TTC", 0, "宋体")),
}

# Characters a substitute must have: simplified forms that traditional-only fonts lack.
PROBE = "规执县"

DEBIAN_PACKAGES = ("fonts-noto-cjk", "fonts-arphic-gbsn00lp", "fonts-lxgw-wenkai", "fonts-arphic-ukai",
                   "fonts-arphic-uming", "fonts-wqy-zenhei")
DEBIAN_INSTALL = "apt-get install " + " ".join(DEBIAN_PACKAGES)


@dataclass(frozen=True)
class FontInfo:
    role: str
    word_name: str
    family: str
    path: Path
    index: int  # face index in a .ttc collection
    style: str  # "Regular" or "Bold"

    @property
    def bold(self) -> bool:
        return self.style == "Bold"


@dataclass(frozen=True)
class _Face:
    families: tuple[str, ...]
    style: str
    path: Path
    index: int
    weight: int  # fontconfig's: 50 light, 80 regular, 200 bold, 210 black


def _fc(args: list[str]) -> str:
    exe = shutil.which(args[0])
    if not exe:
        return ""
    try:
        done = subprocess.run([exe, *args[1:]], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:  # fontconfig unusable
        log.warning("%s failed: %s", args[0], exc)
        return ""
    return done.stdout.decode("utf-8", "replace")


@functools.lru_cache(maxsize=1)
def _installed_faces() -> tuple[_Face, ...]:
    """Every installed face that covers PROBE, in a stable order."""
    charset = " ".join(f"{ord(c):x}" for c in PROBE)
    out = _fc(["fc-list", f":charset={charset}", "--format",
               "%{family}\t%{style}\t%{weight}\t%{file}\t%{index}\n"])
    faces = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 5:
            continue
        families, styles, weight, file, index = parts
        value = int(weight) if weight.isdigit() else (200 if "bold" in styles.lower() else 80)
        faces.append(_Face(tuple(f.strip() for f in families.split(",")),
                           "Bold" if value >= 200 else "Regular", Path(file), int(index or 0),
                           value))
    return tuple(sorted(faces, key=lambda f: (str(f.path), f.index)))


def _windows_font(role: str) -> FontInfo | None:
    fonts_dir = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    for name, index, family in WINDOWS_FILES[role]:
        path = fonts_dir / name
        if path.is_file():
            return FontInfo(role, WORD_NAMES[role], family, path, index, "Regular")
    return None


@functools.cache
def resolve_font(role: str) -> FontInfo | None:
    """The installed font that plays ``role``, or None when no candidate is installed."""
    if role not in PREFERENCES:
        raise ValueError(f"unknown font role: {role}")
    faces = _installed_faces()
    for families, bold in PREFERENCES[role]:
        wanted = {f.casefold() for f in families}
        matches = [f for f in faces if wanted & {n.casefold() for n in f.families}]
        # The nearest to the asked weight (Bold before Black, Regular before Light); a real
        # font of another weight beats a weaker tier.
        matches.sort(key=lambda f: abs(f.weight - (200 if bold else 80)))
        if matches:
            face = matches[0]
            family = next(n for n in face.families if n.casefold() in wanted)
            return FontInfo(role, WORD_NAMES[role], family, face.path, face.index, face.style)
    if sys.platform == "win32":
        return _windows_font(role)
    return None


def resolve_all() -> dict[str, FontInfo | None]:
    return {role: resolve_font(role) for role in ROLES}


def missing_roles() -> list[str]:
    return [role for role in ROLES if resolve_font(role) is None]


def install_hint() -> str:
    """What to install when a role has no font, for Linux and Windows (Chinese)."""
    return (f"Debian/Ubuntu/统信UOS/麒麟：sudo {DEBIAN_INSTALL}\n"
            "Windows：系统自带仿宋、楷体、黑体、宋体；方正小标宋简体需从方正字库安装包安装"
            "（安装后重新运行）。")


# Font collections whose faces share one CFF table named for the Japanese face: a PDF that
# LibreOffice makes from their simplified-Chinese face names it “NotoSansCJKjp”. LibreOffice
# never sees them; a role that needs one gets its face as a file of its own (``lo_font_dir``).
SHARED_CFF_COLLECTIONS = ("NotoSansCJK*.ttc", "NotoSerifCJK*.ttc", "SourceHan*.ttc", "NotoSansCJK*.otc",
                          "NotoSerifCJK*.otc", "SourceHan*.otc")
_REGION = re.compile(rb"CJK(jp|kr|sc|tc|hk)")


def shared_cff_collection(path: Path) -> bool:
    return any(fnmatch.fnmatch(Path(path).name, pattern) for pattern in SHARED_CFF_COLLECTIONS)


def _font_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "dossier" / "fonts"


def extract_face(collection: Path, index: int, region: str, out: Path) -> Path:
    """Write face ``index`` of an OpenType collection as a font file of its own.

    The tables are copied as they are (no glyph is decoded: seconds, not minutes); the
    CFF table's font name, shared by every face, is given the face's own region
    (NotoSerifCJKjp-Bold → NotoSerifCJKsc-Bold, same length, so no offset moves).
    """
    data = Path(collection).read_bytes()
    face = struct.unpack(">I", data[12 + 4 * index:16 + 4 * index])[0]
    version, count = struct.unpack(">IH", data[face:face + 6])
    records = [struct.unpack(">4sIII", data[face + 12 + 16 * i:face + 28 + 16 * i])
               for i in range(count)]
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(">IHHHH", version, count, power * 16, power.bit_length() - 1,
                         count * 16 - power * 16)
    position = 12 + 16 * count
    directory, tables = [], []
    for tag, checksum, offset, length in sorted(records):
        table = data[offset:offset + length]
        if tag == b"CFF ":
            table = _rename_cff(table, region)
            checksum = _checksum(table)
        directory.append(struct.pack(">4sIII", tag, checksum, position, length))
        tables.append(table + b"\0" * (-length % 4))
        position += length + (-length % 4)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}")
    tmp.write_bytes(header + b"".join(directory) + b"".join(tables))
    os.replace(tmp, out)
    return out


def _cff_index_end(table: bytes, start: int) -> int:
    """Where the CFF INDEX that starts at ``start`` ends."""
    count = struct.unpack(">H", table[start:start + 2])[0]
    if count == 0:
        return start + 2
    size = table[start + 2]
    last = start + 3 + count * size
    end_offset = int.from_bytes(table[last:last + size], "big")
    return last + size + end_offset - 1


def _rename_cff(table: bytes, region: str) -> bytes:
    """Give the font's names (Name INDEX, String INDEX: NotoSerifCJKjp-Bold-VKana …) a region.

    Only those two INDEXes are touched, and every name keeps its length.
    """
    names = table[2]  # hdrSize
    top = _cff_index_end(table, names)
    strings = _cff_index_end(table, top)
    end = _cff_index_end(table, strings)
    new = region.encode("ascii")
    head = _REGION.sub(b"CJK" + new, table[names:top])
    text = _REGION.sub(b"CJK" + new, table[strings:end])
    return table[:names] + head + table[top:strings] + text + table[end:]


def _checksum(table: bytes) -> int:
    padded = table + b"\0" * (-len(table) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def lo_font_dir(fallback: Path) -> Path | None:
    """A folder with the faces that roles take from a shared-CFF collection, for LibreOffice.

    Extracted once per machine into the user's cache (``fallback`` when it is not
    writable); None when no role needs one.
    """
    needed = [f for f in resolve_all().values() if f and shared_cff_collection(f.path)]
    if not needed:
        return None
    for folder in (_font_cache(), Path(fallback)):
        try:
            for font in needed:
                st = font.path.stat()
                region = font.family.rsplit(" ", 1)[-1].lower()
                out = folder / f"{font.path.stem}-{font.index}-{st.st_size}-{st.st_mtime_ns}.otf"
                if not out.is_file():
                    extract_face(font.path, font.index, region, out)
            return folder
        except OSError as exc:
            log.info("cannot write extracted fonts to %s: %s", folder, exc)
    return None


def fontconfig_file(tmpdir: Path) -> Path:
    """Write a fontconfig file that maps the Word font names to the substitutes.

    Pass it to LibreOffice as ``FONTCONFIG_FILE`` so a DOCX that names 仿宋_GB2312
    renders with the 仿宋 substitute instead of an arbitrary fallback. Collections with a
    shared, Japanese-named CFF table are hidden (their faces that roles need come from
    ``lo_font_dir``), so no glyph fallback can bring a “jp” font into a PDF.
    """
    tmpdir = Path(tmpdir)
    tmpdir.mkdir(parents=True, exist_ok=True)
    system = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    rules = []
    for role in ROLES:
        font = resolve_font(role)
        if font is None:
            continue
        weight = ('\n    <edit name="weight" mode="assign" binding="strong"><const>bold</const></edit>'
                  if font.bold else "")
        for alias in ALIASES[role]:
            if alias == font.family:
                continue
            rules.append(
                f'  <match target="pattern">\n'
                f'    <test qual="any" name="family"><string>{escape(alias)}</string></test>\n'
                f'    <edit name="family" mode="assign" binding="strong">'
                f'<string>{escape(font.family)}</string></edit>{weight}\n'
                f'  </match>')
    extracted = lo_font_dir(tmpdir / "fonts")
    hidden = "".join(f"<glob>*/{pattern}</glob>" for pattern in SHARED_CFF_COLLECTIONS)
    text = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            f'<fontconfig>\n  <include ignore_missing="yes">{escape(system)}</include>\n'
            + (f"  <dir>{escape(str(extracted))}</dir>\n" if extracted else "")
            + f"  <selectfont><rejectfont>{hidden}</rejectfont></selectfont>\n"
            + "\n".join(rules) + "\n</fontconfig>\n")
    path = tmpdir / "fonts.conf"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def describe_font(font: FontInfo) -> str:
    """What ``doctor`` says a role is played by: exactly the face the outputs use."""
    weight = "粗体" if font.bold else "常规"
    where = f"{font.path}" + (f" 第{font.index + 1}个字体" if font.index else "")
    text = f"使用 {font.family}（{weight}，{where}）"
    if shared_cff_collection(font.path):
        text += "；转换 Word 文件时使用其单独提取的简体中文字形文件（PDF 中字体名为简体版）"
    return text


def require_font(role: str) -> FontInfo:
    """The role's font, else any CJK role's font; MissingToolError when there is none."""
    font = resolve_font(role) or next((f for f in resolve_all().values() if f), None)
    if font is None:
        raise MissingToolError("未找到可用的中文字体（仿宋、楷体、黑体、小标宋、宋体均无替代字体）。",
                               hint=install_hint())
    return font


def add_role_font(pdf: FPDF, role: str) -> str:
    """Register the role's font with an fpdf2 document; returns the family for set_font().

    fpdf2 reads .ttc collections directly (``collection_font_number``) and subsets the
    face on output, so no extracted copy of the font is needed.
    """
    font = require_font(role)
    # One family per face, not per role: roles that share a face (仿宋 and 宋体) embed it once.
    family = f"dossier-{font.path.stem}-{font.index}"
    if family not in pdf.fonts:
        pdf.add_font(family, "", str(font.path), collection_font_number=font.index)
    return family
