"""Shared pieces of the .docx files the platform writes (plans, session records, bulletins).

python-docx sets only the Latin font of a run; Word and WPS pick the Chinese font from w:eastAsia,
so every run and style we write goes through `set_fonts`. The font names come from
settings.DOCUMENT_FONTS so a deployment whose machines ship 仿宋 (WPS) instead of 仿宋_GB2312 can
say so without a code change.
"""

import io
import zipfile

from django.conf import settings
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.run import CT_R
from docx.shared import Pt
from lxml import etree

from .cleaning import xml_safe
from .downloads import DOCX, download
from .uploads import UnsafeArchive, check_zip, text_limit_message

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


def docx_response(filename, content):
    return download(content, filename, DOCX)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(data, *, what="Word 文档"):
    """The text of a .docx, read as a stream (never a whole DOM) after the archive passes check_zip.

    Raises UnsafeArchive with a Chinese reason: a zip bomb or a document.xml too large to inflate is
    refused from the zip directory alone; text beyond settings.EXTRACT_MAX_CHARS stops the read early.
    """
    check_zip(data, required=("word/document.xml",), kind=what)
    limit = settings.EXTRACT_MAX_CHARS
    parts, size, line = [], 0, []
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("word/document.xml") as fh:
        events = etree.iterparse(fh, events=("end",), resolve_entities=False, no_network=True, huge_tree=False,
                                 load_dtd=False)
        try:
            for _, el in events:
                tag = el.tag
                if tag == _W + "t" and el.text:
                    line.append(el.text)
                    size += len(el.text)
                elif tag == _W + "tab":
                    line.append("\t")
                elif tag == _W + "p":
                    parts.append("".join(line))
                    line = []
                    size += 1
                if size > limit:
                    raise UnsafeArchive(text_limit_message(what))
                if tag in (_W + "p", _W + "tbl", _W + "tc", _W + "tr"):
                    el.clear()
                    while el.getprevious() is not None:
                        del el.getparent()[0]
        except etree.XMLSyntaxError as exc:
            raise UnsafeArchive(f"{what}已损坏，无法读取其中的文字") from exc
    if line:
        parts.append("".join(line))
    return "\n".join(parts)
