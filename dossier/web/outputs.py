"""What the 生成与报送 page runs and offers: build, pack, verify, the files to download.

``pack_project`` is this page's one way into packing; it runs what ``dossier pack``
runs (check, build with hand-edited outputs kept, pack without --force) and is the
adapter to switch when the library gains ``dossier.pack.pack_project``.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from dossier.errors import BuildError

ROLE_NAMES = {"binder_pdf": "佐证材料汇编（PDF）", "binder_docx": "佐证材料汇编（Word）",
              "report_docx": "年度报告（Word）", "report_pdf": "年度报告（PDF）",
              "sheet_xlsx": "自评得分表（Excel）", "archive": "报送归档包（ZIP）"}
_ITEM_TITLE = re.compile(r"^(\d+(?:\.\d+)+-\d+)\s")
_outline_cache: dict[tuple[str, int], dict[str, int]] = {}
_cache_lock = threading.Lock()


def run_build(root: Path, year: int | None, progress) -> dict:
    """What ``dossier build`` runs, with the page's progress."""
    from dossier.builders import BuildOptions, build_all
    from dossier.project import load_project

    project = load_project(root, year, progress=progress)
    result = build_all(project, BuildOptions(), progress=progress)
    if result.errors:
        raise BuildError("部分文件生成失败：" + "；".join(result.errors),
                         hint="处理上面的问题后重新生成；文件正在 Word/WPS 中打开时请先关闭。")
    names = [p.name for p in result.paths()]
    note = f"（{len(result.placeholders)} 个文件无法转换，已以说明页代替）" if result.placeholders else ""
    return {"message": f"生成完成：{len(names)} 个文件{note}。", "outputs": names}


def pack_project(root: Path, year: int | None, progress) -> dict:
    """What ``dossier pack`` runs (without --force): the library's ``pack_project``."""
    from dossier.pack import pack_project as pack_year
    from dossier.project import load_project

    project = load_project(root, year, progress=progress)
    result = pack_year(project, progress=progress)
    for line in (*result.notes, *result.warnings):
        progress.log(line)
    return {"message": f"打包完成：{result.path.name}（{result.size / 1048576:.1f} MB，"
                       f"{result.items} 项佐证材料），SM3 指纹 {result.sm3}。",
            "outputs": [result.path.name]}


def run_verify(project):
    """``dossier verify`` on this year's archive; None when there is none yet."""
    from dossier.pack import archive_path
    from dossier.verify import verify_archive

    path = archive_path(project)
    return verify_archive(path) if path.is_file() else None


def downloads(project) -> list[dict]:
    """The outputs that exist now, in the order the office hands them on."""
    from dossier.builders import collect_outputs
    from dossier.pack import archive_path
    from dossier.web.views import human_size

    found = dict(collect_outputs(project))
    if archive_path(project).is_file():
        found["archive"] = archive_path(project)
    out = []
    for role, path in found.items():
        base = "binder_pdf" if role.startswith("binder_pdf") else role
        label = ROLE_NAMES.get(base, role)
        if role != base:
            label += f" 第{role.rsplit('_', 1)[1]}册"
        stat = path.stat()
        out.append({"role": role, "label": label, "name": path.name, "path": path,
                    "size": human_size(stat.st_size), "mtime": stat.st_mtime})
    return out


def binder_pages(project, with_volume: bool = False) -> dict:
    """Evidence item number → its first page in the built PDF binder (1-based).

    Read from the binder's own bookmarks, which the page map wrote, so the page the
    browser opens is the page the table of contents names. Empty before a build.
    """
    from dossier.builders import binder_paths

    pages: dict = {}
    for volume in binder_paths(project):
        for number, page in _outline(volume).items():
            pages.setdefault(number, (volume.name, page) if with_volume else page)
    return pages


def _outline(path: Path) -> dict[str, int]:
    key = (str(path), path.stat().st_mtime_ns)
    with _cache_lock:
        if key in _outline_cache:
            return _outline_cache[key]
    import pypdf

    reader = pypdf.PdfReader(path)
    found: dict[str, int] = {}

    def walk(entries) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            elif (m := _ITEM_TITLE.match(entry.title or "")):
                found.setdefault(m.group(1), reader.get_destination_page_number(entry) + 1)

    walk(reader.outline)
    with _cache_lock:
        _outline_cache[key] = found
    return found
