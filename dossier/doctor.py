"""``dossier doctor``: what is installed, what plays each font role, what to do if missing.

Required: Python ≥ 3.11, the Python packages, LibreOffice (Word/Excel → PDF) and a font
for every role. Optional: qpdf (repairs damaged PDFs; pikepdf does most of it anyway).
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata

PACKAGES = ("click", "rich", "PyYAML", "ruamel.yaml", "Jinja2", "python-docx", "docxtpl", "pypdf",
            "pikepdf", "fpdf2", "Pillow", "pillow-heif", "pypdfium2", "openpyxl", "bagit")


@dataclass
class Item:
    name: str
    ok: bool
    detail: str
    required: bool = True
    fix: str = ""


@dataclass
class DoctorReport:
    items: list[Item] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items if i.required)

    def render_text(self) -> str:
        lines = ["运行环境检查", ""]
        for i in self.items:
            mark = "✓" if i.ok else ("✗" if i.required else "!")
            lines.append(f" {mark} {i.name}：{i.detail}")
            if not i.ok and i.fix:
                lines.extend(f"     处理办法：{line}" if n == 0 else f"               {line}"
                             for n, line in enumerate(i.fix.splitlines()))
        lines.append("")
        lines.append("结论：" + ("一切就绪。" if self.ok else "缺少必需的组件，请按上面的办法安装后再运行。"))
        return "\n".join(lines)


def run_doctor() -> DoctorReport:
    """Inspect Python, packages, LibreOffice, qpdf and fonts."""
    report = DoctorReport()
    py_ok = sys.version_info >= (3, 11)
    report.items.append(Item("Python", py_ok, f"{platform.python_version()}（{sys.executable}）",
                             fix="安装 Python 3.11 或更新版本。"))
    missing = []
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            missing.append(name)
    report.items.append(Item(
        "Python 依赖包", not missing,
        "齐全（" + "，".join(versions) + "）" if not missing else "缺少 " + "、".join(missing),
        fix="在项目目录运行 make install（或 pip install -e .）。"))

    from dossier.tools import fonts, libreoffice, qpdf

    soffice = libreoffice.find_soffice()
    report.items.append(Item(
        "LibreOffice", soffice is not None,
        f"{libreoffice.version() or '版本未知'}（{soffice}）" if soffice else "未找到 soffice",
        fix="Debian/Ubuntu：sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui\n"
            "Windows：从 LibreOffice 官网安装包安装，并把 program 文件夹加入 PATH。"))
    qpdf_exe = qpdf.find_qpdf()
    report.items.append(Item("qpdf", qpdf_exe is not None,
                             str(qpdf_exe) if qpdf_exe else "未找到（可选，用于修复损坏的PDF）",
                             required=False, fix="Debian/Ubuntu：sudo apt-get install qpdf"))
    for role, info in fonts.resolve_all().items():
        word = fonts.WORD_NAMES[role]
        if info is None:
            report.items.append(Item(f"字体 {role}（{word}）", False, "没有可用的字体",
                                     fix=fonts.install_hint()))
        else:
            detail = fonts.describe_font(info)
            report.items.append(Item(f"字体 {role}（{word}）", True, detail))
    return report
