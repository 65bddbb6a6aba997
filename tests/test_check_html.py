"""The HTML check report, rendered in real headless Chromium.

Chromium runs offline with a throw-away profile; the test reads the DOM it built
(so the page really parses and shows the Chinese headings) and takes a screenshot
that a person can look at (kept in tmp_path).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from dossier.check import run_check
from dossier.project import load_project
from dossier.render.html import write_html
from tests import factories
from tests.test_check import C111, C112, EV, check, write_manifest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.slow  # a test requirement: .ci/run and make test install chromium


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120)


@pytest.fixture
def report_workspace(empty_workspace: Path) -> Path:
    write_manifest(empty_workspace, 'claims:\n  "1.1.1": 1\n  "1.1.2": 1\n  "3.1.1": 1.5\n')
    factories.encrypted_pdf(empty_workspace / EV / C112 / "加密<计划>.pdf")
    return empty_workspace


def test_html_is_self_contained_utf8_with_chinese_fonts(report_workspace, capsys):
    code, out, _ = check(report_workspace, "--format", "html", capsys=capsys)
    path = Path(out.strip())
    assert code == 1 and path == report_workspace / "build" / "2022" / "检查报告.html"
    html = path.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from the network
    assert "<script" not in html
    assert "Microsoft YaHei" in html and "SimSun" in html and "Noto Sans CJK SC" in html
    assert "page-break-before: always" in html and "@media print" in html
    assert "加密&lt;计划&gt;.pdf" in html  # file names are escaped


def test_html_is_deterministic(report_workspace):
    project = load_project(report_workspace)
    first = write_html(run_check(project), project).read_bytes()
    second = write_html(run_check(load_project(report_workspace)), project).read_bytes()
    assert first == second
    assert "2022-12-31" in first.decode("utf-8")


@needs_chromium
@pytest.mark.slow
def test_chromium_shows_headings_blocking_items_and_department_pages(report_workspace, tmp_path):
    project = load_project(report_workspace)
    path = write_html(run_check(project), project)
    dom = chromium(tmp_path, "--dump-dom", path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    for heading in ("规范化建设佐证材料检查报告", "总体进度", "阻断问题（4 项）", "各科室待办",
                    "各项评价标准", "全部问题"):
        assert heading in text
    blocking = text.split("阻断问题（4 项）", 1)[1].split("各科室待办", 1)[0]
    assert "1.1.1 健全党支部委员会：自评 1 分，但没有可用的佐证材料" in blocking
    assert "3.1.1 执法执勤专用车：自评 1.5 分" in blocking
    # its only file is encrypted: it does not count, so 1.1.2's point is at risk too
    assert "1.1.2 年度党建和学习计划：自评 1 分，但没有可用的佐证材料" in blocking
    assert f"{C112}/加密&lt;计划&gt;.pdf" in blocking and C111 in blocking
    for dept in ("机关党委 待办事项", "执法大队 待办事项", "办公室 待办事项", "信息中心 待办事项"):
        assert dept in text

    shot = tmp_path / "check.png"
    run = chromium(tmp_path, "--window-size=1200,1600", f"--screenshot={shot}", path.as_uri())
    assert run.returncode == 0 and shot.stat().st_size > 20_000
    from PIL import Image

    with Image.open(shot) as im:  # the red blocking banner is on the first screen
        colors = im.convert("RGB").getcolors(maxcolors=1 << 24)
    reds = sum(n for n, (r, g, b) in colors if r > 240 and 220 < g < 240 and 220 < b < 240)
    assert reds > 1000


@needs_chromium
@pytest.mark.slow
def test_chromium_prints_one_page_per_department(report_workspace, tmp_path):
    project = load_project(report_workspace)
    path = write_html(run_check(project), project)
    pdf = tmp_path / "print.pdf"
    run = chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", path.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    from pypdf import PdfReader

    # NFKC: the PDF's text maps some CJK glyphs to Kangxi radicals (⼼ for 心)
    pages = [unicodedata.normalize("NFKC", p.extract_text()) for p in PdfReader(pdf).pages]
    # each department's list starts on a page of its own: its heading is the page's first line
    firsts = [t.split("\n", 1)[0] for t in pages]
    departments = {m.group(1) for line in firsts if (m := re.match(r"(\S+) 待办事项\(\d+ 项\)", line))}
    assert {"机关党委", "执法大队", "办公室", "信息中心"} <= departments
    assert sum("待办事项(" in t for t in pages) == len(departments)  # never two on one page
