"""Where each county stands, and the year's results: re-graded totals, ranking, the annual
list and the movements since last year's review. Every figure is computed here once;
the XLSX, the JSON, the 复核意见 and the city report all read ``Results``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from dossier.cnformat import pts
from dossier.pack import save_workbook_deterministic
from dossier.review.evaluate import ClaimRow, CountyReview, evaluate
from dossier.review.register import Register
from dossier.review.workspace import ReviewWorkspace
from dossier.standard import Standard, load_standard

STATUSES = ("未收到", "退回", "复核中", "已复核", "已发布")
LIST_SUFFIX = "年度"  # 规范化单位 → 年度规范化单位
PROVINCE_NOTE = "待省级复核确认"


def list_name(grade: str, standard: Standard) -> str | None:
    """年度规范化单位 / 年度规范化示范单位 for a grade on the list, else None."""
    return LIST_SUFFIX + grade if grade != standard.grade_below else None


def load_review(register: Register, standard: Standard, unit: str) -> CountyReview | None:
    """The county's current archive evaluated with the reviewer's latest entries."""
    archive = register.current_archive(unit)
    if archive is None or not archive["accepted"]:
        return None
    claims = {code: ClaimRow(code, None if r["points"] is None else Decimal(r["points"]),
                             r["note"], r["evidence"], r["pages"])
              for code, r in register.claims(archive["id"]).items()}
    return evaluate(standard, unit, archive["claimed_total"] or "0", archive["claimed_grade"] or "",
                    claims, json.loads(archive["data"] or "{}"), register.entries(archive["id"]),
                    register.system_data(archive["id"]))


def status_of(register: Register, unit: str) -> str:
    archive = register.current_archive(unit)
    if archive is None:
        return "未收到"
    if not archive["accepted"]:
        return "退回"
    if not register.imported(archive["id"]):
        return "复核中"
    return "已发布" if register.publication() else "已复核"


@dataclass
class CountyResult:
    unit: str
    status: str
    archive: str = ""
    reasons: list[str] = field(default_factory=list)
    review: CountyReview | None = None
    rank: int | None = None
    listed: str | None = None
    last_total: Decimal | None = None
    last_rank: int | None = None
    last_listed: str | None = None

    def to_json(self) -> dict:
        out: dict = {"unit": self.unit, "status": self.status, "archive": self.archive}
        if self.reasons:
            out["reasons"] = self.reasons
        r = self.review
        if r is not None:
            out.update({
                "rank": self.rank, "claimed": pts(r.claimed_total), "verified": pts(r.total),
                "difference": pts(r.total - r.claimed_total), "grade": r.grade,
                "list": self.listed, "base": pts(r.base), "bonus": pts(r.plus),
                "deductions": pts(r.minus),
                "changes": [{"code": x.code, "claimed": pts(x.claimed), "verified": pts(x.verified),
                             "basis": x.basis, "reason": x.reason} for x in r.changed()],
                "levels": [{"level": lv.level, "code": lv.code, "claimed": pts(lv.claimed),
                            "verified": pts(lv.verified)} for lv in r.levels]})
        if self.last_total is not None:
            out["last_year"] = {"verified": pts(self.last_total), "rank": self.last_rank,
                                "list": self.last_listed}
        return out


@dataclass
class Results:
    year: int
    reviewer: str
    counties: list[CountyResult]
    last_year: int | None = None
    published: str | None = None
    movements: dict[str, list[str]] = field(default_factory=dict)

    def ranked(self) -> list[CountyResult]:
        return sorted((c for c in self.counties if c.rank is not None),
                      key=lambda c: (c.rank, c.unit))

    def annual_list(self) -> list[CountyResult]:
        return [c for c in self.ranked() if c.listed]

    def to_json(self) -> dict:
        return {"year": self.year, "reviewer": self.reviewer, "published": self.published,
                "counties": [c.to_json() for c in self.counties],
                "ranking": [{"rank": c.rank, "unit": c.unit, "verified": pts(c.review.total)}
                            for c in self.ranked()],
                "list": [{"unit": c.unit, "list": c.listed, "verified": pts(c.review.total),
                          "note": PROVINCE_NOTE if "示范" in c.listed else ""}
                         for c in self.annual_list()],
                "last_year": self.last_year, "movements": self.movements}

    def digest(self) -> str:
        """SHA-256 of the results as published (without the publication stamp)."""
        data = self.to_json()
        data.pop("published")
        for c in data["counties"]:
            if c["status"] == "已发布":
                c["status"] = "已复核"
        return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True)
                              .encode("utf-8")).hexdigest()


def compute_results(ws: ReviewWorkspace, register: Register) -> Results:
    standard = load_standard(register.meta()["standard"])
    pub = register.publication()
    results = Results(register.year, register.reviewer, [],
                      published=pub["at"] if pub else None)
    for unit in register.counties():
        archive = register.current_archive(unit)
        c = CountyResult(unit, status_of(register, unit),
                         archive["file_name"] if archive else "",
                         json.loads(archive["reasons"]) if archive else [])
        if c.status in ("已复核", "已发布"):
            c.review = load_review(register, standard, unit)
            c.listed = list_name(c.review.grade, standard)
        results.counties.append(c)
    _rank([c for c in results.counties if c.review is not None])
    _compare(ws, results)
    return results


def _rank(counties: list[CountyResult]) -> None:
    """Competition ranking: equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(counties, key=lambda c: (-c.review.total, c.unit))
    for i, c in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        c.rank = prev.rank if prev and prev.review.total == c.review.total else i + 1


def _compare(ws: ReviewWorkspace, results: Results) -> None:
    previous = ws.previous()
    if previous is None:
        return
    register = previous.open()
    try:
        pub = register.publication()
        last = json.loads(pub["results"]) if pub else compute_results(previous, register).to_json()
    finally:
        register.close()
    results.last_year = previous.year
    before = {c["unit"]: c for c in last["counties"] if c.get("verified") is not None}
    moves: dict[str, list[str]] = {"entered": [], "left": [], "rose": [], "fell": []}
    for c in results.counties:
        old = before.get(c.unit)
        if old is not None:
            c.last_total, c.last_rank, c.last_listed = (Decimal(old["verified"]), old["rank"],
                                                        old["list"])
        if c.review is None:
            if old and old["list"]:
                moves["left"].append(c.unit)
            continue
        if c.listed and (old is None or not old["list"]):
            moves["entered"].append(c.unit)
        elif old and old["list"] and not c.listed:
            moves["left"].append(c.unit)
        if old is not None and c.review.total != c.last_total:
            moves["rose" if c.review.total > c.last_total else "fell"].append(c.unit)
    results.movements = moves


def render_status(results: Results) -> str:
    lines = [f"{results.year}年度复核（{results.reviewer}）" +
             (f"，已于 {results.published} 发布" if results.published else "")]
    for c in results.counties:
        line = f"  {c.status:　<4} {c.unit}"
        if c.review is not None:
            line += f"  自评 {pts(c.review.claimed_total)} → 复核 {pts(c.review.total)}"
        elif c.status == "复核中":
            line += "  （复核评分表尚未导入）"
        lines.append(line)
        lines += [f"        退回原因：{r}" for r in c.reasons[:5]]
    counts = {s: sum(1 for c in results.counties if c.status == s) for s in STATUSES}
    lines.append("合计：" + "，".join(f"{s} {n}" for s, n in counts.items() if n))
    return "\n".join(lines)


def render_results(results: Results) -> str:
    lines = [f"{results.year}年度规范化建设复核结果（{results.reviewer}）", "名次  单位  自评  复核  差值  等次"]
    for c in results.ranked():
        r = c.review
        line = (f"{c.rank:>3}  {c.unit}  {pts(r.claimed_total)}  {pts(r.total)}  "
                f"{_signed(r.total - r.claimed_total)}  {r.grade}")
        if c.last_total is not None:
            line += f"（上年 {pts(c.last_total)}）"
        lines.append(line)
    lines.append("年度名单：")
    for c in results.annual_list():
        lines.append(f"  {c.listed}：{c.unit}" + (f"（{PROVINCE_NOTE}）" if "示范" in c.listed else ""))
    if not results.annual_list():
        lines.append("  无")
    names = {"entered": "新进入名单", "left": "退出名单", "rose": "得分上升", "fell": "得分下降"}
    if results.last_year:
        lines.append(f"与{results.last_year}年度比较：")
        for key, label in names.items():
            lines.append(f"  {label}：{'、'.join(results.movements.get(key, [])) or '无'}")
    pending = [c.unit for c in results.counties if c.review is None]
    if pending:
        lines.append("未列入排名（未收到、退回或复核中）：" + "、".join(pending))
    return "\n".join(lines)


def _signed(value: Decimal) -> str:
    return f"+{pts(value)}" if value > 0 else (f"-{pts(-value)}" if value < 0 else "0")


def write_summary(results: Results, path: Path, date) -> Path:
    """复核结果汇总.xlsx: ranking, details of every difference, levels, the annual list."""
    from dossier.fsutil import atomic_write

    book = Workbook()
    ws = book.active
    ws.title = "排名"
    ws.append(("名次", "单位", "自评总分", "复核总分", "差值", "基本分", "加分", "扣分", "等次",
               "年度名单", "上年复核总分", "上年名次", "状态"))
    ranked = results.ranked()
    for c in ranked + [c for c in results.counties if c not in ranked]:
        r = c.review
        if r is None:
            ws.append((None, c.unit, None, None, None, None, None, None, None, None,
                       _num(c.last_total), c.last_rank, c.status))
            continue
        ws.append((c.rank, c.unit, _num(r.claimed_total), _num(r.total),
                   _num(r.total - r.claimed_total), _num(r.base), _num(r.plus), _num(r.minus),
                   r.grade, (c.listed or "") + (f"（{PROVINCE_NOTE}）" if c.listed and "示范" in
                                                 c.listed else ""),
                   _num(c.last_total), c.last_rank, c.status))
    detail = book.create_sheet("复核差异")
    detail.append(("单位", "编号", "项目", "自评得分", "复核得分", "差值", "依据", "理由"))
    levels = book.create_sheet("各级指标")
    levels.append(("单位", "层级", "编号", "指标", "分值", "自评得分", "复核得分", "差值"))
    for c in results.counties:
        if c.review is None:
            continue
        for x in c.review.changed():
            detail.append((c.unit, x.code, x.name, _num(x.claimed), _num(x.verified),
                           _num(x.difference), x.basis, x.reason))
        for lv in c.review.levels:
            levels.append((c.unit, lv.level, lv.code, lv.name, _num(lv.max), _num(lv.claimed),
                           _num(lv.verified), _num(lv.verified - lv.claimed)))
    annual = book.create_sheet("年度名单")
    annual.append(("名单", "单位", "复核总分", "备注"))
    for c in results.annual_list():
        annual.append((c.listed, c.unit, _num(c.review.total),
                       PROVINCE_NOTE if "示范" in c.listed else ""))
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["B"].width = 40
        sheet.freeze_panes = "A2"
    with atomic_write(path) as tmp:
        save_workbook_deterministic(book, tmp, date)
    return path


def _num(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
