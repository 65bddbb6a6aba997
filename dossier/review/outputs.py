"""What the review commands write: sheets, results, documents, and the publication.

Document dates come from the register (its last change, or the publication), so the
same register gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from dossier.errors import ExitCode, InputError
from dossier.progress import Progress
from dossier.review import docs
from dossier.review.register import Register, default_who, now
from dossier.review.results import Results, compute_results, load_review, write_summary
from dossier.review.sheet import import_review_sheet, write_review_sheet
from dossier.review.workspace import ReviewWorkspace
from dossier.safename import safe_component
from dossier.standard import load_standard


class NotReady(InputError):
    """Publishing while some county is still under review (exit 1)."""

    exit_code = ExitCode.blocking


def document_date(register: Register) -> dt.date:
    pub = register.publication()
    stamp = pub["at"] if pub else register.last_change()
    return dt.date.fromisoformat(stamp[:10]) if stamp else dt.date(register.year, 12, 31)


def write_sheets(ws: ReviewWorkspace, register: Register, units: tuple[str, ...] = ()) -> list[Path]:
    standard = load_standard(register.meta()["standard"])
    targets = list(units) or [u for u in register.counties()
                              if (a := register.current_archive(u)) is not None and a["accepted"]]
    if not targets:
        raise InputError("还没有已受理的归档包，无法生成复核评分表。", path=ws.dir,
                         hint="先用 dossier review add 归档包.zip 接收各单位的归档包。")
    paths = []
    for unit in targets:
        review = load_review(register, standard, unit)
        if review is None:
            raise InputError(f"“{unit}”没有已受理的归档包。", path=ws.dir,
                             hint="用 dossier review status 查看各单位的状态和名称。")
        paths.append(write_review_sheet(ws.sheet_path(unit), register, standard, review,
                                        register.current_archive(unit)))
    return paths


def import_sheet(ws: ReviewWorkspace, register: Register, path: Path, who: str = ""):
    standard = load_standard(register.meta()["standard"])
    return import_review_sheet(Path(path), register, standard,
                               lambda unit: load_review(register, standard, unit), who)


def doc_number(register: Register, unit: str) -> str:
    prefix = register.meta().get("doc_prefix", "")
    if not prefix:
        return ""
    return f"{prefix}〔{register.year}〕{register.counties().index(unit) + 1}号"


def write_results(ws: ReviewWorkspace, register: Register, results: Results,
                  progress: Progress | None = None) -> list[Path]:
    """Summary XLSX, a 复核意见 per reviewed county, the city report (DOCX and PDF)."""
    progress = progress or Progress()
    date = document_date(register)
    out = ws.outputs
    paths = [write_summary(results, out / f"{results.year}年度复核结果汇总.xlsx", date)]
    reviewed = [c for c in results.counties if c.review is not None]
    with progress.task("生成复核意见", total=len(reviewed) + 1) as task:
        for county in reviewed:
            doc = docs.opinion(results, county, date, doc_number(register, county.unit))
            name = f"{safe_component(county.unit)}-{results.year}-复核意见.docx"
            paths += docs.write_docx_pdf(doc, out / "复核意见" / name, ws)
            task.advance(1, county.unit)
        paths += docs.write_docx_pdf(docs.city_report(results, date),
                                     out / f"{results.year}年度全市复核评估情况报告.docx", ws)
        task.advance(1)
    return paths


def publish(ws: ReviewWorkspace, register: Register, who: str = "",
            progress: Progress | None = None) -> tuple[Results, list[Path]]:
    """Lock the year: record the results and their digest, write the announcement."""
    register.check_open()
    results = compute_results(ws, register)
    pending = [c.unit for c in results.counties if c.status == "复核中"]
    if pending:
        raise NotReady("以下单位尚未完成复核（复核评分表未导入），不能发布：" + "、".join(pending),
                       path=ws.dir, hint="用 dossier review sheet 生成复核评分表，填好后 "
                       "dossier review import 导入，再发布。")
    who = who or default_who()
    at = now()
    digest = results.digest()
    with register.transaction() as db:
        register.log("", "发布", f"{results.year}年度复核结果，{len(results.ranked())} 个单位，"
                     f"年度名单 {len(results.annual_list())} 个；结果摘要 SHA-256 {digest}", "", who)
        db.execute("INSERT INTO publications (at, who, digest, results) VALUES (?,?,?,?)",
                   (at, who, digest, json.dumps(results.to_json(), ensure_ascii=False)))
    results = compute_results(ws, register)
    paths = write_results(ws, register, results, progress)
    paths += docs.write_docx_pdf(docs.announcement(results, document_date(register)),
                                 ws.outputs / f"{results.year}年度规范化建设单位名单.docx", ws)
    return results, paths
