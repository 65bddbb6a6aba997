"""What file names say: years and dates, read one way for check and pack alike.

A year counts when it is 2000–2099 followed by 年 (``2021年度计划``); a date counts
when it is a valid calendar date written ``2021-03-15`` (also ``.``, ``_``, ``/``),
``20210315`` or ``2021年3月15日``, never glued to other digits, so that numbers
such as ``10000`` or ``第2022123号`` are not read as dates.
"""

from __future__ import annotations

import datetime as dt
import re

_YEAR_NIAN = re.compile(r"(?<!\d)(20\d{2})\s*年")
_DATE_SEP = re.compile(r"(?<!\d)(20\d{2})([-._/])(\d{1,2})\2(\d{1,2})(?!\d)")
_DATE_COMPACT = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")
_DATE_CN = re.compile(r"(?<!\d)(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def dates_in_name(name: str) -> list[dt.date]:
    """Valid calendar dates written in the name, in order of appearance."""
    found: list[tuple[int, dt.date]] = []
    for pattern, groups in ((_DATE_SEP, (1, 3, 4)), (_DATE_COMPACT, (1, 2, 3)),
                            (_DATE_CN, (1, 2, 3))):
        for m in pattern.finditer(name):
            try:
                found.append((m.start(), dt.date(*(int(m.group(g)) for g in groups))))
            except ValueError:
                continue
    return [d for _, d in sorted(found)]


def years_in_name(name: str) -> set[int]:
    """Years the name refers to: ``2021年`` or the year of a full date."""
    return {int(m.group(1)) for m in _YEAR_NIAN.finditer(name)} | {
        d.year for d in dates_in_name(name)}
