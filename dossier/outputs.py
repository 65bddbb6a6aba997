"""What the tool delivers, and the words it uses: one table of outputs, one glossary.

Builders, ``pack``, ``verify`` and every message read the file names and Chinese labels
from here, so an output is called the same on the console, in the archive's 清单.json
and on disk. The glossary fixes the words that outputs show (佐证材料, never 证据材料;
基本分, never 基础分; 自评得分表, never 评分表).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# -- glossary ----------------------------------------------------------------------------

EVIDENCE = "佐证材料"
BINDER = "佐证材料汇编"
REPORT = "年度工作进展和总结报告"
SHEET = "自评得分表"
ARCHIVE = "归档包"
BASE = "基本分"
BONUS = "加分"
DEDUCTION = "扣分"
BONUS_ITEM = "加分项"
DEDUCTION_ITEM = "扣分项"
TOTAL = "总分"
GRADE = "等次"
CLAIMED = "自评得分"
NOTE = "自评说明"
AT_RISK = "缺佐证风险分"
BY_FACTS = "以系统数据为准"

# Words that mean one of the above and must not appear in what the tool writes.
AVOID = {"基础分": BASE, "证据材料": EVIDENCE, "评分表": SHEET, "证据汇编": BINDER, "自评等级": GRADE}


# -- outputs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """One file the tool writes under build/YYYY/."""

    role: str  # stable key: build record, 清单.json, pack and verify
    builder: str | None  # the builder that writes it (None: written by a command, not build)
    suffix: str  # file name after "<unit>-<year>-", or the whole name when not per_unit
    label: str  # what people read: messages, archive titles
    per_unit: bool = True

    def file_name(self, project) -> str:
        return project.output_name(self.suffix) if self.per_unit else self.suffix


OUTPUTS: tuple[Output, ...] = (
    Output("binder_pdf", "binder_pdf", f"{BINDER}.pdf", f"{BINDER}（PDF）"),
    Output("binder_docx", "binder_docx", f"{BINDER}.docx", f"{BINDER}（Word）"),
    Output("report_docx", "report", f"{REPORT}.docx", f"{REPORT}（Word）"),
    Output("report_pdf", "report", f"{REPORT}.pdf", f"{REPORT}（PDF）"),
    Output("sheet_xlsx", "sheet", f"{SHEET}.xlsx", f"{SHEET}（Excel）", per_unit=False),
    Output("check_html", None, "检查报告.html", "检查报告（网页）", per_unit=False),
)
BY_ROLE = {o.role: o for o in OUTPUTS}
VOLUME_PREFIX = "binder_pdf_"  # binder_pdf_1, binder_pdf_2 … for a binder in volumes


def output(role: str) -> Output:
    return BY_ROLE[role]


def volume_number(role: str) -> int:
    tail = role.rsplit("_", 1)[-1]
    return int(tail) if role.startswith(VOLUME_PREFIX) and tail.isdigit() else 0


def label(role: str) -> str:
    """The Chinese label of an output role, volumes included (``binder_pdf_2``)."""
    if number := volume_number(role):
        return f"{BY_ROLE['binder_pdf'].label}第{number}册"
    found = BY_ROLE.get(role)
    return found.label if found else role


def output_path(project, role: str) -> Path:
    """Where a single-file output is written."""
    return project.build_dir / BY_ROLE[role].file_name(project)


def volume_path(project, number: int) -> Path:
    return project.build_dir / project.output_name(f"{BINDER}（第{number}册）.pdf")


def volume_glob(project) -> str:
    return project.output_name(f"{BINDER}（第*册）.pdf")
