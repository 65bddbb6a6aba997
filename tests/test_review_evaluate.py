"""The reviewer's re-evaluation rules, without archives: what an untouched row counts,
system data overriding the county's, bonus without evidence."""

from __future__ import annotations

from decimal import Decimal

from dossier.review.evaluate import NO_EVIDENCE, ClaimRow, evaluate
from dossier.review.register import Entry
from dossier.standard import load_standard

STANDARD = load_standard()


def _claims(missing: tuple[str, ...] = ()) -> dict[str, ClaimRow]:
    rows = {c.code: ClaimRow(c.code, c.points, "", 0 if c.code in missing else 1, "3")
            for c in STANDARD.criteria()}
    rows["B2"] = ClaimRow("B2", Decimal(1), "", 0, "")
    return rows


def _evaluate(claims, entries=None, system=None, data=None):
    return evaluate(STANDARD, "某县", "101", "规范化示范单位", claims,
                    data or {"extra_points": {"B2": "1"}}, entries or {}, system or {})


def test_untouched_claim_without_evidence_counts_zero_with_the_reason():
    result = _evaluate(_claims(missing=("5.3.3",)))
    row = next(r for r in result.criteria if r.code == "5.3.3")
    assert (row.claimed, row.verified, row.reason) == (Decimal(1), Decimal(0), NO_EVIDENCE)
    assert result.base == Decimal(99)


def test_untouched_claim_with_evidence_stands_and_the_reviewer_word_wins():
    entries = {"3.1.1": Entry("3.1.1", "0.5", "现场检查", "未配齐", "", "")}
    result = _evaluate(_claims(), entries)
    row = next(r for r in result.criteria if r.code == "3.1.1")
    assert (row.verified, row.basis, row.reason, row.entered) == (Decimal("0.5"), "现场检查",
                                                                 "未配齐", True)
    assert result.base == Decimal(99)  # 3.1.1: 1.5 → 0.5


def test_reviewer_system_data_override_the_county_facts_with_the_same_rule():
    data = {"facts": {"frontline_staff": 40, "staff_total": 45}, "extra_points": {"B2": "1"}}
    county_only = _evaluate(_claims(), data=data)
    assert next(r for r in county_only.criteria if r.code == "6.5.1").verified == 1
    result = _evaluate(_claims(), system={"facts.frontline_staff": 37, "facts.staff_total": 48},
                       data=data)
    row = next(r for r in result.criteria if r.code == "6.5.1")
    assert row.verified == 0 and row.basis == "系统数据" and "37/48" in row.reason


def test_bonus_without_evidence_counts_zero_and_deductions_follow_the_standard():
    result = _evaluate(_claims(), system={"D2.city": 2, "D2.provincial": 1})
    assert [(r.code, r.verified, r.reason) for r in result.bonus if r.code == "B2"] == [
        ("B2", Decimal(0), NO_EVIDENCE)]
    d2 = next(r for r in result.deductions if r.code == "D2")
    assert d2.verified == Decimal(4)  # 2 × 1 city + 1 × 2 provincial
    assert result.total == Decimal(96) and result.grade == "规范化示范单位"


def test_every_review_command_has_help_with_an_example():
    from click.testing import CliRunner

    from dossier.cli import cli

    group = cli.commands["review"]
    assert "示例" in group.help
    assert {"init", "add", "sheet", "import", "status", "results", "publish", "history"} <= set(
        group.commands)
    for name, command in group.commands.items():
        assert command.help and "示例" in command.help and f"dossier review {name}" in command.help
        result = CliRunner().invoke(cli, ["review", name, "--help"])
        assert result.exit_code == 0 and "示例" in result.output


def test_an_older_register_is_migrated_to_the_current_schema(tmp_path):
    import sqlite3

    from dossier.review.register import SCHEMA_VERSION, open_register

    path = tmp_path / "复核登记.sqlite"
    sqlite3.connect(path).close()  # version 0: an empty file, as before the first migration
    register = open_register(path)
    assert register.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in register.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"counties", "archives", "claims", "entries", "history", "publications"} <= tables
    register.close()
