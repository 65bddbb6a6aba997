"""Start the web page: pick the address, make the links, print them, open the browser.

uvicorn serves the Starlette app on a socket opened here (port 0: any free port), so
the printed address is the one actually listened on. Only uvicorn's errors are shown;
the page's own log of writes is ``build/.serve/操作记录.jsonl``.
"""

from __future__ import annotations

import logging
import socket
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from dossier.errors import InputError
from dossier.web.access import OFFICE, LinkStore, all_departments, allowed_hosts


@dataclass(frozen=True)
class ServeOptions:
    root: Path
    year: int | None = None
    lan: bool = False
    host: str | None = None
    port: int = 0
    open_browser: bool = True
    max_upload: int | None = None


def lan_address() -> str:
    """This PC's address on the office network (no packet is sent: UDP connect only routes)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only asks the routing table
            return probe.getsockname()[0]
        except OSError:
            raise InputError("找不到本机的局域网地址，无法用 --lan 启动。",
                             hint="检查网线或 Wi-Fi 是否已连接；或用 --host 指定本机地址。") from None


def open_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"无法在 {host}:{port} 上启动网页（{exc.strerror}）。",
                         hint="端口可能已被占用：换一个 --port，或不加 --port 让程序自动选择。") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(options: ServeOptions, echo: Callable[[str], None] = print) -> None:
    """Run until Ctrl+C."""
    import uvicorn

    from dossier.project import load_project
    from dossier.web.app import Settings, create_app

    project = load_project(options.root, options.year)  # fail early, in Chinese
    host = options.host or (lan_address() if options.lan else "127.0.0.1")
    sock = open_socket(host, options.port)
    port = sock.getsockname()[1]
    links = LinkStore(options.root)
    settings = Settings(root=Path(options.root), year=project.year, links=links,
                        hosts=allowed_hosts(host, port))
    if options.max_upload:
        settings.max_upload = options.max_upload
    base = f"http://{host}:{port}"
    office_url = f"{base}/?token={links.office.token}"
    echo(f"{project.unit} {project.year}年度 规范化建设自评网页已启动。")
    echo(f"  {OFFICE}（办公室）链接：{office_url}")
    if options.lan:
        departments = links.ensure(all_departments(project.standard))
        echo("  各科室链接（只能看本科室待办、给本科室负责的评价标准添加文件）：")
        for name, token in departments.items():
            echo(f"    {name}：{base}/d/{quote(name)}?token={token}")
        echo("  吊销某科室的链接：dossier serve --revoke 科室名称（再次 --lan 启动时生成新链接）。")
    echo("  按 Ctrl+C 停止。")
    if options.open_browser:
        webbrowser.open(office_url)
    debug = logging.getLogger().isEnabledFor(logging.DEBUG)  # dossier --debug
    config = uvicorn.Config(create_app(settings), log_level="debug" if debug else "critical",
                            access_log=debug,
                            log_config=None, timeout_graceful_shutdown=2)
    try:
        uvicorn.Server(config).run(sockets=[sock])  # Ctrl+C: uvicorn stops, then re-raises it
    finally:
        echo("网页已停止。")


def revoke(root: Path, department: str) -> None:
    LinkStore(root).revoke(department)
