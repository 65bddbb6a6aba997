"""How numbers and dates are written in Chinese outputs — one place for every builder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

_DIGITS = "零一二三四五六七八九"


def pts(value: Decimal | int | float | str) -> str:
    """Points without trailing zeros: 1, 0.5, 26.21, 100."""
    value = Decimal(str(value))
    return "0" if value == 0 else f"{value.normalize():f}"


def cn_number(n: int) -> str:
    """0–99 in Chinese numerals: 1 → 一, 10 → 十, 13 → 十三, 21 → 二十一."""
    if not 0 <= n < 100:
        raise ValueError(n)
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def cn_date(date: dt.date) -> str:
    """A date as official documents write it: 2022年12月20日 (no leading zeros)."""
    return f"{date.year}年{date.month}月{date.day}日"
