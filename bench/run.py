"""The benchmark: one run on this machine, dossier against the floors of the hardware.

    python bench/run.py --size small|medium|tiny [--seed 1] [--keep]

Generates a synthetic year (bench/generate.py) into ``build/bench/<size>/ws`` and
measures, in this one run: ``check`` cold and warm; ``build`` cold (empty cache),
warm (nothing changed) and incremental (one photo and one .docx replaced); ``pack``;
and the floors — a raw qpdf merge of the cached converted PDFs, photo conversion by
the reference Pillow recipe on all cores, LibreOffice batch conversion of the
ledgers (one profile per worker, on all cores), reading all input bytes once, the
Word binder's page pictures (scans copied, other pages rendered, on all cores), writing
the Word binder's ZIP, and pack's (every packed byte read once through SHA-256 and SM3
and written once, on all cores).
For each: wall time, CPU time, peak RSS of the dossier process and of its whole
process tree (LibreOffice included), output sizes. For the cold, --rebuild and
incremental builds and for pack, a stage table (``dossier.stages``: wall, CPU, cores
= CPU / wall, floor and ratio to it). Prints the tables and the ratios of the targets
(met or missed) and writes ``build/bench/<size>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # dossier.stages and the page-picture recipe of this checkout
MIB = 1024 * 1024


@dataclass
class Measure:
    name: str
    wall: float
    cpu: float
    rss_mib: float  # peak RSS of the measured process itself
    tree_mib: float  # peak summed RSS of the process and all its descendants
    exit_code: int = 0
    extra: dict = field(default_factory=dict)
    stages: dict = field(default_factory=dict)  # dossier.stages.read(): name → calls/wall/cpu


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
    except OSError:
        pass
    return out


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss_kib(pid: int) -> int:
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_kib(p)
        stack.extend(_children(p))
    return total


def run_measured(name: str, argv: list[str], cwd: Path | None = None,
                 env: dict | None = None) -> Measure:
    """Run a command; wall/CPU time from wait4, tree RSS sampled every 20 ms from /proc;
    a dossier command also records its stages (``dossier.stages``) into a temporary file."""
    from dossier import stages

    stages_file = Path(tempfile.mkdtemp(prefix="dossier-stages-")) / "stages.jsonl"
    env = dict(env if env is not None else os.environ, **{stages.ENV: str(stages_file)})
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr_chunks = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    m = Measure(name, wall, cpu, usage.ru_maxrss / 1024, max(peak[0], usage.ru_maxrss) / 1024,
                proc.returncode, stages=stages.read(stages_file))
    shutil.rmtree(stages_file.parent, ignore_errors=True)
    if proc.returncode not in (0, 1):
        err = (stderr_chunks[0] if stderr_chunks else b"").decode("utf-8", "replace")[-2000:]
        m.extra["stderr"] = err
    return m


def dossier(ws: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "dossier", "-C", str(ws), *args]


# -- floors ---------------------------------------------------------------------------

def _photo_floor_one(args: tuple[str, str]) -> int:
    from PIL import Image, ImageOps

    src, dst = args
    with Image.open(src) as im:
        im.draft("RGB", (1240, 1754))
        im = ImageOps.exif_transpose(im)
        im.thumbnail((1240, 1754))  # A4 at 150 dpi
        im.convert("RGB").save(dst, "JPEG", quality=75)
    return os.path.getsize(dst)


def photo_floor(photos: list[Path]) -> Measure:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        cpu0 = _cpu_children() + time.process_time()
        jobs = [(str(p), str(Path(tmp) / f"{i}.jpg")) for i, p in enumerate(photos)]
        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            sizes = list(pool.map(_photo_floor_one, jobs, chunksize=4))
        wall = time.perf_counter() - start
        cpu = _cpu_children() + time.process_time() - cpu0
    return Measure("floor: photos (Pillow draft → A4 150 dpi q75, all cores)", wall, cpu, 0, 0,
                   extra={"files": len(photos), "bytes": sum(sizes)})


def _cpu_children() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def office_floor(ledgers: list[Path]) -> Measure:
    """LibreOffice batch conversion, one profile per worker, one worker per core."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    workers = max(1, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as tmp:
        groups = [ledgers[i::workers] for i in range(workers)]
        start = time.perf_counter()
        cpu0 = _cpu_children()
        procs = []
        for i, group in enumerate(groups):
            if not group:
                continue
            profile = Path(tmp) / f"profile{i}"
            procs.append(subprocess.Popen(
                [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(Path(tmp) / f"out{i}"),
                 *map(str, group)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for p in procs:
            p.wait()
        wall = time.perf_counter() - start
        cpu = _cpu_children() - cpu0
    return Measure("floor: office (LibreOffice batches, all cores)", wall, cpu, 0, 0,
                   extra={"files": len(ledgers)})


def read_floor(files: list[Path]) -> Measure:
    start = time.perf_counter()
    cpu0 = time.process_time()
    total = 0
    for f in files:
        h = hashlib.sha256()
        with open(f, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
                total += len(chunk)
    return Measure("floor: read all input bytes once (sha256)", time.perf_counter() - start,
                   time.process_time() - cpu0, 0, 0, extra={"bytes": total})


def _pictures_one(args: tuple[str, str]) -> int:
    """One converted PDF's page pictures, the least work that yields them: a scanned page's
    JPEG copied out as it is, any other page rendered by pdfium at the Word binder's
    resolution and stored as a PNG."""
    import pikepdf
    import pypdfium2

    from dossier.builders.pageimages import RENDER_DPI, scan_page

    src, out = args
    written = 0
    with pikepdf.open(src) as pdf:
        scans = [scan_page(page) for page in pdf.pages]
    doc = pypdfium2.PdfDocument(src)
    try:
        for i, scan in enumerate(scans):
            target = Path(f"{out}-{i}")
            if scan is not None:
                target.write_bytes(scan.jpeg)
            else:
                bitmap = doc[i].render(scale=RENDER_DPI / 72)
                bitmap.to_pil().convert("L").save(target, "PNG")
                bitmap.close()
            written += target.stat().st_size
    finally:
        doc.close()
    return written


def word_pictures_floor(pdfs: list[Path]) -> Measure:
    """The Word binder's page pictures from the cached conversions, on all cores."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        cpu0 = _cpu_children() + time.process_time()
        jobs = [(str(p), str(Path(tmp) / str(i))) for i, p in enumerate(pdfs)]
        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            sizes = list(pool.map(_pictures_one, jobs, chunksize=4))
        wall = time.perf_counter() - start
        cpu = _cpu_children() + time.process_time() - cpu0
    return Measure("floor: Word pictures (scan JPEG as is, else pdfium → PNG, all cores)", wall,
                   cpu, 0, 0, extra={"files": len(pdfs), "bytes": sum(sizes)})


def word_zip_floor(docx: Path | None) -> Measure:
    """Writing the Word binder's ZIP again from its members held in memory."""
    import zipfile

    members = []
    if docx is not None:
        with zipfile.ZipFile(docx) as z:
            members = [(info, z.read(info)) for info in z.infolist()]
    with tempfile.TemporaryDirectory(dir=docx.parent if docx else None) as tmp:
        start = time.perf_counter()
        cpu0 = time.process_time()
        with zipfile.ZipFile(Path(tmp) / "w.docx", "w") as out:
            for info, data in members:
                out.writestr(info, data, compress_type=info.compress_type)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return Measure("floor: Word binder ZIP write (members from memory)", wall, cpu, 0, 0,
                   extra={"members": len(members)})


def _pack_one(args: tuple[list[str], str]) -> int:
    from dossier import sm3

    files, target = args
    total = 0
    with open(target, "wb") as out:
        for f in files:
            sha, sm = hashlib.sha256(), sm3.new()
            with open(f, "rb") as fh:
                while block := fh.read(1 << 20):
                    sha.update(block)
                    sm.update(block)
                    out.write(block)
                    total += len(block)
    return total


def pack_floor(files: list[Path], out_dir: Path) -> Measure:
    """One read of every byte that goes into the archive through SHA-256 and SM3 (dossier's,
    OpenSSL where present) and one write, the files shared out over all cores."""
    workers = max(1, os.cpu_count() or 1)
    by_size = sorted(files, key=lambda p: p.stat().st_size, reverse=True)
    groups = [[str(p) for p in by_size[i::workers]] for i in range(workers)]
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        start = time.perf_counter()
        cpu0 = _cpu_children() + time.process_time()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            sizes = list(pool.map(_pack_one, [(g, str(Path(tmp) / f"{i}.bin"))
                                              for i, g in enumerate(groups)]))
        wall = time.perf_counter() - start
        cpu = _cpu_children() + time.process_time() - cpu0
    return Measure("floor: pack (read every byte once → SHA-256 + SM3 + write, all cores)",
                   wall, cpu, 0, 0, extra={"bytes": sum(sizes)})


# -- the stage table ------------------------------------------------------------------

# (stage, label, floor name or None); a stage that did not run in a command shows "—".
BUILD_STAGES = [
    ("load", "load (manifest, standard, scan)", None),
    ("scan", "  scan (evidence tree, hashes)", None),
    ("build", "build (all outputs)", None),
    ("score", "score", None),
    ("check", "check", None),
    ("convert", "convert: all kinds", "convert"),
    ("convert.pdf", "  pdf (Σ jobs)", None),
    ("convert.image", "  image (Σ jobs)", None),
    ("convert.office", "  office (Σ LibreOffice batches)", None),
    ("convert.text", "  text (Σ jobs)", None),
    ("convert.other", "  other (Σ jobs)", None),
    ("binder_pdf", "PDF binder (a worker beside the Word binder on ≥ 2 cores)", None),
    ("binder_pdf.pagemap", "  page map", None),
    ("binder_pdf.front", "  front matter + dividers", None),
    ("binder_pdf.merge", "  assembly (qpdf merge)", "merge"),
    ("binder_pdf.stamp", "  stamping", None),
    ("binder_pdf.links", "  links, outline, labels", None),
    ("binder_pdf.save", "  save", None),
    ("binder_docx", "Word binder", None),
    ("binder_docx.pictures", "  page pictures (pool)", "word_pictures"),
    ("binder_docx.pictures.render", "    in the workers (Σ jobs)", None),
    ("binder_docx.pages", "  assembly (pages; pictures not made by the pool)", None),
    ("binder_docx.zip", "  ZIP write", "word_zip"),
    ("report", "report (DOCX + PDF)", None),
    ("sheet", "score sheet", None),
]
PACK_STAGES = [
    *[s for s in BUILD_STAGES if "." not in s[0]],
    ("pack.sync_report", "report PDF synced with its DOCX", None),
    ("pack.renditions", "renditions", None),
    ("pack.checks", "checks (judges, sheet, report; PII collected)", None),
    ("pack.pii", "  PII scan (worker, beside the archive)", None),
    ("pack.archive", "archive (originals + outputs → ZIP)", "pack"),
    ("pack.read", "  read", None),
    ("pack.sha256", "  SHA-256", None),
    ("pack.sm3", "  SM3 (second thread)", None),
    ("pack.zip_write", "  ZIP writing (CRC, deflate, write)", None),
    ("pack.archive_digest", "  archive's own digests (thread, while written)", None),
    ("pack.form", "submission form", None),
]


def stage_table(m: Measure, layout: list[tuple[str, str, str | None]],
                floors: dict[str, float]) -> list[dict]:
    """The stages of one command in ``layout`` order, with cores (cpu / wall) and the ratio
    to their floor where they have one."""
    rows = []
    pool_cpu = sum(s["cpu"] for k, s in m.stages.items()
                   if s["worker"] and not k.startswith("pack."))  # pack's PII worker: not a build
    for key, label, floor_name in layout:
        s = m.stages.get(key)
        if s and key == "build":  # every build pool and worker runs inside build_all
            s = dict(s, cpu=s["cpu"] + pool_cpu)
        floor = floors.get(floor_name) if floor_name else None
        rows.append({"stage": key, "label": label, "ran": s is not None,
                     "calls": s["calls"] if s else 0,
                     "wall": round(s["wall"], 3) if s else None,
                     "cpu": round(s["cpu"], 3) if s else None,
                     "cores": round(s["cpu"] / s["wall"], 2) if s and s["wall"] else None,
                     "summed_over_jobs": bool(s and s["worker"]) or key == "convert.office",
                     "floor": None if floor is None else round(floor, 3),
                     "ratio": round(s["wall"] / floor, 2) if s and floor else None})
    outside = m.wall - sum(s["outer"] for s in m.stages.values())
    rows.append({"stage": "outside", "label": "outside every stage (start-up, imports …)",
                 "ran": True, "calls": 1, "wall": round(outside, 3), "cpu": None, "cores": None,
                 "summed_over_jobs": False, "floor": None, "ratio": None})
    rows.append({"stage": "total", "label": "whole command (wait4)", "ran": True, "calls": 1,
                 "wall": round(m.wall, 3), "cpu": round(m.cpu, 3),
                 "cores": round(m.cpu / m.wall, 2) if m.wall else None,
                 "summed_over_jobs": False, "floor": None, "ratio": None})
    return rows


# -- the run --------------------------------------------------------------------------

def _inputs(ws: Path) -> list[Path]:
    return sorted(p for p in (ws / "evidence").rglob("*") if p.is_file() and p.name != "说明.txt")


def _replace_photo_and_docx(ws: Path) -> list[str]:
    """Change one photo and one .docx in place (new content), as a late file would."""
    from docx import Document
    from PIL import Image, ImageDraw

    files = _inputs(ws)
    photo = next(p for p in files if p.suffix.lower() in (".jpg", ".jpeg"))
    word = next(p for p in files if p.suffix.lower() == ".docx")
    with Image.open(photo) as im:
        exif = im.info.get("exif", b"")
        im = im.convert("RGB")
    ImageDraw.Draw(im).rectangle((10, 10, 400, 200), fill=(200, 30, 30))
    im.save(photo, "JPEG", quality=90, exif=exif)
    doc = Document(str(word))
    doc.add_paragraph("补充说明：本台账于年底复核后更新。")
    doc.save(str(word))
    return [str(photo.relative_to(ws)), str(word.relative_to(ws))]


def _sizes(ws: Path, year: int) -> dict[str, int]:
    out = ws / "build" / str(year)
    return {p.name: p.stat().st_size for p in sorted(out.glob("*")) if p.is_file()}


def _binder_pages(ws: Path, year: int) -> int:
    import pikepdf

    pages = 0
    for pdf in sorted((ws / "build" / str(year)).glob("*佐证材料汇编*.pdf")):
        with pikepdf.open(pdf) as doc:
            pages += len(doc.pages)
    return pages


def _word_binder_opens(ws: Path, year: int) -> bool:
    docx = next((ws / "build" / str(year)).glob("*佐证材料汇编.docx"), None)
    if docx is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{tmp}/p",
                            "--headless", "--convert-to", "pdf", "--outdir", tmp, str(docx)],
                           capture_output=True, timeout=3600)
        return r.returncode == 0 and any(Path(tmp).glob("*.pdf"))


def run(size: str, seed: int, out_root: Path, check_word: bool, reuse: bool = False) -> dict:
    base = out_root / size
    ws = base / "ws"
    stamp = ws / ".bench-corpus.json"
    wanted = {"size": size, "seed": seed}
    t0 = time.perf_counter()
    if not (reuse and stamp.is_file() and json.loads(stamp.read_text()) == wanted):
        subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "--size", size,
                        "--out", str(ws), "--seed", str(seed)], check=True)
        stamp.write_text(json.dumps(wanted))
    gen_time = time.perf_counter() - t0
    year = int(sorted((ws / "manifests").glob("*.yaml"))[-1].stem)
    inputs = _inputs(ws)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    results: list[Measure] = []

    shutil.rmtree(ws / "build", ignore_errors=True)
    results.append(run_measured("check (cold)", dossier(ws, "check", "--format", "json"), env=env))
    results.append(run_measured("check (warm)", dossier(ws, "check", "--format", "json"), env=env))
    shutil.rmtree(ws / "build", ignore_errors=True)
    cold = run_measured("build (cold)", dossier(ws, "build"), env=env)
    results.append(cold)
    sizes = _sizes(ws, year)
    pages = _binder_pages(ws, year)
    warm = run_measured("build (warm)", dossier(ws, "build"), env=env)
    results.append(warm)
    # the same with output reuse off: what assembling every output from the caches costs
    forced = run_measured("build (warm, --rebuild: outputs not reused)",
                          dossier(ws, "build", "--rebuild"), env=env)
    results.append(forced)
    changed = _replace_photo_and_docx(ws)
    incr = run_measured("build (incremental: 1 photo + 1 docx)", dossier(ws, "build"), env=env)
    incr.extra["changed"] = changed
    results.append(incr)
    pack_m = run_measured("pack", dossier(ws, "pack", "--force"), env=env)
    results.append(pack_m)

    cached = sorted((ws / "build" / ".cache" / "convert").glob("*.pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        merge = run_measured("floor: merge (qpdf --empty --keep-files-open=y --pages …)",
                             ["qpdf", "--empty", "--keep-files-open=y", "--pages",
                              *map(str, cached), "--", str(Path(tmp) / "out.pdf")])
    merge.extra["files"] = len(cached)
    results.append(merge)
    photos = [p for p in inputs if p.suffix.lower() in (".jpg", ".jpeg")]
    ledgers = [p for p in inputs if p.suffix.lower() in (".docx", ".xlsx", ".doc", ".xls")]
    photos_m = photo_floor(photos)
    office_m = office_floor(ledgers)
    word_docx = next((ws / "build" / str(year)).glob("*佐证材料汇编.docx"), None)
    pictures_m = word_pictures_floor(cached)
    word_zip_m = word_zip_floor(word_docx)
    packed = [*inputs, *(p for p in (ws / "build" / str(year)).iterdir()
                         if p.is_file() and p.suffix.lower() != ".zip")]
    pack_floor_m = pack_floor(packed, ws / "build")
    results.extend([photos_m, office_m, read_floor(inputs), pictures_m, word_zip_m,
                    pack_floor_m])
    floors = {"merge": merge.wall, "convert": photos_m.wall + office_m.wall,
              "word_pictures": pictures_m.wall, "word_zip": word_zip_m.wall,
              "pack": pack_floor_m.wall}
    # a floor applies where that work has to be done: conversions and pictures on a cold build
    warm_floors = {k: floors[k] for k in ("merge", "word_zip")}
    stage_tables = {cold.name: stage_table(cold, BUILD_STAGES, floors),
                    forced.name: stage_table(forced, BUILD_STAGES, warm_floors),
                    incr.name: stage_table(incr, BUILD_STAGES, warm_floors),
                    pack_m.name: stage_table(pack_m, PACK_STAGES, {"pack": floors["pack"]})}

    by = {m.name: m for m in results}
    binder_bytes = sum(v for k, v in sizes.items() if "佐证材料汇编" in k and k.endswith(".pdf"))
    word_bytes = sum(v for k, v in sizes.items() if k.endswith("佐证材料汇编.docx"))
    dossier_runs = [m for m in results if not m.name.startswith("floor")]
    cold_floor = sum(floors[k] for k in ("merge", "convert", "word_pictures", "word_zip"))
    write_floor = floors["merge"] + floors["word_zip"]
    # the two changed files converted side by side, each on one core: a photo's and a
    # ledger's share of their all-core floors
    cores = os.cpu_count() or 1
    two_files = max(photos_m.wall * cores / max(1, len(photos)),
                    office_m.wall * cores / max(1, len(ledgers)))

    def ratio(value: float, floor: float) -> float | None:
        return value / floor if floor else None

    targets = [
        ("cold build / Σ floors (merge, photos, office, Word pictures, Word ZIP)",
         ratio(cold.wall, cold_floor), 1.3),
        ("warm --rebuild / (merge + Word ZIP write floors)", ratio(forced.wall, write_floor), 1.5),
        ("incremental / (2 conversions + merge + Word ZIP write floors)",
         ratio(incr.wall, two_files + write_floor), 1.3),
        ("pack / pack floor", ratio(pack_m.wall, floors["pack"]), 1.5),
        ("peak RSS of dossier during a build (MiB)",
         max(m.rss_mib for m in (cold, warm, forced, incr)), 400),
        ("peak RSS of the whole tree during a build (MiB)",
         max(m.tree_mib for m in (cold, warm, forced, incr)), 1024),
        ("binder bytes per page (KB)", binder_bytes / pages / 1000 if pages else None, 300),
        ("warm check (s)", by["check (warm)"].wall, 2.0),
        ("Word binder (MB)", word_bytes / 1e6, 200),
    ]
    report = {
        "size": size, "seed": seed, "machine": {"cpus": os.cpu_count(),
                                                "python": platform.python_version(),
                                                "platform": platform.platform()},
        "corpus": {"files": len(inputs), "bytes": sum(p.stat().st_size for p in inputs),
                   "photos": len(photos), "ledgers": len(ledgers), "binder_pages": pages,
                   "generate_seconds": round(gen_time, 1)},
        "measures": [asdict(m) for m in results],
        "floors": {k: round(v, 3) for k, v in floors.items()},
        "stage_tables": stage_tables,
        "outputs": sizes,
        "targets": [{"figure": f, "value": None if v is None else round(v, 3), "target": t,
                     "met": v is not None and v <= t} for f, v, t in targets],
        "failed_runs": [m.name for m in dossier_runs if m.exit_code not in (0, 1)],
    }
    if check_word:
        report["word_binder_opens"] = _word_binder_opens(ws, year)
    return report


def print_report(report: dict) -> None:
    c = report["corpus"]
    print(f"\ncorpus {report['size']}: {c['files']} files, {c['bytes'] / 1e6:.1f} MB, "
          f"{c['binder_pages']} binder pages ({report['machine']['cpus']} cores)")
    print(f"{'step':58} {'wall s':>8} {'cpu s':>8} {'RSS MiB':>8} {'tree MiB':>9}")
    for m in report["measures"]:
        print(f"{m['name'][:58]:58} {m['wall']:8.2f} {m['cpu']:8.2f} {m['rss_mib']:8.0f} "
              f"{m['tree_mib']:9.0f}" + ("" if m["exit_code"] in (0, 1) else "  FAILED"))
    for name, rows in report["stage_tables"].items():
        print_stage_table(name, rows)
    print(f"\n{'target':68} {'value':>8} {'target':>7}  met")
    for t in report["targets"]:
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
        print(f"{t['figure'][:68]:68} {value:>8} {t['target']:>7}  {'yes' if t['met'] else 'NO'}")
    if "word_binder_opens" in report:
        print(f"Word binder opens in LibreOffice: {report['word_binder_opens']}")


def print_stage_table(name: str, rows: list[dict]) -> None:
    def num(v, fmt="8.2f"):
        return f"{'—':>{fmt.split('.')[0]}}" if v is None else format(v, fmt)

    print(f"\nstages of {name}  (Σ: summed over jobs run side by side, so wall > elapsed)")
    print(f"{'stage':50} {'calls':>5} {'wall s':>8} {'cpu s':>8} {'cores':>5} {'floor s':>8} "
          f"{'×floor':>6}")
    for r in rows:
        print(f"{r['label'][:50]:50} {r['calls']:5d} {num(r['wall'])} {num(r['cpu'])} "
              f"{num(r['cores'], '5.2f')} {num(r['floor'])} {num(r['ratio'], '6.2f')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["tiny", "small", "medium"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "build" / "bench")
    parser.add_argument("--check-word", action="store_true",
                        help="also convert the Word binder with LibreOffice (slow on medium)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a corpus generated earlier with the same size and seed "
                             "(its replaced photo and .docx then differ slightly)")
    args = parser.parse_args(argv)
    report = run(args.size, args.seed, args.out, args.check_word or args.size != "medium",
                 reuse=args.reuse)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{args.size}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print_report(report)
    print(f"\nJSON: {path}")
    return 1 if report["failed_runs"] else 0


if __name__ == "__main__":
    sys.exit(main())
