"""Numbers and dates as Chinese official documents write them."""

import datetime as dt
from decimal import Decimal

import pytest

from dossier.cnformat import cn_date, cn_number, pts


@pytest.mark.parametrize("value,text", [(Decimal("1.50"), "1.5"), (Decimal("100"), "100"),
                                        (Decimal("0.00"), "0"), (26.21, "26.21"), (3, "3")])
def test_points_without_trailing_zeros(value, text):
    assert pts(value) == text


@pytest.mark.parametrize("n,text", [(1, "一"), (6, "六"), (10, "十"), (13, "十三"), (20, "二十"),
                                    (21, "二十一")])
def test_chinese_numerals(n, text):
    assert cn_number(n) == text


def test_date_has_no_leading_zeros():
    assert cn_date(dt.date(2022, 3, 5)) == "2022年3月5日"
