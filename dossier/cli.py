"""Command line: arguments → library call → exit code. Nothing else lives here.

Every command's docstring is its ``--help`` text and carries an example
(a test fails when one is missing).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from dossier.builders import PARTS
from dossier.errors import DossierError, ExitCode

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
year_option = click.option("--year", type=int, default=None,
                           help="评估年度；默认为唯一或最新的清单年度。")


class Options:
    def __init__(self, workspace: Path, debug: bool):
        self.workspace = workspace
        self.debug = debug

    def session(self, command: str):
        """The workspace lock and clean-up for a command that writes under build/."""
        from dossier.session import workspace_session

        return workspace_session(self.workspace, command)

    def project(self, year: int | None):
        from dossier.progress import default_progress
        from dossier.project import load_project

        return load_project(self.workspace, year, progress=default_progress())


def _echo_json(data) -> None:
    from dossier.render.json import json_text

    click.echo(json_text(data))


@click.group(context_settings=CONTEXT)
@click.option("-C", "workspace", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="工作目录（含 manifests/ 和 evidence/ 的文件夹），默认为当前目录。")
@click.option("--debug", is_flag=True, help="出错时显示程序内部的详细信息（供技术人员排查）。")
@click.version_option(package_name="dossier", help="显示版本后退出。", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, workspace: Path, debug: bool) -> None:
    """规范化建设自评材料工具：检查佐证材料、计算自评得分、生成汇编、报告和归档包。

    \b
    常用流程：
      dossier init --year 2022 --unit 单位全称   建立清单和文件夹
      dossier check                             查看还缺哪些材料
      dossier score                             计算自评得分
      dossier build                             生成汇编、报告和得分表
      dossier pack                              生成报送用的归档包
    """
    ctx.obj = Options(workspace, debug)


@cli.command(context_settings=CONTEXT)
@click.option("--year", type=int, required=True, help="评估年度，如 2022。")
@click.option("--unit", default=None, help="单位全称（用 --from 时可省略，沿用上年）。")
@click.option("--from", "from_year", type=int, default=None,
              help="以该年度的清单为基础：沿用单位、自评说明和文件指定，分数和系统数据清空。")
@click.pass_obj
def init(opts: Options, year: int, unit: str | None, from_year: int | None) -> None:
    """建立某年度的清单（manifests/年度.yaml）和佐证材料文件夹。

    已有的文件不会被覆盖，只补上缺少的部分；可以放心重复运行。

    \b
    示例：
      dossier init --year 2022 --unit 泉州市某某生态环境保护综合行政执法大队
      dossier init --year 2023 --from 2022
    """
    from dossier.workspace import init_workspace

    result = init_workspace(opts.workspace, year, unit, from_year=from_year)
    if not result.added:
        click.echo("没有需要新增的内容，已有文件均未改动。")
        return
    folders = [p for p in result.added if p.is_dir()]
    files = [p for p in result.added if p.is_file()]
    click.echo(f"已新增 {len(folders)} 个文件夹、{len(files)} 个文件：")
    for p in result.added:
        click.echo(f"  {p.relative_to(opts.workspace) if p.is_relative_to(opts.workspace) else p}")
    click.echo(f"下一步：把佐证材料放入 evidence/{year}/ 下对应的文件夹，在 "
               f"{result.manifest.name} 中填写自评得分，然后运行 dossier check。")


@cli.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="输出格式。")
@click.option("--id", "standard_id", default=None, help="标准编号，默认为清单中的或县级标准。")
@click.pass_obj
def standard(opts: Options, fmt: str, standard_id: str | None) -> None:
    """显示评价标准：各级指标、评价标准、分值和责任科室。

    \b
    示例：
      dossier standard
      dossier standard --format json > 标准.json
    """
    from dossier.render.text import standard_text
    from dossier.standard import DEFAULT_STANDARD, load_standard

    std = load_standard(standard_id or DEFAULT_STANDARD)
    if fmt == "json":
        _echo_json(std.to_json())
    else:
        click.echo(standard_text(std))


@cli.command(context_settings=CONTEXT)
@year_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              help="text 在屏幕上显示；json 供程序读取；html 写出 build/年度/检查报告.html。")
@click.option("--by", "by", type=click.Choice(["criterion", "department"]), default="criterion",
              help="待办清单按评价标准或按责任科室分组。")
@click.option("--strict", is_flag=True, help="有任何警告也按未通过处理（退出码1）。")
@click.pass_obj
def check(opts: Options, year: int | None, fmt: str, by: str, strict: bool) -> None:
    """检查佐证材料是否齐全、文件是否有问题，列出各科室的待办事项。

    退出码：0 没有阻断问题；1 有阻断问题（加 --strict 时有警告也算）；3 清单有误。

    \b
    示例：
      dossier check
      dossier check --by department
      dossier check --format html
    """
    project = opts.project(year)
    from dossier.check import run_check
    from dossier.render.html import write_html
    from dossier.render.text import print_check

    report = run_check(project)
    if fmt == "json":
        _echo_json(report.to_json())
    elif fmt == "html":
        click.echo(str(write_html(report, project)))
    else:
        print_check(report, project, by_department=(by == "department"))
    raise SystemExit(report.exit_code(strict))


@cli.command(context_settings=CONTEXT)
@year_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="输出格式。")
@click.pass_obj
def score(opts: Options, year: int | None, fmt: str) -> None:
    """计算自评得分：各级指标得分、加分、扣分、总分、等次和缺佐证的风险分。

    \b
    示例：
      dossier score
      dossier score --format json
    """
    project = opts.project(year)
    from dossier.render.text import print_score
    from dossier.score import compute_score

    result = compute_score(project)
    if fmt == "json":
        _echo_json(result.to_json())
    else:
        print_score(result, project)


@cli.command(context_settings=CONTEXT)
@year_option
@click.option("--import", "import_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="读回填好的得分表，把自评得分和说明写入清单（先备份清单）。")
@click.option("--force", is_flag=True,
              help="导入在清单最近一次修改之前导出的得分表（表中内容覆盖清单此后的修改）。")
@click.pass_obj
def sheet(opts: Options, year: int | None, import_file: Path | None, force: bool) -> None:
    """写出自评得分表（Excel），或把填好的得分表读回清单。

    导入时核对表中的单位和年度；表是在清单最近一次修改之前导出的，需加 --force。
    扣分项按正数填写，从总分中减去。

    \b
    示例：
      dossier sheet                          写出 build/年度/自评得分表.xlsx
      dossier sheet --import 自评得分表.xlsx  读回自评得分和自评说明
    """
    project = opts.project(year)
    if import_file is None:
        _build_parts(project, "dossier sheet", only=("sheet",))
        return
    from dossier.sheetimport import import_sheet

    with opts.session("dossier sheet --import"):
        result = import_sheet(project, import_file, force=force)
    if not result.changes:
        click.echo("得分表与清单一致，清单未改动。")
    for change in result.changes:
        click.echo(str(change))
    if result.backup:
        click.echo(f"原清单已备份为 {result.backup}", err=True)


def _build_parts(project, command: str, **options) -> None:
    """Run the builders asked for (the one registry), print their files, exit with the result.

    Holds the workspace for ``command`` meanwhile (one command at a time, see session.py).
    """
    from dossier.builders import BuildOptions, build_all
    from dossier.progress import default_progress
    from dossier.session import workspace_session

    with workspace_session(project.root, command):
        result = build_all(project, BuildOptions(**options), progress=default_progress())
    for path in result.paths():
        click.echo(str(path))
    raise SystemExit(result.exit_code)


@cli.command(context_settings=CONTEXT)
@year_option
@click.option("--max-pages", type=click.IntRange(min=10), default=None, help="汇编每册最多页数，超过则分册。")
@click.option("--max-mb", type=click.FloatRange(min=1), default=None, help="汇编每册最大体积（MB），超过则分册。")
@click.option("--strict", is_flag=True, help="有文件无法转换（以说明页代替）时按失败处理。")
@click.option("--only", type=click.Choice(list(PARTS)), multiple=True,
              help="只生成指定的部分，可重复：binder 汇编，report 年度报告，sheet 得分表。")
@click.option("--rebuild", is_flag=True, help="即使内容未变化也重新生成全部文件。")
@click.pass_obj
def build(opts: Options, year: int | None, max_pages: int | None, max_mb: float | None,
          strict: bool, only: tuple[str, ...], rebuild: bool) -> None:
    """生成佐证材料汇编（PDF、Word）、年度报告（Word、PDF）和自评得分表（Excel）。

    输出在 build/年度/ 下；屏幕上只列出生成的文件。

    \b
    示例：
      dossier build
      dossier build --max-pages 300
      dossier build --only sheet
    """
    _build_parts(opts.project(year), "dossier build", max_pages=max_pages, max_mb=max_mb,
                 strict=strict, only=only, reuse=not rebuild)


@cli.command(context_settings=CONTEXT)
@year_option
@click.pass_obj
def report(opts: Options, year: int | None) -> None:
    """只生成年度工作进展和总结报告（Word 和 PDF）。

    \b
    示例：
      dossier report
    """
    _build_parts(opts.project(year), "dossier report", only=("report",))


@cli.command(context_settings=CONTEXT)
@year_option
@click.option("--no-originals", is_flag=True, help="归档包中不放原始佐证文件。")
@click.option("--force", is_flag=True, help="即使有阻断问题也打包（不建议）。")
@click.option("--max-pages", type=click.IntRange(min=10), default=None,
              help="汇编每册最多页数；不填则沿用上次 dossier build 的分册。")
@click.option("--max-mb", type=click.FloatRange(min=1), default=None,
              help="汇编每册最大体积（MB）；不填则沿用上次 dossier build 的分册。")
@click.pass_obj
def pack(opts: Options, year: int | None, no_originals: bool, force: bool,
         max_pages: int | None, max_mb: float | None) -> None:
    """生成报送市局的归档包（BagIt 格式的 ZIP，含 SHA-256 和 SM3 校验）。

    有阻断问题时拒绝打包，并列出问题。打包前会先更新汇编、报告和得分表
    （内容未变化的沿用上次生成的文件）；生成后在 Word 中修改过的文件按修改后的版本打包。
    最后显示归档包的 SM3 指纹和写有它的报送单（Word）：报送单盖章后随文报送，
    市局用 dossier verify --expect 核对收到的就是这个归档包。

    \b
    示例：
      dossier pack
      dossier pack --max-pages 300
      dossier pack --no-originals
    """
    from dossier.builders import BuildOptions
    from dossier.pack import pack_project
    from dossier.progress import default_progress

    project = opts.project(year)
    with opts.session("dossier pack"):
        result = pack_project(project, originals=not no_originals, force=force,
                              options=BuildOptions(max_pages=max_pages, max_mb=max_mb),
                              progress=default_progress())
    for line in (*result.notes, *result.warnings):
        click.echo(line, err=True)
    click.echo(str(result.path))
    click.echo(f"SM3 指纹：{result.sm3}")
    if result.form is not None:
        click.echo(str(result.form))


@cli.command(context_settings=CONTEXT)
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="输出格式。")
@click.option("--expect", default=None, metavar="指纹",
              help="报送单上的 SM3 指纹：核对这是否就是报送单位声明的那个归档包。")
def verify(archive: Path, fmt: str, expect: str | None) -> None:
    """核验归档包：校验和（SHA-256、SM3）及真实性、完整性、可用性、安全性（四性）检测。

    任何一项未通过时退出码为1。给出 --expect 时还核对归档包的 SM3 指纹是否与
    报送单上的一致；不给时只能说明包内容完整，不能说明它就是报送的那一个。

    \b
    示例：
      dossier verify 某单位-2022-规范化建设材料.zip
      dossier verify 某单位-2022-规范化建设材料.zip --expect 6f1c…（报送单上的64位指纹）
    """
    from dossier.verify import verify_archive

    result = verify_archive(archive, expect=expect)
    if fmt == "json":
        _echo_json(result.to_json())
    else:
        click.echo(result.render_text())
    raise SystemExit(0 if result.ok else ExitCode.blocking)


@cli.command(context_settings=CONTEXT)
@click.pass_obj
def doctor(opts: Options) -> None:
    """检查运行环境：Python 和依赖包、LibreOffice、各类字体，并给出安装方法。

    缺少必需组件时退出码为4。

    \b
    示例：
      dossier doctor
    """
    from dossier.doctor import run_doctor

    result = run_doctor()
    click.echo(result.render_text())
    raise SystemExit(ExitCode.ok if result.ok else ExitCode.missing_tool)


def _on_sigterm(signum, frame) -> None:
    """SIGTERM (a service stop, a closed IDE) unwinds like Ctrl-C: children killed, temp removed."""
    raise KeyboardInterrupt


def _os_message(exc: OSError) -> str:
    import errno

    where = f"（{exc.filename}）" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘空间已满{where}，无法继续。请清理磁盘（可以删除 build/.cache 文件夹）后重新运行。"
    if exc.errno == errno.EROFS:
        return f"文件夹是只读的{where}，无法写入。请换到可以写入的位置后重新运行。"
    return (f"无法读写文件{where}：{exc.strerror or type(exc).__name__}。请检查文件是否被占用、"
            "权限是否足够，然后重新运行。")


@cli.command(context_settings=CONTEXT)
@year_option
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="端口；默认自动选择一个空闲端口。")
@click.option("--lan", is_flag=True,
              help="在办公室局域网上开放，并为每个责任科室生成各自的链接。")
@click.option("--host", default=None,
              help="监听的地址；默认 127.0.0.1（仅本机），加 --lan 时为本机的局域网地址。")
@click.option("--revoke", "revoke_department", metavar="科室", default=None,
              help="吊销该科室的链接（立即生效），然后退出。")
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器。")
@click.option("--max-upload-mb", type=click.FloatRange(min=0.001), default=None,
              help="单次上传的大小上限（MB），默认 200。")
@click.pass_obj
def serve(opts: Options, year: int | None, port: int, lan: bool, host: str | None,
          revoke_department: str | None, no_browser: bool, max_upload_mb: float | None) -> None:
    """打开本单位的自评网页：总览、各评价标准的材料和自评、科室待办、生成与报送。

    默认只在本机（127.0.0.1）开放，启动时显示带访问令牌的链接并打开浏览器。
    加 --lan 时各科室得到自己的链接，只能给本科室负责的评价标准添加文件。

    \b
    示例：
      dossier serve
      dossier serve --lan --port 8080
      dossier serve --revoke 法规科
    """
    from dossier.web.server import ServeOptions, revoke
    from dossier.web.server import serve as run_server

    if revoke_department:
        revoke(opts.workspace, revoke_department)
        click.echo(f"已吊销{revoke_department}的链接；正在运行的网页立即拒绝该链接。"
                   "再次用 --lan 启动时会为该科室生成新链接。")
        return
    max_upload = int(max_upload_mb * 1024 * 1024) if max_upload_mb else None
    run_server(ServeOptions(root=opts.workspace, year=year, lan=lan, host=host, port=port,
                            open_browser=not no_browser, max_upload=max_upload),
               echo=lambda line: click.echo(line))


def main(argv: list[str] | None = None) -> None:
    """Entry point: map errors to messages and exit codes (no traceback unless --debug)."""
    import signal

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    # Library log lines are English and for developers: shown only with --debug.
    logging.basicConfig(level=logging.DEBUG if debug else logging.CRITICAL + 1,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if argv is None:  # the real command, not a test calling main() in-process
        signal.signal(signal.SIGTERM, _on_sigterm)
    from dossier import clickzh

    clickzh.install(cli)  # click's usage errors and help headings in Chinese
    try:
        rv = cli.main(args=args, prog_name="dossier", standalone_mode=False)
    except click.exceptions.UsageError as exc:
        exc.show()
        sys.exit(ExitCode.usage)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("已中断。", err=True)
        sys.exit(ExitCode.interrupted)
    except DossierError as exc:
        if debug:
            raise
        click.echo(f"错误：{exc.render()}", err=True)
        sys.exit(int(exc.exit_code))
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except OSError as exc:  # the machine, not the program: disk full, read-only, locked file
        if debug:
            raise
        click.echo(f"错误：{_os_message(exc)}", err=True)
        sys.exit(ExitCode.build_failed)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"内部错误（程序缺陷，错误类型 {type(exc).__name__}）。"
                   "请加 --debug 重新运行，并把输出发给技术支持。", err=True)
        sys.exit(ExitCode.internal)
    sys.exit(rv if isinstance(rv, int) else 0)


# -- the city bureau's review (复核评估) ------------------------------------------------------

by_option = click.option("--by", "who", default="",
                         help="操作人姓名，记入登记簿的历史；默认为当前登录用户名。")
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                             default="text", help="输出格式。")


@cli.group(context_settings=CONTEXT)
def review() -> None:
    """市局复核评估：接收各县归档包、逐项复核打分、汇总排名、出具复核意见、发布年度名单。

    复核工作目录由 -C 指定（默认当前目录），每个年度一个子文件夹。

    \b
    示例（常用流程）：
      dossier review init --year 2023 --reviewer 泉州市生态环境局
      dossier review add 收件/*.zip            校验并接收归档包
      dossier review sheet                     生成各单位的复核评分表
      dossier review import 复核评分表.xlsx     导入填好的复核评分表
      dossier review results                   汇总、排名、复核意见
      dossier review publish                   发布并锁定本年度结果
    """


def _review_ws(opts: Options, year: int | None):
    from dossier.review.workspace import find_workspace

    ws = find_workspace(opts.workspace, year)
    return ws, ws.open()


@review.command("init", context_settings=CONTEXT)
@click.option("--year", type=int, required=True, help="复核年度，如 2023。")
@click.option("--reviewer", required=True, help="复核单位全称，如 泉州市生态环境局。")
@click.option("--county", "counties", multiple=True,
              help="应报送的单位全称，可重复；上年度复核过的单位自动列入。")
@click.option("--doc-prefix", default="", help="复核意见的发文字号代字，如 泉环执（不填则不加版头）。")
@click.pass_obj
def review_init(opts: Options, year: int, reviewer: str, counties: tuple[str, ...],
                doc_prefix: str) -> None:
    """建立某年度的复核工作目录和复核登记簿。

    \b
    示例：
      dossier review init --year 2023 --reviewer 泉州市生态环境局
      dossier review init --year 2023 --reviewer 泉州市生态环境局 --county 泉州市某县生态环境保护综合行政执法大队
    """
    from dossier.review.workspace import init_review

    ws, register = init_review(opts.workspace, year, reviewer, counties, doc_prefix=doc_prefix)
    n = len(register.counties())
    register.close()
    click.echo(f"已建立 {year} 年度复核工作目录：{ws.dir}（应报送单位 {n} 个）")
    click.echo("下一步：dossier review add 归档包.zip …")


@review.command("add", context_settings=CONTEXT)
@click.argument("archives", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@year_option
@by_option
@click.pass_obj
def review_add(opts: Options, archives: tuple[Path, ...], year: int | None, who: str) -> None:
    """校验并接收归档包：未通过校验的登记为“退回”并列出原因；同一单位再次报送的替换前一次。

    有退回的归档包时退出码为1。

    \b
    示例：
      dossier review add 甲县-2023-规范化建设材料.zip 乙县-2023-规范化建设材料.zip
    """
    from dossier.progress import default_progress
    from dossier.review.intake import add_archives

    ws, register = _review_ws(opts, year)
    try:
        results = add_archives(ws, register, list(archives), who=who, progress=default_progress())
    finally:
        register.close()
    for result in results:
        click.echo(result.line())
    raise SystemExit(ExitCode.blocking if any(not r.accepted for r in results) else ExitCode.ok)


@review.command("sheet", context_settings=CONTEXT)
@click.argument("units", nargs=-1)
@year_option
@click.pass_obj
def review_sheet(opts: Options, units: tuple[str, ...], year: int | None) -> None:
    """生成复核评分表（Excel）：每个已受理单位一份，已录入的复核内容会带出。

    \b
    示例：
      dossier review sheet
      dossier review sheet 泉州市某县生态环境保护综合行政执法大队
    """
    from dossier.review.outputs import write_sheets

    ws, register = _review_ws(opts, year)
    try:
        for path in write_sheets(ws, register, units):
            click.echo(str(path))
    finally:
        register.close()


@review.command("import", context_settings=CONTEXT)
@click.argument("sheet_file", type=click.Path(dir_okay=False, path_type=Path))
@year_option
@by_option
@click.pass_obj
def review_import(opts: Options, sheet_file: Path, year: int | None, who: str) -> None:
    """导入填好的复核评分表；有错误时列出全部错误单元格，登记簿不作任何改动。

    \b
    示例：
      dossier review import 复核表/某县-2023-复核评分表.xlsx --by 张三
    """
    from dossier.review.outputs import import_sheet

    ws, register = _review_ws(opts, year)
    try:
        unit, changes = import_sheet(ws, register, sheet_file, who)
    finally:
        register.close()
    click.echo(f"{unit}：已导入，{len(changes)} 处改动。")
    for change in changes:
        click.echo(f"  {change}")


@review.command("status", context_settings=CONTEXT)
@year_option
@format_option
@click.pass_obj
def review_status(opts: Options, year: int | None, fmt: str) -> None:
    """各单位的复核状态：未收到、退回、复核中、已复核、已发布。

    \b
    示例：
      dossier review status
      dossier review status --format json
    """
    from dossier.review.results import compute_results, render_status

    ws, register = _review_ws(opts, year)
    try:
        results = compute_results(ws, register)
    finally:
        register.close()
    if fmt == "json":
        _echo_json({"year": results.year, "published": results.published,
                    "counties": [{"unit": c.unit, "status": c.status, "archive": c.archive,
                                  "reasons": c.reasons} for c in results.counties]})
    else:
        click.echo(render_status(results))


@review.command("results", context_settings=CONTEXT)
@year_option
@format_option
@click.pass_obj
def review_results(opts: Options, year: int | None, fmt: str) -> None:
    """复核结果：自评与复核对照、排名、年度名单、与上年比较；写出汇总表、复核意见和市级报告。

    \b
    示例：
      dossier review results
      dossier review results --format json
    """
    from dossier.progress import default_progress
    from dossier.review.outputs import write_results
    from dossier.review.results import compute_results, render_results

    ws, register = _review_ws(opts, year)
    try:
        results = compute_results(ws, register)
        paths = write_results(ws, register, results, default_progress())
    finally:
        register.close()
    if fmt == "json":
        _echo_json(results.to_json())
        return
    click.echo(render_results(results))
    for path in paths:
        click.echo(str(path))


@review.command("publish", context_settings=CONTEXT)
@year_option
@by_option
@click.pass_obj
def review_publish(opts: Options, year: int | None, who: str) -> None:
    """发布本年度复核结果并锁定：记录结果摘要，写出年度名单；此后不能再修改。

    有单位尚在复核中时拒绝发布（退出码1）。

    \b
    示例：
      dossier review publish --by 张三
    """
    from dossier.progress import default_progress
    from dossier.review.outputs import publish

    ws, register = _review_ws(opts, year)
    try:
        results, paths = publish(ws, register, who, default_progress())
        digest = register.publication()["digest"]
    finally:
        register.close()
    click.echo(f"{results.year}年度复核结果已发布并锁定，结果摘要 SHA-256：{digest}")
    for path in paths:
        click.echo(str(path))


@review.command("history", context_settings=CONTEXT)
@year_option
@format_option
@click.pass_obj
def review_history(opts: Options, year: int | None, fmt: str) -> None:
    """登记簿的全部历史：谁、何时、对哪个单位、做了什么、为什么（只增不改）。

    \b
    示例：
      dossier review history
      dossier review history --format json
    """
    ws, register = _review_ws(opts, year)
    try:
        rows = [dict(r) for r in register.history()]
    finally:
        register.close()
    if fmt == "json":
        _echo_json(rows)
        return
    for r in rows:
        why = f"（{r['why']}）" if r["why"] else ""
        click.echo(f"{r['at']}  {r['who']}  {r['county'] or '—'}  {r['action']}：{r['what']}{why}")

