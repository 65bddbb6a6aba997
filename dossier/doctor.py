"""``dossier doctor``: what is installed, what plays each font role, what to do if missing.

Required: Python ≥ 3.11, the Python packages, a font for every role, and every external
program the converters and builders run, as the tool probes see them (``tools.probes``):
LibreOffice and its Writer, Calc and Impress components — each found, with its version,
and converting a sample — and qpdf, which merges the PDF binder.
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

    from dossier.tools import fonts, probes

    for probe in probes.all_probes(exercise=True):
        report.items.append(_probe_item(probe))
    for role, info in fonts.resolve_all().items():
        word = fonts.WORD_NAMES[role]
        if info is None:
            report.items.append(Item(f"字体 {role}（{word}）", False, "没有可用的字体",
                                     fix=fonts.install_hint()))
        else:
            detail = f"使用 {info.family} {info.style}（{info.path}）"
            report.items.append(Item(f"字体 {role}（{word}）", True, detail))
    return report


def _probe_item(probe) -> Item:
    if probe.ok:
        checked = f"，{probe.tried}" if probe.works else ""
        detail = f"{probe.version or '版本未知'}{checked}（{probe.path}）"
    elif not probe.found:
        detail = f"未找到（{probe.purpose}时需要）"
    else:
        detail = f"已安装但无法运行（{probe.version or '不能回答版本号'}，{probe.path}）"
    return Item(probe.name, probe.ok, detail, required=probe.required, fix=probe.fix)
