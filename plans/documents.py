"""The plan as the documents people open: a GB/T 9704-like .docx and an Excel sheet of its topics."""

import io

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from core.documents import add_run, fonts, set_fonts
from core.xlsx import write_workbook

from .numbers import cn_number

BODY_PT, TITLE_PT, LINE_PT = 16, 22, 28.95  # 3号, 2号, 22 lines to the page


def _run(paragraph, text, font, size=BODY_PT, bold=False):
    return add_run(paragraph, text, font=font, size=size, bold=bold)


def _para(doc, text="", *, font=None, size=BODY_PT, align=None, indent=True, right_chars=0):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if right_chars:
        fmt.right_indent = Pt(size * right_chars)
    if align is not None:
        p.alignment = align
    if text:
        _run(p, text, font or fonts()["body"], size)
    return p


def _page_number(section, font):
    """— 1 — centred in the footer (one-sided printing; 9704's odd/even placement needs mirrored footers)."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "— ", font, 14)
    run = _run(p, "", font, 14)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    _run(p, " —", font, 14)


def _cell(cell, text, font, size=12, bold=False, center=False):
    cell.text = ""
    p = cell.paragraphs[0]
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, text, font, size, bold)


def plan_docx(doc):
    f = fonts()
    d = Document()
    normal = d.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal, f["body"])
    section = d.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _page_number(section, f["page"])

    title = _para(d, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.line_spacing = Pt(36)
    _run(title, doc.title, f["title"], TITLE_PT)
    note = f"（第{doc.number}版"
    if doc.approved_on:
        note += f"，{doc.approved_on.year}年{doc.approved_on.month}月{doc.approved_on.day}日经组长审定"
    else:
        note += f"，{doc.status_label}"
    note += "）"
    _para(d, note, font=f["h2"], indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    if doc.reason:
        _para(d, f"修订原因：{doc.reason}", font=f["h2"], indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(d, indent=False)

    section_no = 1
    if doc.preamble:
        _para(d, f"{cn_number(section_no)}、指导思想和总体要求", font=f["h1"])
        section_no += 1
        for line in doc.preamble.splitlines():
            if line.strip():
                _para(d, line.strip())
    _para(d, f"{cn_number(section_no)}、学习专题", font=f["h1"])
    section_no += 1
    for t in doc.topics:
        _para(d, f"（{cn_number(t.no)}）{t.title}（{t.kind_label}）", font=f["h2"])
        when = f"{t.planned_on.month}月{t.planned_on.day}日" if t.planned_on else (f"{t.month}月" if t.month else "全年")
        facts = f"学习时间：{when}；学习形式：{t.format_label}"
        if t.lead:
            facts += f"；领学：{t.lead}"
        _para(d, facts + "。")
        if t.materials:
            _para(d, "学习材料：" + "；".join(x.strip() for x in t.materials.splitlines() if x.strip()) + "。")
        for line in t.notes.splitlines():
            if line.strip():
                _para(d, line.strip())
    if doc.requirements:
        _para(d, f"{cn_number(section_no)}、学习要求", font=f["h1"])
        for line in doc.requirements.splitlines():
            if line.strip():
                _para(d, line.strip())

    _para(d, indent=False)
    _para(d, doc.unit_name + "理论学习中心组" if "中心组" not in doc.unit_name else doc.unit_name,
          indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
    if doc.approved_on:
        day = doc.approved_on
        _para(d, f"{day.year}年{day.month}月{day.day}日", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)

    # 附件: the same topics as a one-page table, as offices print it for the meeting room wall.
    d.add_page_break()
    _para(d, "附件", font=f["h1"], indent=False)
    head = _para(d, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(head, f"{doc.year}年度学习专题安排表", f["title"], 18)
    table = d.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, label in zip(table.rows[0].cells, ("序号", "学习专题", "类别", "时间", "形式", "领学"), strict=True):
        _cell(cell, label, f["h1"], bold=False, center=True)
    for t in doc.topics:
        cells = table.add_row().cells
        when = f"{t.month}月" if t.month else "全年"
        for cell, value, center in zip(cells, (str(t.no), t.title, t.kind_label, when, t.format_label, t.lead),
                                       (True, False, True, True, True, True), strict=True):
            _cell(cell, value, f["body"], center=center)
    # Word reads the grid, LibreOffice reads the cells: set both, and turn autofit off.
    table.autofit = False
    widths = (15, 65, 14, 16, 22, 24)
    for col, width in zip(table.columns, widths, strict=True):
        col.width = Mm(width)
    for i, row in enumerate(table.rows):
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST  # room to read on the wall and to write a date in by hand
        row.height = Mm(8)
        # A row is never split across pages, and the header row repeats on each page. Word checks the
        # schema's order inside w:trPr: cantSplit comes before trHeight, tblHeader after it.
        height = row._tr.trPr.find(qn("w:trHeight"))
        height.addprevious(OxmlElement("w:cantSplit"))
        if i == 0:
            height.addnext(OxmlElement("w:tblHeader"))
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


HEADERS = ["序号", "学习专题", "类别", "月份", "计划日期", "学习形式", "领学", "学习材料", "学习要点", "对应上级规定专题"]


def plan_xlsx(doc):
    rows = [[t.no, t.title, t.kind_label, t.month or "", t.planned_on.isoformat() if t.planned_on else "",
             t.format_label, t.lead, t.materials, t.notes, "是" if t.mandated_id else ""] for t in doc.topics]
    notes = [doc.title, f"第{doc.number}版 · {doc.status_label}", f"单位：{doc.unit_name}"]
    if doc.approved_on:
        notes.append(f"审定日期：{doc.approved_on:%Y-%m-%d}")
    if doc.reason:
        notes.append(f"修订原因：{doc.reason}")
    if doc.preamble:
        notes += ["", "指导思想和总体要求：", *doc.preamble.splitlines()]
    if doc.requirements:
        notes += ["", "学习要求：", *doc.requirements.splitlines()]
    return write_workbook(f"{doc.year}年学习专题", HEADERS, rows,
                          widths={1: 6, 2: 40, 3: 8, 4: 8, 5: 12, 6: 12, 7: 12, 8: 40, 9: 40, 10: 14},
                          notes=notes)
