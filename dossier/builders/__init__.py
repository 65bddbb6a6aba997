"""Builders: each output is made by one builder that only reads the model.

As Sphinx has them: a ``Builder`` has a name, the output files it writes (roles of
``dossier.outputs``) with their Chinese label, the inputs it declares (what its reuse
fingerprint hashes) and hooks the orchestrator calls — ``build`` writes the files,
``figures`` reports what the console summary shows. ``BUILDERS`` is the one registry:
``build --only``, ``build_all``, ``dossier sheet`` and ``dossier report``, ``pack`` (through
``BuildResult.files``) and the messages all read it.

``build_all`` computes the score and the check once, converts the evidence once
(cached), then runs the builders that were asked for; with two cores or more and both
binders to build, the PDF binder runs in a worker process beside the Word binder
(``_Beside``), with the same result as one after the other. A builder that fails is
reported and the others still run (exit 5); a file that cannot be converted is a
placeholder page, not a failure (exit 0, or 1 with ``--strict``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from dossier import children, memory, outputs, stages
from dossier.errors import BuildError, DossierError, ExitCode
from dossier.outputs import output_path  # noqa: F401  (re-exported: builders import it here)
from dossier.progress import Progress, QuietProgress

log = logging.getLogger(__name__)

BINDER_SUFFIX = outputs.BINDER
REPORT_SUFFIX = outputs.REPORT
SHEET_NAME = outputs.output("sheet_xlsx").suffix


@dataclass(frozen=True)
class BuildOptions:
    max_pages: int | None = None
    max_mb: float | None = None
    strict: bool = False
    only: tuple[str, ...] = ()  # parts (see PARTS); empty: all
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
    page_map: Any = None  # dossier.builders.pagemap.PageMap, set by the PDF binder as it plans


# -- the builders --------------------------------------------------------------------------


class Builder:
    """One output kind. Subclasses set the class attributes and ``build``."""

    name: ClassVar[str]  # key in the build record and in BuildResult
    part: ClassVar[str]  # the ``--only`` part that selects it
    roles: ClassVar[tuple[str, ...]]  # dossier.outputs roles it writes, in order
    # What its output is made of (dossier.builders.reuse.fingerprint hashes exactly these):
    # manifest, last_year, standard, items, converted, templates, fonts, options.
    inputs: ClassVar[tuple[str, ...]]
    needs_conversion: ClassVar[bool] = False

    @property
    def label(self) -> str:
        return "、".join(dict.fromkeys(outputs.label(r).split("（")[0] for r in self.roles)) \
            if len(self.roles) > 1 else outputs.label(self.roles[0])

    def build(self, ctx: BuildContext) -> list[Path]:
        raise NotImplementedError

    def files(self, paths: list[Path]) -> dict[str, Path]:
        """The written paths by output role."""
        return dict(zip(self.roles, paths, strict=True))

    def figures(self, ctx: BuildContext, paths: list[Path]) -> dict:
        """Figures the build reports (recorded, so a reused output reports them too)."""
        return {}


class BinderPdf(Builder):
    name, part, roles = "binder_pdf", "binder", ("binder_pdf",)
    inputs = ("manifest", "standard", "items", "converted", "templates", "fonts", "options")
    needs_conversion = True

    def build(self, ctx):
        from dossier.builders import binder_pdf

        return list(binder_pdf.build(ctx))

    def files(self, paths):
        if len(paths) == 1:
            return {"binder_pdf": paths[0]}
        return {f"{outputs.VOLUME_PREFIX}{i}": p for i, p in enumerate(paths, start=1)}

    def figures(self, ctx, paths):
        pmap = ctx.page_map
        if pmap is None:
            return {}
        return {"items": pmap.item_count, "evidence_pages": pmap.evidence_pages,
                "binder_pages": pmap.total_pages, "volumes": len(pmap.volumes)}


class BinderDocx(Builder):
    name, part, roles = "binder_docx", "binder", ("binder_docx",)
    inputs = ("manifest", "standard", "items", "converted", "templates", "fonts", "options")
    needs_conversion = True

    def build(self, ctx):
        from dossier.builders import binder_docx

        return [binder_docx.build(ctx)]


class Report(Builder):
    name, part, roles = "report", "report", ("report_docx", "report_pdf")
    inputs = ("manifest", "last_year", "standard", "items", "templates", "fonts")

    def build(self, ctx):
        from dossier.builders import report

        return list(report.build(ctx))


class Sheet(Builder):
    name, part, roles = "sheet", "sheet", ("sheet_xlsx",)
    inputs = ("manifest", "standard", "items")

    def build(self, ctx):
        from dossier.builders import sheet

        return [sheet.build(ctx)]


BUILDERS: dict[str, Builder] = {b.name: b for b in (BinderPdf(), BinderDocx(), Report(), Sheet())}
PARTS = tuple(dict.fromkeys(b.part for b in BUILDERS.values()))


def selected(options: BuildOptions) -> list[Builder]:
    return [b for b in BUILDERS.values() if options.wants(b.part)]


# -- results -------------------------------------------------------------------------------


@dataclass
class BuildResult:
    outputs: dict[str, list[Path]] = field(default_factory=dict)  # builder name -> its files
    placeholders: list[str] = field(default_factory=list)  # rel paths shown as placeholder pages
    errors: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # builders whose outputs were left as built
    figures: dict[str, Any] = field(default_factory=dict)  # see Builder.figures
    strict: bool = False

    def paths(self) -> list[Path]:
        return [p for paths in self.outputs.values() for p in paths]

    def files(self) -> dict[str, Path]:
        """Every output of this build by role (``binder_pdf_1``… for volumes): what pack packs."""
        found: dict[str, Path] = {}
        for name, paths in self.outputs.items():
            found.update(BUILDERS[name].files(paths))
        return found

    @property
    def exit_code(self) -> int:
        if self.errors:
            return ExitCode.build_failed
        if self.strict and self.placeholders:
            return ExitCode.blocking
        return ExitCode.ok


def binder_paths(project) -> list[Path]:
    """Existing binder PDF volumes, in order."""
    base = output_path(project, "binder_pdf")
    volumes = sorted(project.build_dir.glob(outputs.volume_glob(project)))
    return [base] if base.exists() else volumes


def collect_outputs(project) -> dict[str, Path]:
    """The outputs on disk by role (for ``pack`` until it takes them from the BuildResult)."""
    found = {}
    for role in ("binder_docx", "report_docx", "report_pdf", "sheet_xlsx"):
        path = output_path(project, role)
        if path.exists():
            found[role] = path
    found.update(BinderPdf().files(binder_paths(project)) if binder_paths(project) else {})
    return found


def recorded_volume_options(project) -> tuple[int | None, float | None]:
    """The ``--max-pages`` and ``--max-mb`` of the binder as last built (None, None: unsplit)."""
    from dossier.builders.reuse import OutputRecord

    return OutputRecord(project).options_of("binder_pdf")


# -- the orchestrator ------------------------------------------------------------------------


@stages.timed("build")
def build_all(project, options: BuildOptions | None = None,
              progress: Progress | None = None, *, score=None, check=None) -> BuildResult:
    """Build every output asked for; see the module docstring for failure handling.

    ``score`` and ``check`` are the project's Score and CheckReport when the caller has
    computed them already (``pack_project``), so that each is computed once.
    """
    from dossier.builders.reuse import OutputRecord, fingerprint
    from dossier.check import run_check
    from dossier.score import compute_score
    from dossier.tools.probes import require_for_build

    options = options or BuildOptions()
    progress = progress or Progress()
    started = time.monotonic()
    require_for_build([it.file for it in project.all_items()], binder=options.wants("binder"),
                      report=options.wants("report"))  # before any work: exit 4 at once
    project.build_dir.mkdir(parents=True, exist_ok=True)
    score = score or compute_score(project)
    ctx = BuildContext(project=project, score=score, check=check or run_check(project, score),
                       options=options, progress=progress)
    result = BuildResult(strict=options.strict)
    builders = selected(options)

    if any(b.needs_conversion for b in builders):
        from dossier.convert import convert_files

        files = {it.file.sha256: it.file for it in project.all_items() if it.file.sha256}
        ctx.converted = convert_files(list(files.values()), project.cache_dir, progress=progress)
        result.placeholders = sorted(
            it.file.rel for it in project.all_items()
            if (c := ctx.converted.get(it.file.sha256)) is None or c.placeholder)

    record = OutputRecord(project)
    digests = {b.name: fingerprint(ctx, b) for b in builders}
    beside = _Beside.start(builders, ctx, record, digests)
    try:
        for builder in builders:
            if beside is None or builder is not beside.builder:
                _run(builder, ctx, record, result, digests[builder.name])
        if beside is not None:
            _run(beside.builder, ctx, record, result, digests[beside.builder.name], beside)
    except BaseException:
        if beside is not None and (done := beside.stop()) is not None:
            # the worker had finished: its binder is in place, so it must not look edited
            record.record("binder_pdf", digests["binder_pdf"], *done,
                          options=[options.max_pages, options.max_mb])
        raise
    finally:
        record.save()
    result.outputs = {b.name: result.outputs[b.name] for b in BUILDERS.values()
                      if b.name in result.outputs}  # registry order, wherever each was built

    _summary(ctx, result, time.monotonic() - started)
    return result


def _kept(builder: Builder, ctx: BuildContext, record, digest: str, *,
          quiet: bool = False) -> list[Path] | None:
    """The builder's recorded outputs when they are to be used as they are, else None."""
    options, name = ctx.options, builder.name
    kept = record.unchanged(name, digest) if options.reuse else None
    if kept is None and options.keep_edited:
        kept = record.edited(name)
        if kept and not quiet:
            ctx.progress.log("以下文件在生成后被修改过，按修改后的版本使用（如需重新生成，先运行 "
                             "dossier build）：" + "、".join(p.name for p in kept))
    return kept or None


def _run(builder: Builder, ctx: BuildContext, record, result: BuildResult, digest: str,
         beside: _Beside | None = None) -> None:
    """One builder: reuse its recorded output, keep a hand-edited one (pack), or build it
    (here, or collected from the worker process ``beside`` that built it meanwhile)."""
    progress, name = ctx.progress, builder.name
    kept = _kept(builder, ctx, record, digest)
    if kept:
        result.outputs[name] = kept
        result.reused.append(name)
        result.figures.update(record.figures(name))
        return
    try:
        if beside is None:
            record.back_up_edited(name, progress)
            paths = stages.call(builder.name, builder.build, ctx)
            figures = builder.figures(ctx, paths)
        else:
            paths, figures = beside.result(progress)
    except DossierError as exc:
        if isinstance(exc.exit_code, int) and exc.exit_code == ExitCode.missing_tool:
            raise
        _failed(result, progress, builder, exc.render())
        return
    except OSError as exc:  # an output open in Word/Excel/WPS, a read-only folder …
        _failed(result, progress, builder, f"无法写入 {exc.filename or ''}（{exc.strerror or exc}）。"
                "文件可能正在 Word、Excel 或 WPS 中打开，请关闭后重试。")
        return
    result.outputs[name] = paths
    result.figures.update(figures)
    record.record(name, digest, paths, figures,
                  options=[ctx.options.max_pages, ctx.options.max_mb])
    record.save()  # at once: an interruption must not make fresh outputs look edited
    memory.release()  # each builder's peak, not their sum


class _Relay(QuietProgress):
    """A worker's progress: its messages kept for the main process to show, bars dropped."""

    def __init__(self):
        self.lines: list[str] = []

    def log(self, message: str) -> None:
        self.lines.append(message)


def _build_beside(name: str, ctx: BuildContext) -> tuple:
    """In the worker: build ``name``; (paths, figures, messages, error text or None)."""
    builder = BUILDERS[name]
    try:
        paths = stages.call(name, builder.build, ctx)
        return paths, builder.figures(ctx, paths), ctx.progress.lines, None
    except DossierError as exc:
        return [], {}, ctx.progress.lines, exc.render()
    except OSError as exc:
        return [], {}, ctx.progress.lines, (
            f"无法写入 {exc.filename or ''}（{exc.strerror or exc}）。"
            "文件可能正在 Word、Excel 或 WPS 中打开，请关闭后重试。")


class _Beside:
    """The PDF binder built in a worker process while this one builds the Word binder.

    Both binders are mostly one core of Python each, and the Word binder's page pictures
    are made on all cores before either starts assembling; so with two cores and both
    binders to build, their assembly runs side by side (medium bench: ≈ 6 s saved on a
    warm ``--rebuild``). Its messages are shown when it is collected; its failure is a
    builder failure like any other. Same inputs, same bytes: only where it runs changes.
    """

    def __init__(self, builder: Builder, pool, future):
        self.builder, self.pool, self.future = builder, pool, future

    @classmethod
    def start(cls, builders: list[Builder], ctx: BuildContext, record,
              digests: dict[str, str]) -> _Beside | None:
        names = [b.name for b in builders]
        if "binder_pdf" not in names or "binder_docx" not in names or children.jobs() < 2:
            return None
        if any(_kept(BUILDERS[n], ctx, record, digests[n], quiet=True)
               for n in ("binder_pdf", "binder_docx")):
            return None  # only one of them to build: nothing to overlap
        import dataclasses

        record.back_up_edited("binder_pdf", ctx.progress)
        try:
            pool = children.process_pool(1)
            future = pool.submit(_build_beside, "binder_pdf",
                                 dataclasses.replace(ctx, progress=_Relay(), page_map=None))
        except Exception:  # noqa: BLE001 - built here, in turn, instead
            log.debug("PDF binder not started in a worker", exc_info=True)
            return None
        ctx.progress.log(f"生成{BUILDERS['binder_pdf'].label}（与Word汇编同时进行）……")
        return cls(BUILDERS["binder_pdf"], pool, future)

    def result(self, progress: Progress) -> tuple[list[Path], dict]:
        from concurrent.futures.process import BrokenProcessPool

        with progress.task(f"等待{self.builder.label}完成"):
            try:
                paths, figures, lines, error = self.future.result()
            except BrokenProcessPool as exc:
                raise BuildError("生成佐证材料汇编（PDF）的进程意外退出（可能内存不足）。",
                                 hint="请关闭其他程序后重新运行 dossier build。") from exc
            finally:
                self.pool.shutdown()
        for line in lines:
            progress.log(line)
        if error is not None:
            raise BuildError(error)
        return paths, figures

    def stop(self) -> tuple[list[Path], dict] | None:
        """Interrupted or failed: the worker goes too. Returns (paths, figures) when it had
        already written the binder, so that the record can say so."""
        finished = None
        if self.future.done() and not self.future.cancelled() and \
                self.future.exception() is None:
            paths, figures, _, error = self.future.result()
            finished = (paths, figures) if error is None else None
        children.stop_pool(self.pool)
        return finished


def _failed(result: BuildResult, progress: Progress, builder: Builder, message: str) -> None:
    log.debug("builder %s failed: %s", builder.name, message)
    result.errors.append(f"{builder.name}: {message}")
    progress.log(f"生成失败（{builder.label}）：{message}")


def summary_line(result: BuildResult, items: int, size: int, elapsed: float) -> str:
    """The closing line; its figures are the binder's own (page map), never recounted."""
    f = result.figures
    parts = [f"{f.get('items', items)} 件{outputs.EVIDENCE}"]
    if "evidence_pages" in f:
        parts.append(f"{f['evidence_pages']} 页")
    text = "完成：" + "，".join(parts)
    if "binder_pages" in f:
        volumes = f" {f['volumes']} 册" if f.get("volumes", 1) > 1 else ""
        text += f"；{outputs.BINDER}{volumes}共 {f['binder_pages']} 页"
    if "evidence_pages" in f or result.placeholders:
        text += f"；说明页 {len(result.placeholders)} 个"
    return text + f"；输出 {size / 1e6:.1f} MB，用时 {elapsed:.1f} 秒。"


def _summary(ctx: BuildContext, result: BuildResult, elapsed: float) -> None:
    size = sum(p.stat().st_size for p in result.paths() if p.exists())
    if result.reused:
        ctx.progress.log("内容未变化，沿用上次生成的：" + "、".join(BUILDERS[r].label for r in result.reused)
                         + "（加 --rebuild 可强制重新生成）。")
    ctx.progress.log(summary_line(result, len(ctx.project.all_items()), size, elapsed))
    for rel in result.placeholders:
        ctx.progress.log(f"  以说明页代替：{rel}")
