"""The review workspace on disk: one folder per year, beside the years before it.

```
<folder>/2023/复核登记.sqlite   the register (append-only)
<folder>/2023/归档包/<单位>/<n>-<sha>/   each accepted archive, extracted read-only
<folder>/2023/复核表/<单位>-2023-复核评分表.xlsx
<folder>/2023/复核结果/        summary XLSX, 复核意见, city report, announcement
```

Last year's register (``<folder>/2022/``) gives the year-over-year comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dossier.errors import InputError
from dossier.review.register import REGISTER_NAME, Register, create_register, open_register
from dossier.safename import safe_component
from dossier.standard import DEFAULT_STANDARD, load_standard

INBOX = "归档包"
SHEETS = "复核表"
OUTPUTS = "复核结果"


@dataclass(frozen=True)
class ReviewWorkspace:
    root: Path
    year: int

    @property
    def dir(self) -> Path:
        return self.root / str(self.year)

    @property
    def register_path(self) -> Path:
        return self.dir / REGISTER_NAME

    @property
    def inbox(self) -> Path:
        return self.dir / INBOX

    @property
    def sheets(self) -> Path:
        return self.dir / SHEETS

    @property
    def outputs(self) -> Path:
        return self.dir / OUTPUTS

    def sheet_path(self, unit: str) -> Path:
        return self.sheets / f"{safe_component(unit)}-{self.year}-复核评分表.xlsx"

    def previous(self) -> ReviewWorkspace | None:
        last = ReviewWorkspace(self.root, self.year - 1)
        return last if last.register_path.is_file() else None

    def open(self) -> Register:
        return open_register(self.register_path)


def years(root: Path) -> list[int]:
    return sorted(int(p.name) for p in Path(root).glob("*")
                  if re.fullmatch(r"\d{4}", p.name) and (p / REGISTER_NAME).is_file())


def find_workspace(root: Path, year: int | None) -> ReviewWorkspace:
    """The given year, or the newest year that has a register."""
    found = years(root)
    if year is None:
        if not found:
            raise InputError("这里还不是复核工作目录（没有任何年度的复核登记簿）。", path=root,
                             hint="先运行 dossier review init --year 年度 --reviewer 复核单位。")
        year = found[-1]
    ws = ReviewWorkspace(Path(root), year)
    if not ws.register_path.is_file():
        raise InputError(f"没有 {year} 年度的复核登记簿。", path=ws.dir,
                         hint=f"先运行 dossier review init --year {year} --reviewer 复核单位。"
                         + (f"已有的年度：{'、'.join(map(str, found))}。" if found else ""))
    return ws


def init_review(root: Path, year: int, reviewer: str, counties: tuple[str, ...] = (),
                standard: str = DEFAULT_STANDARD, doc_prefix: str = "") -> tuple[ReviewWorkspace, Register]:
    """Create the year's register; the counties of last year's review are expected again."""
    load_standard(standard)  # an unknown standard stops here, with its own message
    ws = ReviewWorkspace(Path(root), year)
    expected = list(counties)
    previous = ws.previous()
    if previous:
        last = previous.open()
        try:
            expected = list(dict.fromkeys([*last.counties(), *expected]))
        finally:
            last.close()
    register = create_register(ws.register_path, year, reviewer, standard, doc_prefix)
    with register.transaction():
        for unit in expected:
            register.county_id(unit)
        register.log("", "建立", f"{year}年度复核工作目录，复核单位{reviewer}；应报送单位 "
                     f"{len(expected)} 个" + (f"（含上年度 {len(expected) - len(counties)} 个）"
                                           if previous else ""))
    for folder in (ws.inbox, ws.sheets, ws.outputs):
        folder.mkdir(parents=True, exist_ok=True)
    return ws, register
