"""``dossier pack``: the submission archive, a BagIt bag (RFC 8493) in a deterministic ZIP.

What the archive is (formats, names, required members) is ``dossier.archive``; this module
makes one. ``pack_project`` is the whole workflow (check → build → pack, from the build
result); ``pack`` writes the ZIP from a project, its built outputs and the findings.

Layout of ``build/YYYY/<unit>-YYYY-规范化建设材料.zip`` (one top folder named like the
zip stem, so extracting never scatters files)::

    <stem>/bagit.txt  bag-info.txt
    <stem>/data/原件/<item number> <original name>   (+ ``.pdf`` rendition where needed)
    <stem>/data/<binder, report, score sheet as built>
    <stem>/data/归档目录.xlsx    archive index (序号, 档号, 题名, 责任部门, 日期, 页数, SHA-256, 存放位置)
    <stem>/data/清单.json        the manifest as data, the score, every output and item
    <stem>/manifest-sha256.txt  manifest-sm3.txt  tagmanifest-sha256.txt

Decisions:
- No staging copy: each payload file is read once, and that one read feeds SHA-256, SM3
  and the ZIP writer. The members are written in the order above, which is fixed, so the
  bytes depend only on the contents and ``manifest.date``. bag-info.txt comes first: its
  Payload-Oxum is known from the sizes before any byte is copied.
- An original whose SHA-256 differs from the scan's (edited in place with the same size
  and time) stops the pack: the binder was built from the old content. Its scan-cache
  entry is dropped, so the next run rebuilds from the new content.
- Compression: already-compressed formats are stored; for the others the first MiB is
  deflated on trial, and a member that would compress more than ``MAX_RATIO``/4 is
  stored (``verify`` refuses ratios over ``MAX_RATIO`` as zip bombs).
- 档号 is ``<year>-<item number>``; 序号 runs 1..N in binder order; 日期 is a date found in the
  file name, else empty (file times are not evidence).
- Blocking findings (severity ``error``) stop the pack unless ``force``; a forced pack
  lists each in 清单.json (``overridden``) and counts them in bag-info.txt.
  An empty year (no evidence items or no claims) is refused even with ``force``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import queue
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dossier import __version__, sm3, stages
from dossier.archive import (
    BAGIT_TXT,
    CONTENTS_FORMAT,
    CONTENTS_NAME,
    INDEX_HEADER,
    INDEX_NAME,
    MAX_RATIO,
    ORIGINALS_DIR,
    ROLES,
    archive_path,
    archive_stem,
    member_name,
    needs_rendition,
    nfc,
    rendition_name,
    safe_name,
)
from dossier.errors import DossierError, ExitCode, InputError
from dossier.fsutil import atomic_write
from dossier.names import dates_in_name
from dossier.outputs import VOLUME_PREFIX, label, volume_number
from dossier.pii import Background as PiiScan
from dossier.pii import PiiHit
from dossier.progress import Progress

log = logging.getLogger(__name__)

# Formats whose content is already compressed: deflating them again costs minutes on a
# real year (45 s of 75 s for 1.8 GB of scans) and saves a few per cent.
_STORED_EXTS = {"jpg", "jpeg", "png", "heic", "heif", "webp", "gif", "mp4", "mov", "avi", "wmv",
                "mp3", "m4a", "amr", "zip", "rar", "7z", "gz", "docx", "xlsx", "pptx", "odt",
                "ods", "pdf"}
_BLOCK = 1 << 20

# Judges whose blocking findings ``pack_project`` adds to the check's: each is called as
# ``judge(project, score) -> list[Finding]`` (e.g. draft markers left in the report).
JUDGES: list[Callable] = []


class PackRefused(DossierError):
    """Blocking findings exist and ``--force`` was not given, or the year is empty (exit 1)."""

    exit_code = ExitCode.blocking


class EvidenceChanged(InputError):
    """An original changed after it was scanned (exit 3); the next run picks it up."""


@dataclass
class PackResult:
    path: Path
    size: int
    sha256: str
    items: int
    originals: int
    sm3: str = ""  # the archive's fingerprint, to declare with the submission
    form: Path | None = None  # the 报送单 that names the archive and its fingerprint
    outputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)      # what was skipped, and why
    warnings: list[str] = field(default_factory=list)   # forced findings, PII
    pii: list[PiiHit] = field(default_factory=list)


# -- the workflow ---------------------------------------------------------------------------

def pack_project(project, *, originals: bool = True, force: bool = False, options=None,
                 progress: Progress | None = None) -> PackResult:
    """check → build → pack, computing the score and the check once.

    ``options`` are the build options (``dossier.builders.BuildOptions``); when they set no
    volume size, the binder keeps the volumes of the last build (``build --max-pages``).
    """
    from dossier.builders import BuildOptions, build_all, recorded_volume_options
    from dossier.check import run_check
    from dossier.score import compute_score

    progress = progress or Progress()
    score = compute_score(project)
    report = run_check(project, score)
    findings = list(report.findings)
    for judge in JUDGES:
        findings.extend(stages.call("pack.checks", judge, project, score))
    refuse_empty_year(project)
    findings = unique(findings)
    from dossier import reportcheck, sheetimport

    # The report and sheet are judged after the build, as they will go out: an output that is
    # only stale (not edited by hand) is rebuilt first, so its old figures must not refuse now.
    judged = {reportcheck.KIND, *sheetimport.KINDS}
    from dossier.outputs import output_path

    built_before = output_path(project, "report_docx").exists()  # else: check's prediction stands
    pre = [f for f in findings if f.kind not in judged or not built_before]
    # refused anyway: list the built report's problems too, so one run names them all
    refuse_blocking(findings if any(f.severity == "error" for f in pre) else pre, force)
    options = options or BuildOptions()
    if options.max_pages is None and options.max_mb is None:
        max_pages, max_mb = recorded_volume_options(project)
        options = BuildOptions(max_pages=max_pages, max_mb=max_mb, strict=options.strict,
                               reuse=options.reuse)
    options = BuildOptions(max_pages=options.max_pages, max_mb=options.max_mb,
                           strict=options.strict, reuse=options.reuse, keep_edited=True)
    built = build_all(project, options, progress=progress, score=score, check=report)
    if built.errors:
        raise DossierError("生成汇编、报告或得分表时出错，未生成归档包：\n"
                           + "\n".join(f"  - {e}" for e in built.errors),
                           hint="按上面的提示处理后重新运行 dossier pack。")
    from dossier.builders.report import sync_pdf

    # a report edited in Word goes out as the PDF of that edit
    stages.call("pack.sync_report", sync_pdf, project)

    # the outputs as they will go out: a sheet edited by hand that contradicts the manifest,
    # a report with draft markers or stale figures
    # they replace the check's findings about these outputs (judged or predicted before the
    # build), so that nothing is listed twice
    shipped = stages.call("pack.checks", lambda: [*sheetimport.sheet_findings(project),
                                                  *reportcheck.report_findings(project, score)])
    findings = unique([*(f for f in findings if f.kind not in judged), *shipped])
    renditions = stages.call("pack.renditions", _renditions, project, progress)
    result = pack(project, built.files(), findings, originals=originals, force=force,
                  progress=progress, score=score, renditions=renditions)
    from dossier.submission import write_submission_form

    result.form = stages.call("pack.form", write_submission_form, project, result, score)
    return result


def _renditions(project, progress: Progress) -> dict[str, Path | None]:
    """sha256 → the archival PDF of each original not taken as-is (None: it could not be made)."""
    from dossier.convert import convert_files

    files = {it.file.sha256: it.file for it in project.all_items() if needs_rendition(it.file)}
    if not files:
        return {}
    converted = convert_files(list(files.values()), project.cache_dir, progress=progress)
    return {sha: (None if (c := converted.get(sha)) is None or c.placeholder else c.pdf)
            for sha in files}


def refuse_empty_year(project) -> None:
    items = project.all_items()
    claims = [c for c in project.manifest.claims.values() if c.points is not None]
    if items and claims:
        return
    what = ("没有任何佐证材料" if not items else "") + ("、" if not items and not claims else "") + \
           ("清单中没有填写任何自评得分" if not claims else "")
    raise PackRefused(f"{project.year} 年度{what}，不能生成报送用的归档包（--force 也不行）。",
                      path=project.manifest.path,
                      hint=f"把材料放入 evidence/{project.year}/ 下的指标文件夹，在清单 claims 中填写自评"
                           "得分，运行 dossier check 确认后再打包；如果年度选错了，用 --year 指定。")


def unique(findings: Iterable) -> list:
    """The findings in order, each (kind, path, message) once."""
    seen: set = set()
    kept = []
    for f in findings:
        key = (f.kind, f.path, f.message)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


def refuse_blocking(findings: Iterable, force: bool) -> list:
    blocking = [f for f in findings if getattr(f, "severity", None) == "error"]
    if blocking and not force:
        raise PackRefused(f"有 {len(blocking)} 项阻断性问题，未生成归档包：\n"
                          + "\n".join(f"  - {describe_finding(f)}" for f in blocking),
                          hint="请按 dossier check 的提示补齐或更正后再打包；"
                               "确需先行打包（如内部预审）时加 --force。")
    return blocking


def describe_finding(finding) -> str:
    """The finding's message, prefixed with the file (or folder) it concerns, else its code."""
    message = str(finding.message)
    path, code = getattr(finding, "path", None), getattr(finding, "code", None)
    if path and str(path) not in message:
        return f"{path}：{message}"
    if code and str(code) not in message:
        return f"{code}：{message}"
    return message


# -- the archive ----------------------------------------------------------------------------

@stages.timed("pack.archive")
def pack(project, outputs: dict[str, Path], findings: list, *, originals: bool = True,
         force: bool = False, progress: Progress | None = None, score=None,
         renditions: dict[str, Path | None] | None = None) -> PackResult:
    """Write the submission archive from built ``outputs`` (role → file) and the evidence.

    ``score`` is the project's Score (computed when omitted). ``renditions`` maps the
    SHA-256 of each original not taken as-is to its archival PDF (``pack_project`` finds
    them); an original that needs one and has none refuses the pack.
    """
    progress = progress or Progress()
    blocking = refuse_blocking(findings, force)
    refuse_empty_year(project)
    if score is None:
        from dossier.score import compute_score

        score = compute_score(project)
    items = list(project.all_items())
    renditions = renditions or {}
    if originals:
        _refuse_missing_renditions(items, renditions)
    result = PackResult(path=archive_path(project), size=0, sha256="", items=len(items), originals=0)
    result.warnings += [f"强制打包，存在阻断性问题：{describe_finding(f)}" for f in blocking]
    pii_scan = PiiScan(items, project.cache_dir)  # in a worker, beside the archive's writing
    pii_at = len(result.warnings)
    try:
        members = _outputs(outputs, result)
        entries = [_item_entry(project, item, seq) for seq, item in enumerate(items, 1)]
        originals_list = _originals(items, entries, renditions) if originals else []
        if not originals:
            result.notes.append("按 --no-originals 未放入证据原件，归档目录仍列出全部条目")
        contents = _contents(project, score, blocking, originals, entries, members)
        date = project.manifest.date
        stem = archive_stem(project)
        with atomic_write(result.path) as tmp, _BagWriter(tmp, stem, date) as bag:
            bag.add_bytes("bagit.txt", BAGIT_TXT.encode("utf-8"), tag=True)
            _copy_originals(bag, project, items, originals_list, entries, progress)
            rows = [(bag.add_file(rel, src), role) for rel, src, role in members]
            bag.drain()
            contents["outputs"] = [{"role": role, "title": role_label(role), "path": row[0],
                                    "sha256": row[1], "sm3": row[2]} for row, role in rows]
            index = io.BytesIO()
            write_index(index, contents, date)
            bag.add_bytes(f"data/{INDEX_NAME}", index.getvalue())
            bag.add_bytes(f"data/{CONTENTS_NAME}",
                          (json.dumps(contents, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
            bag.add_bytes("bag-info.txt", _bag_info_text(project, contents, stem, bag.oxum()), tag=True)
            bag.finish()
        result.size = result.path.stat().st_size
        result.sha256, result.sm3 = bag.digests
    except BaseException:
        pii_scan.cancel()  # the worker goes with the pack
        raise
    result.pii = stages.call("pack.checks", pii_scan.result, progress)
    result.warnings[pii_at:pii_at] = [hit.message() for hit in result.pii]
    result.outputs = [Path(rel).name for rel, _, _ in members]
    result.originals = contents["counts"]["originals"]
    return result


def _refuse_missing_renditions(items, renditions: dict[str, Path | None]) -> None:
    missing = [it for it in items if needs_rendition(it.file)
               and renditions.get(it.file.sha256) is None]
    if missing:
        raise PackRefused("以下原件的格式归档包不直接接收，需要附上转换成的 PDF，但转换没有成功，未生成归档包：\n"
                          + "\n".join(f"  - {it.file.rel}" for it in missing),
                          hint="运行 dossier build 查看转换失败的原因（汇编中该文件是说明页）；"
                               "或在 WPS/Office 中把它另存为 PDF 后替换原文件。")


def _outputs(outputs: dict[str, Path], result: PackResult) -> list[tuple[str, Path, str]]:
    """(member path under the bag, source, role) for each built output, in role order."""
    volumes = sorted((r for r in outputs if r.startswith(VOLUME_PREFIX)), key=volume_number)
    roles = [r for r in ROLES if not (r == "binder_pdf" and volumes)] + volumes + \
        sorted(set(outputs) - set(ROLES) - set(volumes))
    members = []
    for role in roles:
        src = outputs.get(role)
        if src is None or not Path(src).is_file():
            result.notes.append(f"未找到{role_label(role)}，归档包中不含此文件；如需包含请先运行 dossier build")
            continue
        members.append((f"data/{safe_name(Path(src).name)}", Path(src), role))
    return members


def role_label(role: str) -> str:
    return label(role)


def _item_entry(project, item, seq: int) -> dict:
    file = item.file
    return {"seq": seq, "number": item.number, "archival_code": f"{project.year}-{item.number}",
            "code": item.code, "title": item.title, "department": _department(project, item.code),
            "date": date_from_name(Path(file.rel).stem), "file": nfc(file.rel), "path": None,
            "rendition": None, "kind": file.kind, "ext": file.ext, "size": file.size,
            "pages": file.pages, "sha256": file.sha256, "problem": file.problem}


def _originals(items, entries: list[dict], renditions) -> list[tuple[str, Path]]:
    """(member, source) of every original and rendition; fills the entries' paths."""
    members = []
    for item, entry in zip(items, entries, strict=True):
        name = Path(item.file.rel).name
        entry["path"] = f"data/{ORIGINALS_DIR}/{member_name(item.number, name)}"
        members.append((entry["path"], item.file.path))
        if needs_rendition(item.file):
            entry["rendition"] = f"data/{ORIGINALS_DIR}/{rendition_name(item.number, name)}"
            members.append((entry["rendition"], renditions[item.file.sha256]))
    return members


def _department(project, code: str) -> str:
    from dossier.check import departments_of

    return departments_of(project, code)


def date_from_name(name: str) -> str:
    """The first date written in the file name (dossier.names), for the archive index."""
    dates = dates_in_name(name)
    return dates[0].isoformat() if dates else ""


def manifest_data(manifest) -> dict:
    """The manifest as data for the archive: what staff entered, none of their comments."""
    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    return {"standard": manifest.standard, "unit": manifest.unit, "year": manifest.year,
            "date": manifest.date.isoformat(),
            "claims": {code: {"points": None if c.points is None else str(c.points),
                              "note": c.note} for code, c in manifest.claims.items()},
            "facts": plain(dict(manifest.facts or {})), "bonus": plain(dict(manifest.bonus or {})),
            "deductions": plain(dict(manifest.deductions or {})),
            "evidence": {code: [{"file": o.file, "title": o.title} for o in overrides]
                         for code, overrides in manifest.evidence.items()},
            "exclude": list(manifest.exclude)}


def _contents(project, score, blocking, originals: bool, entries, members) -> dict:
    manifest = project.manifest
    return {"format": CONTENTS_FORMAT, "generator": f"dossier {__version__}",
            "standard": manifest.standard, "unit": manifest.unit, "year": manifest.year,
            "date": manifest.date.isoformat(), "originals_included": originals,
            "manifest": manifest_data(manifest),
            "score": {"total": str(score.total), "grade": str(score.grade),
                      "base": str(score.base), "bonus": str(score.bonus),
                      "deductions": str(score.deductions), "at_risk": str(score.at_risk)},
            "overridden": [f.to_json() if hasattr(f, "to_json") else {"message": str(f.message)}
                           for f in blocking],
            "counts": {"items": len(entries),
                       "originals": sum(1 for e in entries if e["path"]) if originals else 0,
                       "outputs": len(members)},
            "outputs": [], "items": entries}


def _copy_originals(bag: _BagWriter, project, items, originals_list, entries,
                    progress: Progress) -> None:
    """Copy originals and renditions; an original that differs from its scan stops the pack."""
    from dossier.scan import forget_files

    by_member = {e["path"]: (item, e) for item, e in zip(items, entries, strict=True)}
    renditions = {e["rendition"]: e for e in entries if e.get("rendition")}
    changed = []
    with progress.task("写入归档包", total=len(originals_list)) as task:
        for rel, src in originals_list:
            sha = bag.add_file(rel, src)[1]
            if rel in renditions:
                renditions[rel]["rendition_sha256"] = sha
            elif (found := by_member.get(rel)) and found[0].file.sha256 != sha:
                changed.append(found[0].file.rel)
            task.advance(1, Path(rel).name)
    if changed:
        forget_files(project.cache_dir, changed)
        raise EvidenceChanged(
            "以下佐证文件在检查之后被修改过（大小和修改时间可能未变），汇编是按修改前的内容生成的，"
            "未生成归档包：\n" + "\n".join(f"  - evidence/{project.year}/{rel}" for rel in changed),
            hint="已让工具重新读取这些文件。请再运行一次 dossier pack（会按新内容重新生成汇编）。")


# -- writing ----------------------------------------------------------------------------------

class _Utf8ZipInfo(zipfile.ZipInfo):
    """zipfile sets the UTF-8 flag only for non-ASCII names; set it on every member."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
        return self.filename.encode("utf-8"), self.flag_bits | 0x800


def zip_date_time(date: dt.date) -> tuple[int, int, int, int, int, int]:
    return (max(date.year, 1980), date.month, date.day, 0, 0, 0)


class _HashLane:
    """A thread that feeds blocks to hashers, beside the thread that reads and writes.

    ``hashlib`` releases the GIL while it hashes a large block, so SM3 (OpenSSL's, the
    slowest step of a pack) runs on the second core while the main thread reads, takes
    SHA-256, CRC and writes. The queue is bounded: memory stays a few blocks.
    """

    def __init__(self, stage: str):
        self.stage = stage
        self.queue: queue.Queue = queue.Queue(maxsize=16)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"dossier-{stage}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            hasher, block, done = item
            try:
                if self.error is None:
                    if block is not None:
                        stages.call(self.stage, hasher.update, block)
                    else:
                        done(hasher.hexdigest())
            except BaseException as exc:  # noqa: BLE001 - raised again by drain()
                self.error = exc
            finally:
                self.queue.task_done()
        self.queue.task_done()

    def feed(self, hasher, block: bytes) -> None:
        self.queue.put((hasher, block, None))

    def end(self, hasher, done: Callable[[str], None]) -> None:
        """``done(hexdigest)`` once every block fed so far is hashed."""
        self.queue.put((hasher, None, done))

    def drain(self) -> None:
        self.queue.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


class _Follower:
    """The archive's own SHA-256 and SM3, taken while it is written (no second read pass
    after it): a thread reads the file up to what the writer has finished — zipfile
    rewrites a member's local header when the member closes, never anything before."""

    def __init__(self, path: Path):
        # unbuffered: a buffered reader would read ahead into bytes not yet final
        self.fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by result()
        self.sha = hashlib.sha256()
        self.sm3 = sm3.new()
        self.lane = _HashLane("pack.archive_digest")
        self.cond = threading.Condition()
        self.limit, self.final = 0, False
        self.error: BaseException | None = None
        self.digests: list[str] = []
        self.thread = threading.Thread(target=self._run, name="dossier-archive-digest",
                                       daemon=True)
        self.thread.start()

    def advance(self, limit: int, final: bool = False) -> None:
        with self.cond:
            self.limit, self.final = limit, final
            self.cond.notify()

    def _run(self) -> None:
        pos = 0
        try:
            while True:
                with self.cond:
                    while pos >= self.limit and not self.final:
                        self.cond.wait()
                    limit, final = self.limit, self.final
                while pos < limit:
                    block = self.fh.read(min(_BLOCK, limit - pos))
                    if not block:
                        raise OSError(f"归档包比写入的短：{pos} < {limit}")
                    stages.call("pack.archive_digest", self.sha.update, block)
                    self.lane.feed(self.sm3, block)
                    pos += len(block)
                if final:
                    break
        except BaseException as exc:  # noqa: BLE001 - raised again by result()
            self.error = exc
        finally:
            self.lane.end(self.sm3, self.digests.append)

    def result(self, size: int) -> tuple[str, str]:
        """(SHA-256, SM3) of the archive, once it is ``size`` bytes and complete."""
        self.advance(size, final=True)
        self.thread.join()
        self.lane.drain()
        self.lane.close()
        self.fh.close()
        if self.error is not None:
            raise self.error
        return self.sha.hexdigest(), self.digests[0]

    def stop(self) -> None:
        """Interrupted or failed: let the threads end."""
        self.error = self.error or OSError("stopped")
        self.advance(self.limit, final=True)
        self.thread.join()
        self.lane.close()
        self.fh.close()


class _BagWriter:
    """Members of ``<stem>/`` written once each, hashed as they are written.

    Member order is fixed by the caller: bagit.txt, the payload, bag-info.txt (its
    Payload-Oxum counts what was written), then the manifests. Each payload file is read
    once: SHA-256, CRC and the write on this thread, SM3 on a ``_HashLane``; the archive's
    own digests are taken by a ``_Follower`` as it grows (``digests`` after closing).
    """

    def __init__(self, target: Path, stem: str, date: dt.date):
        self.stem, self.date = stem, date
        self.zip = zipfile.ZipFile(target, "w", allowZip64=True)
        self.payload: list[list[str]] = []   # [rel, sha256, sm3]
        self.tags: list[list[str]] = []
        self.payload_bytes = 0
        self.lane = _HashLane("pack.sm3")
        self.follower = _Follower(target)
        self.digests: tuple[str, str] | None = None

    def __enter__(self) -> _BagWriter:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        complete = False
        try:
            self.zip.close()
            complete = exc_type is None
        finally:
            self.lane.close()
            if complete:
                self.digests = self.follower.result(Path(self.zip.filename).stat().st_size)
            else:
                self.follower.stop()

    def _info(self, rel: str, stored: bool, size: int) -> zipfile.ZipInfo:
        info = _Utf8ZipInfo(f"{self.stem}/{rel}", zip_date_time(self.date))
        info.create_system = 3
        info.external_attr = 0o100644 << 16
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.file_size = size
        return info

    def _record(self, rel: str, sha: str, sm: str | None, tag: bool, size: int) -> list[str]:
        row = [rel, sha, sm]
        (self.tags if tag else self.payload).append(row)
        if not tag:
            self.payload_bytes += size
        return row

    def _finished(self) -> None:
        """A member is complete: every byte before the end of the file is final."""
        self.zip.fp.flush()
        self.follower.advance(self.zip.start_dir)

    def oxum(self) -> str:
        """Payload-Oxum: bytes and files of the payload written so far."""
        return f"{self.payload_bytes}.{len(self.payload)}"

    def add_bytes(self, rel: str, data: bytes, tag: bool = False) -> None:
        stored = _should_store(rel, data[:_BLOCK])
        self.zip.writestr(self._info(rel, stored, len(data)), data)
        self._finished()
        self._record(rel, hashlib.sha256(data).hexdigest(), sm3.new(data).hexdigest(), tag,
                     len(data))

    def add_file(self, rel: str, src: Path) -> list[str]:
        """Copy ``src`` as ``rel``: one read feeds SHA-256, SM3 and the ZIP. Returns the
        member's row [rel, sha256, sm3]; its SM3 is filled in by ``drain``."""
        sha, sm = hashlib.sha256(), sm3.new()
        written = 0
        with open(src, "rb") as fh:
            block = stages.call("pack.read", fh.read, _BLOCK)
            size = Path(src).stat().st_size
            info = self._info(rel, _should_store(rel, block), size)
            with self.zip.open(info, "w", force_zip64=size > 0x7FFFFFFF) as out:
                while block:
                    self.lane.feed(sm, block)
                    stages.call("pack.sha256", sha.update, block)
                    stages.call("pack.zip_write", out.write, block)
                    written += len(block)
                    block = stages.call("pack.read", fh.read, _BLOCK)
        self._finished()
        row = self._record(rel, sha.hexdigest(), None, False, written)
        self.lane.end(sm, lambda digest: row.__setitem__(2, digest))
        return row

    def drain(self) -> None:
        """Wait until every SM3 fed so far is done (rows complete)."""
        self.lane.drain()

    def finish(self) -> None:
        """The payload manifests, then the tag manifest over every tag file."""
        self.drain()
        payload = sorted(self.payload)
        for alg, column in (("sha256", 1), ("sm3", 2)):
            text = "".join(f"{row[column]}  {row[0]}\n" for row in payload)
            self.add_bytes(f"manifest-{alg}.txt", text.encode("utf-8"), tag=True)
        tags = sorted(self.tags)
        text = "".join(f"{sha}  {rel}\n" for rel, sha, _ in tags)
        self.add_bytes("tagmanifest-sha256.txt", text.encode("utf-8"), tag=True)


def _should_store(rel: str, head: bytes) -> bool:
    if Path(rel).suffix.lower().lstrip(".") in _STORED_EXTS:
        return True
    if len(head) < _BLOCK:
        return False  # small: verify's ratio limit applies to members over 1 MiB only
    return len(head) / max(1, len(zlib.compress(head, 6))) > MAX_RATIO / 4


def _bag_info_text(project, contents: dict, stem: str, oxum: str) -> bytes:
    manifest = project.manifest
    info = {"Source-Organization": manifest.unit, "External-Identifier": stem,
            "External-Description": f"{manifest.unit}{manifest.year}年度规范化建设自评材料",
            "Bagging-Date": manifest.date.isoformat(),
            "Bag-Software-Agent": f"dossier {__version__}",
            "Assessment-Standard": manifest.standard, "Assessment-Year": str(manifest.year),
            "Evidence-Items": str(contents["counts"]["items"]),
            "Original-Files": str(contents["counts"]["originals"]),
            "Output-Files": str(contents["counts"]["outputs"]),
            "Claimed-Score": contents["score"]["total"], "Grade": contents["score"]["grade"],
            "Payload-Oxum": oxum}
    if contents["overridden"]:
        info["Blocking-Findings"] = str(len(contents["overridden"]))
    return "".join(f"{k}: {v}\n" for k, v in sorted(info.items())).encode("utf-8")


def write_index(target, contents: dict, date: dt.date) -> None:
    """归档目录.xlsx (a path or a binary file object), byte-identical for the same contents."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "归档目录"
    sheet.append(INDEX_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    from dossier.xlsxtext import append_row  # titles and names are people's text, never formulas

    for e in contents["items"]:
        append_row(sheet, (e["seq"], e["archival_code"], e["title"], e["department"], e["date"],
                           e["pages"], e["sha256"], e["path"] or "（未随包提供原件）"))
    for column, width in zip("ABCDEFGH", (6, 18, 40, 16, 12, 6, 66, 50), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    save_workbook_deterministic(workbook, target, date)


def save_workbook_deterministic(workbook, target, date: dt.date) -> None:
    """openpyxl stamps 'now' into docProps and every ZIP entry; pin both to ``date``."""
    from openpyxl.writer.excel import ExcelWriter

    when = dt.datetime(date.year, date.month, date.day)
    workbook.properties.created = workbook.properties.modified = when
    workbook.properties.creator = workbook.properties.lastModifiedBy = "dossier"
    buffer = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, zip_date_time(date))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o100644 << 16
            dst.writestr(fixed, src.read(info))
