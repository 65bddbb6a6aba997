"""Generated PDFs reused across builds (binder front matter, stamps, the report PDF).

Drawing the binder's own pages with fpdf2 costs seconds (it parses and subsets CJK
fonts), and LibreOffice takes a second for the report; both depend only on data. The
entries live in the one cache store (``dossier.cachestore``: its key recipe, its commit
protocol); this module only names them ``<kind>-<key>`` within an area.
"""

from __future__ import annotations

from pathlib import Path

from dossier.cachestore import Store, digest, font_identity

__all__ = ["PartCache", "digest", "font_identity"]


class PartCache(Store):
    """Entries of one area (``binder``, ``report``) under the project's cache folder."""

    def paths(self, kind: str, key: str | None = None) -> tuple[Path, Path]:  # type: ignore[override]
        return super().paths(kind if key is None else f"{kind}-{key}")

    def get(self, kind: str, key: str) -> tuple[Path, dict] | None:
        """The cached PDF and its sidecar data, or None when missing or unreadable."""
        data = self.read(f"{kind}-{key}")
        return None if data is None else (self.paths(kind, key)[0], data)

    def get_data(self, kind: str, key: str) -> dict | None:
        """A data-only entry (no PDF)."""
        return self.read(f"{kind}-{key}", payload=False)

    def put(self, kind: str, key: str, src: Path | None, data: dict) -> None:  # type: ignore[override]
        super().put(f"{kind}-{key}", src, data)
