"""The benchmark: one run on this machine, dossier against the floors of the hardware.

    python bench/run.py --size small|medium|tiny [--seed 1] [--keep]

Generates a synthetic year (bench/generate.py) into ``build/bench/<size>/ws`` and
measures, in this one run: ``check`` cold and warm; ``build`` cold (empty cache),
warm (nothing changed) and incremental (one photo and one .docx replaced); ``pack``;
and the floors — a raw qpdf merge of the cached converted PDFs, photo conversion by
the reference Pillow recipe on all cores, LibreOffice batch conversion of the
ledgers (one profile per worker, on all cores), and reading all input bytes once.
For each: wall time, CPU time, peak RSS of the dossier process and of its whole
process tree (LibreOffice included), output sizes. Prints a table and the ratios of
the targets (met or missed) and writes ``build/bench/<size>.json``.
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
    """Run a command; wall/CPU time from wait4, tree RSS sampled every 20 ms from /proc."""
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
                proc.returncode)
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
    results.append(run_measured("pack", dossier(ws, "pack", "--force"), env=env))

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
    results.extend([photos_m, office_m, read_floor(inputs)])

    by = {m.name: m for m in results}
    binder_bytes = sum(v for k, v in sizes.items() if "佐证材料汇编" in k and k.endswith(".pdf"))
    word_bytes = sum(v for k, v in sizes.items() if k.endswith("佐证材料汇编.docx"))
    floors = merge.wall + photos_m.wall + office_m.wall
    dossier_runs = [m for m in results if not m.name.startswith("floor")]
    targets = [
        ("warm build / merge floor", warm.wall / merge.wall if merge.wall else None, 1.5),
        ("cold build / (merge + photos + office floors)", cold.wall / floors if floors else None,
         1.3),
        ("incremental build / warm build", incr.wall / warm.wall if warm.wall else None, 1.3),
        ("incremental build / warm --rebuild", incr.wall / forced.wall if forced.wall else None,
         1.3),
        ("warm --rebuild / merge floor", forced.wall / merge.wall if merge.wall else None, 1.5),
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
    print(f"\n{'target':52} {'value':>10} {'target':>8}  met")
    for t in report["targets"]:
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
        print(f"{t['figure']:52} {value:>10} {t['target']:>8}  {'yes' if t['met'] else 'NO'}")
    if "word_binder_opens" in report:
        print(f"Word binder opens in LibreOffice: {report['word_binder_opens']}")


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
