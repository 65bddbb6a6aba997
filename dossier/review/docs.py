"""The city bureau's documents: a 复核意见 per county (下行文), the city summary report to
the province (上行文) and the announcement of the annual list, as DOCX and PDF.

Layout is the year-end report's: the packaged report template gives the page (A4,
GB/T 9704 margins, 22 lines of 28 characters, "— 1 —" page numbers odd right, even left)
and its styles (公文标题, 主送机关, 一级标题, 二级标题, 落款, 成文日期, 版记, 发文机关标志 …);
its body is replaced by ours. The PDF goes through the report's LibreOffice conversion.
The content comes only from ``Results``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from dossier.builders.docxkit import save_deterministic
from dossier.builders.report import PACKAGED_TEMPLATES, TEMPLATE_NAME, fit_issuer_mark, write_pdf
from dossier.cnformat import cn_date, cn_number, pts
from dossier.reportdraft import split_title, text_width
from dossier.review.results import PROVINCE_NOTE, CountyResult, Results
from dossier.review.workspace import ReviewWorkspace
from dossier.safename import clean_text

PROVINCE = "福建省生态环境厅"
TEXT_WIDTH_MM = 156  # GB/T 9704 版心


@dataclass
class OfficialDoc:
    """A 公文 as blocks: ("p", text), ("h1", text), ("h2", text), ("table", header, rows)."""

    title: str
    recipient: str
    issuer: str
    date: dt.date
    blocks: list[tuple] = field(default_factory=list)
    doc_number: str = ""
    copy_to: str = ""

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def h1(self, text: str) -> None:
        self.blocks.append(("h1", text))

    def table(self, header: tuple[str, ...], rows: list[tuple]) -> None:
        self.blocks.append(("table", header, rows))


def render(doc: OfficialDoc, out: Path) -> Path:
    """The document on the report template's page and styles, saved deterministically."""
    document = docx.Document(str(PACKAGED_TEMPLATES / TEMPLATE_NAME))
    body = document.element.body
    for child in list(body):
        if child.tag.endswith("}sectPr"):
            continue
        body.remove(child)
    add = document.add_paragraph
    if doc.doc_number:
        add(doc.issuer + "文件", style="发文机关标志")
        add("", style="发文字号")
        add("", style="发文字号")
        add(doc.doc_number, style="发文字号").alignment = WD_ALIGN_PARAGRAPH.CENTER
        add("", style="分隔线")
        add("")
    for line in split_title(doc.title):
        add(line, style="公文标题")
    add("")
    add(doc.recipient + "：", style="主送机关")
    for block in doc.blocks:
        if block[0] == "p":
            add(clean_text(block[1]))
        elif block[0] == "h1":
            add(block[1], style="一级标题")
        elif block[0] == "table":
            _table(document, block[1], block[2])
    add("")
    add("")
    add(doc.issuer, style="落款")
    add(cn_date(doc.date), style="成文日期")
    add("")
    if doc.copy_to:
        add(f"抄送：{doc.copy_to}。", style="版记")
    add(f"{doc.issuer}\t{cn_date(doc.date)}印发", style="版记")
    fit_issuer_mark(document)
    return save_deterministic(document, out, doc.date)


def _table(document, header: tuple[str, ...], rows: list[tuple]) -> None:
    table = document.add_table(rows=1 + len(rows), cols=len(header), style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    texts = [[("" if v is None else str(v)) for v in values] for values in [header, *rows]]
    weights = [min(14.0, max(4.0, *(text_width(t[c]) for t in texts))) for c in range(len(header))]
    widths = [Mm(TEXT_WIDTH_MM * w / sum(weights)) for w in weights]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # w:gridCol, which LibreOffice follows
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = widths[c]
            cell.paragraphs[0].text = "" if value is None else clean_text(str(value))
            cell.paragraphs[0].style = document.styles["表格文字"]
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


@dataclass(frozen=True)
class _PdfOwner:
    """What ``report.write_pdf`` reads from a project: cache, author, date."""

    cache_dir: Path
    unit: str
    manifest: object


@dataclass(frozen=True)
class _Dated:
    """The manifest fields ``report_date`` reads: our date is the document's 成文日期."""

    date: dt.date
    report: dict | None = None

    @property
    def year(self) -> int:
        return self.date.year

    def line_of(self, *keys: str) -> int:
        return 1  # "the date is given", so report_date uses ``date``


def write_docx_pdf(doc: OfficialDoc, docx_path: Path, ws: ReviewWorkspace) -> list[Path]:
    render(doc, docx_path)
    pdf_path = docx_path.with_suffix(".pdf")
    owner = _PdfOwner(ws.dir / ".cache", doc.issuer, _Dated(doc.date))
    write_pdf(docx_path, pdf_path, owner, title=doc.title)
    return [docx_path, pdf_path]


# -- the documents ---------------------------------------------------------------------------


def _signed(value) -> str:
    return f"+{pts(value)}" if value > 0 else (f"-{pts(-value)}" if value < 0 else "0")


def opinion(results: Results, county: CountyResult, date: dt.date, doc_number: str = "") -> OfficialDoc:
    """复核意见 to one county: result, every difference with its reason, what to do."""
    r = county.review
    year = results.year
    doc = OfficialDoc(f"关于{county.unit}{year}年度规范化建设复核评估意见的通知", county.unit,
                      results.reviewer, date, doc_number=doc_number)
    ranked = results.ranked()
    doc.p(f"根据福建省生态环境保护综合行政执法机构规范化建设标准，我局对你单位报送的{year}年度规范化建设"
          "自评材料进行了复核评估，审查了书面佐证材料，结合系统数据和现场检查、调度情况逐项核定得分。"
          "现将复核意见通知如下：")
    doc.h1("一、复核结果")
    grade = r.grade + (f"（{PROVINCE_NOTE}）" if "示范" in r.grade else "")
    doc.p(f"你单位自评 {pts(r.claimed_total)} 分，复核得分 {pts(r.total)} 分（基本分 {pts(r.base)} 分，"
          f"加分 {pts(r.plus)} 分，扣分 {pts(r.minus)} 分），较自评{_diff_words(r.total - r.claimed_total)}；"
          f"复核等次为{grade}，在全市 {len(ranked)} 个复核单位中排名第 {county.rank}。"
          + (f"上年度复核得分 {pts(county.last_total)} 分。" if county.last_total is not None else ""))
    doc.table(("序号", "一级指标", "分值", "自评得分", "复核得分", "差值"),
              [(cn_number(int(lv.code)), lv.name, pts(lv.max), pts(lv.claimed), pts(lv.verified),
                _signed(lv.verified - lv.claimed)) for lv in r.levels if lv.level == "一级"])
    doc.h1("二、得分差异及理由")
    changed = r.changed()
    if not changed:
        doc.p("经复核，你单位各项自评得分均予认定。")
    deductions = {x.code for x in r.deductions}
    for i, x in enumerate(changed, start=1):
        basis = f"（依据：{x.basis}）" if x.basis else ""
        verb = "扣" if x.code in deductions else ""
        reason = x.reason.replace("−", "扣").rstrip("。") + "。" if x.reason else ""
        doc.p(f"（{i}）{x.code} {x.name}：自评{verb} {pts(x.claimed)} 分，复核{verb} {pts(x.verified)} 分"
              f"{basis}。{reason}")
    doc.h1("三、整改要求")
    doc.p("请你单位对照上述问题逐项整改，补齐佐证材料，健全相关制度，于下一年度自评时一并报送整改情况。"
          "对复核意见有异议的，请于收到本通知之日起10个工作日内书面反馈我局。")
    return doc


def _diff_words(value) -> str:
    if value < 0:
        return f"核减 {pts(-value)} 分"
    if value > 0:
        return f"增加 {pts(value)} 分"
    return "无变化"


def city_report(results: Results, date: dt.date) -> OfficialDoc:
    """The city's summary for the province: work done, results, list, year-over-year, issues."""
    year = results.year
    doc = OfficialDoc(f"关于{year}年度全市生态环境保护综合行政执法机构规范化建设复核评估情况的报告",
                      PROVINCE, results.reviewer, date)
    counts = Counter(c.status for c in results.counties)
    ranked = results.ranked()
    doc.p(f"按照规范化建设工作要求，我局组织开展了{year}年度县级执法机构规范化建设复核评估工作。现将有关情况报告如下：")
    doc.h1("一、复核工作开展情况")
    doc.p(f"全市应报送单位 {len(results.counties)} 个，完成复核 {len(ranked)} 个；"
          f"退回 {counts.get('退回', 0)} 个，未收到 {counts.get('未收到', 0)} 个，"
          f"复核中 {counts.get('复核中', 0)} 个。复核采取书面审查、系统数据核对和现场检查相结合的方式，"
          "每份归档包均经完整性、真实性校验。")
    doc.h1("二、复核结果")
    doc.table(("名次", "单位", "自评", "复核", "差值", "等次"),
              [(c.rank, c.unit, pts(c.review.claimed_total), pts(c.review.total),
                _signed(c.review.total - c.review.claimed_total), c.review.grade) for c in ranked])
    doc.h1("三、年度名单")
    listed = results.annual_list()
    for name in sorted({c.listed for c in listed}, reverse=True):
        units = "、".join(c.unit for c in listed if c.listed == name)
        doc.p(f"{name}：{units}" + (f"（{PROVINCE_NOTE}）。" if "示范" in name else "。"))
    if not listed:
        doc.p("本年度无单位达到规范化单位标准。")
    n = 4
    if results.last_year:
        doc.h1(f"{cn_number(n)}、与{results.last_year}年度比较")
        labels = {"entered": "新进入名单", "left": "退出名单", "rose": "得分上升", "fell": "得分下降"}
        doc.p("；".join(f"{label}：{'、'.join(results.movements.get(k, [])) or '无'}"
                       for k, label in labels.items()) + "。")
        n += 1
    doc.h1(f"{cn_number(n)}、存在的主要问题")
    reasons = Counter(x.code + " " + x.name for c in ranked for x in c.review.changed())
    if reasons:
        doc.p("复核中核减较多的项目：" + "；".join(f"{k}（{v}个单位）" for k, v in
                                         reasons.most_common(5)) + "。")
    else:
        doc.p("复核中各单位自评得分均予认定。")
    return doc


def announcement(results: Results, date: dt.date) -> OfficialDoc:
    year = results.year
    doc = OfficialDoc(f"关于公布{year}年度生态环境保护综合行政执法机构规范化建设单位名单的通知",
                      "各县（市、区）生态环境保护综合行政执法机构", results.reviewer, date)
    doc.p(f"经各单位自评、我局复核评估，现将{year}年度规范化建设单位名单公布如下（规范化建设实行动态调整，"
          "每年复核一次）：")
    listed = results.annual_list()
    doc.table(("序号", "单位", "复核得分", "名单"),
              [(i, c.unit, pts(c.review.total),
                c.listed + (f"（{PROVINCE_NOTE}）" if "示范" in c.listed else ""))
               for i, c in enumerate(listed, start=1)])
    if not listed:
        doc.p("本年度无单位达到规范化单位标准。")
    return doc
