"""``dossier review add``: every archive is verified; a failing one is 退回 with the reasons,
a passing one is extracted read-only and its claims registered. A county's later archive
supersedes the earlier one; both stay in the register and on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from dossier.errors import DossierError
from dossier.pack import CONTENTS_NAME
from dossier.progress import Progress
from dossier.review.register import Register, default_who, now
from dossier.review.submission import Submission, read_submission
from dossier.review.workspace import ReviewWorkspace
from dossier.safename import safe_component
from dossier.verify import verify_archive


@dataclass
class IntakeResult:
    file: Path
    unit: str
    accepted: bool
    reasons: list[str] = field(default_factory=list)
    superseded: bool = False
    duplicate: bool = False

    def line(self) -> str:
        if self.duplicate:
            return f"已接收过：{self.file.name}（{self.unit}），未重复登记"
        if not self.accepted:
            return (f"退回：{self.unit}（{self.file.name}），原因：\n"
                    + "\n".join(f"  - {r}" for r in self.reasons))
        return f"受理：{self.unit}（{self.file.name}）" + ("，替换此前报送的归档包" if self.superseded
                                                        else "")


def add_archives(ws: ReviewWorkspace, register: Register, paths: list[Path], *,
                 who: str = "", progress: Progress | None = None) -> list[IntakeResult]:
    progress = progress or Progress()
    register.check_open()
    who = who or default_who()
    results = []
    with progress.task("接收归档包", total=len(paths)) as task:
        for path in paths:
            results.append(_add_one(ws, register, Path(path), who))
            task.advance(1, Path(path).name)
    return results


def _add_one(ws: ReviewWorkspace, register: Register, path: Path, who: str) -> IntakeResult:
    sha = _sha256(path)
    unit = _unit_of(path)
    seen = register.db.execute("SELECT c.unit FROM archives a JOIN counties c "
                               "ON c.id = a.county_id WHERE a.sha256 = ?", (sha,)).fetchone()
    if seen:
        return IntakeResult(path, seen[0], accepted=True, duplicate=True)
    report = verify_archive(path)
    reasons = [f"{c.group}·{c.name}：{d}" for c in report.checks if not c.ok
               for d in (c.details or ["未通过"])]
    folder = sub = None
    if not reasons:
        try:
            folder, sub = _extract(ws, path, unit, sha)
        except (DossierError, KeyError, ValueError) as exc:
            message = exc.message if isinstance(exc, DossierError) else f"{CONTENTS_NAME} 缺少 {exc}"
            reasons.append(f"归档包内容无法读取：{message}")
    if sub is not None:
        unit = sub.unit
        if sub.year != register.year:
            reasons.append(f"归档包是 {sub.year} 年度的材料，本次复核的是 {register.year} 年度")
        elif sub.standard and sub.standard != register.meta()["standard"]:
            reasons.append(f"归档包按评价标准“{sub.standard}”自评，本次复核按"
                           f"“{register.meta()['standard']}”")
    earlier = register.current_archive(unit)
    result = IntakeResult(path, unit, accepted=not reasons, reasons=reasons,
                          superseded=earlier is not None)
    with register.transaction() as db:
        county = register.county_id(unit)
        data = {} if sub is None else {"facts": sub.facts, "bonus": sub.bonus,
                                       "deductions": sub.deductions,
                                       "extra_points": {k: str(v) for k, v in
                                                        sub.extra_points.items()}}
        archive = db.execute(
            "INSERT INTO archives (county_id, file_name, sha256, at, who, accepted, reasons, "
            "folder, claimed_total, claimed_grade, data) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (county, path.name, sha, now(), who, int(not reasons),
             json.dumps(reasons, ensure_ascii=False),
             None if folder is None or reasons else folder.relative_to(ws.dir).as_posix(),
             sub.claimed_total if sub else None, sub.claimed_grade if sub else None,
             json.dumps(data, ensure_ascii=False))).lastrowid
        if sub is not None and not reasons:
            _register_claims(db, archive, sub)
        what = f"{path.name}（SHA-256 {sha[:12]}…）"
        if reasons:
            register.log(unit, "退回", what, "；".join(reasons), who)
        else:
            register.log(unit, "受理", what + f"，自评总分 {sub.claimed_total}"
                         + ("，替换此前报送的归档包" if earlier is not None else ""), "", who)
    return result


def _register_claims(db, archive: int, sub: Submission) -> None:
    rows = [(archive, code, None if c.points is None else str(c.points), c.note,
             sub.evidence.get(code, 0), sub.pages.get(code, "")) for code, c in sub.claims.items()]
    rows += [(archive, code, str(points), "", sub.evidence.get(code, 0), sub.pages.get(code, ""))
             for code, points in sub.extra_points.items()]
    db.executemany("INSERT INTO claims (archive_id, code, points, note, evidence, pages) "
                   "VALUES (?,?,?,?,?,?)", rows)


def _extract(ws: ReviewWorkspace, path: Path, unit: str, sha: str) -> tuple[Path, Submission]:
    """Extract a verified archive under 归档包/<unit>/, then make it read-only."""
    target_parent = ws.inbox / safe_component(unit)
    target_parent.mkdir(parents=True, exist_ok=True)
    n = len([p for p in target_parent.iterdir() if p.is_dir()]) + 1
    target = target_parent / f"{n}-{sha[:12]}"
    tmp = Path(tempfile.mkdtemp(prefix=".intake-", dir=target_parent))
    try:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp)  # verify has checked every member name
        [bag] = [p for p in tmp.iterdir() if p.is_dir()]
        os.replace(bag, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sub = read_submission(target)
    _read_only(target)
    return target, sub


def _read_only(folder: Path) -> None:
    for p in sorted(folder.rglob("*"), reverse=True):
        p.chmod(0o555 if p.is_dir() else 0o444)
    folder.chmod(0o555)


def _unit_of(path: Path) -> str:
    """The sending unit, read without extracting (for a 退回 that cannot be opened)."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith("/data/" + CONTENTS_NAME))
            return str(json.loads(archive.read(name))["unit"])
    except Exception:  # unreadable: the file name is all we know
        stem = path.stem
        return stem.split("-")[0] if "-" in stem else stem


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()
