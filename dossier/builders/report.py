"""The year-end report (年度工作进展和总结报告) as a GB/T 9704-2012 DOCX and the same as PDF.

The text comes from ``dossier.reportdraft`` (drafted from the model where staff wrote
nothing); the layout comes from a docxtpl template that staff may edit in Word: a
workspace's ``templates/report.docx`` overrides the packaged one. The PDF is the DOCX
converted by LibreOffice, with the Word font names mapped to installed substitutes and
every font embedded; both files are deterministic (dates from the manifest).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import shutil
import tempfile
from pathlib import Path

import pikepdf
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import TemplateError

from dossier import cachestore
from dossier.builders import output_path, partcache
from dossier.builders.docxkit import save_deterministic
from dossier.errors import BuildError, DossierError, InputError
from dossier.fsutil import atomic_write
from dossier.manifest import load_manifest, year_manifest
from dossier.reportdraft import (
    LastYear,
    ReportContent,
    draft_report,
    report_date,
    text_width,
)
from dossier.tools import libreoffice

log = logging.getLogger(__name__)

PACKAGED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_NAME = "report.docx"
MARK_STYLE = "发文机关标志"
TEXT_WIDTH_PT = 442.2  # 156 mm 版心
# Bump when the conversion of the report changes (LibreOffice options, profile): new cache keys.
PDF_CACHE_VERSION = "3"
# Children of w:rPr that follow w:w (schema order, which Word insists on).
_RPR_AFTER_W = ("w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
                "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
                "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")


def template_path(project) -> Path:
    """The workspace's own ``templates/report.docx`` when there is one, else the packaged."""
    own = project.templates_dir() / TEMPLATE_NAME
    return own if own.is_file() else PACKAGED_TEMPLATES / TEMPLATE_NAME


def last_year(project) -> LastYear | None:
    """Last year's score from its manifest (claims, facts, extras only).

    Evidence counts do not change a total, so last year's evidence is not scanned. A
    manifest that does not load is skipped with a note: this year's report still builds.
    The file is found by ``year_manifest``, which ``reuse.fingerprint`` hashes too, so a
    change to last year's manifest rebuilds this year's report.
    """
    from dossier.score import score_claims

    year = project.year - 1
    path = year_manifest(project.root, year)
    if path is None:
        return None
    try:
        manifest = load_manifest(path)
        standard = project.standard
        if manifest.standard != standard.id:
            from dossier.standard import load_standard
            standard = load_standard(manifest.standard)
        claims = {code: c.points for code, c in manifest.claims.items()}
        score = score_claims(standard, claims, manifest.facts, manifest.bonus,
                             manifest.deductions, {})
    except DossierError as exc:
        log.warning("上年度清单无法读取，报告中不作同比：%s", exc.render())
        return None
    return LastYear(year, score)


def build(ctx) -> list[Path]:
    """Write the report DOCX and PDF; returns both paths."""
    project = ctx.project
    content = draft_report(project, ctx.score, last_year(project))
    docx_path = output_path(project, "report_docx")
    pdf_path = output_path(project, "report_pdf")
    template = template_path(project)
    date = report_date(project.manifest)
    if content.has_colophon:
        draft = _work_root(project) / "layout.docx"  # trial layouts never touch the output

        def render(version: ReportContent) -> Path:
            render_docx(version, template, draft, date)
            return _converted(draft, project)

        content = place_colophon(content, render)
        draft.unlink(missing_ok=True)
    render_docx(content, template, docx_path, date)
    if content.drafted():
        keys = "、".join(content.drafted_keys())
        ctx.progress.log(f"年度报告中有 {content.drafted()} 段由工具起草，已标注“【待审阅】”。"
                         f"请在 Word 中审阅修改并删除标注；或把定稿文字写入清单 report: 的 {keys} 项"
                         "（见 README），重新生成后不再标注。标注未删除时不能打包。")
    write_pdf(docx_path, pdf_path, project, title=content.title)
    return [docx_path, pdf_path]


def render_docx(content: ReportContent, template: Path, out: Path, date) -> Path:
    """Render the template with the content and save it deterministically."""
    try:
        tpl = DocxTemplate(str(template))
        tpl.render(content.context(), autoescape=True)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(f"报告模板中的标记有误：{exc}" + (f"（模板第{line}处）" if line else ""),
                         path=template, hint="检查 {{ }} 和 {%p %} 标记是否成对、拼写是否正确，"
                         "或删除 templates/report.docx 改用内置模板。") from exc
    except Exception as exc:  # a damaged .docx (not a zip, missing parts)
        raise InputError(f"无法读取报告模板：{exc}", path=template,
                         hint="用 Word 重新保存模板为 .docx，或删除它改用内置模板。") from exc
    fit_issuer_mark(tpl.docx)
    return save_deterministic(tpl.docx, out, date)


def fit_issuer_mark(document) -> None:
    """Keep the red 发文机关标志 on one line: narrow its characters (Word's 字符缩放)."""
    for paragraph in document.paragraphs:
        if paragraph.style is None or paragraph.style.name != MARK_STYLE:
            continue
        text = paragraph.text.strip()
        size = paragraph.style.font.size.pt if paragraph.style.font.size else 26
        if not text:
            continue
        scale = int(min(100, TEXT_WIDTH_PT * 0.98 / (text_width(text) * size)) * 100) // 1
        scale = max(scale, 33)
        for run in paragraph.runs:
            rpr = run._r.get_or_add_rPr()
            w = rpr.find(qn("w:w"))
            if w is None:
                w = rpr.makeelement(qn("w:w"), {})
                rpr.insert_element_before(w, *_RPR_AFTER_W)
            w.set(qn("w:val"), str(scale))


def write_pdf(docx: Path, out: Path, project, *, title: str) -> Path:
    """The PDF of ``docx`` (as it is now, edited or not), with reproducible metadata.

    An unchanged PDF is left alone (same bytes, same time stamp), so that the build record
    does not take it for a file edited by hand.
    """
    date = report_date(project.manifest)
    for attempt in (1, 2):
        raw = _converted(docx, project, fresh=attempt == 2)
        try:
            _finish_pdf(raw, out, title=title, author=project.unit, date=date)
            return out
        except pikepdf.PdfError:
            log.info("cached report PDF %s is unreadable; converting again", raw)
    raise BuildError("年度报告转换后的 PDF 无法读取。", path=docx,
                     hint="删除 build/.cache/report 后重试；或运行 dossier doctor 检查 LibreOffice。")


def _converted(docx: Path, project, *, fresh: bool = False) -> Path:
    """LibreOffice's PDF of ``docx``: cached (``<cache>/report``) by the DOCX bytes and fonts.

    A rebuild with the same report, and the layout check followed by the final PDF, cost
    one conversion, not two.
    """
    cache = partcache.PartCache(project.cache_dir / "report")
    key = pdf_cache_key(docx)
    hit = None if fresh else cache.get("pdf", key)
    if hit is not None:
        return hit[0]
    work = Path(tempfile.mkdtemp(prefix="report-", dir=_work_root(project)))
    try:
        source = work / "report.docx"
        shutil.copyfile(docx, source)
        # One profile for the report's conversions (one build at a time): LibreOffice's
        # first start in a new profile costs seconds, and a report takes up to four.
        [result] = libreoffice.convert_to_pdf([source], work / "out",
                                               profile_dir=_work_root(project) / "profile")
        if result.pdf is None:
            raise BuildError(f"年度报告转换为 PDF 失败：{result.error}", path=docx,
                             hint="用 Word 或 WPS 打开该文件另存为 PDF；或运行 dossier doctor 检查 LibreOffice。")
        cache.put("pdf", key, result.pdf, {"docx": docx.name})
        hit = cache.get("pdf", key)
        if hit is not None:
            return hit[0]
        kept = _work_root(project) / f"uncached-{key}.pdf"  # the cache could not be written
        shutil.copyfile(result.pdf, kept)
        return kept
    finally:
        shutil.rmtree(work, ignore_errors=True)


BODY_BOTTOM_PT = 35 / 25.4 * 72  # the 版心 ends 35 mm above the page's lower edge
TEXT_DESCENT_PT = 8.0  # from the 版记's last text line's glyph bottoms down to its rule
TWIPS_PER_PT = 20


def place_colophon(content: ReportContent, render) -> ReportContent:
    """Move the 版记 to the foot of an even page, laying the report out up to three times.

    GB/T 9704 7.5: the 版记 is on the last page, an even page (the back of the sheet), its
    last line on the 版心's last line. ``render(content)`` writes the DOCX and returns
    LibreOffice's PDF of it; the first layout says on which page the 版记 falls and how far
    above the foot; a page break moves it from an odd page, a spacer of that height moves
    it down. The conversions are cached by the DOCX bytes, so a rebuild converts nothing.
    """
    layout = colophon_layout(render(content))
    while layout is not None and layout[0] % 2 and content.colophon_breaks < 3:
        content = dataclasses.replace(content, colophon_breaks=content.colophon_breaks + 1)
        layout = colophon_layout(render(content))
    if layout is None:
        return content
    page_no, bottom = layout
    shift = bottom - TEXT_DESCENT_PT - BODY_BOTTOM_PT - 1  # 1 pt to spare for Word's metrics
    if shift < 1:
        return content
    moved = dataclasses.replace(
        content, colophon_space=content.colophon_space + int(shift * TWIPS_PER_PT))
    after = colophon_layout(render(moved))
    if after is None or after[0] != page_no:  # pushed over the page: leave it where it was
        render(content)
        return content
    return moved


def colophon_layout(pdf_path: Path) -> tuple[int, float] | None:
    """(page number of the 版记, height of its lowest glyph above the page's lower edge).

    None when the last page has no 印发 line.
    """
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[len(pdf) - 1]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        end = text.rfind("印发")
        if end < 0:
            return None
        bottoms = [textpage.get_charbox(i)[1] for i in range(end, end + 2)]
        return len(pdf), min(bottoms)
    finally:
        pdf.close()


def sync_pdf(project) -> Path | None:
    """Make the report PDF from the report DOCX as it is now (edited in Word or not).

    ``pack`` calls it: a report finished by hand in Word goes out as its own PDF, never
    beside the PDF of the draft it replaced.
    """
    docx_path = output_path(project, "report_docx")
    if not docx_path.is_file():
        return None
    from docx import Document

    try:
        title = "".join(p.text for p in Document(str(docx_path)).paragraphs
                        if p.style is not None and p.style.name == "公文标题")
    except Exception:  # noqa: BLE001 - a DOCX that Word saved oddly still converts
        title = ""
    return write_pdf(docx_path, output_path(project, "report_pdf"), project,
                     title=title or project.output_name("年度工作进展和总结报告"))


def pdf_cache_key(docx: Path) -> str:
    """The one key recipe (``cachestore``): the DOCX bytes, LibreOffice and the fonts."""
    return cachestore.digest("report-pdf", PDF_CACHE_VERSION, {
        "docx": hashlib.sha256(Path(docx).read_bytes()).hexdigest(),
        "tools": cachestore.tools_identity(("soffice", "fonts"))})


def _work_root(project) -> Path:
    root = project.cache_dir / "report"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _finish_pdf(src: Path, out: Path, *, title: str, author: str, date) -> None:
    stamp = f"D:{date.year:04d}{date.month:02d}{date.day:02d}000000"
    with pikepdf.open(src) as pdf:
        if "/Metadata" in pdf.Root:
            del pdf.Root.Metadata
        for key in ("/DocChecksum", "/ID"):
            if key in pdf.trailer:
                del pdf.trailer[key]
        pdf.trailer.Info = pdf.make_indirect(pikepdf.Dictionary(
            Title=pikepdf.String(title), Author=pikepdf.String(author),
            Creator=pikepdf.String("dossier"), Producer=pikepdf.String("dossier, LibreOffice"),
            CreationDate=pikepdf.String(stamp), ModDate=pikepdf.String(stamp)))
        buffer = io.BytesIO()
        pdf.save(buffer, deterministic_id=True)
    data = buffer.getvalue()
    try:
        if out.read_bytes() == data:
            return  # unchanged: keep the file (and its time stamp) as recorded
    except OSError:
        pass
    with atomic_write(out) as tmp:
        tmp.write_bytes(data)
