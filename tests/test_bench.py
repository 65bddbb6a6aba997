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
    assert sum(n.startswith("floor:") for n in names) == 7
    assert report["failed_runs"] == []
    assert report["corpus"]["binder_pages"] > report["corpus"]["files"]
    assert all(m["wall"] > 0 for m in report["measures"])
    figures = {t["figure"] for t in report["targets"]}
    assert {"pack / pack floor", "warm check (s)"} <= figures
    assert any(f.startswith("cold build / Σ floors") for f in figures)
    assert any(f.startswith("warm --rebuild / (merge") for f in figures)
    assert any(f.startswith("incremental / (2 conversions") for f in figures)
    assert all(t["value"] is not None for t in report["targets"])
    assert report["word_binder_opens"] is True
    assert "target" in proc.stdout and "met" in proc.stdout
    _assert_stage_tables(report, proc.stdout)


def _assert_stage_tables(report: dict, stdout: str) -> None:
    """Every stage is named in each table; the ones a tiny corpus must run were timed."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from run import BUILD_STAGES, PACK_STAGES
    finally:
        sys.path.remove(str(REPO / "bench"))
    tables = report["stage_tables"]
    assert set(tables) == {"build (cold)", "build (warm, --rebuild: outputs not reused)",
                           "build (incremental: 1 photo + 1 docx)", "pack"}
    for name, rows in tables.items():
        layout = PACK_STAGES if name == "pack" else BUILD_STAGES
        assert [r["stage"] for r in rows] == [k for k, _, _ in layout] + ["outside", "total"]
        assert f"stages of {name}" in stdout
    cold = {r["stage"]: r for r in tables["build (cold)"]}
    for key in ("load", "scan", "build", "check", "convert", "convert.pdf", "convert.image",
                "convert.office", "binder_pdf", "binder_pdf.pagemap", "binder_pdf.merge",
                "binder_pdf.stamp", "binder_pdf.save", "binder_docx", "binder_docx.pages",
                "binder_docx.zip", "report", "sheet"):
        assert cold[key]["ran"] and cold[key]["wall"] > 0 and cold[key]["cpu"] >= 0, key
        assert cold[key]["cores"] is not None, key
    # a stage never takes longer than the command it ran in (Σ-over-jobs rows excepted)
    total = cold["total"]["wall"]
    assert all(r["wall"] <= total for r in cold.values() if r["ran"] and not r["summed_over_jobs"])
    assert cold["convert"]["floor"] > 0 and cold["convert"]["ratio"] > 0
    assert cold["binder_pdf.merge"]["floor"] > 0 and cold["binder_docx.zip"]["floor"] > 0
    assert cold["convert"]["cpu"] > 0  # the pool workers' CPU counted in their stage
    pack = {r["stage"]: r for r in tables["pack"]}
    for key in ("pack.checks", "pack.archive", "pack.read", "pack.sha256", "pack.sm3",
                "pack.zip_write", "pack.archive_digest"):
        assert pack[key]["ran"] and pack[key]["calls"] >= 1, key
    assert pack["pack.archive"]["floor"] > 0
    # outputs reused by pack: the builders did not run, and the table says so
    assert not pack["binder_pdf"]["ran"] and pack["binder_pdf"]["wall"] is None
