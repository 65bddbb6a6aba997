"""The conversion cache: ``<cache>/convert/<sha256>-<kind>-<VERSION>.pdf`` plus a JSON sidecar.

The key is the content hash, the input kind and the converter's version, so a rebuild
after one changed file converts one file, and a new converter version converts again.
The PDF is written first and the sidecar last, both atomically: an entry counts only
when its sidecar exists, so an interrupted build never leaves a half entry that is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dossier.fsutil import write_text_atomic


@dataclass(frozen=True)
class Source:
    """What a converter needs to know about one evidence file (picklable, for workers)."""

    path: Path
    name: str  # file name shown on a placeholder page
    size: int
    sha256: str
    kind: str
    ext: str
    problem: str | None = None


@dataclass(frozen=True)
class Outcome:
    """A converter's result: pages written, and the reason when the PDF is a placeholder."""

    pages: int
    placeholder: str | None = None
    name: str | None = None  # the name a placeholder page shows
    transient: bool = False  # a timeout or crash: not cached, tried again next build


def entry_paths(cache_dir: Path, sha256: str, kind: str, version: str) -> tuple[Path, Path]:
    base = Path(cache_dir) / "convert" / f"{sha256}-{kind}-{version}"
    return base.with_suffix(".pdf"), base.with_suffix(".json")


def read_entry(pdf: Path, sidecar: Path) -> Outcome | None:
    """The cached outcome, or None when the entry is missing or unreadable."""
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        if not pdf.is_file():
            return None
        return Outcome(int(data["pages"]), data.get("placeholder"), data.get("name"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_sidecar(sidecar: Path, outcome: Outcome) -> None:
    """Record the outcome; transient failures are not recorded, so they are retried."""
    if outcome.transient:
        return
    data = {"pages": outcome.pages, "placeholder": outcome.placeholder, "name": outcome.name}
    write_text_atomic(sidecar, json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
