"""Shared pieces of the .docx files the platform writes (plans, session records, bulletins).

python-docx sets only the Latin font of a run; Word and WPS pick the Chinese font from w:eastAsia,
so every run and style we write goes through `set_fonts`. The font names come from
settings.DOCUMENT_FONTS so a deployment whose machines ship 仿宋 (WPS) instead of 仿宋_GB2312 can
say so without a code change.

python-docx and lxml hold ≈17 MB in every process that imports them, so only the modules that write
documents import this one, and the views import those inside the export views: a web worker that never
exports stays lean (issue 10). Sending the bytes (`core.downloads.docx_response`) and reading an upload's
text (`core.uploads.docx_text`) need neither.
"""

from django.conf import settings
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.run import CT_R
from docx.shared import Pt

from .cleaning import xml_safe

# Every piece of text python-docx writes into a run goes through CT_R.add_t (Run.text, add_run,
# add_paragraph, cell.text). A control character stored before input cleaning made lxml raise
# ValueError there and failed the whole .docx; dropping the characters XML forbids at this one point
# means no export (plans, session records, bulletins) can fail on stored text.
if not getattr(CT_R.add_t, "_xml_safe", False):
    _original_add_t = CT_R.add_t

    def _add_t(self, text):
        return _original_add_t(self, xml_safe(text))

    _add_t._xml_safe = True
    CT_R.add_t = _add_t

# The fonts government offices install (GB/T 9704: 标题 方正小标宋, 正文 仿宋, 一级标题 黑体, 二级 楷体).
DEFAULT_FONTS = {
    "body": "仿宋_GB2312",
    "title": "方正小标宋简体",
    "heading": "黑体",
    "h1": "黑体",
    "h2": "楷体_GB2312",
    "page": "宋体",
}


def fonts():
    return {**DEFAULT_FONTS, **getattr(settings, "DOCUMENT_FONTS", {})}


def set_fonts(run_or_style, font):
    """Name `font` for Latin and Chinese text of a run or a style."""
    run_or_style.font.name = font
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def add_run(paragraph, text, *, font, size, bold=False):
    run = paragraph.add_run(text)
    set_fonts(run, font)
    run.font.size = Pt(size)
    run.bold = bold
    return run
