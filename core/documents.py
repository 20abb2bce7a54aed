"""Shared pieces of the .docx files the platform writes (plans, session records, bulletins).

python-docx sets only the Latin font of a run; Word and WPS pick the Chinese font from w:eastAsia,
so every run and style we write goes through `set_fonts`. The font names come from
settings.DOCUMENT_FONTS so a deployment whose machines ship 仿宋 (WPS) instead of 仿宋_GB2312 can
say so without a code change.
"""

from django.conf import settings
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from .downloads import DOCX, download

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


def docx_response(filename, content):
    return download(content, filename, DOCX)
