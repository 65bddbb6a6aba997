"""Benchmark of ``dossier check`` on a synthetic year of 1,000 files (not a test).

    .venv/bin/python bench/check_bench.py [--files 1000] [--keep DIR]

Makes a workspace with ``init`` and fills its criterion folders with small real files
(PDFs, JPEGs, text, Word), each unique, then times the real CLI
(``python -m dossier check --format json``) cold (no scan cache) and warm (nothing
changed: only directory listings and stat, no file contents), and prints the
figures. The target: warm under 2 s.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dossier.standard import load_standard  # noqa: E402
from dossier.workspace import existing_folders, init_workspace  # noqa: E402

WARM_TARGET = 2.0


def make_templates() -> dict[str, bytes]:
    from tests import factories

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        return {"pdf": factories.pdf(t / "a.pdf", pages=2).read_bytes(),
                "docx": factories.docx(t / "a.docx").read_bytes()}


def jpeg_bytes(i: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)).save(
        buf, "JPEG", quality=80)
    return buf.getvalue()


def fill(root: Path, count: int) -> None:
    """``count`` unique files spread over all criterion folders, and claims for them."""
    standard = load_standard("fujian-county-2021")
    evidence = root / "evidence" / "2022"
    names = existing_folders(evidence)
    folders = [evidence / names[c.tertiary_code] / names[c.code] for c in standard.criteria()]
    tpl = make_templates()
    for i in range(count):
        folder = folders[i % len(folders)]
        kind = ("pdf", "pdf", "jpg", "jpg", "txt", "docx")[i % 6]
        path = folder / f"2022年材料{i:04d}.{kind}"
        if kind == "pdf":  # a comment after %%EOF keeps it valid and makes it unique
            path.write_bytes(tpl["pdf"] + f"\n% {i}\n".encode())
        elif kind == "jpg":
            path.write_bytes(jpeg_bytes(i))
        elif kind == "txt":
            path.write_text(f"执法巡查记录 第{i}号\n", encoding="utf-8")
        else:  # trailing bytes after a ZIP's end are tolerated by Word and by the scan
            path.write_bytes(tpl["docx"] + f"{i}".encode())
    claims = "".join(f'  "{c.code}": {c.points}\n' for c in standard.criteria())
    manifest = root / "manifests" / "2022.yaml"
    manifest.write_text(f"unit: 基准测试执法大队\nyear: 2022\nclaims:\n{claims}", encoding="utf-8")


def timed_check(root: Path) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dossier", "-C", str(root), "check",
                           "--format", "json"], capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"check failed ({proc.returncode}): {proc.stderr}")
    return elapsed, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--keep", type=Path, default=None, help="make the workspace here and keep it")
    args = parser.parse_args()
    tmp = None
    if args.keep:
        root = args.keep
        shutil.rmtree(root, ignore_errors=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="check-bench-")
        root = Path(tmp.name) / "ws"
    try:
        started = time.perf_counter()
        init_workspace(root, 2022, "基准测试执法大队")
        fill(root, args.files)
        made = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (root / "evidence").rglob("*") if p.is_file())
        cold, rc = timed_check(root)
        warm, _ = timed_check(root)
        warm2, _ = timed_check(root)
        best_warm = min(warm, warm2)
        print(f"files            {args.files} ({size / 1e6:.1f} MB), made in {made:.1f} s")
        print(f"check cold       {cold:6.2f} s   (hash, sniff, open every PDF and image; exit {rc})")
        print(f"check warm       {best_warm:6.2f} s   (nothing changed; best of 2: "
              f"{warm:.2f}, {warm2:.2f})")
        verdict = "met" if best_warm < WARM_TARGET else "MISSED"
        print(f"target warm < {WARM_TARGET:.0f} s: {verdict}")
        if best_warm >= WARM_TARGET:
            sys.exit(1)
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
