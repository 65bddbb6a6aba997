"""The Starlette application: routes, the guard in front of them, and the pages.

Every request passes the guard (``Guard``): the Host header must name this server,
the link's token must be known (from ``?token=`` once, then a cookie), and a request
body may not exceed the upload limit (413). Handlers then check what the link may do
(office: everything; a department: its own to-do list and adding files to criteria
that list it) and, for every POST, the CSRF token.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request, cookie_parser
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dossier.errors import DossierError
from dossier.sheetimport import BACKUP_DIR
from dossier.web import journal, views
from dossier.web.access import (
    COOKIE,
    Link,
    LinkStore,
    all_departments,
    csrf_ok,
    csrf_token,
    host_allowed,
)
from dossier.web.claims import ManifestChanged, digest, save_claim
from dossier.web.jobs import Busy, JobRunner
from dossier.web.outputs import binder_pages, downloads, pack_project, run_build, run_verify
from dossier.web.uploads import MAX_UPLOAD_BYTES, UploadRefused, add_file

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MULTIPART_SLACK = 64 * 1024  # form fields and part headers around the file itself


@dataclass
class Settings:
    root: Path
    year: int | None
    links: LinkStore
    hosts: frozenset[str]
    max_upload: int = MAX_UPLOAD_BYTES
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    runner: JobRunner = field(default_factory=JobRunner)


def create_app(settings: Settings) -> Starlette:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["j2", "html"]), trim_blocks=True,
                      lstrip_blocks=True)
    pages = Pages(settings, env)
    routes = [
        Route("/", pages.home),
        Route("/c/{code}", pages.criterion),
        Route("/c/{code}/files", pages.upload, methods=["POST"]),
        Route("/c/{code}/claim", pages.claim, methods=["POST"]),
        Route("/item/{number}", pages.item),
        Route("/d/{name}", pages.department),
        Route("/build", pages.build_page),
        Route("/jobs/{kind}", pages.start_job, methods=["POST"]),
        Route("/events", pages.events),
        Route("/out/{name}", pages.output),
        Route("/binder/{number}", pages.binder),
        Route("/verify", pages.verify, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: pages.http_error,
                                                      Exception: pages.internal_error})
    app.add_middleware(Guard, settings=settings, render=pages.refusal)
    return app


class Guard:
    """Host header, token (query once, then cookie), body size; pure ASGI so SSE streams."""

    def __init__(self, app, settings: Settings, render):
        self.app, self.settings, self.render = app, settings, render

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if not host_allowed(headers.get("host"), self.settings.hosts):
            return await self.render(403, "地址不对：请使用启动时显示的网址访问本页面。", scope, receive, send)
        if scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" in query:
            link = self.settings.links.find(query["token"][0])
            if link is None:
                return await self.render(403, _NO_LINK, scope, receive, send)
            rest = {k: v for k, v in query.items() if k != "token"}
            target = quote(scope["path"]) + ("?" + urlencode(rest, doseq=True) if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(_cookie_name(headers), link.token, httponly=True,
                                samesite="strict")
            return await response(scope, receive, send)
        cookies = cookie_parser(headers.get("cookie", ""))
        link = self.settings.links.find(cookies.get(_cookie_name(headers)))
        if link is None:
            return await self.render(403, _NO_LINK, scope, receive, send)
        scope.setdefault("state", {})["link"] = link
        limit = self.settings.max_upload + MULTIPART_SLACK
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            return await self.render(413, _too_large(self.settings.max_upload), scope, receive, send)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, _too_large(self.settings.max_upload))
            return message

        return await self.app(scope, counted, send)


def _cookie_name(headers: dict) -> str:
    """One cookie per port: two workspaces served at once on 127.0.0.1 keep their own links."""
    return f"{COOKIE}_{headers['host'].rsplit(':', 1)[-1]}"


_NO_LINK = ("没有访问权限：链接不完整、已过期或已被吊销。请使用启动 dossier serve 时显示的完整链接"
            "（含 token=…），或向办公室索取本科室的新链接。")


def _too_large(limit: int) -> str:
    return f"文件太大：单次上传不能超过 {limit / 1048576:.0f} MB。请压缩或拆分后再上传。"


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


class Pages:
    def __init__(self, settings: Settings, env: Environment):
        self.s, self.env = settings, env

    # -- rendering ---------------------------------------------------------------------

    def page(self, request: Request, template: str, http_status: int = 200, **context) -> HTMLResponse:
        link: Link = request.state.link
        html = self.env.get_template(template).render(
            link=link, csrf=csrf_token(self.s.secret, link), **context)
        return HTMLResponse(html, status_code=http_status)

    async def refusal(self, status: int, message: str, scope, receive, send) -> None:
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
        if "application/json" in accept:
            response = JSONResponse({"error": message}, status_code=status)
        else:
            html = self.env.get_template("refused.html.j2").render(status=status, message=message)
            response = HTMLResponse(html, status_code=status)
        await response(scope, receive, send)

    async def http_error(self, request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else (
            {404: "找不到这个页面或文件。", 405: "不支持这种操作。"}.get(exc.status_code, "请求被拒绝。"))
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=exc.status_code)
        html = self.env.get_template("refused.html.j2").render(status=exc.status_code,
                                                               message=message)
        return HTMLResponse(html, status_code=exc.status_code)

    async def internal_error(self, request: Request, exc: Exception) -> Response:
        """A bug or a bad input found while loading: Chinese, no traceback on the page."""
        if isinstance(exc, DossierError):
            status, message = 422, exc.render()
        else:
            log.exception("internal error on %s", request.url.path)
            status, message = 500, (f"内部错误（{type(exc).__name__}）。请在命令行运行 dossier check "
                                    "--debug，把输出发给技术支持。")
        html = self.env.get_template("refused.html.j2").render(status=status, message=message)
        return HTMLResponse(html, status_code=status)

    # -- who may do what ---------------------------------------------------------------

    def office_only(self, request: Request) -> None:
        if not request.state.link.office:
            raise HTTPException(403, "本科室的链接只能查看本科室的待办和上传本科室的材料；"
                                     "这项操作请由办公室（管理员链接）进行。")

    def may_touch(self, request: Request, project, code: str) -> None:
        """Office: any code; a department: criteria (or tertiaries) that list it."""
        link: Link = request.state.link
        if link.office:
            return
        std = project.standard
        owner = std.criterion(code) if std.has_criterion(code) else (
            std.tertiary(code) if std.has_tertiary(code) else None)
        if owner is None or link.name not in owner.departments:
            raise HTTPException(403, f"{code} 不由{link.name}负责，本链接不能查看或上传。"
                                     "如需补充，请联系办公室。")

    async def csrf(self, request: Request) -> None:
        presented = request.headers.get("x-csrf-token")
        if not presented:
            form = await request.form(max_part_size=1024 * 1024)
            presented = form.get("csrf")
        if not csrf_ok(self.s.secret, request.state.link, presented):
            raise HTTPException(403, "页面已过期或请求来源不明（缺少校验码），操作未执行。请刷新页面后重试。")

    # -- data ------------------------------------------------------------------------------

    def project(self):
        from dossier.project import load_project

        return load_project(self.s.root, self.s.year)

    def analysed(self):
        from dossier.check import run_check
        from dossier.score import compute_score

        project = self.project()
        return project, run_check(project), compute_score(project)

    # -- pages -----------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        link: Link = request.state.link
        if not link.office:
            return RedirectResponse(f"/d/{quote(link.name)}", status_code=303)
        project, report, score = await anyio.to_thread.run_sync(self.analysed)
        return self.page(request, "overview.html.j2", project=project,
                         **views.overview(project, report, score))

    async def department(self, request: Request) -> Response:
        name = request.path_params["name"]
        link: Link = request.state.link
        if not link.office and link.name != name:
            raise HTTPException(403, f"本链接属于{link.name}，不能查看{name}的待办。")
        project, report, _ = await anyio.to_thread.run_sync(self.analysed)
        if name not in all_departments(project.standard):
            raise HTTPException(404, f"评价标准中没有责任科室“{name}”。")
        return self.page(request, "department.html.j2", project=project,
                         **views.department(project, report, name))

    async def criterion(self, request: Request, http_status: int = 200, **extra) -> Response:
        code = request.path_params["code"]
        project, report, score = await anyio.to_thread.run_sync(self.analysed)
        if not project.standard.has_criterion(code):
            raise HTTPException(404, f"没有编号为 {code} 的评价标准。")
        self.may_touch(request, project, code)
        context = views.criterion(project, report, score, code, binder_pages(project))
        context.setdefault("claim_points", "")
        form = {"points": context["claim_points"], "note": context["claim_note"]}
        form.update(extra.pop("form", {}))
        return self.page(request, "criterion.html.j2", http_status=http_status, project=project,
                         form=form, digest=digest(project.manifest.path),
                         added=request.query_params.getlist("added"),
                         saved=request.query_params.get("saved"), **context, **extra)

    async def upload(self, request: Request) -> Response:
        code = request.path_params["code"]
        project = await anyio.to_thread.run_sync(self.project)
        if not project.standard.has_criterion(code):
            raise HTTPException(404, f"没有编号为 {code} 的评价标准。")
        self.may_touch(request, project, code)
        await self.csrf(request)
        form = await request.form(max_part_size=1024 * 1024)
        uploads = [f for f in form.getlist("files") if hasattr(f, "filename")]
        if not uploads:
            raise HTTPException(400, "没有收到文件，请选择或拖入文件后再上传。")
        folder = views.criterion_folders(project)[code]
        link: Link = request.state.link
        added = []
        for upload in uploads:
            try:
                item = await anyio.to_thread.run_sync(
                    add_file, project.evidence_dir, folder, upload.filename, upload.file,
                    self.s.max_upload)
            except UploadRefused as exc:
                journal.record(self.s.root, link.name, "上传被拒绝", code,
                               f"{upload.filename}：{exc}", _client(request))
                raise HTTPException(exc.status, str(exc)) from None
            journal.record(self.s.root, link.name, "上传文件", code,
                           f"evidence/{project.year}/{item.rel}（{item.size} 字节）", _client(request))
            added.append(item)
        if _wants_json(request):
            return JSONResponse({"added": [{"name": a.original, "rel": a.rel} for a in added]})
        query = urlencode([("added", Path(a.rel).name) for a in added])
        return RedirectResponse(f"/c/{code}?{query}", status_code=303)

    async def claim(self, request: Request) -> Response:
        code = request.path_params["code"]
        self.office_only(request)
        await self.csrf(request)
        form = await request.form()
        project = await anyio.to_thread.run_sync(self.project)
        if not project.standard.has_criterion(code):
            raise HTTPException(404, f"没有编号为 {code} 的评价标准。")
        values = {"points": str(form.get("points", "")), "note": str(form.get("note", ""))}
        try:
            saved = await anyio.to_thread.run_sync(
                save_claim, project.manifest.path, project.standard, code, values["points"],
                values["note"], str(form.get("digest", "")), backup_dir(project))
        except ManifestChanged:
            return await self.criterion(
                request, http_status=409,
                error="清单文件在您打开本页后已被修改（可能有人用记事本、Excel 导入或另一个浏览器改过），"
                      "为免覆盖别人的修改，本次未保存。下面显示的是清单现在的内容；您刚才填写的是："
                      f"自评得分“{values['points']}”，自评说明“{values['note']}”。请核对后重新保存。")
        except DossierError as exc:
            return await self.criterion(request, http_status=422, form=values,
                                        error=f"未保存：{exc.render()}")
        journal.record(self.s.root, request.state.link.name, "修改自评", code,
                       f"自评得分 {values['points'] or '空'}；说明 {values['note'] or '空'}；"
                       f"备份 {saved.backup.name}", _client(request))
        return RedirectResponse(f"/c/{code}?saved=1", status_code=303)

    async def item(self, request: Request) -> Response:
        number = request.path_params["number"]
        project = await anyio.to_thread.run_sync(self.project)
        found = next((it for it in project.all_items() if it.number == number), None)
        if found is None:
            raise HTTPException(404, f"没有编号为 {number} 的佐证材料。")
        self.may_touch(request, project, found.code)
        # shown in the browser only what cannot run script here; anything else is downloaded
        inline = found.file.kind in ("pdf", "image", "text")
        return FileResponse(found.file.path, filename=Path(found.file.rel).name,
                            content_disposition_type="inline" if inline else "attachment",
                            headers={"X-Content-Type-Options": "nosniff"})

    async def build_page(self, request: Request, verify=None) -> Response:
        self.office_only(request)
        project = await anyio.to_thread.run_sync(self.project)
        return self.page(request, "build.html.j2", project=project, files=downloads(project),
                         job=self.s.runner.current, entries=journal.read(self.s.root, 30),
                         verify=verify)

    async def start_job(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        self.office_only(request)
        await self.csrf(request)
        if kind not in ("build", "pack"):
            raise HTTPException(404)
        root, year = self.s.root, self.s.year
        work = (lambda p: run_build(root, year, p)) if kind == "build" else (
            lambda p: pack_project(root, year, p))
        try:
            job = self.s.runner.start(kind, request.state.link.name, work)
        except Busy as exc:
            raise HTTPException(409, str(exc)) from None
        journal.record(root, request.state.link.name, "开始" + ("生成" if kind == "build" else "打包"),
                       str(year or ""), "", _client(request))
        if _wants_json(request):
            return JSONResponse({"job": job.id, "kind": kind}, status_code=202)
        return RedirectResponse("/build", status_code=303)

    async def events(self, request: Request) -> Response:
        self.office_only(request)
        job = self.s.runner.current
        after = int(request.query_params.get("after", "0") or 0)

        async def stream():
            import json

            if job is None:
                yield "event: idle\ndata: {}\n\n"
                return
            seen = after
            while True:
                batch = await anyio.to_thread.run_sync(job.wait, seen, 15.0)
                if not batch:
                    yield ": keep-alive\n\n"
                    if await request.is_disconnected():
                        return
                    continue
                for event in batch:
                    seen = event["seq"] + 1
                    yield f"id: {seen}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
                    if event["type"] == "end":
                        return

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    async def output(self, request: Request) -> Response:
        self.office_only(request)
        project = await anyio.to_thread.run_sync(self.project)
        files = {f["name"]: f for f in downloads(project)}
        name = request.path_params["name"]
        if name not in files:
            raise HTTPException(404, f"没有名为“{name}”的生成文件，请先生成。")
        inline = name.endswith(".pdf") and request.query_params.get("open") == "1"
        return FileResponse(files[name]["path"], filename=name,
                            content_disposition_type="inline" if inline else "attachment")

    async def binder(self, request: Request) -> Response:
        number = request.path_params["number"]
        project = await anyio.to_thread.run_sync(self.project)
        found = next((it for it in project.all_items() if it.number == number), None)
        if found is None:
            raise HTTPException(404, f"没有编号为 {number} 的佐证材料。")
        self.office_only(request)
        where = binder_pages(project, with_volume=True).get(number)
        if where is None:
            raise HTTPException(404, f"汇编中还没有 {number}：请先在“生成与报送”页生成汇编。")
        volume, page = where
        return RedirectResponse(f"/out/{quote(volume)}?open=1#page={page}", status_code=303)

    async def verify(self, request: Request) -> Response:
        self.office_only(request)
        await self.csrf(request)
        project = await anyio.to_thread.run_sync(self.project)
        result = await anyio.to_thread.run_sync(run_verify, project)
        if result is None:
            raise HTTPException(404, "还没有归档包，请先打包。")
        journal.record(self.s.root, request.state.link.name, "核验归档包", result.archive.name,
                       "通过" if result.ok else "不通过", _client(request))
        return await self.build_page(request, verify=result)


def backup_dir(project) -> Path:
    """Where manifest backups go, the folder ``sheet --import`` uses too."""
    return project.build_dir / BACKUP_DIR


def _client(request: Request) -> str:
    return request.client.host if request.client else ""
