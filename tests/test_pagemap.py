"""The page map: numbering, TOC pagination and volumes, from a real small workspace.

Page counts per item are given directly (no conversion), so these tests are fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.builders import pagemap
from dossier.builders.pagemap import CRITERION, ITEM, PRIMARY, TERTIARY, FixedLayout, plan
from dossier.project import load_project
from dossier.workspace import init_workspace
from tests.conftest import UNIT

# item file → pages in the binder
FILES = {"1.1/1.1.1/a.txt": 3, "1.1/1.1.1/b.txt": 1, "1.1/t.txt": 2, "1.2/1.2.1/c.txt": 5,
         "3.1/3.1.1/d.txt": 12, "13.1/13.1.1/e.txt": 4}


def _folder(evidence: Path, code: str) -> Path:
    return next(p for p in evidence.rglob("*") if p.is_dir() and p.name.split(" ")[0] == code)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("pagemap") / "ws"
    init_workspace(root, 2022, UNIT)
    evidence = root / "evidence" / "2022"
    for rel in FILES:
        *codes, name = rel.split("/")
        (_folder(evidence, codes[-1]) / name).write_text(f"证据 {rel}\n", encoding="utf-8")
    return load_project(root)


def pages_of(item) -> int:
    return next(n for rel, n in FILES.items() if item.file.rel.endswith(rel.split("/")[-1]))


def test_body_starts_at_1_after_cover_score_table_and_toc(project):
    pm = plan(project, pages_of, FixedLayout(score=2, toc_lines=30))
    (vol,) = pm.volumes
    # 6 primaries + 13 secondaries + 40 tertiaries + all 78 criteria + 6 items
    # + 附加项 and its 4 bonus/deduction items
    assert len(vol.toc) == 6 + 13 + 40 + 78 + 6 + 1 + 4 and vol.toc_pages == 5
    assert vol.front_pages == 1 + 2 + 5
    assert vol.blocks[0].is_divider and vol.blocks[0].first == 1
    assert vol.blocks[0].index == vol.front_pages
    assert [vol.label(i) for i in range(9)] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "1"]


def test_every_tertiary_has_one_divider_before_its_items(project):
    (vol,) = plan(project, pages_of, FixedLayout()).volumes
    dividers = [b.section for b in vol.blocks if b.is_divider]
    assert dividers == [t.code for t in project.standard.tertiaries()] + ["B1", "B2", "D1", "D2"]
    order = [b.item.number if b.item else f"÷{b.section}" for b in vol.blocks][:6]
    assert order == ["÷1.1", "1.1-01", "1.1.1-01", "1.1.1-02", "÷1.2", "1.2.1-01"]


def test_running_numbers_are_contiguous_and_total_matches(project):
    (vol,) = plan(project, pages_of, FixedLayout()).volumes
    running = 1
    for b in vol.blocks:
        assert b.first == running and b.index == vol.front_pages + running - 1
        running += b.pages
    assert vol.total_pages == vol.front_pages + 44 + sum(FILES.values())


def test_toc_entries_point_where_their_blocks_start(project):
    (vol,) = plan(project, pages_of, FixedLayout()).volumes
    blocks = {b.item.number: b for b in vol.items()}
    for e in vol.toc:
        if e.level == ITEM:
            assert (e.page, e.index) == (blocks[e.key].first, blocks[e.key].index)
    t31 = next(e for e in vol.toc if e.level == TERTIARY and e.key == "3.1")
    divider = next(b for b in vol.blocks if b.is_divider and b.section == "3.1")
    assert t31.page == divider.first
    assert next(e for e in vol.toc if e.key == "3.1.1-01").text.startswith("3.1.1-01 d")


def test_toc_entries_never_overflow_a_page(project):
    class Wide(FixedLayout):
        def toc_entry_lines(self, level, text):
            return 3 if level == ITEM else 1

    (vol,) = plan(project, pages_of, Wide(toc_lines=10)).volumes
    for e in vol.toc:
        assert e.toc_line + e.lines <= 10
    assert vol.toc_pages == max(e.toc_page for e in vol.toc) + 1


def test_stamps_number_each_page_of_each_item(project):
    (vol,) = plan(project, pages_of, FixedLayout()).volumes
    stamps = list(vol.stamps())
    assert len(stamps) == sum(FILES.values())
    d = [s for s in stamps if s.number == "3.1.1-01"]
    assert [(s.page, s.of) for s in d] == [(n, 12) for n in range(1, 13)]
    assert all(vol.label(s.index) == str(s.running) for s in stamps)


def test_max_pages_splits_volumes_without_splitting_an_item(project):
    pm = plan(project, pages_of, FixedLayout(toc_lines=40), max_pages=15)
    assert pm.split and all(v.count == len(pm.volumes) for v in pm.volumes)
    homes: dict[str, list[int]] = {}
    for v in pm.volumes:
        assert v.blocks[0].first == 1  # running numbers restart per volume
        assert v.has_score == (v.number == 1)
        for b in v.items():
            homes.setdefault(b.item.number, []).append(v.number)
        if v.total_pages > 15:  # only an item that alone exceeds the limit
            assert [b.item.number for b in v.items()] == ["3.1.1-01"]
    assert all(len(h) == 1 for h in homes.values()) and len(homes) == 6
    dividers = [b.section for v in pm.volumes for b in v.blocks if b.is_divider]
    assert dividers == pagemap.sections(project.standard)


def test_continued_headings_are_marked_in_later_volumes(project):
    pm = plan(project, pages_of, FixedLayout(toc_lines=40), max_pages=12)
    second = pm.volumes[1]
    first_block = second.blocks[0]
    heads = [e.text for e in second.toc if e.level < ITEM]
    assert heads[0].endswith("（续）")  # its primary began in volume 1
    if not first_block.is_divider:
        assert any(e.key == first_block.section and e.text.endswith("（续）") for e in second.toc)


def test_max_bytes_splits_by_estimated_size(project):
    size = {"a": 900_000, "b": 10, "t": 10, "c": 900_000, "d": 10, "e": 10}

    def bytes_of(item):
        return size[item.file.rel.rsplit("/", 1)[1][0]]

    pm = plan(project, pages_of, FixedLayout(), max_bytes=2_000_000, bytes_of=bytes_of)
    assert len(pm.volumes) == 2
    first = [b.item.number for b in pm.volumes[0].items()]
    assert "1.1.1-01" in first and "1.2.1-01" not in first


def test_no_evidence_still_gives_dividers_and_a_toc(tmp_path):
    init_workspace(tmp_path / "ws", 2022, UNIT)
    (vol,) = plan(load_project(tmp_path / "ws"), pages_of, FixedLayout()).volumes
    assert vol.body_pages == 44 and not list(vol.stamps())
    assert len([e for e in vol.toc if e.level == TERTIARY]) == 44


def test_roman_page_labels():
    assert [pagemap.roman(n) for n in (1, 4, 9, 14, 40)] == ["i", "iv", "ix", "xiv", "xl"]


def test_every_criterion_is_listed_and_one_without_evidence_links_to_its_divider(project):
    (vol,) = plan(project, pages_of, FixedLayout()).volumes
    criteria = [e for e in vol.toc if e.level == CRITERION]
    assert [e.key for e in criteria] == [c.code for c in project.standard.criteria()]
    with_items = {"1.1.1", "1.2.1", "3.1.1", "13.1.1"}
    for e in criteria:
        assert e.text.endswith("无佐证材料") == (e.key not in with_items)
    divider = next(b for b in vol.blocks if b.is_divider and b.section == "1.1")
    empty = next(e for e in criteria if e.key == "1.1.2")
    assert (empty.page, empty.index) == (divider.first, divider.index)


def test_bonus_and_deduction_items_follow_the_six_primaries_under_one_heading(project):
    (vol,) = plan(project, pages_of, FixedLayout()).volumes
    primaries = [e.text for e in vol.toc if e.level == PRIMARY]
    assert primaries[:6] == [f"{n}、" + p.name + f"（{p.points}分）" for n, p in zip(
        "一二三四五六", project.standard.primary, strict=True)]
    assert primaries[6] == "附加项"
    tail = vol.toc[-4:]
    assert [e.key for e in tail] == ["B1", "B2", "D1", "D2"]
    assert all(e.text.endswith("无佐证材料") for e in tail)


def test_sections_with_nothing_in_them_share_one_summary_page(project):
    summary = ("2.1", "2.2", "D2")
    (vol,) = plan(project, pages_of, FixedLayout(), summary=summary).volumes
    first = vol.blocks[0]
    assert first.is_summary and first.first == 1
    assert not any(b.is_divider and b.section in summary for b in vol.blocks)
    listed = [e for e in vol.toc if e.key in ("2.1", "2.1.1", "2.2", "D2")]
    assert len(listed) == 4 and all(e.index == first.index for e in listed)
    assert vol.body_pages == 1 + 44 - 3 + sum(FILES.values())


def test_a_volume_too_long_for_one_item_names_it_and_its_range(project):
    pm = plan(project, pages_of, FixedLayout(toc_lines=40), max_pages=12)
    (big,) = [v for v in pm.volumes if v.oversize]
    assert [it.number for it in big.oversize] == ["3.1.1-01"] and big.total_pages > 12
    ranges = [v.range_text(project.standard) for v in pm.volumes]
    assert big.range_text(project.standard) == "3.1 完成装备配备（佐证 3.1.1-01）"
    assert ranges[0] == "1.1 党组织建设（佐证 1.1-01 至 1.1.1-02）"
    assert len(set(ranges)) == len(ranges)


def test_the_oversize_message_names_the_item_its_file_and_the_limit(project):
    from dossier.builders.binder_pdf import oversize_message

    pm = plan(project, pages_of, FixedLayout(toc_lines=40), max_pages=12)
    (big,) = [v for v in pm.volumes if v.oversize]
    message = oversize_message(big, 12)
    assert f"第{big.number}册共 {big.total_pages} 页，超过 --max-pages 12" in message
    assert "佐证 3.1.1-01（" in message and "d.txt，12 页" in message


def test_items_of_a_bonus_item_are_numbered_under_it_once_the_model_has_them(project):
    import dataclasses

    from dossier.project import EvidenceItem

    source = project.items_for("1.2.1")[0]
    award = EvidenceItem("B1-01", "B1", 1, source.file, "大练兵表彰通报")
    with_bonus = dataclasses.replace(project, items={**project.items, "B1": (award,)})
    (vol,) = plan(with_bonus, lambda it: 2 if it.number == "B1-01" else pages_of(it),
                  FixedLayout()).volumes
    b1 = next(e for e in vol.toc if e.key == "B1")
    item = next(e for e in vol.toc if e.key == "B1-01")
    assert b1.text == "B1 大练兵成绩（加分项）" and item.text == "B1-01 大练兵表彰通报"
    assert vol.toc.index(item) == vol.toc.index(b1) + 1 and item.level == ITEM
    block = next(b for b in vol.items() if b.item.number == "B1-01")
    assert block.section == "B1" and vol.blocks[vol.blocks.index(block) - 1].section == "B1"
    assert [s.running for s in vol.stamps() if s.number == "B1-01"] == [block.first, block.first + 1]
