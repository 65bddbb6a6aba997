"""Helpers for the web page tests: a demo workspace copy, an app on 127.0.0.1, the CLI server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from starlette.testclient import TestClient

from dossier.web.access import LinkStore, allowed_hosts
from dossier.web.app import Settings, create_app
from tests.conftest import as_in_a_terminal

REPO = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", 8765
BASE = f"http://{HOST}:{PORT}"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def demo_copy(target: Path) -> Path:
    """The repository's demo workspace (manifest, evidence, templates) copied to ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("manifests", "evidence", "templates"):
        shutil.copytree(REPO / name, target / name)
    return target


def office_client(root: Path, max_upload: int | None = None) -> tuple[TestClient, Settings]:
    """A client logged in with the office link (the token exchanged for a cookie)."""
    settings = Settings(root=root, year=None, links=LinkStore(root),
                        hosts=allowed_hosts(HOST, PORT))
    if max_upload:
        settings.max_upload = max_upload
    client = TestClient(create_app(settings), base_url=BASE)
    response = client.get(f"/?token={settings.links.office.token}", follow_redirects=False)
    assert response.status_code == 303 and "token" not in response.headers["location"]
    return client, settings


def department_client(settings: Settings, name: str) -> TestClient:
    token = settings.links.ensure([name])[name]
    client = TestClient(create_app(settings), base_url=BASE)
    assert client.get(f"/d/{name}?token={token}").status_code == 200
    return client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([0-9a-f]+)"', html).group(1)


def digest_of(html: str) -> str:
    return re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)


def start_cli_server(root: Path, *args: str) -> tuple[subprocess.Popen, list[str]]:
    """``dossier serve`` as users start it; returns once it printed its links (it listens by then)."""
    env = {**os.environ, "BROWSER": "true", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "dossier", "-C", str(root), "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=as_in_a_terminal)
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if "Ctrl+C" in line:
            return proc, lines
    raise AssertionError("dossier serve exited: " + "\n".join(lines) + proc.stderr.read())


def link_of(lines: list[str], label: str) -> str:
    line = next(x for x in lines if x.strip().startswith(label))
    return re.search(r"http://\S+", line).group(0)
