"""Office documents (Word, Excel, PowerPoint, WPS, ODF, RTF) → PDF through LibreOffice.

Files are staged under their content hash, which gives every file of a batch its own
output name; WPS files (.wps/.et/.dps) are staged as .doc/.xls/.ppt, whose filters read
the Microsoft-format files that WPS writes (LibreOffice also sniffs the content). The
PDF LibreOffice writes is rewritten without its conversion date, so that two builds give
the same bytes. A file LibreOffice cannot open, or that hangs it, becomes a placeholder.
A file whose LibreOffice component is not installed becomes a placeholder that says what
to install, and is not cached; a LibreOffice that cannot run at all stops the build.
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pikepdf

from dossier.convert import fontids, pdf, placeholder, spreadsheet
from dossier.convert.cache import Outcome, Source
from dossier.errors import MissingToolError
from dossier.tools import libreoffice

log = logging.getLogger(__name__)

# 3: spreadsheets printed with a print setup (spreadsheet.py); pages A4 and inert (pdf.py);
#    Type 1 font IDs renumbered (fontids)
VERSION = f"3.{placeholder.VERSION}.{spreadsheet.VERSION}"
EXTENSIONS = frozenset({"doc", "docx", "docm", "dot", "dotx", "xls", "xlsx", "xlsm", "wps",
                        "et", "dps", "odt", "ods", "odp", "rtf", "ppt", "pptx"})
STAGED_EXT = {"wps": "doc", "et": "xls", "dps": "ppt"}
ADVICE = "请用 Word 或 WPS 打开后另存为 PDF，放入证据文件夹代替原文件。"


def batches(jobs: list, workers: int, most: int) -> list[list]:
    """Split office jobs into soffice calls: at most ``most`` each, spread over ``workers``."""
    if not jobs:
        return []
    size = min(most, math.ceil(len(jobs) / workers))
    return [jobs[start:start + size] for start in range(0, len(jobs), size)]


def missing_component(source: Source) -> libreoffice.Component | None:
    """The LibreOffice component this file needs when it is not installed."""
    component = libreoffice.component_for(source.ext)
    if component is None or libreoffice.has_component(component):
        return None
    return component


def missing_component_reason(component: libreoffice.Component) -> str:
    """The reason on the page (read by the city bureau too): what was missing, not how to install."""
    return (f"生成时本机的 LibreOffice 缺少 {component.short} 组件（{component.label}），未能转换。"
            "安装该组件后重新生成即可编入（安装方法见 dossier check 或 dossier doctor）。")


def convert_batch(sources: Sequence[Source], outs: Sequence[Path], *, work_dir: Path,
                  profile_dir: Path, timeout: float = 120) -> list[Outcome]:
    """Convert several files with one soffice call; one outcome per source, in order."""
    gaps = {i: c for i, s in enumerate(sources) if (c := missing_component(s)) is not None}
    if gaps:
        rest = [i for i in range(len(sources)) if i not in gaps]
        done = dict(zip(rest, _convert_batch([sources[i] for i in rest], [outs[i] for i in rest],
                                             work_dir=work_dir, profile_dir=profile_dir,
                                             timeout=timeout) if rest else [], strict=True))
        for i, component in gaps.items():
            page = placeholder.for_source(sources[i], outs[i], missing_component_reason(component))
            done[i] = replace(page, transient=True)  # install it and the next build converts
        return [done[i] for i in range(len(sources))]
    return _convert_batch(sources, outs, work_dir=work_dir, profile_dir=profile_dir,
                          timeout=timeout)


def _convert_batch(sources: Sequence[Source], outs: Sequence[Path], *, work_dir: Path,
                   profile_dir: Path, timeout: float) -> list[Outcome]:
    work_dir = Path(work_dir)
    staged_dir, pdf_dir = work_dir / "in", work_dir / "out"
    staged_dir.mkdir(parents=True, exist_ok=True)
    staged = []
    for source in sources:
        ext = source.ext.lower()
        target = staged_dir / f"{source.sha256}.{STAGED_EXT.get(ext, ext)}"
        shutil.copyfile(source.path, target)
        staged.append(target)
    staged = spreadsheet.prepare_all(staged, work_dir=work_dir, profile_dir=profile_dir,
                                     timeout=timeout)  # print setup on spreadsheet copies
    results = libreoffice.convert_to_pdf(staged, pdf_dir, timeout_per_file=timeout,
                                         profile_dir=profile_dir)
    outcomes = []
    for source, out, result, stage in zip(sources, outs, results, staged, strict=True):
        outcomes.append(_finish(source, out, result))
        stage.unlink(missing_ok=True)
        if result.pdf:
            result.pdf.unlink(missing_ok=True)
    return outcomes


def _finish(source: Source, out: Path, result: libreoffice.OfficeResult) -> Outcome:
    if result.tool_failed:
        raise MissingToolError(f"{result.error}（转换 {source.name} 时）。没有生成汇编；"
                               "LibreOffice 修好后重新运行即可，不会沿用这次失败的结果。",
                               hint=libreoffice.INSTALL_HINT)
    if result.pdf is None:
        log.info("LibreOffice failed on %s: %s", source.name, result.error)
        page = placeholder.for_source(source, out, f"{result.error}。{ADVICE}")
        # a hang may be the machine's fault (busy, out of memory): try again next build
        return replace(page, transient=bool(result.timed_out))
    try:
        _renumber_fonts(result.pdf)
        return Outcome(pdf.normalize(result.pdf, out, drop_info=True))
    except Exception as exc:  # noqa: BLE001 - any unusable output is the same failure
        log.info("LibreOffice output for %s unusable: %s", source.name, exc)
        return placeholder.for_source(source, out, f"LibreOffice 转换结果无效。{ADVICE}")


def convert(source: Source, out: Path, timeout: float = 120) -> Outcome:
    """One file in its own soffice call and throw-away profile (slow: prefer batches)."""
    with tempfile.TemporaryDirectory(prefix="dossier-office-") as tmp:
        return convert_batch([source], [out], work_dir=Path(tmp) / "work",
                             profile_dir=Path(tmp) / "profile", timeout=timeout)[0]


def _renumber_fonts(path: Path) -> None:
    """Same bytes whatever batch the file was in (see ``fontids``)."""
    with pikepdf.open(path, allow_overwriting_input=True) as doc:
        if fontids.renumber(doc):
            doc.save(path)
