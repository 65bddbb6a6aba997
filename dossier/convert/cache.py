"""The conversion cache: one area (``convert``) of the cache store (``dossier.cachestore``).

An entry is ``<sha256>-<kind>-<key>.pdf`` plus its sidecar, where the key follows the
store's one recipe: the content hash, the input kind, the converter's version and the
identity of every tool the conversion involves (LibreOffice for office files, qpdf for
repairs, the fonts and fpdf2 that draw a placeholder page). A rebuild after one changed
file converts one file; a new converter, LibreOffice or font converts again. Outcomes
the environment caused (``transient``) are never committed, so they are retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dossier.cachestore import Store, digest, tools_identity


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


# What each converter's output depends on besides the file (placeholders: fonts and fpdf2).
TOOLS = {"office": ("soffice",), "pdf": ("qpdf", "pikepdf"), "image": ("Pillow", "pillow-heif", "pikepdf"),
         "text": (), "other": ()}
PLACEHOLDER_TOOLS = ("fonts", "fpdf2")


def tools_for(module: str) -> dict:
    return tools_identity(TOOLS.get(module, ()) + PLACEHOLDER_TOOLS)


def store(cache_dir: Path) -> Store:
    return Store(Path(cache_dir) / "convert")


def entry_name(sha256: str, kind: str, version: str, tools: dict) -> str:
    key = digest("convert", version, {"sha256": sha256, "kind": kind, "tools": tools})
    return f"{sha256}-{kind}-{key[:20]}"


def read_entry(entries: Store, name: str) -> Outcome | None:
    """The cached outcome, or None when the entry is missing or unreadable."""
    data = entries.read(name)
    try:
        return None if data is None else Outcome(int(data["pages"]), data.get("placeholder"),
                                                 data.get("name"))
    except (KeyError, TypeError, ValueError):
        return None


def commit(entries: Store, name: str, outcome: Outcome) -> None:
    """Record the outcome; transient failures are not recorded, so they are retried."""
    if outcome.transient:
        return
    entries.commit(name, {"pages": outcome.pages, "placeholder": outcome.placeholder,
                          "name": outcome.name})
