"""``dossier serve`` at the HTTP level: every route and every refusal of issue 16.

The app runs in-process (Starlette's TestClient, Host 127.0.0.1:8765) on a copy of the demo
workspace; the last tests start the real ``dossier serve`` and talk to it on 127.0.0.x.
"""

from __future__ import annotations

import io
import json
import shutil
import signal
import stat

import httpx
import pypdf
import pytest

from dossier.cnformat import pts
from dossier.manifest import load_manifest
from dossier.web import journal
from dossier.web.claims import backups

from .conftest import run_dossier, tree_snapshot
from .factories import pdf
from .webkit import (
    HOST,
    PORT,
    csrf_of,
    demo_copy,
    department_client,
    digest_of,
    link_of,
    office_client,
    start_cli_server,
)

FOLDER_533 = "evidence/2022/5.3 提高非现场执法能力/5.3.3 查办在线数据造假案件"
MANIFEST = "manifests/2022.yaml"


@pytest.fixture(scope="module")
def warm_demo(tmp_path_factory):
    """The demo copied once, its scan cache filled (copies keep mtimes, so the cache holds)."""
    from dossier.project import load_project

    root = demo_copy(tmp_path_factory.mktemp("demo") / "ws")
    load_project(root)
    return root


@pytest.fixture
def ws(tmp_path, warm_demo):
    shutil.copytree(warm_demo, tmp_path / "ws")
    return tmp_path / "ws"


@pytest.fixture
def office(ws):
    return office_client(ws)


def pdf_bytes(tmp_path, name="x.pdf", pages=1) -> bytes:
    return pdf(tmp_path / name, pages=pages).read_bytes()


def upload(client, code, files, csrf, **kw):
    return client.post(f"/c/{code}/files", files=[("files", f) for f in files],
                       data={"csrf": csrf}, headers={"Accept": "application/json"}, **kw)


# -- access ------------------------------------------------------------------------------

def test_no_token_is_refused_with_403_in_chinese(ws):
    client, _ = office_client(ws)
    client.cookies.clear()
    response = client.get("/")
    assert response.status_code == 403
    assert "没有访问权限" in response.text and "token" in response.text


def test_wrong_token_is_refused(ws):
    client, _ = office_client(ws)
    client.cookies.clear()
    assert client.get("/?token=guessed").status_code == 403


def test_token_becomes_a_cookie_and_leaves_the_address(ws):
    client, settings = office_client(ws)
    response = client.get("/")
    assert response.status_code == 200
    assert "总览" in response.text and "88.7" in response.text  # the demo's score (score.py)


def test_wrong_host_header_is_refused(office):
    client, _ = office
    response = client.get("/", headers={"Host": f"attacker.example:{PORT}"})
    assert response.status_code == 403 and "地址不对" in response.text
    assert client.get("/", headers={"Host": f"{HOST}:9999"}).status_code == 403


def test_static_assets_ship_with_the_package_and_pages_load_nothing_remote(office):
    client, _ = office
    for path in ("/", "/c/1.1.1", "/build", "/d/法规科"):
        html = client.get(path).text
        assert 'src="http' not in html and 'href="http' not in html and "//cdn" not in html
    assert "EventSource" in client.get("/static/app.js").text
    assert "@media print" in client.get("/static/style.css").text


# -- pages ---------------------------------------------------------------------------------

def test_overview_shows_the_score_and_check_figures(office, ws):
    from dossier.check import run_check
    from dossier.project import load_project
    from dossier.score import compute_score

    client, _ = office
    html = client.get("/").text
    project = load_project(ws)
    score, report = compute_score(project), run_check(project)
    assert f">{pts(score.total)}<" in html
    assert score.grade in html
    assert f"阻断问题：{len(report.blocking)} 项" in html
    assert html.index("阻断问题") < html.index("各科室进度") < html.index("各指标进度")
    for f in report.blocking:
        assert f.message in html
    assert 'href="/c/5.3.3"' in html and 'href="/d/%E6%B3%95%E8%A7%84%E7%A7%91"' in html


def test_criterion_page_shows_text_files_findings_and_claim(office):
    client, _ = office
    html = client.get("/c/1.1.1").text
    assert "健全党支部委员会" in html and "机关党委" in html
    assert "1.1.1-01" in html and "/item/1.1.1-01" in html
    assert "已健全第四党支部委员会" in html  # the note from the manifest, in the form
    assert client.get("/c/9.9.9").status_code == 404


def test_item_route_opens_the_evidence_file(office, ws):
    client, _ = office
    response = client.get("/item/1.1.1-01")
    assert response.status_code == 200
    assert response.content[:4] == b"%PDF"
    assert "inline" in response.headers["content-disposition"]
    office_file = client.get("/item/3.1-01")  # an .xlsx directly in the tertiary folder
    assert office_file.status_code == 200 and "attachment" in office_file.headers["content-disposition"]
    assert office_file.headers["x-content-type-options"] == "nosniff"


def test_department_page_lists_its_todo_like_check_by_department(office):
    from dossier.render import by_department

    client, settings = office
    html = client.get("/d/执法大队").text
    from dossier.check import run_check
    from dossier.project import load_project

    todo = by_department(run_check(load_project(settings.root)).findings)["执法大队"]
    for f in todo:
        assert f.message in html
    assert "9.4.2" in html
    assert client.get("/d/不存在的科").status_code == 404


# -- uploads --------------------------------------------------------------------------------

def test_upload_adds_the_file_to_the_criterion_folder_and_logs_who(office, ws, tmp_path):
    client, _ = office
    csrf = csrf_of(client.get("/c/5.3.3").text)
    before = tree_snapshot(ws / "evidence")
    data = pdf_bytes(tmp_path, pages=2)
    response = upload(client, "5.3.3", [("处罚决定书.pdf", data, "application/pdf")], csrf)
    assert response.status_code == 200, response.text
    target = ws / FOLDER_533 / "处罚决定书.pdf"
    assert target.read_bytes() == data
    after = tree_snapshot(ws / "evidence")
    assert {k: v for k, v in after.items() if k not in before} == {
        target.relative_to(ws / "evidence").as_posix(): data}
    assert all(after[k] == v for k, v in before.items())
    entry = journal.read(ws)[0]
    assert entry["who"] == "管理员" and entry["action"] == "上传文件" and entry["target"] == "5.3.3"
    assert "处罚决定书.pdf" in entry["detail"] and entry["time"]
    html = client.get("/c/5.3.3").text
    assert "5.3.3-01" in html and "缺材料" not in html.split("<h2>")[0]


def test_a_name_clash_gets_a_new_name_and_the_first_file_is_kept(office, ws, tmp_path):
    client, _ = office
    csrf = csrf_of(client.get("/c/5.3.3").text)
    first, second = pdf_bytes(tmp_path, "a.pdf", 1), pdf_bytes(tmp_path, "b.pdf", 3)
    assert upload(client, "5.3.3", [("案卷.pdf", first, "application/pdf")], csrf).status_code == 200
    response = upload(client, "5.3.3", [("案卷.pdf", second, "application/pdf")], csrf)
    assert response.json()["added"][0]["rel"].endswith("案卷（2）.pdf")
    assert (ws / FOLDER_533 / "案卷.pdf").read_bytes() == first
    assert (ws / FOLDER_533 / "案卷（2）.pdf").read_bytes() == second


@pytest.mark.parametrize("name", ["../逃逸.pdf", "../../manifests/2022.yaml", "/etc/passwd.pdf",
                                  "..\\x.pdf", "a\\..\\..\\x.pdf", "a/b.pdf"])
def test_names_with_paths_are_refused(office, ws, tmp_path, name):
    client, _ = office
    csrf = csrf_of(client.get("/c/5.3.3").text)
    before = tree_snapshot(ws)
    response = upload(client, "5.3.3", [(name, pdf_bytes(tmp_path), "application/pdf")], csrf)
    assert response.status_code == 400
    assert "含有路径" in response.json()["error"]
    after = tree_snapshot(ws)
    assert {k: v for k, v in after.items() if not k.startswith("build/")} == \
        {k: v for k, v in before.items() if not k.startswith("build/")}


def test_a_windows_full_path_keeps_only_the_file_name_inside_the_folder(office, ws, tmp_path):
    # the multipart parser cuts old Internet Explorer's C:\\… paths to the name itself
    client, _ = office
    csrf = csrf_of(client.get("/c/5.3.3").text)
    response = upload(client, "5.3.3", [("C:\\Windows\\x.pdf", pdf_bytes(tmp_path), "application/pdf")],
                      csrf)
    assert response.status_code == 200
    assert (ws / FOLDER_533 / "x.pdf").is_file() and not (ws / "Windows").exists()


def test_unsafe_characters_are_replaced_not_kept(office, ws, tmp_path):
    client, _ = office
    csrf = csrf_of(client.get("/c/5.3.3").text)
    response = upload(client, "5.3.3", [('案件:一?*|.pdf', pdf_bytes(tmp_path), "application/pdf")], csrf)
    assert response.status_code == 200
    assert (ws / FOLDER_533 / "案件：一？＊｜.pdf").is_file()  # dossier.safename's full-width forms


def test_a_long_name_is_cut_before_its_extension(office, ws, tmp_path):
    client, _ = office
    csrf = csrf_of(client.get("/c/5.3.3").text)
    response = upload(client, "5.3.3", [("执法" * 100 + ".pdf", pdf_bytes(tmp_path), "application/pdf")],
                      csrf)
    name = response.json()["added"][0]["rel"].rsplit("/", 1)[1]
    assert name.endswith(".pdf") and name.startswith("执法") and len(name.encode()) <= 180


def test_oversized_upload_is_refused_with_413(ws, tmp_path):
    client, _ = office_client(ws, max_upload=20_000)
    csrf = csrf_of(client.get("/c/5.3.3").text)
    big = pdf_bytes(tmp_path) + b"%" + b"0" * 200_000
    before = tree_snapshot(ws / "evidence")
    response = upload(client, "5.3.3", [("大文件.pdf", big, "application/pdf")], csrf)
    assert response.status_code == 413 and "太大" in response.text
    # without a Content-Length (chunked), the body is counted as it arrives
    boundary = "dossier-test-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode() + big + f"\r\n--{boundary}--\r\n".encode()
    chunks = (body[i:i + 8192] for i in range(0, len(body), 8192))
    response = client.post("/c/5.3.3/files", content=chunks,
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                    "X-CSRF-Token": csrf, "Accept": "application/json"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413
    assert tree_snapshot(ws / "evidence") == before


@pytest.mark.parametrize("name,data,says", [
    ("说明.pdf", b"MZ\x90\x00" + b"\x00" * 200, "程序"),          # a program named .pdf
    ("照片.jpg", b"%PDF-1.4\n" + b"0" * 200, "与扩展名 .jpg 不符"),  # a PDF named .jpg
    ("脚本.js", b"alert(1)\n", "程序"),
    ("无扩展名", b"%PDF-1.4\n", "没有扩展名"),
])
def test_type_is_checked_by_content(office, ws, name, data, says):
    client, _ = office
    csrf = csrf_of(client.get("/c/5.3.3").text)
    before = tree_snapshot(ws / "evidence")
    response = upload(client, "5.3.3", [(name, data, "application/octet-stream")], csrf)
    assert response.status_code == 415 and says in response.json()["error"]
    assert tree_snapshot(ws / "evidence") == before


# -- CSRF ------------------------------------------------------------------------------------

def test_posts_without_csrf_token_are_refused(office, ws, tmp_path):
    client, _ = office
    page = client.get("/c/1.1.1").text
    before = tree_snapshot(ws)
    posts = [
        client.post("/c/5.3.3/files", files=[("files", ("a.pdf", pdf_bytes(tmp_path), "application/pdf"))]),
        client.post("/c/1.1.1/claim", data={"points": "0", "note": "x", "digest": digest_of(page)}),
        client.post("/c/1.1.1/claim", data={"points": "0", "digest": digest_of(page), "csrf": "0" * 64}),
        client.post("/jobs/build"),
        client.post("/verify"),
    ]
    assert [r.status_code for r in posts] == [403] * 5
    assert all("校验码" in r.text for r in posts)
    assert tree_snapshot(ws) == before


# -- department links ------------------------------------------------------------------------

def test_department_link_reaches_only_its_own_criteria(office, ws, tmp_path):
    _, settings = office
    dept = department_client(settings, "法规科")
    assert dept.get("/", follow_redirects=False).headers["location"] == "/d/%E6%B3%95%E8%A7%84%E7%A7%91"
    html = dept.get("/d/法规科").text
    csrf = csrf_of(html)
    assert "2.1.1" in html and "保存自评" not in html
    # 5.3.3 is 信息中心、执法大队、各中队: not 法规科
    for response in (dept.get("/c/5.3.3"), dept.get("/d/信息中心"), dept.get("/item/5.3.1-01"),
                     upload(dept, "5.3.3", [("a.pdf", pdf_bytes(tmp_path), "application/pdf")], csrf),
                     dept.get("/build"), dept.post("/jobs/build", headers={"X-CSRF-Token": csrf}),
                     dept.post("/c/2.1.1/claim", data={"csrf": csrf, "points": "0"}),
                     dept.get("/events")):
        assert response.status_code == 403, response.request.url
    assert not (ws / FOLDER_533 / "a.pdf").exists()
    own = dept.get("/c/2.1.1")
    assert own.status_code == 200 and "自评由办公室填写" in own.text
    response = upload(dept, "2.1.1", [("人才库名单.pdf", pdf_bytes(tmp_path), "application/pdf")], csrf)
    assert response.status_code == 200
    assert journal.read(ws)[0]["who"] == "法规科"


def test_revoked_link_is_refused_at_once(office, ws):
    _, settings = office
    dept = department_client(settings, "法规科")
    assert dept.get("/d/法规科").status_code == 200
    result = run_dossier("-C", str(ws), "serve", "--revoke", "法规科")
    assert result.exit_code == 0 and "已吊销法规科的链接" in result.stdout
    assert dept.get("/d/法规科").status_code == 403
    assert run_dossier("-C", str(ws), "serve", "--revoke", "没有这个科").exit_code == 3


# -- claims ----------------------------------------------------------------------------------

def claim_post(client, code, points, note, html=None):
    html = html or client.get(f"/c/{code}").text
    return client.post(f"/c/{code}/claim", data={"points": points, "note": note, "csrf": csrf_of(html),
                                                 "digest": digest_of(html)}, follow_redirects=False)


def test_claim_out_of_range_gets_the_loaders_message_and_the_manifest_is_unchanged(office, ws):
    client, _ = office
    path = ws / MANIFEST
    before = path.read_bytes()
    response = claim_post(client, "1.1.1", "5", "超出满分")
    assert response.status_code == 422
    assert "1.1.1 的自评得分 5 超出范围：该项满分 1 分" in response.text
    assert "2022.yaml" in response.text and ".tmp-" not in response.text
    assert path.read_bytes() == before and backups(path, ws / 'build/2022/备份') == []
    response = claim_post(client, "1.1.1", "一分", "")
    assert response.status_code == 422 and "不是数字" in response.text
    assert path.read_bytes() == before


def test_claim_saved_keeps_comments_and_is_backed_up(office, ws):
    client, _ = office
    path = ws / MANIFEST
    response = claim_post(client, "5.3.3", "0", "本年度未查办在线数据造假案件")
    assert response.status_code == 303 and response.headers["location"] == "/c/5.3.3?saved=1"
    claim = load_manifest(path).claims["5.3.3"]
    assert claim.points == 0 and claim.note == "本年度未查办在线数据造假案件"
    assert "# 查办在线数据造假案件（1分）" in path.read_text(encoding="utf-8")
    assert len(backups(path, ws / 'build/2022/备份')) == 1
    assert journal.read(ws)[0]["action"] == "修改自评"


def test_comments_survive_ten_edits_with_a_backup_each(office, ws):
    client, _ = office
    path = ws / MANIFEST
    original = path.read_text(encoding="utf-8")
    comments = [line.split("#", 1)[1] for line in original.splitlines() if "#" in line]
    versions = [path.read_bytes()]
    for i in range(10):
        response = claim_post(client, "2.2.2", "0.5" if i % 2 else "1", f"第{i + 1}次修改：报送典型案例")
        assert response.status_code == 303
        versions.append(path.read_bytes())
    text = path.read_text(encoding="utf-8")
    for comment in comments:
        assert comment in text
    saved = backups(path, ws / 'build/2022/备份')
    assert len(saved) == 10
    assert [b.read_bytes() for b in saved] == versions[:10]  # each backup is the file before its edit
    assert load_manifest(path).claims["2.2.2"].note == "第10次修改：报送典型案例"
    # only the edited line differs from the original
    changed = [(a, b) for a, b in zip(original.splitlines(), text.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][0].startswith('  "2.2.2"')


def test_manifest_changed_on_disk_is_detected_not_overwritten(office, ws):
    client, _ = office
    path = ws / MANIFEST
    html = client.get("/c/1.1.2").text
    edited = path.read_text(encoding="utf-8").replace("全年开展集中学习24次", "全年开展集中学习25次")
    path.write_text(edited, encoding="utf-8")
    response = claim_post(client, "1.1.2", "1", "网页上的修改", html=html)
    assert response.status_code == 409 and "已被修改" in response.text
    assert path.read_text(encoding="utf-8") == edited
    assert "全年开展集中学习25次" in response.text  # the page shows the file as it now is
    assert "网页上的修改" in response.text  # and what was typed, so nothing is lost


# -- build, pack, verify, downloads ----------------------------------------------------------

def read_events(client, after=0) -> list[dict]:
    events = []
    with client.stream("GET", f"/events?after={after}") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
                if events[-1]["type"] == "end":
                    break
    return events


@pytest.mark.slow
def test_build_pack_verify_with_progress_one_at_a_time(office, ws, tmp_path):
    client, settings = office
    csrf = csrf_of(client.get("/build").text)
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    assert client.post("/jobs/build", headers=headers).status_code == 202
    second = client.post("/jobs/pack", headers=headers)
    assert second.status_code == 409
    assert "正在进行" in second.json()["error"] and "请等它完成" in second.json()["error"]
    events = read_events(client)
    assert events[0]["type"] == "start" and events[-1] == {**events[-1], "type": "end", "state": "done"}
    assert any(e["type"] == "advance" for e in events) and any(e["type"] == "stage" for e in events)

    page = client.get("/build").text
    binder = next(f for f in (settings.root / "build" / "2022").iterdir() if f.name.endswith("汇编.pdf"))
    assert binder.name in page
    download = client.get(f"/out/{binder.name}")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    reader = pypdf.PdfReader(io.BytesIO(download.content))
    assert len(reader.pages) > 100
    # open the binder at an item's page: the page the bookmark names carries the item's stamp
    jump = client.get("/binder/1.1.1-02", follow_redirects=False)
    page_no = int(jump.headers["location"].rsplit("#page=", 1)[1])
    assert "1.1.1-02" in reader.pages[page_no - 1].extract_text().replace("\x00", "")
    assert f"第 {page_no} 页" in client.get("/c/1.1.1").text
    assert client.get("/out/..%2Fmanifests%2F2022.yaml").status_code == 404

    # pack is refused while blocking findings remain; the page gets pack's own message
    assert client.post("/jobs/pack", headers=headers).status_code == 202
    end = read_events(client)[-1]
    assert end["state"] == "failed" and "阻断" in end["message"] and "5.3.3" in end["message"]
    for code in ("5.3.3", "9.4.2"):
        assert upload(client, code, [("佐证.pdf", pdf_bytes(tmp_path), "application/pdf")],
                      csrf).status_code == 200
    assert client.post("/jobs/pack", headers=headers).status_code == 202
    end = read_events(client)[-1]
    assert end["state"] == "done", end
    verified = client.post("/verify", headers=headers)
    assert verified.status_code == 200 and "核验结果：通过" in verified.text
    actions = [e["action"] for e in journal.read(settings.root)]
    assert {"开始生成", "开始打包", "上传文件", "核验归档包"} <= set(actions)


def test_nothing_built_yet(office):
    client, _ = office
    csrf = csrf_of(client.get("/build").text)
    assert "还没有生成文件" in client.get("/build").text
    assert client.post("/verify", headers={"X-CSRF-Token": csrf}).status_code == 404
    assert client.get("/binder/1.1.1-01").status_code == 404
    assert client.get("/out/whatever.pdf").status_code == 404
    assert "event: idle" in client.get("/events").text


# -- the command --------------------------------------------------------------------------------

def test_serve_prints_a_token_link_and_serves_on_loopback(ws):
    proc, lines = start_cli_server(ws, "--port", "0")
    try:
        url = link_of(lines, "管理员")
        assert url.startswith("http://127.0.0.1:") and "token=" in url
        with httpx.Client() as http:
            response = http.get(url, follow_redirects=True)
            assert response.status_code == 200 and "总览" in response.text
            assert http.get(url.split("?")[0]).status_code == 200  # the cookie now
        assert httpx.get(url.split("?")[0]).status_code == 403  # another client, no token
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "网页已停止" in out  # Ctrl+C: DESIGN's "interrupted"
    assert "Traceback" not in err and "INFO" not in err


def test_serve_lan_makes_a_link_per_department_stored_outside_evidence(ws):
    proc, lines = start_cli_server(ws, "--lan", "--host", "127.0.0.2", "--port", "0")
    try:
        url = link_of(lines, "法规科：")
        assert url.startswith("http://127.0.0.2:")
        with httpx.Client() as http:
            response = http.get(url, follow_redirects=True)
            assert response.status_code == 200 and "法规科 待办清单" in response.text
            assert http.get(url.split("/d/")[0] + "/c/5.3.3").status_code == 403
        links = ws / "build" / ".serve" / "links.json"
        assert "法规科" in json.loads(links.read_text(encoding="utf-8"))["departments"]
        assert stat.S_IMODE(links.stat().st_mode) == 0o600
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert not any(p.name == "links.json" for p in (ws / "evidence").rglob("*"))


def test_serve_refuses_a_busy_port_in_chinese(ws):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run_dossier("-C", str(ws), "serve", "--port", str(port), "--no-browser")
    assert result.exit_code == 3 and "端口" in result.stderr and "Traceback" not in result.stderr
