"""``dossier serve`` in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

The server is the real command (``dossier serve --lan --host 127.0.0.3``), so everything
stays on loopback. Each page is screenshotted (into ``$DOSSIER_WEB_SHOTS`` when set, for the
README, else into the test's temporary folder) and the PNG is checked to be a real image.
"""

from __future__ import annotations

import base64
import os
import re
import signal
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from dossier.manifest import load_manifest

from .factories import pdf
from .webkit import CHROMIUM_ARGS, demo_copy, link_of, start_cli_server

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
LONG = 300_000  # ms: a cold build of the demo converts ~100 files with LibreOffice


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def served(tmp_path):
    root = demo_copy(tmp_path / "ws")
    proc, lines = start_cli_server(root, "--lan", "--host", "127.0.0.3", "--port", "0")
    yield root, lines
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("DOSSIER_WEB_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    with Image.open(path) as image:
        assert image.size == (1100, 760) and len(image.getcolors(1 << 16) or range(300)) > 20


def drop_file(page, selector: str, name: str, data: bytes) -> None:
    """Drop a file on an element as a person dragging it from the desktop would."""
    page.evaluate("""([selector, name, b64]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type: "application/pdf"}));
        const target = document.querySelector(selector);
        for (const type of ["dragenter", "dragover", "drop"]) {
            target.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }
    }""", [selector, name, base64.b64encode(data).decode()])


def test_office_journey_drop_claim_build_download_pack_verify(browser, served, shots, tmp_path):
    root, lines = served
    context = browser.new_context(viewport={"width": 1100, "height": 760}, accept_downloads=True)
    page = context.new_page()
    page.goto(link_of(lines, "管理员"))
    expect(page.locator("h1")).to_have_text("总览")
    expect(page.locator(".card.big .value")).to_have_text("88.7")
    assert "token" not in page.url
    screenshot(page, shots, "overview")

    # drop a file into the criterion that is missing its evidence
    page.click("section.errors a[href='/c/5.3.3']")
    expect(page.locator("h1")).to_contain_text("5.3.3")
    drop_file(page, "#drop", "处罚决定书.pdf", pdf(tmp_path / "a.pdf", pages=2).read_bytes())
    expect(page.locator("#added")).to_contain_text("处罚决定书.pdf")
    folder = root / "evidence/2022/5.3 提高非现场执法能力/5.3.3 查办在线数据造假案件"
    assert (folder / "处罚决定书.pdf").read_bytes() == (tmp_path / "a.pdf").read_bytes()
    expect(page.locator("table.files")).to_contain_text("5.3.3-01")

    # fill the claim: out of range first (the loader's message), then a good one
    page.fill("#points", "3")
    page.click("#save-claim")
    expect(page.locator("#error")).to_contain_text("超出范围：该项满分 1 分")
    page.fill("#points", "1")
    page.fill("#note", "查办在线监测数据造假案件1起，处罚决定书已上传")
    page.click("#save-claim")
    expect(page.locator("#saved")).to_be_visible()
    claim = load_manifest(root / "manifests/2022.yaml").claims["5.3.3"]
    assert claim.note == "查办在线监测数据造假案件1起，处罚决定书已上传"
    screenshot(page, shots, "criterion")

    # the other blocking criterion, with the file picker
    page.goto(page.url.split("/c/")[0] + "/c/9.4.2")
    page.set_input_files("#picker", str(pdf(tmp_path / "b.pdf")))
    expect(page.locator("#added")).to_be_visible()

    page.goto(page.url.split("/c/")[0] + "/d/执法大队")
    expect(page.locator("h1")).to_contain_text("执法大队 待办清单")
    screenshot(page, shots, "department")

    # build with live progress, then download the binder
    page.click("nav >> text=生成与报送")
    page.click("#start-build")
    page.wait_for_function("/……|\\d+\\/\\d+/.test(document.getElementById('job-stage').textContent)",
                           timeout=LONG)  # a live stage or step from the server-sent events
    expect(page.locator("#job-result.done")).to_be_visible(timeout=LONG)
    assert page.locator("#job-log li").count() >= 1
    binder_row = page.locator("#outputs tr", has_text="佐证材料汇编（PDF）")
    with page.expect_download() as info:
        binder_row.locator("a[download]").click()
    saved = tmp_path / "binder.pdf"
    info.value.save_as(saved)
    reader = pypdf.PdfReader(saved)
    assert len(reader.pages) > 100
    assert info.value.suggested_filename.endswith("佐证材料汇编.pdf")

    # pack (nothing blocks now), then verify the archive
    page.click("#start-pack")
    expect(page.locator("#job-result.done")).to_contain_text("打包完成", timeout=LONG)
    expect(page.locator("#outputs")).to_contain_text("报送归档包（ZIP）")
    page.click("#start-verify")
    expect(page.locator("#verify")).to_contain_text("核验结果：通过")
    screenshot(page, shots, "build")
    context.close()


def test_department_link_cannot_reach_another_departments_criterion(browser, served, shots,
                                                                     tmp_path):
    root, lines = served
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    page = context.new_page()
    page.goto(link_of(lines, "法规科："))
    expect(page.locator("h1")).to_have_text("法规科 待办清单")
    assert "token" not in page.url
    links = {a for a in page.eval_on_selector_all("main a", "xs => xs.map(x => x.textContent)")}
    assert "2.1.1" in links and "5.3.3" not in links
    base = re.match(r"http://[^/]+", page.url).group(0)

    response = page.goto(base + "/c/5.3.3")
    assert response.status == 403
    expect(page.locator(".refusal")).to_contain_text("不由法规科负责")
    assert page.goto(base + "/build").status == 403
    assert page.goto(base + "/d/信息中心").status == 403

    page.goto(base + "/c/2.1.1")
    expect(page.locator("#save-claim")).to_have_count(0)
    page.set_input_files("#picker", str(pdf(tmp_path / "c.pdf")))
    expect(page.locator("#added")).to_be_visible()
    screenshot(page, shots, "department-link")
    context.close()
