"""The review register: one SQLite file per review year (stdlib ``sqlite3``, WAL).

Every table is append-only: SQLite triggers refuse UPDATE and DELETE, so the register
is its own history (who, when, what, why). The current value of anything is its latest
row. Once a publication row exists, triggers also refuse new reviewer input: the
published year is locked in the file itself, not only in this code.

The schema version is ``PRAGMA user_version``; ``MIGRATIONS[i]`` brings version ``i`` to
``i + 1``. Opening a register applies the missing migrations in one transaction; a
register written by a newer dossier is refused.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dossier.errors import InputError

REGISTER_NAME = "复核登记.sqlite"
APPEND_ONLY = ("meta", "counties", "archives", "claims", "entries", "system_data", "imports",
               "publications", "history")
LOCKED_AFTER_PUBLISH = ("archives", "entries", "system_data", "imports", "publications")

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE counties (id INTEGER PRIMARY KEY, unit TEXT NOT NULL UNIQUE, at TEXT NOT NULL);
CREATE TABLE archives (
    id INTEGER PRIMARY KEY, county_id INTEGER NOT NULL REFERENCES counties(id),
    file_name TEXT NOT NULL, sha256 TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL,
    accepted INTEGER NOT NULL, reasons TEXT NOT NULL, folder TEXT,
    claimed_total TEXT, claimed_grade TEXT, data TEXT NOT NULL DEFAULT '{}');
CREATE TABLE claims (
    archive_id INTEGER NOT NULL REFERENCES archives(id), code TEXT NOT NULL,
    points TEXT, note TEXT NOT NULL, evidence INTEGER NOT NULL, pages TEXT NOT NULL,
    PRIMARY KEY (archive_id, code));
CREATE TABLE entries (
    id INTEGER PRIMARY KEY, archive_id INTEGER NOT NULL REFERENCES archives(id),
    code TEXT NOT NULL, points TEXT, basis TEXT NOT NULL, reason TEXT NOT NULL,
    at TEXT NOT NULL, who TEXT NOT NULL);
CREATE TABLE system_data (
    id INTEGER PRIMARY KEY, archive_id INTEGER NOT NULL REFERENCES archives(id),
    key TEXT NOT NULL, value TEXT, at TEXT NOT NULL, who TEXT NOT NULL);
CREATE TABLE imports (
    id INTEGER PRIMARY KEY, archive_id INTEGER NOT NULL REFERENCES archives(id),
    file_name TEXT NOT NULL, sha256 TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL);
CREATE TABLE publications (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, digest TEXT NOT NULL,
    results TEXT NOT NULL);
CREATE TABLE history (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, county TEXT NOT NULL,
    action TEXT NOT NULL, what TEXT NOT NULL, why TEXT NOT NULL);
""" + "".join(f"""
CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t}
BEGIN SELECT RAISE(ABORT, 'append-only register: {t} rows are never changed'); END;
CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t}
BEGIN SELECT RAISE(ABORT, 'append-only register: {t} rows are never deleted'); END;
""" for t in APPEND_ONLY) + "".join(f"""
CREATE TRIGGER {t}_locked BEFORE INSERT ON {t} WHEN EXISTS (SELECT 1 FROM publications)
BEGIN SELECT RAISE(ABORT, 'published: the review year is locked'); END;
""" for t in LOCKED_AFTER_PUBLISH)

MIGRATIONS: tuple[str, ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)


def now() -> str:
    """Local time to the second, as people read it in the history."""
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


def default_who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some service accounts)
        return "未署名"


class PublishedError(InputError):
    """The year has been published: the register refuses changes (exit 3)."""


@dataclass(frozen=True)
class Entry:
    """The reviewer's latest word on one criterion, bonus or deduction item."""

    code: str
    points: str | None
    basis: str
    reason: str
    at: str
    who: str


class Register:
    """A thin layer over the connection: queries by meaning, inserts only."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path = path
        self.db = connection

    # -- meta ------------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    @property
    def year(self) -> int:
        return int(self.meta()["year"])

    @property
    def reviewer(self) -> str:
        return self.meta()["reviewer"]

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing; a write after publication becomes PublishedError."""
        try:
            with self.db:
                yield self.db
        except sqlite3.IntegrityError as exc:
            if "published" in str(exc):
                raise self.published_error() from None
            raise

    def published_error(self) -> PublishedError:
        pub = self.publication()
        when = pub["at"] if pub else ""
        return PublishedError(f"{self.year}年度复核结果已发布（{when}），登记簿已锁定，不能再修改。",
                              path=self.path,
                              hint="发布后的结果是最终结果；如确需更正，请按程序另行发文更正。")

    def check_open(self) -> None:
        if self.publication():
            raise self.published_error()

    def log(self, county: str, action: str, what: str, why: str = "", who: str = "") -> None:
        self.db.execute("INSERT INTO history (at, who, county, action, what, why) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (now(), who or default_who(), county,
                                                      action, what, why))

    def county_id(self, unit: str) -> int:
        row = self.db.execute("SELECT id FROM counties WHERE unit = ?", (unit,)).fetchone()
        if row:
            return row[0]
        return self.db.execute("INSERT INTO counties (unit, at) VALUES (?, ?)",
                               (unit, now())).lastrowid

    # -- reading ---------------------------------------------------------------------------

    def counties(self) -> list[str]:
        return [u for (u,) in self.db.execute("SELECT unit FROM counties ORDER BY id")]

    def archives(self, unit: str | None = None) -> list[sqlite3.Row]:
        sql = ("SELECT a.*, c.unit FROM archives a JOIN counties c ON c.id = a.county_id")
        if unit is None:
            return self.db.execute(sql + " ORDER BY a.id").fetchall()
        return self.db.execute(sql + " WHERE c.unit = ? ORDER BY a.id", (unit,)).fetchall()

    def current_archive(self, unit: str) -> sqlite3.Row | None:
        """The county's latest archive: a resubmission supersedes what came before."""
        rows = self.archives(unit)
        return rows[-1] if rows else None

    def claims(self, archive_id: int) -> dict[str, sqlite3.Row]:
        return {r["code"]: r for r in self.db.execute(
            "SELECT * FROM claims WHERE archive_id = ?", (archive_id,))}

    def entries(self, archive_id: int) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        for r in self.db.execute("SELECT * FROM entries WHERE archive_id = ? ORDER BY id",
                                 (archive_id,)):
            out[r["code"]] = Entry(r["code"], r["points"], r["basis"], r["reason"], r["at"],
                                   r["who"])
        return out

    def system_data(self, archive_id: int) -> dict[str, object]:
        """Reviewer-entered system data and extras (``facts.KEY``, ``B1.FIELD``…), latest wins."""
        out: dict[str, object] = {}
        for r in self.db.execute("SELECT key, value FROM system_data WHERE archive_id = ? "
                                 "ORDER BY id", (archive_id,)):
            out[r["key"]] = None if r["value"] is None else json.loads(r["value"])
        return {k: v for k, v in out.items() if v is not None}

    def imported(self, archive_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM imports WHERE archive_id = ?",
                               (archive_id,)).fetchone() is not None

    def publication(self) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM publications ORDER BY id DESC").fetchone()

    def history(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM history ORDER BY id").fetchall()

    def last_change(self) -> str:
        row = self.db.execute("SELECT max(at) FROM history").fetchone()
        return row[0] or ""

    def close(self) -> None:
        self.db.close()


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level="DEFERRED")
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA busy_timeout = 10000")  # two reviewers on one PC: wait, don't fail
    return db


def migrate(db: sqlite3.Connection, path: Path) -> int:
    """Apply the missing migrations; returns the version now in the file."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise InputError(f"复核登记簿的版本（{version}）比本程序支持的（{SCHEMA_VERSION}）新。",
                         path=path, hint="请升级 dossier 后再打开这个工作目录。")
    for target in range(version, SCHEMA_VERSION):
        db.executescript("BEGIN;" + MIGRATIONS[target] +
                         f"PRAGMA user_version = {target + 1};COMMIT;")
    return SCHEMA_VERSION


def create_register(path: Path, year: int, reviewer: str, standard: str,
                    doc_prefix: str = "") -> Register:
    if path.exists():
        raise InputError("这个年度的复核登记簿已经存在。", path=path,
                         hint="直接运行 dossier review add 接收归档包；要重新开始请换一个文件夹。")
    path.parent.mkdir(parents=True, exist_ok=True)
    db = _connect(path)
    migrate(db, path)
    with db:
        db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                       [("year", str(year)), ("reviewer", reviewer), ("standard", standard),
                        ("doc_prefix", doc_prefix), ("created", now())])
    return Register(path, db)


def open_register(path: Path) -> Register:
    if not path.is_file():
        raise InputError("找不到复核登记簿。", path=path,
                         hint="先运行 dossier review init --year 年度 --reviewer 复核单位 建立复核工作目录。")
    try:
        db = _connect(path)
        migrate(db, path)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"复核登记簿无法打开（{exc}），文件可能已损坏。", path=path,
                         hint="用备份替换该文件；登记簿不可手工编辑。") from None
    return Register(path, db)
