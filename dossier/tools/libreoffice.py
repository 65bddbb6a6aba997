"""LibreOffice (``soffice --headless``): Word, Excel, PowerPoint, WPS and ODF files → PDF.

"Is it installed" (find_soffice, version, the components, works) is kept apart from "run
it" (convert_to_pdf). One soffice call converts several files, because its start-up
costs seconds; a call that hangs or crashes is killed with its whole process group and
the files it did not finish are retried one at a time, so that only the file at fault
fails. A failure of LibreOffice itself (it cannot start, a component is missing) is
told apart from a file it cannot open: ``OfficeResult.tool_failed``. Messages are
Chinese; LibreOffice's own English output never reaches a user.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from dossier import children
from dossier.errors import MissingToolError
from dossier.tools import fonts

log = logging.getLogger(__name__)

INSTALL_HINT = ("Debian/Ubuntu：sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui "
                "libreoffice-impress-nogui；Windows：从 https://zh-cn.libreoffice.org 下载安装 LibreOffice"
                "（安装时保留 Writer、Calc、Impress 组件），或把 soffice.exe 所在文件夹加入 PATH。")

_WINDOWS_PATHS = (r"C:\Program Files\LibreOffice\program\soffice.exe",
                  r"C:\Program Files (x86)\LibreOffice\program\soffice.exe")
_STARTUP_SECONDS = 30.0  # allowance for soffice start-up on top of the per-file timeout
_PROBE_TIMEOUT = 120.0


@dataclass(frozen=True)
class Component:
    """A LibreOffice module that imports one family of office files."""

    key: str  # registry file stem: writer.xcd, calc.xcd, impress.xcd
    name: str  # LibreOffice Writer …
    label: str  # what it is for, in Chinese
    package: str  # Debian package
    extensions: frozenset[str]
    sample_suffix: str  # a flat ODF file this component opens
    sample: str

    @property
    def short(self) -> str:
        return self.name.split()[-1]  # Writer, Calc, Impress


_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
       'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2"')


def _flat(mimetype: str, body: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {_NS} office:mimetype='
            f'"application/vnd.oasis.opendocument.{mimetype}"><office:body>{body}'
            '</office:body></office:document>\n')


COMPONENTS = (
    Component("writer", "LibreOffice Writer", "文字处理，转换 Word、WPS文字、RTF、ODT 文件",
              "libreoffice-writer-nogui",
              frozenset({"doc", "docx", "docm", "dot", "dotx", "wps", "odt", "rtf"}), ".fodt",
              _flat("text", "<office:text><text:p>dossier</text:p></office:text>")),
    Component("calc", "LibreOffice Calc", "电子表格，转换 Excel、WPS表格、ODS 文件",
              "libreoffice-calc-nogui", frozenset({"xls", "xlsx", "xlsm", "et", "ods"}), ".fods",
              _flat("spreadsheet", '<office:spreadsheet><table:table table:name="S"><table:table-row>'
                    "<table:table-cell><text:p>dossier</text:p></table:table-cell></table:table-row>"
                    "</table:table></office:spreadsheet>")),
    Component("impress", "LibreOffice Impress", "演示文稿，转换 PowerPoint、WPS演示、ODP 文件",
              "libreoffice-impress-nogui", frozenset({"ppt", "pptx", "pps", "ppsx", "dps", "odp"}),
              ".fodp",
              _flat("presentation", '<office:presentation><draw:page draw:name="p1"><draw:frame '
                    'svg:x="2cm" svg:y="2cm" svg:width="10cm" svg:height="3cm"><draw:text-box>'
                    "<text:p>dossier</text:p></draw:text-box></draw:frame></draw:page>"
                    "</office:presentation>")),
)
_BY_EXTENSION = {ext: c for c in COMPONENTS for ext in c.extensions}


def component_for(ext: str) -> Component | None:
    """The component that opens files with this extension (no dot), or None."""
    return _BY_EXTENSION.get(ext.lower().lstrip("."))


def component_hint(component: Component) -> str:
    return (f"Debian/Ubuntu：sudo apt-get install {component.package}；Windows：重新运行 LibreOffice "
            f"安装程序，选择“修改”，勾选 {component.short} 组件。")


@dataclass(frozen=True)
class OfficeResult:
    """One file's outcome: the PDF written, or an error text (Chinese) when there is none.

    ``tool_failed``: LibreOffice itself could not run (not the file's fault): never cache it.
    """

    source: Path
    pdf: Path | None
    error: str | None = None
    timed_out: bool = False
    tool_failed: bool = False


def find_soffice() -> Path | None:
    """The soffice executable, or None. ``DOSSIER_SOFFICE`` overrides the search."""
    override = os.environ.get("DOSSIER_SOFFICE")
    if override:
        return Path(override) if Path(override).is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    if sys.platform == "win32":
        return next((Path(p) for p in _WINDOWS_PATHS if Path(p).is_file()), None)
    if sys.platform == "darwin":
        mac = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
        return mac if mac.is_file() else None
    return None


def require_soffice() -> Path:
    exe = find_soffice()
    if exe is None:
        raise MissingToolError("未找到 LibreOffice（soffice），无法把 Word、Excel、WPS 文件转换为 PDF。",
                               hint=INSTALL_HINT)
    return exe


def version() -> str | None:
    """``LibreOffice 7.4.7.2 …`` or None when soffice is missing or does not answer."""
    exe = find_soffice()
    return _version(str(exe)) if exe is not None else None


@functools.lru_cache(maxsize=4)
def _version(exe: str) -> str | None:
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, timeout=60, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not text.startswith(("LibreOffice", "OpenOffice", "Collabora")):
        return None
    return text.splitlines()[0]


def _registry_dirs(exe: Path) -> list[Path]:
    program = exe.resolve().parent
    root = program.parent
    return [d for d in (root / "share" / ".registry", root / "share" / "registry",
                        root / "Resources" / "registry") if d.is_dir()]


def has_component(component: Component, exe: Path | None = None) -> bool:
    """Whether the installation ships ``component`` (its configuration file is present).

    An installation whose layout is not recognised is assumed complete: ``works`` decides.
    """
    exe = exe or find_soffice()
    if exe is None:
        return False
    dirs = _registry_dirs(exe)
    if not dirs or not any((d / "main.xcd").is_file() for d in dirs):
        return True
    return any((d / f"{component.key}.xcd").is_file() for d in dirs)


def missing_components(exe: Path | None = None) -> list[Component]:
    return [c for c in COMPONENTS if not has_component(c, exe)]


def works(components: Sequence[Component] = COMPONENTS) -> dict[str, bool]:
    """Convert one tiny sample per component with the installed soffice: which ones work.

    Costs one soffice start (a few seconds); the answer is kept for this process.
    """
    exe = find_soffice()
    if exe is None:
        return {c.key: False for c in components}
    return dict(_works(str(exe), tuple(c.key for c in components)))


@functools.lru_cache(maxsize=8)
def _works(exe: str, keys: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    chosen = [c for c in COMPONENTS if c.key in keys]
    with tempfile.TemporaryDirectory(prefix="dossier-lo-probe-") as tmp:
        work = Path(tmp)
        samples = []
        for c in chosen:
            sample = work / f"probe-{c.key}{c.sample_suffix}"
            sample.write_text(c.sample, encoding="utf-8")
            samples.append(sample)
        outdir = work / "out"
        outdir.mkdir()
        _run(Path(exe), samples, outdir, work / "profile", _PROBE_TIMEOUT)
        return tuple((c.key, (outdir / f"probe-{c.key}.pdf").is_file()) for c in chosen)


_MARK = "<!-- dossier font substitutions -->"


def write_font_replacements(profile_dir: Path) -> Path:
    """Put the Word font names → installed substitutes in the profile's replacement table.

    LibreOffice consults its own substitution list (VCL.xcu) before fontconfig, so a
    fontconfig alias alone lets 仿宋_GB2312 fall to an arbitrary CJK font; the
    replacement table (Tools ▸ Options ▸ Fonts, "always") is applied first.
    """
    path = Path(profile_dir) / "user" / "registrymodifications.xcu"
    items = ['<item oor:path="/org.openoffice.Office.Common/Font/Substitution">'
             '<prop oor:name="Replacement" oor:op="fuse"><value>true</value></prop></item>']
    n = 0
    for role in fonts.ROLES:
        font = fonts.resolve_font(role)
        if font is None:
            continue
        for alias in fonts.ALIASES[role]:
            if alias == font.family:
                continue
            items.append(
                '<item oor:path="/org.openoffice.Office.Common/Font/Substitution/FontPairs">'
                f'<node oor:name="dossier{n}" oor:op="replace">'
                '<prop oor:name="Always" oor:op="fuse"><value>true</value></prop>'
                '<prop oor:name="OnScreenOnly" oor:op="fuse"><value>false</value></prop>'
                f'<prop oor:name="ReplaceFont" oor:op="fuse"><value>{escape(alias)}</value></prop>'
                f'<prop oor:name="SubstituteFont" oor:op="fuse"><value>{escape(font.family)}'
                '</value></prop></node></item>')
            n += 1
    block = _MARK + "\n" + "\n".join(items) + "\n"
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    if _MARK in existing:
        return path
    if "</oor:items>" in existing:
        text = existing.replace("</oor:items>", block + "</oor:items>", 1)
    else:
        text = ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items '
                'xmlns:oor="http://openoffice.org/2001/registry" '
                'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' + block + "</oor:items>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _env(profile_dir: Path) -> dict[str, str]:
    write_font_replacements(profile_dir)
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(fonts.fontconfig_file(profile_dir / "fontconfig"))
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")
    return env


@dataclass(frozen=True)
class _Run:
    in_time: bool  # False: killed after the timeout
    returncode: int | None  # non-zero or negative (a signal): soffice failed or crashed
    output: str


_live: set[subprocess.Popen] = set()
_live_lock = threading.Lock()
_stopping = threading.Event()


class Stopped(Exception):
    """The conversion was called off (``kill_running``); its results must not be used."""


def _run(exe: Path, files: Sequence[Path], outdir: Path, profile_dir: Path,
         timeout: float, to: str = "pdf") -> _Run:
    """One soffice call in its own process group, which dies with us (see ``children``)."""
    args = [str(exe), "--headless", "--norestore", "--nologo", "--nodefault",
            "--nolockcheck", f"-env:UserInstallation={profile_dir.resolve().as_uri()}",
            "--convert-to", to, "--outdir", str(outdir), *map(str, files)]
    kwargs: dict = {"start_new_session": True} if os.name == "posix" else {
        "creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    env = _env(profile_dir)
    with _live_lock:
        if _stopping.is_set():
            raise Stopped()
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, **kwargs)
        _live.add(proc)
    children.watch_group(proc.pid)
    try:
        out, _ = proc.communicate(timeout=timeout)
        if _stopping.is_set():
            raise Stopped()
        return _Run(True, proc.returncode, out.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired:
        children.kill_group(proc)
        proc.communicate()
        return _Run(False, None, "")
    except BaseException:
        children.kill_group(proc)
        raise
    finally:
        children.kill_group(proc)  # anything its launcher left running in the group
        with _live_lock:
            _live.discard(proc)
        children.release_group(proc.pid)


def kill_running() -> None:
    """Kill every soffice this process started and start no more (on interruption)."""
    with _live_lock:
        _stopping.set()
        running = list(_live)
    for proc in running:
        children.kill_group(proc)


def resume() -> None:
    """Allow soffice calls again (a new conversion run after ``kill_running``)."""
    _stopping.clear()


def convert_to_pdf(files: Sequence[Path], outdir: Path, *, timeout_per_file: float = 120,
                   profile_dir: Path, to: str = "pdf") -> list[OfficeResult]:
    """Convert ``files`` (distinct stems) to ``outdir/<stem>.pdf``, in one soffice call.

    ``profile_dir`` is this caller's own LibreOffice profile: two soffice processes must
    never share one. ``to`` is another target format (``xlsx``: spreadsheet.py prints
    old spreadsheets through it); ``OfficeResult.pdf`` is then that file. Returns one
    result per file, in order.
    """
    files = [Path(f) for f in files]
    stems = [f.stem for f in files]
    if len(set(stems)) != len(stems):
        raise ValueError("files given to one soffice call must have distinct stems")
    exe = require_soffice()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    profile_dir = Path(profile_dir)
    profile_dir.mkdir(parents=True, exist_ok=True)
    for f in files:  # stale outputs would pass for fresh ones
        (outdir / f"{f.stem}.{to}").unlink(missing_ok=True)

    started = time.monotonic()
    run = _run(exe, files, outdir, profile_dir, _STARTUP_SECONDS + timeout_per_file * len(files),
               to)
    log.debug("soffice batch of %d: %.1fs, exit %s, %s", len(files), time.monotonic() - started,
              run.returncode, run.output)
    results = [_result(f, outdir, run, timeout_per_file, to) for f in files]
    failed = [r for r in results if r.pdf is None and not r.timed_out]
    if failed and _tool_broken(run, results, files):
        return [r if r.pdf else OfficeResult(r.source, None, _cannot_run(run), tool_failed=True)
                for r in results]
    if len(files) == 1 or (run.in_time and run.returncode == 0):
        return results
    # The batch hung or crashed: retry the files it did not finish, one by one.
    return [r if r.pdf else convert_to_pdf([r.source], outdir, timeout_per_file=timeout_per_file,
                                           profile_dir=profile_dir, to=to)[0] for r in results]


def _tool_broken(run: _Run, results: list[OfficeResult], files: Sequence[Path]) -> bool:
    """Whether the failures are LibreOffice's own (it cannot start, a component is missing).

    Only asked when something failed; the sample conversion is cached for this process.
    """
    if not run.in_time:
        return False
    wanted = {c.key for f in files if (c := component_for(f.suffix)) is not None} or {"writer"}
    answers = works([c for c in COMPONENTS if c.key in wanted])
    failed_kinds = {c.key if (c := component_for(r.source.suffix)) else "writer"
                    for r in results if r.pdf is None}
    return any(not answers.get(kind, True) for kind in failed_kinds)


def _cannot_run(run: _Run) -> str:
    how = (f"被信号 {-run.returncode} 终止" if run.returncode is not None and run.returncode < 0
           else f"退出码 {run.returncode}")
    return f"LibreOffice 无法运行（{how}），请运行 dossier doctor 检查安装"


# What soffice prints (English) → what a user reads.
_MESSAGES = (
    ("source file could not be loaded", "LibreOffice 无法打开此文件（文件可能已损坏、加密，或内容与扩展名不符）"),
    ("no export filter", "LibreOffice 无法把此文件导出为 PDF（缺少对应的组件）"),
)


def _result(source: Path, outdir: Path, run: _Run, timeout: float, to: str = "pdf") -> OfficeResult:
    pdf = outdir / f"{source.stem}.{to}"
    if pdf.is_file() and pdf.stat().st_size > 0:
        return OfficeResult(source, pdf)
    if not run.in_time:
        return OfficeResult(source, None, f"LibreOffice 转换超时（超过{timeout:g}秒），已中止",
                            timed_out=True)
    if run.returncode:
        return OfficeResult(source, None, "LibreOffice 处理此文件时异常退出（文件可能已损坏或过于复杂）")
    lowered = run.output.lower()
    message = next((text for needle, text in _MESSAGES if needle in lowered),
                   "LibreOffice 无法打开或转换此文件")
    return OfficeResult(source, None, message)
