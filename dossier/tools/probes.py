"""Tool probes: one per external program and per LibreOffice component the converters use.

A probe answers three questions, as OCRmyPDF asks them: is it *found*, which *version*,
and does it *work* (it ran and did its job on a tiny sample). ``doctor`` shows every
probe and exercises them; ``build`` requires the ones its outputs need before it
converts anything; ``check`` names the files a missing component would turn into
placeholder pages. The tool modules (``libreoffice``, ``qpdf``) know how to ask; this
module only gathers the answers and says, in Chinese, what to install.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dossier.errors import MissingToolError
from dossier.tools import libreoffice, qpdf


@dataclass(frozen=True)
class Probe:
    name: str  # shown to people: qpdf, LibreOffice, LibreOffice Impress …
    purpose: str  # what dossier uses it for (Chinese)
    found: bool
    version: str | None = None
    works: bool | None = None  # None: not exercised
    path: str | None = None
    fix: str = ""  # what to install (Chinese)
    required: bool = True
    tried: str = "运行正常"  # what ``works`` means when it holds (Chinese)

    @property
    def ok(self) -> bool:
        return self.found and self.works is not False

    @property
    def problem(self) -> str:
        """Why it is not usable, in Chinese ('' when it is)."""
        if not self.found:
            return f"未安装 {self.name}"
        if self.works is False:
            return f"{self.name} 已安装但无法运行"
        return ""


def qpdf_probe() -> Probe:
    """qpdf merges the PDF binder: found, version, and it answers ``--version``."""
    exe = qpdf.find_qpdf()
    version = qpdf.version() if exe else None
    return Probe("qpdf", "合并生成 PDF 汇编、修复损坏的 PDF", exe is not None, version,
                 works=None if exe is None else version is not None,
                 path=str(exe) if exe else None, fix=qpdf.INSTALL_HINT)


def soffice_probe() -> Probe:
    """LibreOffice itself: found and answering ``--version`` (a component may still be missing)."""
    exe = libreoffice.find_soffice()
    version = libreoffice.version() if exe else None
    return Probe("LibreOffice", "把 Word、Excel、PowerPoint、WPS 文件和年度报告转换为 PDF",
                 exe is not None, version, works=None if exe is None else version is not None,
                 path=str(exe) if exe else None, fix=libreoffice.INSTALL_HINT)


def component_probes(*, exercise: bool = False) -> list[Probe]:
    """One probe per component; ``exercise`` converts a sample with each (one soffice start)."""
    exe = libreoffice.find_soffice()
    found = {c.key: exe is not None and libreoffice.has_component(c, exe)
             for c in libreoffice.COMPONENTS}
    tried = (libreoffice.works([c for c in libreoffice.COMPONENTS if found[c.key]])
             if exercise and exe is not None and libreoffice.version() else {})
    return [Probe(c.name, c.label, found[c.key], libreoffice.version() if found[c.key] else None,
                  works=tried.get(c.key), path=str(exe) if exe else None,
                  fix=libreoffice.component_hint(c), tried="试转换样例正常")
            for c in libreoffice.COMPONENTS]


def all_probes(*, exercise: bool = True) -> list[Probe]:
    """Every external program dossier runs (``doctor``)."""
    return [soffice_probe(), *component_probes(exercise=exercise), qpdf_probe()]


def require(probes: Iterable[Probe]) -> None:
    """Raise one MissingToolError naming every required probe that is not usable."""
    bad = [p for p in probes if p.required and not p.ok]
    if not bad:
        return
    message = "；".join(f"{p.problem}（用于{p.purpose}）" for p in bad) + "。还没有开始生成，没有改动任何文件。"
    hint = "\n".join(dict.fromkeys(p.fix for p in bad)) + "\n装好后可运行 dossier doctor 确认。"
    raise MissingToolError(message, hint=hint)


def require_for_build(files: Iterable, *, binder: bool, report: bool) -> None:
    """Before a build converts anything: the tools its outputs need are there and run.

    ``files`` are the evidence files going into the binder (EvidenceFile-like: kind,
    problem). The binder needs qpdf, and LibreOffice when it has office files; the report
    needs LibreOffice Writer. A missing Calc or Impress does not stop the build: those
    files become placeholder pages, which ``check`` lists beforehand.
    """
    needed: list[Probe] = []
    office = binder and any(f.kind == "office" and not f.problem for f in files)
    if binder:
        needed.append(qpdf_probe())
    if office or report:
        needed.append(soffice_probe())
    if report and libreoffice.find_soffice() is not None:
        needed += [p for p in component_probes() if p.name == "LibreOffice Writer"]
    require(needed)


def office_gap(ext: str) -> str | None:
    """Why a file with this extension would become a placeholder on this PC, or None.

    Cheap (no program is started): LibreOffice found, and its component installed.
    """
    component = libreoffice.component_for(ext)
    if component is None:
        return None
    if libreoffice.find_soffice() is None:
        return ("本机未安装 LibreOffice，生成汇编时此文件只能以说明页代替。"
                f"处理办法：{libreoffice.INSTALL_HINT}")
    if not libreoffice.has_component(component):
        return (f"本机的 LibreOffice 缺少 {component.short} 组件（{component.label}），生成汇编时此文件"
                f"只能以说明页代替。处理办法：{libreoffice.component_hint(component)}")
    return None
