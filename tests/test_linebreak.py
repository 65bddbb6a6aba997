"""Chinese line breaking (GB/T 15834, clreq) on the cases seen on the demo's pages."""

from __future__ import annotations

import pytest

from dossier.linebreak import NO_END, NO_START, balanced_lines, break_lines, segments

NOTE = "已健全党支部委员会，全年召开组织生活会4次、专题学习24次；自评得分7.5分（满分10分）。2022年度"


@pytest.mark.parametrize("width", range(6, 30))
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(width):
    lines = break_lines(NOTE, width)
    assert "".join(lines) == NOTE
    assert all(len(line) <= width for line in lines)
    for line in lines[1:]:
        assert line[0] not in NO_START, lines
    for line in lines[:-1]:
        assert line[-1] not in NO_END, lines


@pytest.mark.parametrize("width", range(6, 30))
def test_numbers_stay_with_their_unit(width):
    lines = break_lines(NOTE, width)
    for kept in ("4次", "24次", "7.5分", "10分", "2022年"):
        assert sum(line.count(kept) for line in lines) == NOTE.count(kept), (kept, lines)


def test_segments_keep_numbers_units_and_latin_words_whole():
    pieces = segments("学习24次，得分7.5分。见1.1.1-01 IMG_20230315_091233与（附件）")
    assert "24次，" in pieces
    assert "7.5分。" in pieces
    assert "1.1.1-01" in pieces
    assert "IMG_20230315_091233" in pieces
    assert "（附" in pieces  # opening bracket bound to what follows


def test_latin_words_are_not_split_and_spaces_are_dropped_at_breaks():
    assert break_lines("hello world this is a test", 11) == ["hello world", "this is a", "test"]


def test_a_segment_wider_than_the_line_is_cut_by_character():
    assert break_lines("ABCDEFGHIJ", 4) == ["ABCD", "EFGH", "IJ"]


def test_newlines_always_break():
    assert break_lines("第一行\n第二行", 20) == ["第一行", "第二行"]


def test_measure_is_any_width_function():
    wide = {"，": 0.5}
    lines = break_lines("甲乙，丙丁，戊己", 3.5, lambda s: sum(wide.get(c, 1) for c in s))
    assert lines == ["甲乙，丙", "丁，戊己"]


def test_report_title_breaks_between_words_not_inside_them():
    title = "泉州市晋江生态环境保护综合行政执法大队关于2022年度规范化建设工作情况的报告"
    first, second = balanced_lines(title)
    assert first == "泉州市晋江生态环境保护综合行政执法大队"
    assert second == "关于2022年度规范化建设工作情况的报告"


def test_standard_title_breaks_after_the_institution():
    title = "福建省生态环境保护综合行政执法机构规范化建设标准（县级执法机构）"
    assert balanced_lines(title) == ["福建省生态环境保护综合行政执法机构", "规范化建设标准（县级执法机构）"]


def test_balanced_lines_respect_a_width_cap_and_short_titles_stay_whole():
    assert balanced_lines("自评报告", width=10) == ["自评报告"]
    lines = balanced_lines("泉州市晋江生态环境保护综合行政执法大队关于2022年度规范化建设工作情况的报告",
                           lines=3, width=16)
    assert len(lines) == 3 and all(len(line) <= 16 for line in lines)
