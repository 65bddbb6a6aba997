"""LibreOffice (``soffice --headless``): Word, Excel, WPS and other office files → PDF.

"Is it installed" (find_soffice, version, require_soffice) is kept apart from "run it"
(convert_to_pdf). One soffice call converts several files, because its start-up costs
seconds; a call that hangs is killed with its whole process group and the batch is
retried one file at a time, so that only the file that hangs fails.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from dossier.errors import MissingToolError
from dossier.tools import fonts

log = logging.getLogger(__name__)

INSTALL_HINT = ("Debian/Ubuntu：sudo apt-get install libreoffice-writer libreoffice-calc "
                "libreoffice-impress；Windows：从 https://zh-cn.libreoffice.org 下载安装 LibreOffice，"
                "或把 soffice.exe 所在文件夹加入 PATH。")

_WINDOWS_PATHS = (r"C:\Program Files\LibreOffice\program\soffice.exe",
                  r"C:\Program Files (x86)\LibreOffice\program\soffice.exe")
_STARTUP_SECONDS = 30.0  # allowance for soffice start-up on top of the per-file timeout


@dataclass(frozen=True)
class OfficeResult:
    """One file's outcome: the PDF written, or an error text (Chinese) when there is none."""

    source: Path
    pdf: Path | None
    error: str | None = None
    timed_out: bool = False


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


@functools.lru_cache(maxsize=1)
def version() -> str | None:
    """``LibreOffice 7.4.7.2 …`` or None when soffice is missing or does not answer."""
    exe = find_soffice()
    if exe is None:
        return None
    try:
        done = subprocess.run([str(exe), "--version"], capture_output=True, timeout=60,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else None


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


def _run(exe: Path, files: Sequence[Path], outdir: Path, profile_dir: Path,
         timeout: float, to: str = "pdf") -> tuple[bool, str]:
    """One soffice call; returns (finished in time, its output). Kills the group on timeout."""
    args = [str(exe), "--headless", "--norestore", "--nologo", "--nodefault",
            "--nolockcheck", f"-env:UserInstallation={profile_dir.resolve().as_uri()}",
            "--convert-to", to, "--outdir", str(outdir), *map(str, files)]
    kwargs: dict = {"start_new_session": True} if os.name == "posix" else {
        "creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=_env(profile_dir), **kwargs)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return True, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        _kill(proc)
        return False, ""


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()


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
    in_time, output = _run(exe, files, outdir, profile_dir,
                           _STARTUP_SECONDS + timeout_per_file * len(files), to)
    log.debug("soffice batch of %d: %.1fs, %s", len(files), time.monotonic() - started, output)
    results = [_result(f, outdir, in_time, output, timeout_per_file, to) for f in files]
    if in_time or len(files) == 1:
        return results
    # The batch hung: retry the files it did not finish, one by one.
    return [r if r.pdf else convert_to_pdf([r.source], outdir, timeout_per_file=timeout_per_file,
                                           profile_dir=profile_dir, to=to)[0] for r in results]


def _result(source: Path, outdir: Path, in_time: bool, output: str,
            timeout: float, to: str = "pdf") -> OfficeResult:
    pdf = outdir / f"{source.stem}.{to}"
    if pdf.is_file() and pdf.stat().st_size > 0:
        return OfficeResult(source, pdf)
    if not in_time:
        return OfficeResult(source, None, f"LibreOffice 转换超时（超过{timeout:g}秒），已中止",
                            timed_out=True)
    detail = " ".join(line for line in output.splitlines() if "Error" in line)[:200]
    return OfficeResult(source, None, "LibreOffice 无法打开或转换此文件" +
                        (f"（{detail}）" if detail else ""))
