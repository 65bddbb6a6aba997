"""Files with no PDF form (video, audio, archives, programs, unknown) → a placeholder page."""

from __future__ import annotations

from pathlib import Path

from dossier.convert import placeholder
from dossier.convert.cache import Outcome, Source

VERSION = f"1.{placeholder.VERSION}"


def reason_for(source: Source) -> str:
    """The Chinese reason: the scan's problem first, else what the kind cannot do."""
    if source.problem:
        return placeholder.PROBLEM_REASONS.get(source.problem, placeholder.PROBLEM_REASONS["corrupt"])
    return placeholder.KIND_REASONS.get(source.kind, placeholder.KIND_REASONS["other"])


def convert(source: Source, out: Path) -> Outcome:
    return placeholder.for_source(source, out, reason_for(source))
