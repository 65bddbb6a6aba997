"""The placeholder page: stands in the binder for a file that has no PDF form.

One A4 page in a CJK font: "原件见归档包", the file's name, kind, size, SHA-256 and the
reason. The original stays in the archive, where the SHA-256 identifies it. Also the
deterministic fpdf2 document that text.py shares.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

from dossier.fsutil import atomic_write
from dossier.linebreak import prebroken
from dossier.tools import fonts

VERSION = "4"  # 3: Chinese line breaking (linebreak.py); 4: 佐证材料汇编 (glossary)
# Cached pages must not depend on the day they were made; builders date their own outputs.
FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)

KIND_NAMES = {"pdf": "PDF文档", "image": "图片", "office": "办公文档（Word/Excel/WPS等）",
              "text": "文本文件", "video": "视频", "audio": "音频", "archive": "压缩包",
              "executable": "可执行程序", "other": "其他文件"}

PROBLEM_REASONS = {
    "empty": "文件为空（0字节），没有可编入汇编的内容，请检查是否上传了正确的文件。",
    "corrupt": "文件已损坏，无法读取，请重新导出或扫描后替换。",
    "encrypted": "文件已加密，无法编入汇编，请提供去除密码的版本后重新生成。",
    "bomb": "图片像素过大（超过安全上限），未编入汇编，请缩小图片后替换。",
    "unreadable": "文件无法读取（权限不足或已被移走），请检查后重新生成。",
}

KIND_REASONS = {
    "video": "视频文件无法编入PDF汇编，请在归档包中查看原件。",
    "audio": "音频文件无法编入PDF汇编，请在归档包中查看原件。",
    "archive": "压缩包不展开编入汇编，请在归档包中查看原件，或把其中的文件解压后放入佐证材料文件夹。",
    "executable": "可执行程序不编入汇编，请确认是否误放入佐证材料文件夹。",
    "other": "此类文件无法转换为PDF，请在归档包中查看原件。",
}


def new_pdf(orientation: str = "P") -> FPDF:
    """An A4 fpdf2 document whose bytes depend only on its content (no date, hash ID)."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_creation_date(FIXED_DATE)  # the file ID is a hash of content and this date
    pdf.set_producer("dossier")
    pdf.set_auto_page_break(True, margin=20)
    return pdf


def human_size(size: int) -> str:
    value, unit = float(size), "字节"
    for unit in ("字节", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    shown = f"{size}" if unit == "字节" else f"{value:.1f} {unit}"
    return f"{shown}（{size:,} 字节）" if unit != "字节" else f"{size:,} 字节"


def write(out: Path, *, name: str, kind: str, size: int, sha256: str, reason: str) -> int:
    """Write the placeholder page to ``out`` (atomically); returns the page count, 1."""
    pdf = new_pdf()
    body = heading = fonts.add_role_font(pdf, "宋体")  # one font: each costs ~0.3 s to load
    pdf.set_margins(25, 30, 25)
    pdf.add_page()
    pdf.set_font(heading, size=26)
    pdf.cell(0, 20, "原件见归档包", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    rows = [("文件名", name), ("类型", KIND_NAMES.get(kind, kind)), ("大小", human_size(size)),
            ("SHA-256", sha256), ("原因", reason)]
    for label, value in rows:
        pdf.set_font(heading, size=12)
        y = pdf.get_y()
        pdf.cell(28, 8, label)
        pdf.set_xy(pdf.l_margin + 28, y)
        pdf.set_font(body, size=12 if label != "SHA-256" else 9)
        pdf.multi_cell(0, 8, _broken(pdf, value), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.ln(8)
    pdf.set_font(body, size=10.5)
    pdf.set_text_color(90)
    pdf.multi_cell(0, 6, _broken(pdf, "本页代替无法转换为PDF的原件编入佐证材料汇编；原件完整保存在归档包中，"
                                 "可凭上面的SHA-256校验值核对。"), new_x="LMARGIN", new_y="NEXT")
    with atomic_write(out) as tmp:
        pdf.output(str(tmp))
    return 1


def _broken(pdf: FPDF, text: str) -> str:
    """``text`` broken by the Chinese rules for a multi_cell from the cursor to the margin."""
    width = pdf.w - pdf.r_margin - pdf.get_x() - 2 * pdf.c_margin - 0.3
    return prebroken(text, width, pdf.get_string_width)


def for_source(source, out: Path, reason: str):
    """Placeholder for a ``cache.Source``; returns its ``cache.Outcome``."""
    from dossier.convert.cache import Outcome

    write(out, name=source.name, kind=source.kind, size=source.size, sha256=source.sha256,
          reason=reason)
    return Outcome(1, reason, source.name)
