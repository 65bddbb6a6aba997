"""Indicator labels and the score table's rows: one place each, read by every output.

The binders (PDF and Word), the year-end report and the score sheet all show the
indicator tree and the 自评得分表; they take their labels and rows from here, so an
indicator reads the same everywhere. Levels are numbered as the seed document prints
them: primary ``一、``, secondary ``1.`` (1–13, continuous over the primaries),
tertiary and criterion by code (``1.1``, ``1.1.1``); bonus and deduction items by code
(``B1``, ``D2``) under the heading ``附加项``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dossier import outputs
from dossier.cnformat import cn_number
from dossier.cnformat import pts as points_text

EXTRAS_TITLE = "附加项"
NO_EVIDENCE = "无佐证材料"
EMPTY_SUMMARY_TITLE = "未自评得分且无佐证材料的指标"
BASE_LABEL = "基本分合计"
TOTAL_LABEL = "自评总分"
GRADE_LABEL = f"自评{outputs.GRADE}"
SCORE_HEADER = ("编号", "指标", "分值", "自评得分", "佐证材料")


# -- labels --------------------------------------------------------------------------------


def primary_label(p) -> str:
    return f"{cn_number(int(p.code))}、{p.name}"


def secondary_label(s) -> str:
    return f"{s.code}.{s.name}"


def tertiary_label(t) -> str:
    return f"{t.code} {t.name}"


def criterion_label(c) -> str:
    return f"{c.code} {c.short}"


def extra_kind(code: str) -> str:
    return "加分项" if code.startswith("B") else "扣分项"


def extra_label(e) -> str:
    return f"{e.code} {e.name}（{extra_kind(e.code)}）"


def with_points(label: str, points: Decimal | None) -> str:
    return f"{label}（{points_text(points)}分）" if points is not None else label


def primary_heading(p) -> str:
    return with_points(primary_label(p), p.points)


def secondary_heading(s) -> str:
    return with_points(secondary_label(s), s.points)


def tertiary_heading(t) -> str:
    return with_points(tertiary_label(t), t.points)


def criterion_heading(c) -> str:
    return with_points(criterion_label(c), c.points)


def extra_heading(e) -> str:
    return extra_label(e)


def item_label(item) -> str:
    """An evidence item as the TOC, the bookmarks and the Word headings show it."""
    return f"{item.number} {item.title}"


def no_evidence(text: str) -> str:
    return f"{text}　{NO_EVIDENCE}"


# -- the score table ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    """One row of 自评得分表; ``kind`` says how a renderer emphasises it.

    kinds: primary, secondary, tertiary, base, bonus, deduction, total, grade.
    """

    kind: str
    code: str
    label: str
    max: str
    claimed: str
    items: str

    @property
    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.code, self.label, self.max, self.claimed, self.items)

    @property
    def strong(self) -> bool:
        return self.kind not in ("tertiary", "bonus", "deduction")


def section_items(project, code: str) -> list:
    """The evidence items of a tertiary (its own, then its criteria's, in binder order)
    or of a bonus/deduction item."""
    items = list(project.items_for(code))
    if project.standard.has_tertiary(code):
        for c in project.standard.tertiary(code).criteria:
            items.extend(project.items_for(c.code))
    return items


def score_rows(project, score) -> list[ScoreRow]:
    """自评得分表: every primary, secondary and tertiary, then 基本分, each bonus and
    deduction item, 总分 and 等级; deductions shown as the standard states them (positive,
    subtracted), with a minus sign."""
    standard = project.standard
    primary = {s.code: s for s in score.primary}
    secondary = {s.code: s for s in score.secondary}
    tertiary = {s.code: s for s in score.tertiary}
    counts = {t.code: len(section_items(project, t.code)) for t in standard.tertiaries()}
    rows = []
    for p in standard.primary:
        p_items = sum(counts[t.code] for s in p.secondary for t in s.tertiary)
        rows.append(ScoreRow("primary", cn_number(int(p.code)), p.name, points_text(p.points),
                             points_text(primary[p.code].claimed), str(p_items)))
        for s in p.secondary:
            s_items = sum(counts[t.code] for t in s.tertiary)
            rows.append(ScoreRow("secondary", s.code, s.name, points_text(s.points),
                                 points_text(secondary[s.code].claimed), str(s_items)))
            rows += [ScoreRow("tertiary", t.code, t.name, points_text(t.points),
                              points_text(tertiary[t.code].claimed), str(counts[t.code]))
                     for t in s.tertiary]
    rows.append(ScoreRow("base", "", BASE_LABEL, points_text(standard.total),
                         points_text(score.base), str(sum(counts.values()))))
    for kind, sign, extras in (("bonus", "+", score.bonus_items),
                               ("deduction", "−", score.deduction_items)):
        for e in extras:
            label = f"{e.name}（{extra_kind(e.code)}）" + (f"：{e.detail}" if e.detail else "")
            rows.append(ScoreRow(kind, e.code, label, "",
                                 f"{sign}{points_text(e.points)}" if e.points else "0",
                                 str(len(project.items_for(e.code)))))
    rows.append(ScoreRow("total", "", TOTAL_LABEL, "", points_text(score.total), ""))
    rows.append(ScoreRow("grade", "", GRADE_LABEL, "", str(score.grade), ""))
    return rows


def paged(table: list, per_page: int) -> list[list]:
    """A table's rows page by page: both binders break a table at the same rows."""
    return [table[i:i + per_page] for i in range(0, len(table), per_page)] or [[]]
