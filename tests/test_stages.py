"""dossier.stages: the per-stage timing the benchmark reads (real processes, real pools)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from dossier import stages

from .conftest import REPO

SCRIPT = textwrap.dedent("""
    import concurrent.futures as cf, multiprocessing, subprocess, sys
    from dossier import stages

    def spin(n):
        return sum(i * i for i in range(n))

    @stages.timed("outer.decorated")
    def decorated(n):
        return spin(n)

    if __name__ == "__main__":
        with stages.stage("outer"):
            stages.call("outer.spin", spin, 300_000)
            ctx = multiprocessing.get_context("forkserver")
            with cf.ProcessPoolExecutor(2, mp_context=ctx) as pool:
                list(pool.map(stages.call, ["outer.job"] * 4, [spin] * 4, [200_000] * 4))
                assert len(list(pool.map(decorated, [1000] * 3))) == 3  # pickled by name
            stages.call("outer.child", subprocess.run,
                        [sys.executable, "-c", "sum(i for i in range(2_000_000))"], check=True)
""")


def test_stages_are_recorded_across_pool_workers_and_children(tmp_path):
    record = tmp_path / "stages.jsonl"
    script = tmp_path / "work.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), **{stages.ENV: str(record)})
    subprocess.run([sys.executable, str(script)], env=env, check=True, timeout=120)
    got = stages.read(record)
    assert set(got) == {"outer", "outer.spin", "outer.job", "outer.child", "outer.decorated"}
    assert got["outer.decorated"]["calls"] == 3 and got["outer.decorated"]["worker"] is True
    assert got["outer.job"]["calls"] == 4 and got["outer.job"]["worker"] is True
    assert got["outer.spin"]["calls"] == 1 and got["outer.spin"]["cpu"] > 0
    # the child process's CPU is charged to the stage that waited for it
    assert got["outer.child"]["cpu"] > 0.05
    # the outer stage holds its workers' CPU (forkserver workers are not its children)
    inner = got["outer.spin"]["cpu"] + got["outer.job"]["cpu"] + got["outer.child"]["cpu"]
    assert got["outer"]["cpu"] >= 0.9 * inner
    assert got["outer"]["outer"] == got["outer"]["wall"] and got["outer.spin"]["outer"] == 0


def test_without_the_variable_nothing_is_wrapped():
    assert not stages.enabled()

    def f(x):
        return x + 1

    assert stages.timed("x")(f) is f
    assert stages.call("x", f, 1) == 2
    with stages.stage("x"):
        pass
    assert stages._totals == {}
