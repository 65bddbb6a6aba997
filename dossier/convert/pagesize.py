"""Every converted page becomes an A4 page, so both binders print on A4 with one stamp size.

Decision (see README, "页面尺寸"): a printed binder is A4, so every page is A4 — portrait,
or landscape when the page as shown is wider than tall. A page larger than A4 (US Letter
is 3 % wider, A3 drawings, posters) is scaled down to fit and centred; A3 becomes A4 at
70.7 %, the office copier's standard reduction, and stays legible. A page smaller than A4
is centred at its true size (a receipt stays a receipt), unless it is tiny (its longer
side under ``TINY`` pt, such as a 3.84 pt fax sample): then it is enlarged to fill the page
within ``MARGIN``. An A4 page (either way round, within ``TOLERANCE``) is left untouched.

The original page becomes a form XObject drawn on a fresh A4 page, so /Rotate and
/UserUnit are applied once here and the binder sees plain upright A4 pages.
"""

from __future__ import annotations

import pikepdf

MM = 72 / 25.4
A4 = (595.2756, 841.8898)
TOLERANCE = 3.0  # pt: A4 exported by different programs differs by a point or two
TINY = 144.0  # pt (2 inches): below this a page is enlarged, not shown at its size
MARGIN = 15 * MM  # around an enlarged tiny page


def shown_size(page: pikepdf.Page) -> tuple[float, float]:
    """Width and height of the page as a viewer shows it (crop box, /Rotate, /UserUnit)."""
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    unit = float(page.obj.get("/UserUnit", 1) or 1)
    w, h = abs(x1 - x0) * unit, abs(y1 - y0) * unit
    try:
        rotate = int(page.obj.get("/Rotate", 0)) % 180
    except (TypeError, ValueError):
        rotate = 0
    return (h, w) if rotate == 90 else (w, h)


def target(size: tuple[float, float]) -> tuple[float, float]:
    """The A4 page a page of ``size`` goes on: landscape when it is wider than tall."""
    w, h = size
    return (A4[1], A4[0]) if w > h else A4


def is_a4(size: tuple[float, float]) -> bool:
    tw, th = target(size)
    return abs(size[0] - tw) <= TOLERANCE and abs(size[1] - th) <= TOLERANCE


def placement(size: tuple[float, float]) -> tuple[float, float, float, float]:
    """Where on its A4 page the content of a page of ``size`` goes: (x0, y0, x1, y1)."""
    w, h = size
    tw, th = target(size)
    if max(w, h) < TINY:
        scale = min((tw - 2 * MARGIN) / w, (th - 2 * MARGIN) / h)
    else:
        scale = min(1.0, tw / w, th / h)
    sw, sh = w * scale, h * scale
    x0, y0 = (tw - sw) / 2, (th - sh) / 2
    return (x0, y0, x0 + sw, y0 + sh)


def to_a4(pdf: pikepdf.Pdf) -> int:
    """Put every page of ``pdf`` that is not A4 on an A4 page; returns how many were changed.

    Annotations must already be flattened (``inert.make_inert``): they would keep their
    old coordinates.
    """
    changed = 0
    for page in pdf.pages:
        size = shown_size(page)
        if min(size) <= 0 or is_a4(size):
            continue
        _place_on_a4(pdf, page, size)
        changed += 1
    return changed


def _place_on_a4(pdf: pikepdf.Pdf, page: pikepdf.Page, size: tuple[float, float]) -> None:
    # The form reads the page's content when the file is saved: give it a copy of the
    # page dictionary, so that replacing this page's content below does not reach it.
    original = pikepdf.Page(pdf.make_indirect(pikepdf.Dictionary(page.obj)))
    form = original.as_form_xobject(handle_transformations=True)
    tw, th = target(size)
    for key in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox", "/Rotate", "/UserUnit",
                "/Annots", "/Group"):
        if key in page.obj:
            del page.obj[key]
    page.obj.MediaBox = pikepdf.Array([0, 0, round(tw, 4), round(th, 4)])
    name = pikepdf.Name("/DsA4")
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(DsA4=form))
    rect = pikepdf.Rectangle(*placement(size))
    ops = page.calc_form_xobject_placement(form, name, rect, allow_shrink=True,
                                           allow_expand=True)
    page.obj.Contents = pdf.make_stream(b"q\n" + ops + b"\nQ\n")
