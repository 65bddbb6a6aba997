"""Small python-docx helpers that Chinese official documents need and python-docx lacks.

- Fonts: python-docx sets only ``w:ascii``/``w:hAnsi``; Word and WPS pick Chinese
  glyphs from ``w:eastAsia``, and a style's theme font attributes (``w:asciiTheme`` …)
  override any named font, so both are handled here.
- Fields (PAGE): complex fields with a cached result; bookmarks and internal links
  (the Word binder's static TOC links to bookmarks at its headings).
- Pictures kept on disk until save: ``run.add_picture`` keeps every image in memory and
  compares each new one with all earlier ones (quadratic), too slow for thousands of
  page images; ``PictureStore`` adds them in constant time, and the save streams them
  from disk into the zip, so memory does not grow with the pictures.
- Deterministic save: fixed core-property dates and fixed ZIP entry times, so the same
  document gives the same bytes.

Builders (the Word binder, the year-end report) share these; nothing here knows about
the binder.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from docx.enum.section import WD_HEADER_FOOTER
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from docx.parts.hdrftr import FooterPart
from docx.shared import Pt

from dossier.fsutil import atomic_write

_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


# -- fonts -------------------------------------------------------------------------------


def set_rfonts(rpr, east_asia: str, latin: str | None = None) -> None:
    """Name the fonts of an ``w:rPr``: ``east_asia`` for CJK, ``latin`` (default: the same)
    for Latin letters and digits; theme font attributes are removed so the names win."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in _THEME_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    latin = latin or east_asia
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def set_run_font(run, east_asia: str, size_pt: float | None = None, bold: bool | None = None,
                 *, latin: str | None = None) -> None:
    """Font of one run, East Asian name included."""
    set_rfonts(run._element.get_or_add_rPr(), east_asia, latin)
    if size_pt is not None:
        run.font.size = Pt(size_pt)
    if bold is not None:
        run.font.bold = bold


def set_style_font(style, east_asia: str, latin: str | None = None,
                   size_pt: float | None = None, *, bold: bool | None = None,
                   color_rgb=None) -> None:
    """Font of a style (once, in styles.xml), replacing any theme fonts it had.

    ``color_rgb`` (a ``docx.shared.RGBColor``) also drops a theme colour, e.g. the blue
    of python-docx's built-in headings.
    """
    rpr = style.element.get_or_add_rPr()
    set_rfonts(rpr, east_asia, latin)
    if size_pt is not None:
        style.font.size = Pt(size_pt)
    if bold is not None:
        style.font.bold = bold
    if color_rgb is not None:
        style.font.color.rgb = color_rgb
        color = rpr.find(qn("w:color"))
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(attr), None)


# -- fields, bookmarks, links ------------------------------------------------------------


def _fld_char(run_element, kind: str) -> None:
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), kind)
    run_element.append(fld)


def begin_field(paragraph, instr: str) -> None:
    """Start a complex field (begin, instruction, separate); its result follows, possibly
    over several paragraphs, until ``end_field``."""
    _fld_char(paragraph.add_run()._r, "begin")
    instr_text = OxmlElement("w:instrText")
    instr_text.set(qn("xml:space"), "preserve")
    instr_text.text = f" {instr} "
    paragraph.add_run()._r.append(instr_text)
    _fld_char(paragraph.add_run()._r, "separate")


def end_field(paragraph) -> None:
    _fld_char(paragraph.add_run()._r, "end")


def add_field(paragraph, instr: str, result: str = ""):
    """A field such as ``PAGE`` or ``PAGEREF _Toc1 \\h``; ``result`` is what shows before
    the field is updated. Returns the result run (to style it)."""
    begin_field(paragraph, instr)
    result_run = paragraph.add_run(result)
    end_field(paragraph)
    return result_run


def add_bookmark(paragraph, name: str, bookmark_id: int) -> None:
    """A bookmark around the whole paragraph (TOC and PAGEREF targets)."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    p = paragraph._p
    ppr = p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def add_internal_hyperlink(paragraph, text: str, anchor: str):
    """A link to a bookmark in the same document; returns the run inside it."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    run = paragraph.add_run(text)
    paragraph._p.remove(run._r)
    link.append(run._r)
    paragraph._p.append(link)
    return run


# -- pictures ----------------------------------------------------------------------------


class _FileImagePart(Part):
    """An image part whose bytes are read from a file only when the package is saved."""

    def __init__(self, partname: PackURI, content_type: str, path: Path, package):
        super().__init__(partname, content_type, package=package)
        self._path = Path(path)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def blob(self) -> bytes:
        return self._path.read_bytes()


_CONTENT_TYPES = {"jpeg": CT.JPEG, "jpg": CT.JPEG, "png": CT.PNG}


def _next_index(package, prefix: str) -> int:
    """The first free N of part names ``<prefix>N…`` (one walk of the package, at start)."""
    used = [p.partname.idx or 0 for p in package.iter_parts() if p.partname.startswith(prefix)]
    return max(used, default=0) + 1


class PictureStore:
    """Adds pictures to a document in constant time, their bytes left on disk until save.

    The files must exist until the document is saved. Part names (``word/media/imageN``)
    and drawing ids follow the order of ``add`` calls, so they are deterministic. A
    ``key`` already seen reuses its image part (the same page twice is stored once).
    """

    def __init__(self, document):
        self._part = document.part
        self._package = document.part.package
        self._next_media = _next_index(self._package, "/word/media/")
        ids = [int(v) for v in self._part.element.xpath("//@id") if v.isdigit()]
        self._next_shape_id = max(ids, default=0) + 1
        self._by_key: dict[object, tuple[str, str]] = {}

    def add(self, run, path: Path, width_emu: int, height_emu: int, *, key=None,
            border_rgb: str | None = None):
        """Place the picture in ``path`` (JPEG or PNG) in ``run`` at the given size;
        ``border_rgb`` (e.g. ``"A0A0A0"``) draws a hairline frame, for white pages."""
        path = Path(path)
        if key is not None and key in self._by_key:
            r_id, filename = self._by_key[key]
        else:
            ext = path.suffix.lower().lstrip(".")
            ext = "jpeg" if ext == "jpg" else ext
            filename = f"image{self._next_media}.{ext}"
            partname = PackURI(f"/word/media/{filename}")
            self._next_media += 1
            part = _FileImagePart(partname, _CONTENT_TYPES[ext], path, self._package)
            # relate_to() would search all relationships for each picture (quadratic);
            # "rIdImgN" cannot clash with python-docx's own "rIdN".
            r_id = f"rIdImg{self._next_media - 1}"
            self._part.rels.add_relationship(RT.IMAGE, part, r_id)
            if key is not None:
                self._by_key[key] = (r_id, filename)
        inline = CT_Inline.new_pic_inline(self._next_shape_id, r_id, filename,
                                          int(width_emu), int(height_emu))
        self._next_shape_id += 1
        if border_rgb:
            _add_outline(inline, border_rgb)
        run._r.add_drawing(inline)
        return inline


class FooterStore:
    """Gives a section a footer of its own in constant time.

    python-docx names each new footer part by walking every part of the package, which
    with thousands of page pictures made the Word binder quadratic (62 s of 76 s on the
    medium benchmark). Part names stay ``/word/footerN.xml`` in the order of ``add``.
    """

    def __init__(self, document):
        self._part = document.part
        self._package = document.part.package
        self._next = _next_index(self._package, "/word/footer")
        self._xml = FooterPart._default_footer_xml()

    def add(self, section) -> None:
        """A new, empty primary footer for ``section`` (which must have none)."""
        part = FooterPart(PackURI(f"/word/footer{self._next}.xml"), CT.WML_FOOTER,
                          parse_xml(self._xml), self._package)
        r_id = f"rIdFtr{self._next}"  # cannot clash with python-docx's own "rIdN"
        self._next += 1
        self._part.rels.add_relationship(RT.FOOTER, part, r_id)
        section._sectPr.add_footerReference(WD_HEADER_FOOTER.PRIMARY, r_id)


def _add_outline(inline, rgb: str) -> None:
    line = OxmlElement("a:ln")
    line.set("w", "6350")  # 0.5 pt
    fill = OxmlElement("a:solidFill")
    colour = OxmlElement("a:srgbClr")
    colour.set("val", rgb)
    fill.append(colour)
    line.append(fill)
    inline.graphic.graphicData.pic.spPr.append(line)


# -- deterministic save ------------------------------------------------------------------

_STORED_SUFFIXES = (".jpeg", ".jpg", ".png", ".gif")
_CHUNK = 1 << 20


class _FixedTimeZip:
    """The ``write(pack_uri, blob)`` / ``close()`` writer python-docx's PackageWriter
    uses, with fixed entry times; pictures are stored, since deflate cannot shrink them."""

    def __init__(self, path: Path, date_time: tuple[int, int, int, int, int, int]):
        self._zip = zipfile.ZipFile(path, "w")
        self._date_time = date_time

    def _info(self, pack_uri) -> zipfile.ZipInfo:
        name = pack_uri.membername if hasattr(pack_uri, "membername") else str(pack_uri)
        info = zipfile.ZipInfo(name, self._date_time)
        info.create_system = 0
        info.external_attr = 0
        stored = name.lower().endswith(_STORED_SUFFIXES)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        return info

    def write(self, pack_uri, blob: bytes) -> None:
        self._zip.writestr(self._info(pack_uri), blob)

    def write_file(self, pack_uri, path: Path) -> None:
        """Copy a file into the zip in chunks; the same bytes as ``write`` would give."""
        info = self._info(pack_uri)
        info.file_size = path.stat().st_size  # as writestr sets it: same header, same zip64
        with path.open("rb") as src, self._zip.open(info, "w") as dest:
            shutil.copyfileobj(src, dest, _CHUNK)

    def close(self) -> None:
        self._zip.close()


def fix_core_properties(document, date: dt.date) -> None:
    """Core properties that python-docx would otherwise date to today."""
    when = dt.datetime(date.year, date.month, date.day)
    props = document.core_properties
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1


def drop_thumbnail(document) -> None:
    """Remove the thumbnail inherited from python-docx's template: it shows another
    document in the file manager."""
    rels = document.part.package.rels
    for r_id, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del rels[r_id]


def _write_parts(writer: _FixedTimeZip, parts) -> None:
    """PackageWriter._write_parts, but pictures on disk are streamed, not read whole."""
    for part in parts:
        if isinstance(part, _FileImagePart):
            writer.write_file(part.partname, part.path)
        else:
            writer.write(part.partname, part.blob)
        if len(part.rels):
            writer.write(part.partname.rels_uri, part.rels.xml)


def save_deterministic(document, path: Path, date: dt.date) -> Path:
    """Save atomically, the bytes depending only on the document and ``date``.

    Also fixes the core-property dates and drops the template's thumbnail. Entries are
    written in python-docx's order (content types first), which depends only on the
    document.
    """
    from docx.opc.pkgwriter import PackageWriter

    fix_core_properties(document, date)
    drop_thumbnail(document)
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    parts = package.parts
    date_time = (max(date.year, 1980), date.month, date.day, 0, 0, 0)
    with atomic_write(Path(path)) as tmp:
        writer = _FixedTimeZip(tmp, date_time)
        try:
            PackageWriter._write_content_types_stream(writer, parts)
            PackageWriter._write_pkg_rels(writer, package.rels)
            _write_parts(writer, parts)
        finally:
            writer.close()
    return Path(path)
