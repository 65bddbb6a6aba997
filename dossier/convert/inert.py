"""A submission PDF is inert: what a page shows is printed into it, nothing else stays live.

On the converted copy (the original stays untouched in the archive): form fields get
appearance streams for their values and, with every other annotation, are flattened into
the page content; then the interactive form, JavaScript (document, page, field and
outline actions), launch/submit/import actions, automatic actions (/AA, /OpenAction) and
embedded files are removed. A link annotation has no appearance and simply goes.
"""

from __future__ import annotations

import logging

import pikepdf

log = logging.getLogger(__name__)

# Actions that run something, reach outside the document or change it.
LIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ResetForm", "/ImportData",
                          "/Rendition", "/Sound", "/Movie", "/GoToE", "/RichMediaExecute",
                          "/Hide", "/SetOCGState", "/Trans", "/GoTo3DView"})
_ROOT_KEYS = ("/AcroForm", "/OpenAction", "/AA", "/Collection", "/Threads", "/Perms")
_NAME_TREES = ("/JavaScript", "/EmbeddedFiles", "/AlternatePresentations", "/Renditions")


def make_inert(pdf: pikepdf.Pdf) -> None:
    """Flatten forms and annotations into the pages; remove scripts, actions, attachments."""
    root = pdf.Root
    if "/AcroForm" in root:
        try:
            pdf.generate_appearance_streams()
        except pikepdf.PdfError as exc:  # a broken form: its fields show what they have
            log.info("form appearances not generated: %s", exc)
        if "/NeedAppearances" in root.AcroForm:
            del root.AcroForm.NeedAppearances
    pdf.flatten_annotations("all")
    for page in pdf.pages:
        for key in ("/Annots", "/AA"):
            if key in page.obj:
                del page.obj[key]
    for key in _ROOT_KEYS:
        if key in root:
            del root[key]
    if "/Names" in root:
        for key in _NAME_TREES:
            if key in root.Names:
                del root.Names[key]
    _strip_live(root)


def _live(action: pikepdf.Object) -> bool:
    return isinstance(action, pikepdf.Dictionary) and (
        str(action.get("/S", "")) in LIVE_ACTIONS or "/JS" in action)


def _strip_live(start: pikepdf.Object) -> None:
    """Walk everything reachable from ``start``: drop live actions, /AA and file streams."""
    seen: set[tuple[int, int]] = set()
    stack = [start]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Array):
            stack.extend(obj)
            continue
        if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            continue
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        for key in list(obj.keys()):
            value = obj[key]
            if key in ("/AA", "/EF", "/JS") or (key in ("/A", "/Next", "/OpenAction")
                                                and _live(value)):
                del obj[key]
            elif key != "/Parent":
                stack.append(value)
