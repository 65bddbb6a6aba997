"""Dates and years in file names: one reading for check and for the archive index."""

import datetime as dt

import pytest

from dossier.names import dates_in_name, years_in_name
from dossier.pack import date_from_name


@pytest.mark.parametrize("name,dates", [
    ("2022-03-15 会议纪要.pdf", [dt.date(2022, 3, 15)]),
    ("20220315.jpg", [dt.date(2022, 3, 15)]),
    ("2022年3月5日 检查记录.docx", [dt.date(2022, 3, 5)]),
    ("2022年12月份工作总结.pdf", []),  # a month, not a date
    ("1202203150.pdf", []),  # glued to other digits
    ("第2022123号.pdf", []),
    ("20221345.pdf", []),  # not a calendar date
])
def test_dates_in_name(name, dates):
    assert dates_in_name(name) == dates
    assert date_from_name(name) == (dates[0].isoformat() if dates else "")


def test_years_in_name():
    assert years_in_name("2021年度计划.pdf") == {2021}
    assert years_in_name("2021.03.15 照片.jpg") == {2021}
    assert years_in_name("2022年对2021年问题整改.pdf") == {2021, 2022}
    assert years_in_name("10000.pdf") == set()
