"""The text of the year-end report (年度工作进展和总结报告), drafted from the model.

Pure functions: a Project and its Score (and last year's Score, when there is one) in,
a ``ReportContent`` out, which the Word template renders. What staff wrote in the
manifest's ``report:`` section is used as written; what they left empty is drafted from
the claims, their 自评说明, the facts and the evidence counts, and every drafted paragraph
carries ``draft=True`` so that the template marks it 【待审阅】 for review.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from dossier.cnformat import cn_date as date_text
from dossier.cnformat import cn_number, percent, pts

REVIEW_MARK = "【待审阅】"
DEFAULT_TITLE = "关于{year}年度生态环境保护综合行政执法机构规范化建设工作进展情况的报告"
TITLE_WIDTH = 20  # characters of 2号 (22 pt) on a 156 mm line
_NUMBERED = re.compile(r"^\s*(\d+[.．、]|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[、是])")
_END_PUNCT = "。；;，,、 　"


@dataclass(frozen=True)
class Para:
    """One body paragraph: an optional bold lead (“1.坚持党建引领。”) and its text."""

    text: str
    lead: str = ""
    draft: bool = False


@dataclass(frozen=True)
class Part:
    heading: str  # “（一）机构职能规范化”
    paragraphs: tuple[Para, ...]


@dataclass(frozen=True)
class ScoreRow:
    no: str
    name: str
    max: str
    claimed: str
    lost: str = ""
    last: str = ""
    change: str = ""


@dataclass(frozen=True)
class ReportContent:
    title: str
    title_lines: tuple[str, ...]
    recipient: str
    unit: str
    date_text: str
    total: Decimal
    opening: tuple[Para, ...]
    summary: tuple[Para, ...]
    progress: tuple[Part, ...]
    score_text: tuple[Para, ...]
    score_rows: tuple[ScoreRow, ...]
    problems: tuple[Para, ...]
    plans: tuple[Para, ...]
    last_year: int | None = None
    closing: str = "特此报告。"
    doc_number: str = ""
    signer: str = ""
    issuer_mark: str = ""
    contact: str = ""
    copy_to_text: str = ""
    printed_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        """The variables of the Word template (see templates/README.md)."""
        data = asdict(self)
        data.update(redhead=bool(self.doc_number), printed_date=self.date_text,
                    colophon=bool(self.copy_to_text or self.printed_by),
                    total=pts(self.total))
        data.update(self.extra)
        return data

    def drafted(self) -> int:
        """How many paragraphs were drafted by the tool (to review)."""
        paras = [*self.opening, *self.summary, *self.problems, *self.plans,
                 *(p for part in self.progress for p in part.paragraphs)]
        return sum(p.draft for p in paras)


# -- small formatters ------------------------------------------------------------------


def signed(value: Decimal) -> str:
    """+1.5, -0.5 or 0 (ASCII signs: the 仿宋 substitutes lack U+2212 “−”)."""
    if value > 0:
        return f"+{pts(value)}"
    return f"-{pts(-value)}" if value < 0 else "0"




def text_width(text: str) -> float:
    """Width in full-width characters: ASCII letters and digits count half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


def split_title(title: str, width: float = TITLE_WIDTH) -> tuple[str, ...]:
    """Break a long title into lines of at most ``width`` characters.

    Breaks fall before words such as 规范化 or 工作 where possible, so that no word is cut,
    and lines are kept as even as possible (GB/T 9704: 词意完整，排列对称).
    """
    if text_width(title) <= width:
        return (title,)
    words = ("规范化", "工作", "生态环境", "综合行政", "执法机构", "的报告", "情况", "关于", "建设")
    candidates = sorted({m.start() for w in words for m in re.finditer(w, title) if m.start()})
    best = None
    for i in candidates or range(1, len(title)):
        head, tail = title[:i], title[i:]
        if text_width(head) > width:
            continue
        rest = split_title(tail, width)
        if any(text_width(line) > width for line in rest):
            continue
        lines = (head, *rest)
        spread = max(map(text_width, lines)) - min(map(text_width, lines))
        key = (len(lines), spread)
        if best is None or key < best[0]:
            best = (key, lines)
    if best is None:  # no word boundary fits: cut evenly
        n = int(len(title) / width) + 1
        size = -(-len(title) // n)
        return tuple(title[i:i + size] for i in range(0, len(title), size))
    return best[1]


def texts(value: Any) -> list[str]:
    """A manifest text: a string (one paragraph per line) or a list of strings."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).splitlines()
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def sentence(parts: list[str]) -> str:
    """Join clauses with “；” and end with “。”."""
    cleaned = [p.strip().rstrip(_END_PUNCT) for p in parts if p and p.strip()]
    return "；".join(c for c in cleaned if c) + "。" if cleaned else ""


def self_name(unit: str) -> str:
    """How the unit calls itself in its report: 我队, 我局 or 我单位."""
    if unit.endswith(("大队", "支队", "中队", "总队")):
        return "我队"
    if unit.endswith("局"):
        return "我局"
    return "我单位"


def default_recipient(unit: str) -> str:
    """The city bureau above a county unit: 泉州市示例县… → 泉州市生态环境局."""
    m = re.match(r"^(.{2,5}?市)", unit)
    return f"{m.group(1) if m else '市'}生态环境局"


def full_stop(text: str) -> str:
    """End a sentence that staff left open with “。”."""
    return text if not text or text[-1] in "。！？；：…”）)!?" else text + "。"


def numbered(items: list[str]) -> tuple[Para, ...]:
    """Staff-written items, numbered 1. 2. … unless they carry their own numbers."""
    return tuple(Para(full_stop(item if _NUMBERED.match(item) else f"{i}.{item}"))
                 for i, item in enumerate(items, start=1))


# -- drafting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LastYear:
    """Last year's score, for the comparison in 三、自评得分情况."""

    year: int
    score: Any  # dossier.score.Score


def draft_report(project, score, last: LastYear | None = None) -> ReportContent:
    """The whole report: the manifest's ``report:`` texts where given, drafts elsewhere."""
    manifest, standard = project.manifest, project.standard
    report = manifest.report or {}
    year, unit = project.year, project.unit
    title = str(report.get("title") or DEFAULT_TITLE.format(year=year)).strip()
    recipient = str(report.get("recipient") or default_recipient(unit)).strip().rstrip(":：")
    issuer = str(report.get("issuer") or unit).strip()
    contact = str(report.get("contact") or "").strip()
    if contact and not contact.startswith(("（", "(")):
        contact = f"（{contact}）" if "联系人" in contact else f"（联系人：{contact}）"
    copy_to = texts(report.get("copy_to"))
    printed_by = str(report.get("printed_by") or (unit if copy_to else "")).strip()
    we = self_name(unit)

    summary = tuple(Para(full_stop(t)) for t in texts(report.get("summary"))) or draft_summary(
        project, score)
    problems = numbered(texts(report.get("problems"))) or draft_problems(project, score)
    plans = numbered(texts(report.get("plans"))) or draft_plans(project, score)
    progress = draft_progress(project, score)
    highlights = texts(report.get("highlights"))
    if highlights:
        heading = f"（{cn_number(len(progress) + 1)}）工作亮点"
        progress = (*progress, Part(heading, numbered(highlights)))
    opening = (Para(f"根据规范化建设工作方案要求，{we}对照《{standard.title}》，开展了{year}年度"
                    f"规范化建设自查自评。现将工作进展情况报告如下：", draft=True),)
    return ReportContent(
        title=title, title_lines=split_title(title), recipient=recipient + "：", unit=unit,
        date_text=date_text(manifest.date), total=Decimal(score.total), opening=opening,
        summary=summary, progress=progress, score_text=score_paragraphs(project, score, last),
        score_rows=score_rows(project, score, last), problems=problems, plans=plans,
        last_year=last.year if last else None,
        doc_number=str(report.get("doc_number") or "").strip(),
        signer=str(report.get("signer") or "").strip(),
        issuer_mark=issuer if issuer.endswith("文件") else issuer + "文件",
        contact=contact, copy_to_text="，".join(copy_to) + "。" if copy_to else "",
        printed_by=printed_by)


def _staff_clauses(facts: dict) -> list[str]:
    f = {k: v for k, v in facts.items() if v is not None}
    out = []
    if f.get("staff_total"):
        out.append(f"现有人员{f['staff_total']}名")
    if f.get("enforcement_staff"):
        out.append(f"执法人员{f['enforcement_staff']}名")
    if f.get("frontline_staff") is not None and f.get("staff_total"):
        out.append(f"一线执法人员{f['frontline_staff']}名（占{percent(f['frontline_staff'], f['staff_total'])}%）")
    if f.get("college_staff") is not None and f.get("enforcement_staff"):
        out.append(f"执法人员中大专以上学历{f['college_staff']}名（占比"
                   f"{percent(f['college_staff'], f['enforcement_staff'])}%）")
    if f.get("certified_excl_new") is not None and f.get("enforcement_staff_excl_new"):
        out.append(f"持证执法人员{f['certified_excl_new']}名（不含近三年新进人员，持证率"
                   f"{percent(f['certified_excl_new'], f['enforcement_staff_excl_new'])}%）")
    if f.get("new_hires_3y"):
        relevant = f.get("new_hires_3y_relevant")
        out.append(f"近三年新入编{f['new_hires_3y']}名" + (
            f"，其中法学类或生态环境相关专业{relevant}名" if relevant is not None else ""))
    if f.get("seconded_staff") is not None:
        out.append(f"借调到其他单位非执法岗位{f['seconded_staff']}名" if f["seconded_staff"]
                   else "无人员借调到其他单位非执法岗位")
    return out


def draft_summary(project, score) -> tuple[Para, ...]:
    """一、基本情况: staff facts, then how the self-assessment was organised."""
    unit, standard = project.unit, project.standard
    clauses = _staff_clauses(project.manifest.facts or {})
    first = (unit + "，".join(clauses[:3]) + ("；" + "，".join(clauses[3:]) if clauses[3:] else "")
             + "。") if clauses else f"{unit}承担本辖区生态环境保护综合行政执法职责。"
    departments: list[str] = []
    for t in standard.tertiaries():
        departments += [d for d in t.departments if d not in departments]
    n_criteria = sum(1 for _ in standard.criteria())
    second = (f"{project.year}年，{self_name(unit)}对照评价标准{n_criteria}项评价内容逐项开展自查自评，"
              f"将任务分解到{'、'.join(departments[:6])}等责任科室，全年共整理佐证材料"
              f"{len(project.all_items())}件，自评得分{pts(score.total)}分。")
    return Para(first, draft=True), Para(second, draft=True)


def _criterion_clause(project, cs) -> str:
    """What was done for one criterion: its 自评说明, else the facts' reason, else its name."""
    claim = project.claim(cs.code)
    if claim is not None and claim.note:
        return claim.note
    if cs.facts is not None:
        return f"按系统数据，{cs.facts.reason}"
    return ""


def draft_progress(project, score) -> tuple[Part, ...]:
    """二、工作进展: one part per primary indicator, one paragraph per secondary."""
    standard = project.standard
    by_code = {c.code: c for c in score.criteria}
    secondary = {s.code: s for s in score.secondary}
    primary = {p.code: p for p in score.primary}
    parts = []
    for n, p in enumerate(standard.primary, start=1):
        codes = [c.code for s in p.secondary for t in s.tertiary for c in t.criteria]
        met = sum(1 for c in codes if by_code[c].claimed >= by_code[c].max)
        evidence = sum(len(project.items_for(t.code)) for s in p.secondary for t in s.tertiary)
        evidence += sum(by_code[c].evidence for c in codes)
        sub = primary[p.code]
        overview = (f"该项满分{pts(sub.max)}分，自评得分{pts(sub.claimed)}分。"
                    + (f"{len(codes)}项评价内容中{met}项达到要求，" if len(codes) > 1 else "")
                    + f"整理佐证材料{evidence}件。")
        paras = [Para(overview, draft=True)]
        for i, s in enumerate(p.secondary, start=1):
            criteria = [by_code[c.code] for t in s.tertiary for c in t.criteria]
            claimed = [cs for cs in criteria if cs.claimed > 0]
            done = {cs.code: _criterion_clause(project, cs) for cs in claimed}
            body = sentence([d for d in done.values() if d])
            rest = [standard.criterion(cs.code).short for cs in claimed if not done[cs.code]]
            if rest:
                body += f"在{'、'.join(rest)}{'等方面' if len(rest) > 1 else '方面'}达到评价标准要求。"
            if not claimed:
                body = "本年度相关工作尚未达到评价标准要求。"
            items = sum(cs.evidence for cs in criteria) + sum(
                len(project.items_for(t.code)) for t in s.tertiary)
            tally = secondary[s.code]
            body += f"本项自评{pts(tally.claimed)}分（满分{pts(tally.max)}分），佐证材料{items}件。"
            paras.append(Para(body, lead=f"{i}.{s.name}。", draft=True))
        parts.append(Part(f"（{cn_number(n)}）{p.name}", tuple(paras)))
    return tuple(parts)


def _grade_phrase(project, score) -> str:
    grade = project.standard.grade_for(score.total)
    grades = sorted(project.standard.grades, key=lambda g: g.min)
    if grades and grade.name == project.standard.grade_below:
        low = grades[0]
        return (f"未达到年度{low.name}标准（{pts(low.min)}分以上），"
                f"尚差{pts(low.min - score.total)}分")
    text = f"达到年度{grade.name}标准（{pts(grade.min)}分以上）"
    return text + ("，待省级生态环境部门复核确认" if grade.note else "")


def _detail(text: str) -> str:
    """Score details (“全省个人 2 人次 +0.2”) without the spaces of terminal output."""
    return text.replace(" ", "").replace("\u2212", "-")


def score_paragraphs(project, score, last: LastYear | None) -> tuple[Para, ...]:
    """三、自评得分情况: the totals in words (facts, not narrative: never marked)."""
    bonus = "；".join(_detail(b.detail) for b in score.bonus_items if b.points)
    minus = "；".join(_detail(d.detail) for d in score.deduction_items if d.points)
    text = (f"对照评价标准逐项自评，基础分{pts(score.base)}分，加分{pts(score.bonus)}分"
            + (f"（{bonus}）" if bonus else "") + f"，扣分{pts(score.deductions)}分"
            + (f"（{minus}）" if minus else "")
            + f"，自评总分{pts(score.total)}分，{_grade_phrase(project, score)}。")
    if last is not None:
        diff = Decimal(score.total) - Decimal(last.score.total)
        change = ("与上年持平" if diff == 0 else
                  f"{'提高' if diff > 0 else '下降'}{pts(abs(diff))}分")
        text += f"较{last.year}年度自评总分{pts(last.score.total)}分{change}。"
    if score.at_risk:
        text += (f"其中{pts(score.at_risk)}分尚无佐证材料，如复核评估时仍不能提供，"
                 f"按有佐证材料的项目计为{pts(score.supported_total)}分。")
    return (Para(text),)


def score_rows(project, score, last: LastYear | None) -> tuple[ScoreRow, ...]:
    """The table of 三、自评得分情况: six primaries, bonus, deductions, total."""
    before = {p.code: p for p in last.score.primary} if last else {}
    rows = []
    for n, p in enumerate(score.primary, start=1):
        prev = before.get(p.code)
        rows.append(ScoreRow(
            no=cn_number(n), name=p.name, max=pts(p.max), claimed=pts(p.claimed),
            lost=pts(p.max - p.claimed) if p.claimed < p.max else "",
            last=pts(prev.claimed) if prev else "", change=signed(p.claimed - prev.claimed)
            if prev else ""))
    extra = [("加分项", score.bonus, last.score.bonus if last else None, 1),
             ("扣分项", score.deductions, last.score.deductions if last else None, -1)]
    for name, value, prev, sign in extra:
        rows.append(ScoreRow(no="", name=name, max="", claimed=signed(sign * value) if value else "0",
                             last=(signed(sign * prev) if prev else "0") if last else "",
                             change=signed(sign * (value - prev)) if last else ""))
    total_max = project.standard.total
    rows.append(ScoreRow(no="", name="合计", max=pts(total_max), claimed=pts(score.total),
                         lost="", last=pts(last.score.total) if last else "",
                         change=signed(score.total - last.score.total) if last else ""))
    return tuple(rows)


def _losses(project, score) -> list[tuple[Any, list]]:
    """Per secondary, the criteria that lost points, in printed order."""
    by_code = {c.code: c for c in score.criteria}
    out = []
    for s in project.standard.secondaries():
        lost = [by_code[c.code] for t in s.tertiary for c in t.criteria
                if by_code[c.code].claimed < by_code[c.code].max]
        if lost:
            out.append((s, lost))
    return out


def _loss_clause(project, cs) -> str:
    short = project.standard.criterion(cs.code).short
    lost = pts(cs.max - cs.claimed)
    if not cs.filled:
        return f"{short}（尚未填报自评，失{lost}分）"
    return f"{short}（失{lost}分）" if cs.claimed == 0 else f"{short}（得{pts(cs.claimed)}分，失{lost}分）"


def _at_risk(score) -> list:
    return [c for c in score.criteria if not c.supported]


def draft_problems(project, score) -> tuple[Para, ...]:
    """四、存在的问题和不足: criteria not met, claims without evidence, deductions."""
    paras = []
    for s, lost in _losses(project, score):
        total = sum((cs.max - cs.claimed for cs in lost), Decimal(0))
        text = (f"{'、'.join(_loss_clause(project, cs) for cs in lost)}尚未达到评价标准要求，"
                f"共失{pts(total)}分。")
        paras.append((f"{s.name}方面仍有差距。", text))
    risky = _at_risk(score)
    if risky:
        names = "、".join(project.standard.criterion(c.code).short for c in risky)
        amount = sum((c.claimed for c in risky), Decimal(0))
        paras.append(("部分佐证材料尚不完整。",
                      f"{names}已自评得分但尚未整理佐证材料，涉及{pts(amount)}分，"
                      "复核评估时如不能提供佐证材料，将不能得分。"))
    minus = [d for d in score.deduction_items if d.points]
    if minus:
        paras.append(("存在扣分情况。", "；".join(f"{d.name}：{_detail(d.detail)}" for d in minus)
                      + f"，共扣{pts(score.deductions)}分。"))
    if not paras:
        return (Para("对照评价标准，本年度各项评价内容均已达到要求，但规范化建设是一项长期工作，"
                     "仍需在日常工作中持续巩固提升。", draft=True),)
    return tuple(Para(text, lead=f"{i}.{lead}", draft=True)
                 for i, (lead, text) in enumerate(paras, start=1))


def draft_plans(project, score) -> tuple[Para, ...]:
    """五、下一步工作计划: one plan per problem, then a closing commitment."""
    next_year = project.year + 1
    paras = []
    for s, lost in _losses(project, score):
        shorts = "、".join(project.standard.criterion(cs.code).short for cs in lost)
        departments: list[str] = []
        for cs in lost:
            departments += [d for d in project.standard.criterion(cs.code).departments
                            if d not in departments]
        lead_by = f"由{'、'.join(departments)}牵头，" if departments else ""
        paras.append((f"{s.name}。", f"针对{shorts}等不足，{lead_by}对照评价标准逐项整改，"
                                   f"力争{next_year}年度达到要求。"))
    risky = _at_risk(score)
    if risky:
        names = "、".join(project.standard.criterion(c.code).short for c in risky)
        paras.append(("补充完善佐证材料。", f"在复核评估前补充整理{names}等项目的佐证材料，"
                                        "做到每项自评得分均有据可查。"))
    paras.append(("持续巩固提升。", "把规范化建设融入日常执法工作，重视相关数据的采集和资料档案的整理，"
                                  "在日常工作中加强自查、自评，巩固已取得的建设成果。"))
    return tuple(Para(text, lead=f"{i}.{lead}", draft=True)
                 for i, (lead, text) in enumerate(paras, start=1))
