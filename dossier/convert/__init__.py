"""Evidence files → PDF pages, one converter module per input kind, cached by content.

``convert_files`` is the entry point: it looks every file up in the cache
(``cache.py``), converts the misses in parallel (images, PDFs and text in worker
processes; office files in LibreOffice batches, one profile per batch runner) and
returns a ``Converted`` per content hash. A file that cannot be converted gets a
placeholder page that says why; a missing tool or font, or a LibreOffice that cannot
run, stops the run and nothing it caused is cached. Interrupted (Ctrl-C, SIGTERM, an
error), it kills its workers and LibreOffice before it returns.
"""

from __future__ import annotations

import concurrent.futures as cf
import errno
import hashlib
import logging
import queue
import tempfile
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from dossier import children, stages
from dossier.convert import cache, image, office, other, pdf, placeholder, text
from dossier.convert.cache import Outcome, Source
from dossier.errors import DossierError
from dossier.progress import Progress
from dossier.tools import libreoffice

log = logging.getLogger(__name__)

CONVERTERS: dict[str, ModuleType] = {
    "pdf": pdf, "image": image, "office": office, "text": text, "video": other,
    "audio": other, "archive": other, "executable": other, "other": other}

OFFICE_BATCH = 8  # files per soffice call: start-up is paid once, a hang costs a retry
FAILED = "转换时出错（文件内容不符合其格式），无法编入汇编，请检查文件后重新生成。"
CRASHED = "转换进程意外退出（文件可能过大或已损坏），无法编入汇编，请检查文件后重新生成。"
UNREADABLE = "读取文件时出错（文件可能正被占用、权限不足或已被移走），无法编入汇编，请检查后重新生成。"
# The machine's fault, not the file's: stop the build (a disk full, a read-only cache).
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EMFILE,
                                errno.ENFILE, errno.ENOMEM})


@dataclass(frozen=True)
class Converted:
    sha256: str
    pdf: Path
    pages: int
    placeholder: str | None  # Chinese reason when the PDF is a placeholder page


@dataclass(frozen=True)
class _Job:
    source: Source
    module: str
    pdf: Path
    entries: cache.Store
    name: str  # the cache entry
    reason: str | None = None  # set: only (re)write the placeholder with this reason

    def commit(self, outcome: Outcome) -> None:
        cache.commit(self.entries, self.name, outcome)


def _source(f: Any) -> Source:
    sha = f.sha256 or hashlib.sha256(f"unreadable:{f.rel}".encode()).hexdigest()
    return Source(Path(f.path), Path(f.rel).name, int(f.size or 0), sha, f.kind,
                  (f.ext or "").lower(), f.problem)


def _module(source: Source) -> ModuleType:
    return other if source.problem else CONVERTERS.get(source.kind, other)


def _job(source: Source, entries: cache.Store, tools: dict[str, dict]) -> tuple[_Job, Outcome | None]:
    """The job for one file, and its cached outcome when there is nothing to do."""
    module = _module(source)
    short = module.__name__.rsplit(".", 1)[1]
    kind = f"{source.kind}.{source.problem}" if source.problem else source.kind
    if short not in tools:
        tools[short] = cache.tools_for(short)
    name = cache.entry_name(source.sha256, kind, module.VERSION, tools[short])
    job = _Job(source, short, entries.paths(name)[0], entries, name)
    hit = cache.read_entry(entries, name)
    if hit is not None and hit.placeholder and hit.name != source.name:
        # Renamed since: redo the placeholder page (it shows the name), not the conversion.
        return replace(job, reason=hit.placeholder), None
    return job, hit


def _run(job: _Job) -> Outcome:
    """Convert one file into the cache (in a worker process or thread)."""
    try:
        if job.reason is not None:
            outcome = placeholder.for_source(job.source, job.pdf, job.reason)
        else:
            outcome = CONVERTERS_BY_NAME[job.module].convert(job.source, job.pdf)
    except DossierError:
        raise
    except OSError as exc:
        if exc.errno in ENVIRONMENT_ERRNOS:
            raise
        log.warning("reading %s failed", job.source.name, exc_info=True)  # moved, locked …
        outcome = replace(placeholder.for_source(job.source, job.pdf, UNREADABLE), transient=True)
    except Exception:  # noqa: BLE001 - a bad file must not stop the build
        log.warning("converting %s failed", job.source.name, exc_info=True)
        outcome = placeholder.for_source(job.source, job.pdf, FAILED)  # English stays in the log
    job.commit(outcome)
    return outcome


def _run_office(jobs: list[_Job], work_root: Path, slots: queue.Queue, timeout: float) -> list[Outcome]:
    """One LibreOffice batch, with a profile that no other running batch uses."""
    slot = slots.get()
    try:
        work = Path(tempfile.mkdtemp(prefix="batch-", dir=work_root))
        outcomes = office.convert_batch([j.source for j in jobs], [j.pdf for j in jobs],
                                        work_dir=work, profile_dir=work_root / f"profile{slot}",
                                        timeout=timeout)
    finally:
        slots.put(slot)
    for job, outcome in zip(jobs, outcomes, strict=True):
        job.commit(outcome)
    return outcomes


CONVERTERS_BY_NAME = {m.__name__.rsplit(".", 1)[1]: m for m in set(CONVERTERS.values())}


def _pool(jobs: int, tasks: int) -> cf.Executor:
    if jobs <= 1 or tasks <= 2:
        return cf.ThreadPoolExecutor(max_workers=1)
    return children.process_pool(min(jobs, tasks))


@stages.timed("convert")
def convert_files(files: Sequence[Any], cache_dir: Path, *, progress: Progress | None = None,
                  jobs: int | None = None, office_timeout: float = 120) -> dict[str, Converted]:
    """Convert evidence files (EvidenceFile-like) to PDF; keyed by sha256, cached."""
    progress = progress or Progress()
    jobs = max(1, jobs or children.jobs())
    entries = cache.store(cache_dir)
    tools: dict[str, dict] = {}
    first: dict[str, Any] = {}
    for f in sorted(files, key=lambda f: f.rel):  # same content twice: converted once
        first.setdefault(f.sha256, f)
    results: dict[str, Converted] = {}
    todo: list[tuple[str, _Job]] = []
    for key, f in first.items():
        job, hit = _job(_source(f), entries, tools)
        if hit is None:
            todo.append((key, job))
        else:
            results[key] = Converted(key, job.pdf, hit.pages, hit.placeholder)
    if todo:
        _convert_todo(todo, results, progress, jobs, office_timeout)
    return results


def cached_placeholders(files: Sequence[Any], cache_dir: Path) -> dict[str, str]:
    """sha256 → reason for files whose cached conversion is a placeholder page; converts
    nothing (``check`` reads it). Only a file's own fault is cached, never a tool failure."""
    found: dict[str, str] = {}
    entries = cache.store(cache_dir)
    tools: dict[str, dict] = {}
    for f in files:
        _, hit = _job(_source(f), entries, tools)
        if hit is not None and hit.placeholder:
            found[f.sha256] = hit.placeholder
    return found


def _convert_todo(todo: list[tuple[str, _Job]], results: dict[str, Converted],
                  progress: Progress, jobs: int, office_timeout: float) -> None:
    office_jobs = [(k, j) for k, j in todo if j.module == "office" and j.reason is None]
    pool_jobs = [(k, j) for k, j in todo if not (j.module == "office" and j.reason is None)]
    futures: dict[cf.Future, list[tuple[str, _Job]]] = {}
    libreoffice.resume()
    with progress.task("转换证据文件", total=len(todo)) as task, \
            tempfile.TemporaryDirectory(prefix="dossier-lo-") as lo_root:
        pool = _pool(jobs, len(pool_jobs))
        threads = cf.ThreadPoolExecutor(max_workers=max(1, min(jobs, len(office_jobs))))
        try:
            for key, job in pool_jobs:
                futures[pool.submit(stages.call, f"convert.{job.module}", _run, job)] = [(key, job)]
            slots: queue.Queue = queue.Queue()
            for slot in range(jobs):
                slots.put(slot)
            for batch in office.batches(office_jobs, jobs, OFFICE_BATCH):
                fut = threads.submit(stages.call, "convert.office", _run_office, [j for _, j in batch], Path(lo_root), slots,
                                     office_timeout)
                futures[fut] = batch
            for fut in cf.as_completed(futures):
                _collect(fut, futures[fut], results)
                task.advance(len(futures[fut]), futures[fut][-1][1].source.name)
        except BaseException:
            _stop(pool, threads)
            raise
        pool.shutdown()
        threads.shutdown()


def _collect(fut: cf.Future, batch: list[tuple[str, _Job]], results: dict[str, Converted]) -> None:
    try:
        outcomes = fut.result()
    except BrokenProcessPool:  # a worker died (out of memory?): not cached, retried
        job = batch[0][1]
        outcomes = placeholder.for_source(job.source, job.pdf, CRASHED)
    for (key, job), outcome in zip(batch, outcomes if isinstance(outcomes, list)
                                   else [outcomes], strict=True):
        results[key] = Converted(key, job.pdf, outcome.pages, outcome.placeholder)


def _stop(pool: cf.Executor, threads: cf.ThreadPoolExecutor) -> None:
    """Interrupted or failed: drop queued work and kill what runs, then let it unwind."""
    libreoffice.kill_running()
    threads.shutdown(wait=False, cancel_futures=True)
    children.stop_pool(pool)
    libreoffice.kill_running()  # a batch thread may have started one meanwhile
    threads.shutdown(wait=True)
