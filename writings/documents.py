"""A writing as a .docx (the download): title, author line, AI label and body in the offices' fonts."""

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from core.documents import add_run, fonts, set_fonts
from core.downloads import docx_response


def new_document():
    """An A4 document with the GB/T 9704 margins and 仿宋 as the body font."""
    f = fonts()
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    set_fonts(doc.styles["Normal"], f["body"])
    doc.styles["Normal"].font.size = Pt(14)
    return doc


def heading(doc, text, *, size=22, font="title"):
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_run(p, text, font=fonts()[font], size=size)
    return p


def body(doc, text, *, size=14, indent=True):
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        p = doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        p.paragraph_format.space_after = Pt(0)
        add_run(p, line.strip(), font=fonts()["body"], size=size)


def writing_docx(writing):
    doc = new_document()
    heading(doc, writing.title)
    who = f"{writing.person.name}　{writing.group.name}　{writing.day:%Y年%-m月%-d日}　{writing.get_kind_display()}"
    p = heading(doc, who, size=12, font="body")
    if writing.ai_assisted:
        add_run(p, "　【借助AI辅助起草】", font=fonts()["heading"], size=12)
    body(doc, writing.text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def writing_docx_response(writing):
    return docx_response(f"{writing.title}.docx", writing_docx(writing))
