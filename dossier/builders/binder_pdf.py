"""The numbered evidence binder (佐证材料汇编), PDF: the document the reviewers hold.

One page map (``pagemap.plan``) decides every page; then, per volume:

1. fpdf2 draws the front matter (cover, score table, TOC) and the dividers (``pdfkit``);
2. the qpdf program concatenates them with the converted evidence PDFs, in a separate
   process that streams page data (bounded memory however large the binder);
3. pikepdf opens the result lazily and, for every evidence page, shrinks the page into
   the area above a bottom strip (kept the same size: A3 stays A3, /Rotate respected) and
   draws the stamp there: a form XObject from one fpdf2 PDF of stamps (font embedded
   once); then it adds TOC links, bookmarks, page labels and fixed metadata, and saves
   with a deterministic ID, atomically.

The page content is moved into a form XObject rather than wrapped in q/Q, so a page
whose content leaves the graphics state unbalanced cannot distort its stamp.
A file without a conversion gets a placeholder page; a converted PDF that turns out to
be unreadable is replaced by a placeholder and the map is planned again: the build
finishes whatever one file is like.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from fpdf import __version__ as FPDF_VERSION

from dossier import memory, stages
from dossier.builders import BINDER_SUFFIX, output_path, pagemap, partcache, pdfkit
from dossier.errors import BuildError
from dossier.fsutil import atomic_write
from dossier.tools import fonts, qpdf

log = logging.getLogger(__name__)

UNREADABLE = "转换后的PDF无法读取，已以说明页代替，请检查原文件后重新生成。"
IN_USE = "文件可能正被其他程序（如PDF阅读器）打开，或磁盘已满：关闭该文件、腾出空间后重新运行。"
MISSING = "文件未能转换为PDF，已以说明页代替，请检查原文件后重新生成。"

# Bump when pdfkit draws the front matter / the stamps differently: old cache entries are then
# ignored (the fpdf2 version and the fonts are part of every key already).
FRONT_VERSION = "4"  # 2: Chinese line breaking (linebreak.py); 3, 4: summary page, 附加项
STAMPS_VERSION = "1"


@dataclass(frozen=True)
class _Source:
    """The PDF pages of one evidence item."""

    pdf: Path
    pages: int


class _Mismatch(Exception):
    """A merged volume does not have the pages the map expects (a bad converted PDF)."""


def volume_paths(project, count: int) -> list[Path]:
    if count == 1:
        return [output_path(project, "binder_pdf")]
    return [project.build_dir / project.output_name(f"{BINDER_SUFFIX}（第{n}册）.pdf")
            for n in range(1, count + 1)]


def build(ctx) -> list[Path]:
    """Write the binder volume(s) under build/YYYY/; returns their paths in order."""
    project = ctx.project
    fonts.require_font("黑体")
    qpdf.require_qpdf()
    with tempfile.TemporaryDirectory(prefix="dossier-binder-") as tmp:
        sources = _sources(ctx, Path(tmp))
        try:
            paths = _build(ctx, sources, Path(tmp))
        except _Mismatch:
            log.info("a converted PDF is unreadable; checking every source")
            sources = _checked(ctx, sources, Path(tmp))
            paths = _build(ctx, sources, Path(tmp))
    for stale in _remove_stale(project, paths):
        ctx.progress.log(f"旧的汇编文件无法删除（可能正被打开）：{stale}。请关闭后手动删除，以免与新生成的文件混淆。")
    return paths


def _build(ctx, sources: dict[str, _Source], tmp: Path) -> list[Path]:
    project, options = ctx.project, ctx.options
    cache = partcache.PartCache(project.cache_dir / "binder")
    front = _FrontMatter(project, ctx.score, cache)
    max_bytes = int(options.max_mb * 1_000_000) if options.max_mb else None
    pmap = stages.call("binder_pdf.pagemap", pagemap.plan, project, lambda it: sources[it.number].pages, front.layout,
                        summary=pagemap.summary_sections(project, ctx.score),
                        max_pages=options.max_pages, max_bytes=max_bytes,
                        bytes_of=lambda it: _size(sources[it.number].pdf))
    for volume in pmap.volumes:
        if volume.oversize:
            ctx.progress.log(oversize_message(volume, options.max_pages))
    ctx.page_map = pmap  # the build's figures (pages, items) are read from it, never recounted
    aux_path, ranges = stages.call("binder_pdf.front", front.write, pmap, tmp)
    del front  # its fpdf2 document holds ~200 MB of parsed CJK fonts
    memory.release()
    paths = volume_paths(project, len(pmap.volumes))
    total = sum(v.total_pages for v in pmap.volumes)
    with ctx.progress.task("生成佐证材料汇编（PDF）", total=total) as task:
        for volume, path in zip(pmap.volumes, paths, strict=True):
            _write_volume(project, cache, aux_path, ranges, volume, sources, path, tmp, task)
    return paths


def oversize_message(volume: pagemap.Volume, max_pages: int | None) -> str:
    items = "；".join(f"佐证 {b.item.number}（{b.item.file.rel}，{b.pages} 页）"
                     for b in volume.items() if b.item in volume.oversize)
    return (f"第{volume.number}册共 {volume.total_pages} 页，超过 --max-pages {max_pages}：{items}"
            "单件即超过每册页数，一件材料不拆分到两册，故单独成册。如需更小的分册，请把该文件拆成"
            "几个文件放入同一文件夹后重新生成。")


def item_pages(ctx) -> dict[str, int]:
    """Pages of every evidence item in the binder: its conversion's, or 1 (a placeholder)."""
    out = {}
    for item in pagemap.binder_items(ctx.project):
        conv = ctx.converted.get(item.file.sha256) if item.file.sha256 else None
        ok = conv is not None and conv.pages > 0 and Path(conv.pdf).is_file()
        out[item.number] = conv.pages if ok else 1
    return out


def whole_page_map(ctx) -> pagemap.PageMap:
    """The binder's page map in one volume, as the Word binder follows it."""
    project = ctx.project
    cache = partcache.PartCache(project.cache_dir / "binder")
    front = _FrontMatter(project, ctx.score, cache)
    front.store_layout()
    pages = item_pages(ctx)
    return pagemap.plan(project, lambda it: pages[it.number], front.layout,
                        summary=pagemap.summary_sections(project, ctx.score))


class _FrontMatter:
    """The pages fpdf2 draws (cover, score table, TOC, dividers), reused across builds.

    Two cache entries: ``layout`` holds what the page map asks of the drawing (page
    counts of dividers and score table, lines of each TOC text), keyed by the divider
    and score data; ``front`` is the drawn PDF, keyed by that data plus everything the
    page map decides (page numbers, TOC, covers). On hits no font is loaded at all.
    """

    def __init__(self, project, score, cache: partcache.PartCache):
        self.project, self.cache = project, cache
        self.fonts = partcache.font_identity({r: fonts.require_font(r) for r in pdfkit.ROLES})
        self.data = pdfkit.layout_data(project, score)
        self.layout_key = partcache.digest("layout", FRONT_VERSION, self._inputs(self.data))
        answers = cache.get_data("layout", self.layout_key)
        self.doc: pdfkit.AuxDoc | None = None
        self.layout = pdfkit.CachedLayout(answers) if answers else self._doc()

    def _inputs(self, data) -> dict:
        return {"fonts": self.fonts, "fpdf": FPDF_VERSION, "data": data}

    def _doc(self) -> pdfkit.AuxDoc:
        if self.doc is None:
            self.doc = pdfkit.AuxDoc(self.data)
        return self.doc

    def store_layout(self) -> None:
        if self.layout is self.doc or self.layout.measured:
            self.cache.put("layout", self.layout_key, None, self.layout.layout_answers())

    def write(self, pmap: pagemap.PageMap, tmp: Path) -> tuple[Path, dict]:
        """The drawn PDF for this page map and where each part lies in it."""
        self.store_layout()
        finish = pdfkit.finish_data(self.project, pmap)
        key = partcache.digest("front", FRONT_VERSION, self._inputs([self.data, finish]))
        hit = self.cache.get("front", key)
        if hit is not None and "ranges" in hit[1]:
            return hit[0], hit[1]["ranges"]
        path = tmp / "front.pdf"
        doc = self._doc()
        doc.finish(finish, path)
        self.cache.put("front", key, path, {"ranges": doc.ranges()})
        return path, doc.ranges()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# -- sources ------------------------------------------------------------------------------


def _sources(ctx, tmp: Path) -> dict[str, _Source]:
    """The PDF of every evidence item: its conversion, or a placeholder made here."""
    out = {}
    for item in pagemap.binder_items(ctx.project):
        conv = ctx.converted.get(item.file.sha256) if item.file.sha256 else None
        if conv is not None and conv.pages > 0 and Path(conv.pdf).is_file():
            out[item.number] = _Source(Path(conv.pdf), conv.pages)
        else:
            out[item.number] = _placeholder(item, tmp, MISSING)
    return out


def _placeholder(item, tmp: Path, reason: str) -> _Source:
    from dossier.convert import placeholder

    path = tmp / f"placeholder-{item.number}.pdf"
    placeholder.write(path, name=item.file.name, kind=item.file.kind, size=item.file.size or 0,
                      sha256=item.file.sha256 or "—", reason=reason)
    return _Source(path, 1)


def _checked(ctx, sources: dict[str, _Source], tmp: Path) -> dict[str, _Source]:
    by_item = {it.number: it for it in pagemap.binder_items(ctx.project)}
    out = {}
    for number, src in sources.items():
        try:
            with pikepdf.open(src.pdf) as doc:
                ok = len(doc.pages) == src.pages
        except (pikepdf.PdfError, OSError, ValueError):
            ok = False
        out[number] = src if ok else _placeholder(by_item[number], tmp, UNREADABLE)
    return out


# -- one volume -----------------------------------------------------------------------------


def _write_volume(project, cache: partcache.PartCache, aux_path: Path, ranges: dict,
                  volume: pagemap.Volume, sources: dict[str, _Source], target: Path, tmp: Path,
                  task) -> None:
    merged = tmp / f"merged-{volume.number}.pdf"
    parts: list[tuple[Path, str]] = [(aux_path, f"{a}-{b}")
                                     for a, b in pdfkit.front_ranges(ranges, volume)]
    for block in volume.blocks:
        if block.is_divider or block.is_summary:
            first, count = (ranges["summary"] if block.is_summary
                            else ranges["dividers"][block.section])
            parts.append((aux_path, f"{first}-{first + count - 1}"))
        else:
            parts.append((sources[block.item.number].pdf, "1-z"))
    try:
        stages.call("binder_pdf.merge", qpdf.merge, parts, merged,  # rewritten below
                    workdir=tmp, deterministic_id=False)
    except subprocess.TimeoutExpired as exc:
        raise BuildError("合并PDF超时（超过1小时）。", hint="用 --max-pages 分册后重试。") from exc
    except subprocess.CalledProcessError as exc:
        log.info("qpdf merge failed: %s", (exc.stderr or b"").decode("utf-8", "replace")[:500])
        raise _Mismatch("qpdf merge failed") from exc
    with pikepdf.open(merged) as pdf:
        if len(pdf.pages) != volume.total_pages:
            raise _Mismatch(f"{len(pdf.pages)} != {volume.total_pages}")
        with stages.stage("binder_pdf.stamp"):
            geometry = [_geometry(pdf.pages[s.index]) for s in volume.stamps()]
            stamps_path = _stamps(cache, volume, geometry, tmp)
        memory.release()
        with pikepdf.open(stamps_path) as stamps:
            with stages.stage("binder_pdf.stamp"):
                for n, (stamp, geo) in enumerate(zip(volume.stamps(), geometry, strict=True)):
                    _stamp_page(pdf, pdf.pages[stamp.index], stamps.pages[n], geo)
            task.advance(volume.front_pages + volume.body_pages // 2)
            with stages.stage("binder_pdf.links"):
                _links(pdf, volume)
                _outline(pdf, volume)
                _labels_and_info(pdf, project, volume)
            try:
                with atomic_write(target) as out, stages.stage("binder_pdf.save"):
                    pdf.save(out, deterministic_id=True, compress_streams=True,
                             object_stream_mode=pikepdf.ObjectStreamMode.generate)
            except OSError as exc:
                raise BuildError(f"无法写入 {target}（{exc.strerror or exc}）。", hint=IN_USE) from exc
            task.advance(volume.body_pages - volume.body_pages // 2)


# -- stamping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    box: tuple[float, float, float, float]  # visible box (crop box), unrotated space
    rotate: int  # 0, 90, 180, 270

    @property
    def shown(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        w, h = x1 - x0, y1 - y0
        return (h, w) if self.rotate in (90, 270) else (w, h)

    @property
    def strip(self) -> float:
        return pdfkit.STRIP * min(1.0, self.shown[1] / 400)


def _geometry(page: pikepdf.Page) -> _Geometry:
    raw = [float(v) for v in page.cropbox]
    box = (min(raw[0], raw[2]), min(raw[1], raw[3]), max(raw[0], raw[2]), max(raw[1], raw[3]))
    try:
        rotate = int(page.obj.get("/Rotate", 0)) % 360
    except (TypeError, ValueError):
        rotate = 0
    return _Geometry(box, rotate if rotate in (0, 90, 180, 270) else 0)


def _stamps(cache: partcache.PartCache, volume: pagemap.Volume, geometry: list[_Geometry],
            tmp: Path) -> Path:
    """The overlay PDF of a volume's stamps: cached, keyed by what each stamp shows and where."""
    pages = [[*geo.shown, geo.strip, s.number, s.page, s.of, s.running]
             for s, geo in zip(volume.stamps(), geometry, strict=True)]
    face = partcache.font_identity({"黑体": fonts.require_font("黑体")})
    key = partcache.digest("stamps", STAMPS_VERSION, {"font": face, "fpdf": FPDF_VERSION,
                                                      "pages": pages})
    hit = cache.get("stamps", key)
    if hit is not None:
        return hit[0]
    path = tmp / f"stamps-{volume.number}.pdf"
    _draw_stamps(volume, geometry, path)
    cache.put("stamps", key, path, {"pages": len(pages)})
    return path


def _draw_stamps(volume: pagemap.Volume, geometry: list[_Geometry], path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.set_creation_date(pdfkit.FIXED_DATE)
    pdf.set_auto_page_break(False)
    face = fonts.add_role_font(pdf, "黑体")
    for stamp, geo in zip(volume.stamps(), geometry, strict=True):
        pdfkit.draw_stamp(pdf, face, geo.shown, stamp, geo.strip)
    if not pdf.page:
        pdf.add_page()  # an empty volume still needs a valid PDF
    with pdfkit.quiet_font_tools():
        pdf.output(str(path))


def _fmt(*values: float) -> str:
    return " ".join(f"{v:.4f}".rstrip("0").rstrip(".") or "0" for v in values)


def _shrink(geo: _Geometry) -> tuple[float, float, float]:
    """Scale and offset that fit the page content into its box minus the bottom strip."""
    x0, y0, x1, y1 = geo.box
    h = geo.strip
    ax0, ay0, ax1, ay1 = {0: (x0, y0 + h, x1, y1), 90: (x0, y0, x1 - h, y1),
                          180: (x0, y0, x1, y1 - h), 270: (x0 + h, y0, x1, y1)}[geo.rotate]
    w, hh = x1 - x0, y1 - y0
    s = min((ax1 - ax0) / w, (ay1 - ay0) / hh)
    tx = ax0 + ((ax1 - ax0) - w * s) / 2 - s * x0
    ty = ay0 + ((ay1 - ay0) - hh * s) / 2 - s * y0
    return s, tx, ty


def _upright(geo: _Geometry) -> tuple[float, ...]:
    """Matrix from the page as shown (origin bottom left) to its unrotated space."""
    x0, y0, x1, y1 = geo.box
    return {0: (1, 0, 0, 1, x0, y0), 90: (0, 1, -1, 0, x1, y0),
            180: (-1, 0, 0, -1, x1, y1), 270: (0, -1, 1, 0, x0, y1)}[geo.rotate]


def _stamp_page(pdf: pikepdf.Pdf, page: pikepdf.Page, stamp_page: pikepdf.Page,
                geo: _Geometry) -> None:
    # The form reads the original content at save time through a copy of the page dict.
    original = pikepdf.Page(pdf.make_indirect(pikepdf.Dictionary(page.obj)))
    content_form = original.as_form_xobject(handle_transformations=False)
    stamp_form = pdf.copy_foreign(stamp_page.as_form_xobject(handle_transformations=False))
    s, tx, ty = _shrink(geo)
    page.obj.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(DsPage=pdf.make_indirect(content_form), DsStamp=stamp_form))
    ops = (f"q {_fmt(s, 0, 0, s, tx, ty)} cm /DsPage Do Q\n"
           f"q {_fmt(*_upright(geo))} cm /DsStamp Do Q\n")
    page.obj.Contents = pdf.make_stream(ops.encode("ascii"))
    for annot in page.obj.get("/Annots", []):
        rect = annot.get("/Rect") if isinstance(annot, pikepdf.Dictionary) else None
        if rect is not None and len(rect) == 4:
            r = [float(v) for v in rect]
            annot.Rect = pikepdf.Array([r[0] * s + tx, r[1] * s + ty, r[2] * s + tx, r[3] * s + ty])


# -- navigation and metadata -----------------------------------------------------------------


def _links(pdf: pikepdf.Pdf, volume: pagemap.Volume) -> None:
    """Every TOC entry is a link to its page."""
    by_page: dict[int, list] = {}
    for e in volume.toc:
        annot = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Border=[0, 0, 0],
            Rect=list(pdfkit.toc_entry_rect(e)),
            Dest=[pdf.pages[e.index].obj, pikepdf.Name.Fit]))
        by_page.setdefault(volume.toc_index + e.toc_page, []).append(annot)
    for index, annots in by_page.items():
        pdf.pages[index].obj.Annots = pdf.make_indirect(pikepdf.Array(annots))


def _outline(pdf: pikepdf.Pdf, volume: pagemap.Volume) -> None:
    """Bookmarks: front matter, then primary → secondary → tertiary → criterion → item."""
    with pdf.open_outline() as outline:
        outline.root.clear()
        outline.root.append(pikepdf.OutlineItem("封面", 0))
        if volume.score_pages:
            outline.root.append(pikepdf.OutlineItem("自评得分表", volume.score_index))
        outline.root.append(pikepdf.OutlineItem("目录", volume.toc_index))
        stack: list[tuple[int, pikepdf.OutlineItem]] = []
        for e in volume.toc:
            node = pikepdf.OutlineItem(e.text, e.index)
            while stack and stack[-1][0] >= e.level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(node)
            if e.level < pagemap.ITEM:
                stack.append((e.level, node))


def _labels_and_info(pdf: pikepdf.Pdf, project, volume: pagemap.Volume) -> None:
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=[
        0, pikepdf.Dictionary(S=pikepdf.Name.r),
        volume.front_pages, pikepdf.Dictionary(S=pikepdf.Name.D, St=1)])
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    pdf.Root.Lang = pikepdf.String("zh-CN")
    day = project.manifest.date
    stamp = f"D:{day.year:04d}{day.month:02d}{day.day:02d}000000+08'00'"
    title = f"{project.unit}{project.year}年度规范化建设自评佐证材料汇编"
    if volume.count > 1:
        title += f"（第{volume.number}册）"
    pdf.trailer.Info = pdf.make_indirect(pikepdf.Dictionary(
        Title=pikepdf.String(title), Author=pikepdf.String(project.unit),
        Subject=pikepdf.String(project.standard.title), Producer=pikepdf.String("dossier"),
        Creator=pikepdf.String("dossier"), CreationDate=pikepdf.String(stamp),
        ModDate=pikepdf.String(stamp)))
    if "/Metadata" in pdf.Root:
        del pdf.Root.Metadata
    if "/ID" in pdf.trailer:  # qpdf keeps the first half of an existing ID: start afresh
        del pdf.trailer.ID


def _remove_stale(project, paths: list[Path]) -> list[Path]:
    """Remove binder files of an earlier build that this one does not replace.

    Returns those that could not be removed (open in a viewer on Windows).
    """
    failed = []
    keep = {p.name for p in paths}
    candidates = [output_path(project, "binder_pdf"), *project.build_dir.glob(
        project.output_name(f"{BINDER_SUFFIX}（第*册）.pdf"))]
    for path in candidates:
        if path.name not in keep and path.exists():
            try:
                path.unlink()
            except OSError as exc:
                log.info("cannot remove %s: %s", path, exc)
                failed.append(path)
    return failed

