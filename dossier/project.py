"""The Project: standard + manifest + evidence files, the one model builders read.

Evidence items are numbered here, once: files in a criterion folder in natural
order of their names (2 before 10) become ``S.T.C-01``, ``S.T.C-02`` …; entries of
the manifest's ``evidence:`` section come first, in manifest order, with their
titles (a file listed there is not counted again from its folder); files directly
in a tertiary folder become items ``S.T-NN`` of the tertiary, placed before its
criteria in the binder; files in a bonus or deduction folder become ``B1-01`` …, after
the six primary indicators.
"""

from __future__ import annotations

import errno
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dossier.archive import RENDERABLE_KINDS, counts_as_evidence
from dossier.errors import InputError
from dossier.folders import extra_items
from dossier.manifest import Claim, Manifest, find_manifest, load_manifest
from dossier.safename import safe_component
from dossier.scan import EvidenceFile, ScanResult, scan_evidence
from dossier.stages import timed
from dossier.standard import Standard, load_standard


@dataclass(frozen=True)
class EvidenceItem:
    number: str
    code: str  # criterion code, or tertiary code for files not assigned to a criterion
    seq: int
    file: EvidenceFile
    title: str


@dataclass(frozen=True)
class ManifestProblem:
    """A problem in the manifest's evidence overrides, reported by ``check``."""

    kind: str  # 'override_outside', 'override_excluded'
    code: str
    file: str
    line: int | None
    message: str


@dataclass
class Project:
    root: Path
    year: int
    standard: Standard
    manifest: Manifest
    scan: ScanResult
    items: dict[str, tuple[EvidenceItem, ...]] = field(default_factory=dict)
    problems: list[ManifestProblem] = field(default_factory=list)
    unconvertible: dict[str, str] = field(default_factory=dict)  # rel → why (conversion cache)

    @property
    def evidence_dir(self) -> Path:
        return self.root / "evidence" / str(self.year)

    @property
    def build_dir(self) -> Path:
        return self.root / "build" / str(self.year)

    @property
    def cache_dir(self) -> Path:
        return self.root / "build" / ".cache"

    @property
    def unit(self) -> str:
        return self.manifest.unit

    def items_for(self, code: str) -> tuple[EvidenceItem, ...]:
        return self.items.get(code, ())

    def counting_items(self, code: str) -> tuple[EvidenceItem, ...]:
        """The items that count as evidence (dossier.archive.counts_as_evidence): an empty,
        corrupt, encrypted, unarchivable or unconvertible file never makes a criterion 有材料."""
        return tuple(it for it in self.items_for(code)
                     if counts_as_evidence(it.file) and it.file.rel not in self.unconvertible)

    def all_items(self) -> list[EvidenceItem]:
        """Every item in binder order: per tertiary, its own items, then its criteria's;
        then the bonus and deduction items (B1, B2, D1, D2)."""
        out: list[EvidenceItem] = []
        for t in self.standard.tertiaries():
            out.extend(self.items_for(t.code))
            for c in t.criteria:
                out.extend(self.items_for(c.code))
        for extra in extra_items(self.standard):
            out.extend(self.items_for(extra.code))
        return out

    def claim(self, code: str) -> Claim | None:
        return self.manifest.claims.get(code)

    def output_name(self, suffix: str) -> str:
        """File name of an output, e.g. ``<unit>-2022-佐证材料汇编.pdf`` (unit made safe)."""
        return f"{safe_component(self.unit)}-{self.year}-{suffix}"

    def templates_dir(self) -> Path:
        """The workspace's own templates (overrides of the packaged ones)."""
        return self.root / "templates"


_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str) -> list:
    """Sort key where 2 comes before 10."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
            for part in _NATURAL.split(text) if part]


@timed("load")
def load_project(root: Path, year: int | None = None, *, progress=None) -> Project:
    """Load standard, manifest and evidence tree of a workspace into one model."""
    root = Path(root)
    manifest = load_manifest(find_manifest(root, year))
    standard = load_standard(manifest.standard)
    evidence_dir = root / "evidence" / str(manifest.year)
    scan = scan_evidence(evidence_dir, standard, root / "build" / ".cache",
                         exclude=manifest.exclude, progress=progress)
    project = Project(root=root, year=manifest.year, standard=standard, manifest=manifest,
                      scan=scan)
    _number_items(project)
    project.unconvertible = _unconvertible(project)
    return project


def _unconvertible(project: Project) -> dict[str, str]:
    """Items whose last conversion (cached) was a placeholder: they do not count."""
    from dossier.convert import cached_placeholders

    files = [it.file for it in project.all_items()
             if it.file.problem is None and it.file.kind in RENDERABLE_KINDS and it.file.sha256]
    reasons = cached_placeholders(files, project.cache_dir)
    return {f.rel: reasons[f.sha256] for f in files if f.sha256 in reasons}


def _entry_kind(path: Path) -> str | None:
    """'link', 'file', 'too long' (a name no file system accepts) or None (nothing there)."""
    try:
        st = path.lstat()
    except OSError as exc:
        return "too long" if exc.errno == errno.ENAMETOOLONG else None
    return "link" if stat.S_ISLNK(st.st_mode) else "file" if stat.S_ISREG(st.st_mode) else None


def _number_items(project: Project) -> None:
    files = project.scan.by_rel()
    evidence_dir = project.evidence_dir
    listed: dict[str, list[tuple[EvidenceFile, str | None]]] = {}
    claimed_rels: set[str] = set()
    for code, overrides in project.manifest.evidence.items():
        for o in overrides:
            rel = PurePosixPath(o.file).as_posix().lstrip("/")
            target = (evidence_dir / rel)
            if (PurePosixPath(o.file).is_absolute() or ".." in PurePosixPath(o.file).parts
                    or re.match(r"^[A-Za-z]:", o.file)):
                project.problems.append(ManifestProblem(
                    "override_outside", code, o.file, o.line,
                    f"清单中 {code} 指定的文件“{o.file}”不在 evidence/{project.year} 之内，已拒绝。"))
                continue
            if rel in files:
                if rel in claimed_rels:
                    continue
                listed.setdefault(code, []).append((files[rel], o.title))
                claimed_rels.add(rel)
            elif (kind := _entry_kind(target)) == "link":
                project.problems.append(ManifestProblem(
                    "override_outside", code, o.file, o.line,
                    f"清单中 {code} 指定的文件“{o.file}”是快捷方式（符号链接），已拒绝。"))
            elif kind == "file":
                project.problems.append(ManifestProblem(
                    "override_excluded", code, o.file, o.line,
                    f"清单中 {code} 指定的文件“{o.file}”被 exclude 排除或是系统文件，未编入。"))
            else:
                too_long = kind == "too long"
                raise InputError(
                    f"evidence 中 {code} 指定的文件“{o.file}”不存在（相对于 evidence/{project.year}/）"
                    + ("：文件名过长，任何文件都不可能叫这个名字。" if too_long else "。"),
                    path=project.manifest.path, line=o.line,
                    hint="检查文件名和路径（用 / 分隔文件夹），或删除这一项。")

    by_folder: dict[str, list[EvidenceFile]] = {}
    for f in project.scan.files:
        if f.rel in claimed_rels or f.code is None:
            continue
        by_folder.setdefault(f.code, []).append(f)

    items: dict[str, tuple[EvidenceItem, ...]] = {}
    codes = set(listed) | set(by_folder)
    for code in codes:
        entries = list(listed.get(code, []))
        entries += [(f, None) for f in sorted(by_folder.get(code, []),
                                               key=lambda f: natural_key(f.rel))]
        items[code] = tuple(
            EvidenceItem(number=f"{code}-{i:02d}", code=code, seq=i, file=f,
                         title=title or PurePosixPath(f.rel).stem)
            for i, (f, title) in enumerate(entries, start=1))
    project.items = items
