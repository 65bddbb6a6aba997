"""Builders: each output is made by one builder that only reads the model.

``build_all`` computes the score and the check once, converts the evidence once
(cached), then runs the builders that were asked for. A builder that fails is
reported and the others still run (exit 5); a file that cannot be converted is a
placeholder page, not a failure (exit 0, or 1 with ``--strict``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier import memory
from dossier.errors import DossierError, ExitCode
from dossier.progress import Progress

log = logging.getLogger(__name__)

BINDER_SUFFIX = "佐证材料汇编"
REPORT_SUFFIX = "年度工作进展和总结报告"
SHEET_NAME = "自评得分表.xlsx"


@dataclass(frozen=True)
class BuildOptions:
    max_pages: int | None = None
    max_mb: float | None = None
    strict: bool = False
    only: tuple[str, ...] = ()  # subset of ('binder', 'report', 'sheet'); empty: all
    reuse: bool = True  # skip outputs whose inputs did not change (see builders.reuse)
    keep_edited: bool = False  # pack: an output edited by hand is used as it is, not rebuilt

    def wants(self, part: str) -> bool:
        return not self.only or part in self.only


@dataclass
class BuildContext:
    """What every builder reads: the model and what was computed from it once."""

    project: Any  # dossier.project.Project
    score: Any  # dossier.score.Score
    check: Any  # dossier.check.CheckReport
    converted: dict = field(default_factory=dict)  # sha256 -> dossier.convert.Converted
    options: BuildOptions = field(default_factory=BuildOptions)
    progress: Progress = field(default_factory=Progress)


@dataclass
class BuildResult:
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    placeholders: list[str] = field(default_factory=list)  # rel paths shown as placeholder pages
    errors: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # roles left as built last time
    strict: bool = False

    def paths(self) -> list[Path]:
        return [p for paths in self.outputs.values() for p in paths]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return ExitCode.build_failed
        if self.strict and self.placeholders:
            return ExitCode.blocking
        return ExitCode.ok


def binder_paths(project) -> list[Path]:
    """Existing binder PDF volumes, in order."""
    base = project.build_dir / project.output_name(f"{BINDER_SUFFIX}.pdf")
    volumes = sorted(project.build_dir.glob(project.output_name(f"{BINDER_SUFFIX}（第*册）.pdf")))
    return [base] if base.exists() else volumes


def output_path(project, role: str) -> Path:
    """Where each single-file output is written."""
    names = {
        "binder_pdf": project.output_name(f"{BINDER_SUFFIX}.pdf"),
        "binder_docx": project.output_name(f"{BINDER_SUFFIX}.docx"),
        "report_docx": project.output_name(f"{REPORT_SUFFIX}.docx"),
        "report_pdf": project.output_name(f"{REPORT_SUFFIX}.pdf"),
        "sheet_xlsx": SHEET_NAME,
        "check_html": "检查报告.html",
    }
    return project.build_dir / names[role]


def collect_outputs(project) -> dict[str, Path]:
    """The outputs of the last build that exist, by role (for ``pack``)."""
    found = {}
    for role in ("binder_docx", "report_docx", "report_pdf", "sheet_xlsx"):
        path = output_path(project, role)
        if path.exists():
            found[role] = path
    volumes = binder_paths(project)
    if len(volumes) == 1:
        found["binder_pdf"] = volumes[0]
    else:
        for i, path in enumerate(volumes, start=1):
            found[f"binder_pdf_{i}"] = path
    return found


def recorded_volume_options(project) -> tuple[int | None, float | None]:
    """The ``--max-pages`` and ``--max-mb`` of the binder as last built (None, None: unsplit)."""
    from dossier.builders.reuse import OutputRecord

    return OutputRecord(project).options_of("binder_pdf")


def build_all(project, options: BuildOptions | None = None,
              progress: Progress | None = None, *, score=None, check=None) -> BuildResult:
    """Build every output asked for; see the module docstring for failure handling.

    ``score`` and ``check`` are the project's Score and CheckReport when the caller has
    computed them already (``pack_project``), so that each is computed once.
    """
    from dossier.check import run_check
    from dossier.score import compute_score

    options = options or BuildOptions()
    progress = progress or Progress()
    started = time.monotonic()
    project.build_dir.mkdir(parents=True, exist_ok=True)
    score = score or compute_score(project)
    ctx = BuildContext(project=project, score=score, check=check or run_check(project, score),
                       options=options, progress=progress)
    result = BuildResult(strict=options.strict)

    if options.wants("binder"):
        from dossier.convert import convert_files

        files = {it.file.sha256: it.file for it in project.all_items() if it.file.sha256}
        ctx.converted = convert_files(list(files.values()), project.cache_dir, progress=progress)
        result.placeholders = sorted(
            it.file.rel for it in project.all_items()
            if (c := ctx.converted.get(it.file.sha256)) is None or c.placeholder)

    steps = []
    if options.wants("binder"):
        from dossier.builders import binder_docx, binder_pdf

        steps += [("binder_pdf", binder_pdf.build), ("binder_docx", binder_docx.build)]
    if options.wants("report"):
        from dossier.builders import report

        steps.append(("report", report.build))
    if options.wants("sheet"):
        from dossier.builders import sheet

        steps.append(("sheet_xlsx", sheet.build))

    from dossier.builders.reuse import OutputRecord, fingerprint

    record = OutputRecord(project)
    try:
        for role, builder in steps:
            digest = fingerprint(ctx, role)
            kept = record.unchanged(role, digest) if options.reuse else None
            if kept is None and options.keep_edited:
                kept = record.edited(role)
                if kept:
                    progress.log("以下文件在生成后被修改过，按修改后的版本使用（如需重新生成，先运行 "
                                 "dossier build）：" + "、".join(p.name for p in kept))
            if kept:
                result.outputs[role] = kept
                result.reused.append(role)
                continue
            try:
                record.back_up_edited(role, progress)
                paths = builder(ctx)
            except DossierError as exc:
                if isinstance(exc.exit_code, int) and exc.exit_code == ExitCode.missing_tool:
                    raise
                _failed(result, progress, role, exc.render())
                continue
            except OSError as exc:  # an output open in Word/Excel/WPS, a read-only folder …
                _failed(result, progress, role, f"无法写入 {exc.filename or ''}（{exc.strerror or exc}）。"
                        "文件可能正在 Word、Excel 或 WPS 中打开，请关闭后重试。")
                continue
            result.outputs[role] = [paths] if isinstance(paths, Path) else list(paths)
            record.record(role, digest, result.outputs[role],
                          options=[options.max_pages, options.max_mb])
            record.save()  # at once: an interruption must not make fresh outputs look edited
            memory.release()  # each builder's peak, not their sum
    finally:
        record.save()

    elapsed = time.monotonic() - started
    _summary(ctx, result, elapsed)
    return result


def _failed(result: BuildResult, progress: Progress, role: str, message: str) -> None:
    log.debug("builder %s failed: %s", role, message)
    result.errors.append(f"{role}: {message}")
    progress.log(f"生成失败（{role}）：{message}")


def _summary(ctx: BuildContext, result: BuildResult, elapsed: float) -> None:
    items = ctx.project.all_items()
    pages = sum(c.pages for c in ctx.converted.values()) if ctx.converted else 0
    size = sum(p.stat().st_size for p in result.paths() if p.exists())
    if result.reused:
        names = {"binder_pdf": "PDF汇编", "binder_docx": "Word汇编", "report": "年度报告",
                 "sheet_xlsx": "自评得分表"}
        ctx.progress.log("内容未变化，沿用上次生成的：" + "、".join(names.get(r, r) for r in result.reused)
                         + "（加 --rebuild 可强制重新生成）。")
    ctx.progress.log(
        f"完成：{len(items)} 件佐证材料，{pages} 页，说明页 {len(result.placeholders)} 个，"
        f"输出 {size / 1e6:.1f} MB，用时 {elapsed:.1f} 秒。")
    for rel in result.placeholders:
        ctx.progress.log(f"  以说明页代替：{rel}")
