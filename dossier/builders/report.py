"""The year-end report (年度工作进展和总结报告) as a GB/T 9704-2012 DOCX and the same as PDF.

The text comes from ``report_content`` (drafted from the model where staff wrote
nothing); the layout comes from a docxtpl template that staff may edit in Word: a
workspace's ``templates/report.docx`` overrides the packaged one. The PDF is the DOCX
converted by LibreOffice, with the Word font names mapped to installed substitutes and
every font embedded; both files are deterministic (dates from the manifest).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from pathlib import Path

import pikepdf
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import TemplateError

from dossier.builders import output_path, partcache
from dossier.builders.docxkit import save_deterministic
from dossier.builders.report_content import LastYear, ReportContent, draft_report, text_width
from dossier.errors import BuildError, DossierError, InputError
from dossier.fsutil import atomic_write
from dossier.manifest import MANIFEST_DIR, load_manifest
from dossier.tools import fonts, libreoffice

log = logging.getLogger(__name__)

PACKAGED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_NAME = "report.docx"
MARK_STYLE = "发文机关标志"
TEXT_WIDTH_PT = 442.2  # 156 mm 版心
# Bump when the conversion of the report changes (LibreOffice options, profile): new cache keys.
PDF_CACHE_VERSION = "1"
# Children of w:rPr that follow w:w (schema order, which Word insists on).
_RPR_AFTER_W = ("w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
                "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
                "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")


def template_path(project) -> Path:
    """The workspace's own ``templates/report.docx`` when there is one, else the packaged."""
    own = project.templates_dir() / TEMPLATE_NAME
    return own if own.is_file() else PACKAGED_TEMPLATES / TEMPLATE_NAME


def last_year(project) -> LastYear | None:
    """Last year's score from ``manifests/{year-1}.yaml`` (claims, facts, extras only).

    Evidence counts do not change a total, so last year's evidence is not scanned. A
    manifest that does not load is skipped with a note: this year's report still builds.
    """
    from dossier.score import score_claims

    year = project.year - 1
    path = next((p for p in (project.root / MANIFEST_DIR / f"{year}{s}" for s in (".yaml", ".yml"))
                 if p.is_file()), None)
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
    render_docx(content, template_path(project), docx_path, project.manifest.date)
    if content.drafted():
        ctx.progress.log(f"年度报告中有 {content.drafted()} 段由工具起草，已标注“【待审阅】”，"
                         "请在 Word 中审阅修改后删除标注，或在清单 report: 中填写。")
    pdf_path = output_path(project, "report_pdf")
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
    """Convert with LibreOffice, then fix the metadata so the bytes are reproducible.

    The conversion is cached (``<cache>/report``), keyed by the DOCX bytes (deterministic)
    and the fonts LibreOffice would substitute: a rebuild with the same report skips
    LibreOffice, which takes a second or more.
    """
    cache = partcache.PartCache(project.cache_dir / "report")
    key = pdf_cache_key(docx)
    hit = cache.get("pdf", key)
    if hit is not None:
        try:
            _finish_pdf(hit[0], out, title=title, author=project.unit, date=project.manifest.date)
            return out
        except pikepdf.PdfError:
            log.info("cached report PDF %s is unreadable; converting again", hit[0])
    work = Path(tempfile.mkdtemp(prefix="report-", dir=_work_root(project)))
    try:
        source = work / "report.docx"
        shutil.copyfile(docx, source)
        [result] = libreoffice.convert_to_pdf([source], work / "out",
                                               profile_dir=work / "profile")
        if result.pdf is None:
            raise BuildError(f"年度报告转换为 PDF 失败：{result.error}", path=docx,
                             hint="用 Word 或 WPS 打开该文件另存为 PDF；或运行 dossier doctor 检查 LibreOffice。")
        _finish_pdf(result.pdf, out, title=title, author=project.unit, date=project.manifest.date)
        cache.put("pdf", key, result.pdf, {"docx": docx.name})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def pdf_cache_key(docx: Path) -> str:
    """SHA-256 of the DOCX bytes, the font substitutes and the LibreOffice install."""
    soffice = libreoffice.find_soffice()
    try:
        st = soffice.resolve().stat() if soffice else None
        program = [str(soffice), st.st_size, st.st_mtime_ns] if st else None
    except OSError:
        program = [str(soffice)]
    return partcache.digest("report-pdf", PDF_CACHE_VERSION, {
        "docx": hashlib.sha256(Path(docx).read_bytes()).hexdigest(),
        "fonts": partcache.font_identity(fonts.resolve_all()), "soffice": program})


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
        with atomic_write(out) as tmp:
            pdf.save(tmp, deterministic_id=True)
