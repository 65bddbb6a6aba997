"""How numbers and dates are written in Chinese outputs — one place for every builder."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

_DIGITS = "零一二三四五六七八九"


def pts(value: Decimal | int | float | str) -> str:
    """Points without trailing zeros: 1, 0.5, 26.21, 100."""
    value = Decimal(str(value))
    return "0" if value == 0 else f"{value.normalize():f}"


def percent(part: int, whole: int, *, at_least: int | None = None,
            at_most: int | None = None) -> str:
    """part/whole in per cent, one decimal, half-up, no trailing .0: 3/48 → 6.3, 37/40 → 92.5.

    The one rounding rule for ratios in every output. Given the threshold a ratio is
    compared with, the shown figure never crosses it: 179/199 (89.95%) against ≥ 90% is
    89.9, not 90, so a sentence never shows a figure that meets a rule the ratio fails.
    """
    exact = Decimal(part) * 100 / Decimal(whole)
    value = exact.quantize(Decimal("0.1"), ROUND_HALF_UP)
    if at_least is not None and exact < at_least <= value:
        value = exact.quantize(Decimal("0.1"), ROUND_FLOOR)
    if at_most is not None and exact > at_most >= value:
        value = exact.quantize(Decimal("0.1"), ROUND_CEILING)
    return pts(value)


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
