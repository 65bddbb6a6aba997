"""A converted PDF is inert: form values printed into the page, no scripts, actions, attachments.

The sample is built here with pikepdf: a page with a filled-in text field (no appearance
stream: the viewer was to draw it), a link, document JavaScript, an open action, a page
action, a launch action in a bookmark and an attached file.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pikepdf
from pypdf import PdfReader

from dossier.convert import convert_files
from tests import factories

VALUE = "Zhang San 35001"


def live_pdf(path: Path) -> Path:
    base = factories.pdf(path.with_name("base.pdf"), text="Enforcement record")
    pdf = pikepdf.open(base)
    page = pdf.pages[0]
    helv = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    field = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
        T=pikepdf.String("name"), V=pikepdf.String(VALUE), Rect=[72, 600, 400, 630], F=4,
        DA=pikepdf.String("/Helv 14 Tf 0 g"), P=page.obj))
    js = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('hi');"))
    link = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[72, 500, 200, 520],
        A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))))
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([field, link]))
    page.obj.AA = pikepdf.Dictionary(O=js)
    pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(
        Fields=[field], NeedAppearances=True, DA=pikepdf.String("/Helv 12 Tf 0 g"),
        DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=helv))))
    pdf.Root.OpenAction = pdf.make_indirect(js)
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
        Names=[pikepdf.String("start"), pdf.make_indirect(js)]))
    pdf.attachments["payload.txt"] = pikepdf.AttachedFileSpec(pdf, b"hidden payload",
                                                              mime_type="text/plain")
    with pdf.open_outline() as outline:
        item = pikepdf.OutlineItem("Run", 0)
        outline.root.append(item)
    pdf.save(path)
    with pikepdf.open(path, allow_overwriting_input=True) as again:  # a launching bookmark
        again.Root.Outlines.First.A = pikepdf.Dictionary(S=pikepdf.Name.Launch,
                                                         F=pikepdf.String("run.bat"))
        again.save(path)
    return path


def _qpdf_json(path: Path) -> str:
    return subprocess.run(["qpdf", "--json", str(path)], capture_output=True, text=True,
                          check=True).stdout


def test_sample_is_live(tmp_path):
    """The test file really has what the conversion must remove."""
    dump = _qpdf_json(live_pdf(tmp_path / "live.pdf"))
    for key in ("/AcroForm", "/JavaScript", "/EmbeddedFiles", "/Launch", "/OpenAction"):
        assert key in dump


def test_converted_copy_is_inert_and_shows_the_field_value(tmp_path):
    original = live_pdf(tmp_path / "live.pdf")
    before = original.read_bytes()
    record = factories.evidence(original, "pdf")
    result = convert_files([record], tmp_path / "cache", jobs=1)[record.sha256]
    assert result.placeholder is None and result.pages == 1
    dump = _qpdf_json(result.pdf)
    for key in ("/AcroForm", "/JavaScript", "/JS", "/EmbeddedFiles", "/EF", "/Launch",
                "/OpenAction", "/AA", "/Annots"):
        assert key not in dump, key
    assert json.loads(dump)["qpdf"]  # the dump is a whole document, not an error
    text = PdfReader(result.pdf).pages[0].extract_text()
    assert VALUE in text and "Enforcement record" in text
    info = subprocess.run(["pdfinfo", str(result.pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Form:\s+none$", info, re.M) and re.search(r"^JavaScript:\s+no$", info, re.M)
    assert original.read_bytes() == before  # the original is never written
