"""Generate a synthetic evidence year for benchmarks and tests (never committed).

    .venv/bin/python bench/generate.py --size small --out build/bench/small --seed 1

Sizes: ``tiny`` (8 files, one of each kind, for tests), ``small`` (~100 files) and
``medium`` (~1,000 files, ~3,000 pages): image-only scans of 1–50 pages at 150–300 dpi,
3000×4000 phone photos (2–5 MB, some with EXIF rotation), Word and Excel ledgers, text
PDFs, a few HEIC and TIFF, spread over all 78 criteria, and a manifest claiming everything.

The output depends only on the size and the seed, never on the number of processes:
every file draws from its own ``random.Random`` seeded by its path, and the scanned pages
and photos that are reused to save time are themselves built from fixed seeds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from devtools import synth  # noqa: E402
from dossier.standard import load_standard  # noqa: E402
from dossier.workspace import existing_folders, init_workspace  # noqa: E402

YEAR = 2022
BUILD_DATE = dt.date(2022, 12, 20)
UNIT = "泉州市示例县生态环境保护综合行政执法大队"


@dataclass(frozen=True)
class Size:
    files: int
    photo: tuple[int, int]
    heic: tuple[int, int]


SIZES = {
    "tiny": Size(8, (480, 640), (480, 640)),
    "small": Size(100, (3000, 4000), (1512, 2016)),
    "medium": Size(1000, (3000, 4000), (1512, 2016)),
}
# share of files per format; the rest of the count goes to scans
MIX = [("photo", 0.28), ("pdf", 0.15), ("docx", 0.07), ("xlsx", 0.08), ("heic", 0.012),
       ("tif", 0.01), ("txt", 0.015)]
TINY = ["pdf", "scan", "photo", "docx", "xlsx", "heic", "tif", "txt"]
EXT = {"pdf": "pdf", "scan": "pdf", "photo": "jpg", "docx": "docx", "xlsx": "xlsx",
       "heic": "heic", "tif": "tif", "txt": "txt"}
SCAN_KINDS = ["notice", "minutes", "signin", "report", "penalty", "certificate", "ledger"]
PDF_KINDS = ["notice", "plan", "system", "report", "minutes"]
LEDGERS = ["equipment", "usage", "uniform", "training", "cases", "grid", "logins", "staff",
           "generic", "ppe"]
MARKER = ".bench-generated"
POOL = 6  # distinct pre-rendered scan pages per (dpi, colour)


@dataclass(frozen=True)
class Job:
    rel: str  # relative to evidence/YEAR
    fmt: str
    kind: str
    title: str
    ledger: str
    pages: int
    dpi: int
    color: bool
    orientation: int
    cost: float  # rough seconds, for scheduling the longest first


def _title(kind: str, short: str, rng: random.Random) -> str:
    if kind == "notice":
        return rng.choice([f"关于印发《{YEAR}年度{short}工作方案》的通知", f"关于做好{short}工作的通知"])
    return {"plan": f"{YEAR}年{short}工作计划", "system": f"{short}管理制度",
            "report": f"关于{short}情况的报告", "minutes": f"{short}专题会议纪要",
            "signin": f"{short}培训签到表", "penalty": "行政处罚决定书",
            "certificate": f"{short}荣誉证书", "ledger": f"{short}台账"}[kind]


def _scan_pages(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.6:
        return rng.randint(1, 3)
    if r < 0.85:
        return rng.randint(4, 10)
    if r < 0.95:
        return rng.randint(11, 30)
    return rng.randint(31, 50)


def plan(size: str, seed: int, folders: dict[str, str]) -> list[Job]:
    standard = load_standard()
    criteria = list(standard.criteria())
    rng = random.Random(f"{seed}:plan:{size}")
    n = SIZES[size].files
    if size == "tiny":
        formats = list(TINY)
    else:
        formats = [fmt for fmt, share in MIX for _ in range(max(1, round(n * share)))]
        formats += ["scan"] * (n - len(formats))
        rng.shuffle(formats)
    order = criteria[:]
    rng.shuffle(order)
    jobs, used = [], set()
    for i, fmt in enumerate(formats):
        c = order[i % len(order)]
        kind = {"scan": rng.choice(SCAN_KINDS), "pdf": rng.choice(PDF_KINDS), "docx": "ledger",
                "xlsx": "ledger", "txt": "notice", "tif": rng.choice(["notice", "signin"]),
                "photo": "photo", "heic": "photo"}[fmt]
        date = synth.day_in(rng, YEAR, 1, 12)
        title = _title(kind, c.short, rng) if kind != "photo" else f"{c.short}现场照片"
        stem = f"{date.isoformat()} {title}"
        folder = f"{folders[c.tertiary_code]}/{folders[c.code]}"
        rel = f"{folder}/{stem}.{EXT[fmt]}"
        k = 2
        while rel in used:
            rel = f"{folder}/{stem}（{k}）.{EXT[fmt]}"
            k += 1
        used.add(rel)
        pages = _scan_pages(rng) if fmt == "scan" else 1
        dpi = rng.choice((150, 200, 200, 300))
        if size == "tiny":
            pages, dpi = 2 if fmt == "scan" else 1, 150
        cost = {"scan": 0.05 * pages * dpi / 150, "photo": 0.6, "heic": 3.0, "pdf": 0.8}.get(fmt, 0.2)
        jobs.append(Job(rel, fmt, kind, title, rng.choice(LEDGERS), pages, dpi,
                        rng.random() < 0.2, rng.choice((1, 1, 1, 6, 8)), cost))
    return jobs


@cache
def _pool_page(seed: int, dpi: int, color: bool, k: int) -> Image.Image:
    """A pre-aged scanned page, the same in every process for the same arguments."""
    rng = random.Random(f"{seed}:pool:{dpi}:{color}:{k}")
    kind = SCAN_KINDS[k % len(SCAN_KINDS)]
    doc = synth.compose(kind, _title(kind, "执法检查", rng), rng, synth.day_in(rng, YEAR),
                        ledger=rng.choice(LEDGERS))
    page = synth.layout_pages(doc, rng, dpi, color)[0]
    return synth.age_scan(page, rng)


@cache
def _pool_photo(seed: int, scene: str, size: tuple[int, int]) -> Image.Image:
    rng = random.Random(f"{seed}:photo:{scene}:{size}")
    return synth.photo_base(rng, scene=scene, size=size, banner="2022年执法业务培训班", noise=9)


def _varied(img: Image.Image, rng: random.Random) -> Image.Image:
    """A cheap per-use variation: a small shift of brightness."""
    shift = rng.randint(-10, 6)
    return img.point([min(255, max(0, v + shift)) for v in range(256)] * len(img.getbands()))


def run(args: tuple[Path, int, str, Job]) -> tuple[str, int, int]:
    evidence, seed, size, job = args
    rng = random.Random(f"{seed}:{job.rel}")
    path = evidence / job.rel
    date = synth.day_in(rng, YEAR)
    if job.fmt in ("photo", "heic"):
        when = dt.datetime(date.year, date.month, date.day, rng.randint(8, 17), rng.randint(0, 59))
        place = f"示例县{rng.choice(synth.TOWNS)}"
        scene = rng.choice(synth.SCENES)
        if job.fmt == "heic":
            synth.write_heic(path, rng, scene=scene, when=when, place=place,
                             size=SIZES[size].heic, quality=55, noise=4, preset="ultrafast")
        else:
            img = synth.stamp_photo(_varied(_pool_photo(seed, scene, SIZES[size].photo), rng),
                                    when, place)
            synth.save_photo(img, path, rng, when=when, orientation=job.orientation,
                             quality=rng.randint(86, 92))
        return job.rel, path.stat().st_size, 1
    doc = synth.compose(job.kind, job.title, rng, date, ledger=job.ledger)
    pages = 1
    if job.fmt == "scan":
        first = synth.layout_pages(doc, rng, job.dpi, job.color)[0]
        images = [synth.age_scan(first, rng)] + [
            _varied(_pool_page(seed, job.dpi, job.color, rng.randrange(POOL)), rng)
            for _ in range(job.pages - 1)]
        quality = rng.randint(55, 75)
        pages = synth.write_image_pdf(
            path, (synth.scan_page(img, job.dpi, quality) for img in images),
            title=doc.title, date=doc.date)
    elif job.fmt == "pdf":
        synth.write_text_pdf(doc, path)
    elif job.fmt == "tif":
        pages = synth.write_tiff(doc, path, rng, dpi=200)
    elif job.fmt == "docx":
        synth.write_docx(doc, path)
    elif job.fmt == "xlsx":
        synth.write_xlsx(doc, path)
    elif job.fmt == "txt":
        synth.write_txt(doc, path)
    return job.rel, path.stat().st_size, pages


def write_manifest(root: Path, efficiency: float = 90) -> Path:
    """A manifest that claims every criterion in full, with facts that support the claims."""
    standard = load_standard()
    out = ["# 基准测试数据（合成，单位为虚构）", f"standard: {standard.id}", f"unit: {UNIT}",
           f"year: {YEAR}", f"date: {BUILD_DATE.isoformat()}", "claims:"]
    for c in standard.criteria():
        points = c.points * efficiency / 100 if c.code == "13.1.1" else c.points
        note = json.dumps(f"已按要求落实{c.short}，相关材料齐全", ensure_ascii=False)
        out.append(f"  \"{c.code}\": {{points: {points.normalize():f}, note: {note}}}")
    out += ["facts:", f"  efficiency_score: {efficiency}", "  enforcement_staff: 40",
            "  college_staff: 38", "  new_hires_3y: 5", "  new_hires_3y_relevant: 4",
            "  enforcement_staff_excl_new: 35", "  certified_excl_new: 33", "  staff_total: 45",
            "  frontline_staff: 38", "  seconded_staff: 2", "  secondment_reported: false",
            "  grid_leads: 6", "  mobile_accounts_complete: true", "  avg_monthly_logins: 3.5",
            "bonus:", "  B2: true", "deductions:", "  D2: {provincial: 0, city: 0}",
            "report:", "  recipient: 泉州市生态环境局"]
    path = root / "manifests" / f"{YEAR}.yaml"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def generate(out: Path, size: str = "small", seed: int = 1, jobs: int | None = None,
             log=print) -> dict:
    """Write a workspace (manifest + evidence tree) into ``out``, replacing what was there."""
    out = Path(out)
    start = time.monotonic()
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise SystemExit(f"{out} is not empty and was not made by bench/generate.py; "
                             "choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("generated by bench/generate.py; deleted on the next run\n")
    init_workspace(out, year=YEAR, unit=UNIT)
    evidence = out / "evidence" / str(YEAR)
    folders = existing_folders(evidence)
    work = sorted(plan(size, seed, folders), key=lambda j: -j.cost)
    for synth_font in ("title", "body", "hei"):
        synth.pdf_font_file(synth_font)  # build the font cache once, before the workers race
    jobs = jobs or os.cpu_count() or 1
    args = [(evidence, seed, size, job) for job in work]
    if jobs == 1 or len(work) < 10:
        results = [run(a) for a in args]
    else:
        with get_context("fork").Pool(jobs, maxtasksperchild=50) as pool:
            results = list(pool.imap_unordered(run, args, chunksize=1))
    write_manifest(out)
    summary = {"size": size, "seed": seed, "files": len(results),
               "pages": sum(r[2] for r in results), "bytes": sum(r[1] for r in results),
               "seconds": round(time.monotonic() - start, 1), "out": str(out)}
    log(json.dumps(summary, ensure_ascii=False))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a synthetic evidence year.")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--out", type=Path, default=None, help="default: build/bench/<size>")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: all cores)")
    args = parser.parse_args(argv)
    generate(args.out or ROOT / "build" / "bench" / args.size, args.size, args.seed, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
