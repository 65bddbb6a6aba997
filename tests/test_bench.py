"""The benchmark's code path end to end on the tiny corpus, so it cannot rot (not timed)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow


def test_bench_runs_end_to_end_on_the_tiny_corpus(tmp_path):
    out = tmp_path / "bench"
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--size", "tiny",
                           "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "tiny.json").read_text(encoding="utf-8"))
    names = [m["name"] for m in report["measures"]]
    for step in ("check (cold)", "check (warm)", "build (cold)", "build (warm)",
                 "build (warm, --rebuild: outputs not reused)",
                 "build (incremental: 1 photo + 1 docx)", "pack"):
        assert step in names
    assert sum(n.startswith("floor:") for n in names) == 4
    assert report["failed_runs"] == []
    assert report["corpus"]["binder_pages"] > report["corpus"]["files"]
    assert all(m["wall"] > 0 for m in report["measures"])
    assert {t["figure"] for t in report["targets"]} >= {"warm build / merge floor",
                                                        "incremental build / warm build",
                                                        "warm check (s)"}
    assert all(t["value"] is not None for t in report["targets"])
    assert report["word_binder_opens"] is True
    assert "target" in proc.stdout and "met" in proc.stdout
