"""The bulletin (通报) as a GB/T 9704-2012 .docx, its PDF through LibreOffice, and the archive's zip."""

import copy
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from core.documents import add_run, fonts, set_fonts

from .selectors import TABLE_HEADERS

BODY_PT, TITLE_PT, MARK_PT, NOTE_PT, TABLE_PT = 16, 22, 36, 14, 12  # 3号, 2号, mark, 4号, 小四
LINE_PT = 28.95  # 22 lines in the 225 mm type area
RED = RGBColor(0xE6, 0x00, 0x12)
CN_ORDINALS = "一二三四五六七八九十"


def cn_date(day):
    return f"{day.year}年{day.month}月{day.day}日"  # Arabic numerals, no zero padding (GB/T 9704 7.3.5)


def _para(doc, text="", *, font=None, size=BODY_PT, align=None, indent=True, exact=True, before=0, after=0):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    if text:
        add_run(p, text, font=font or fonts()["body"], size=size)
    return p


def _border(paragraph, side, *, color="E60012", size=8, space=0):
    ppr = paragraph._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size))  # eighths of a point
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    bdr.append(el)


def _page_setup(doc):
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)  # page number 7 mm below the type area (35 - 7)
    # 22 lines × 28 characters: the document grid Word and WPS snap the body to.
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    # A line grid plus a -0.2 pt character spacing (156 mm / 28 = 15.79 pt a character at 16 pt): Word, WPS
    # and LibreOffice all set 28 characters a line this way, whereas a "linesAndChars" grid is drawn with
    # different pitches by LibreOffice.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PT * 20)))
    normal = doc.styles["Normal"]
    set_fonts(normal, fonts()["body"])
    normal.font.size = Pt(BODY_PT)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(round((Mm(156).pt / 28 - BODY_PT) * 20)))
    normal.element.get_or_add_rPr().append(spacing)
    return section


def _page_field(paragraph, font):
    add_run(paragraph, "— ", font=font, size=NOTE_PT)
    run = add_run(paragraph, "", font=font, size=NOTE_PT)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    add_run(paragraph, " —", font=font, size=NOTE_PT)


def _page_numbers(doc, section):
    """— 1 — in 4号 宋体: odd pages at the right edge, even pages at the left, one character in."""
    font = fonts()["page"]
    doc.settings.odd_and_even_pages_header_footer = True
    odd = section.footer.paragraphs[0]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = Pt(NOTE_PT)
    _page_field(odd, font)
    even = section.even_page_footer.paragraphs[0]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = Pt(NOTE_PT)
    _page_field(even, font)


def _red_header(doc, office, template):
    """发文机关标志: the office's uploaded template's body (its red header) or its configured text."""
    f = fonts()
    if template:
        source = Document(io.BytesIO(template))
        body = doc.element.body
        for el in source.element.body:
            if el.tag != qn("w:sectPr"):
                body.insert(len(body) - 1, el)
        return
    p = _para(doc, indent=False, exact=False, align=WD_ALIGN_PARAGRAPH.CENTER, before=Mm(35).pt - MARK_PT)
    # the mark must stay on one line of the type area (GB/T 9704 7.2.1: not wider than the type area)
    size = min(MARK_PT, int(Mm(156).pt * 0.9 / max(len(office.mark), 1)))
    run = add_run(p, office.mark, font=f["title"], size=size)
    run.font.color.rgb = RED
    p.paragraph_format.line_spacing = 1.0


def _table(doc, headers, rows):
    f = fonts()
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_run(p, text, font=f["h1"], size=TABLE_PT)
    if not rows:
        return table
    # One data row is formatted through python-docx; the others are copies of its XML with their texts
    # replaced (formatting every cell through the API costs ~2 ms a cell: 1.4 s for a county's 100 groups).
    cells = table.add_row().cells
    for i, cell in enumerate(cells):
        cell.text = ""
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT if i == 0 else WD_ALIGN_PARAGRAPH.CENTER
        add_run(p, "·", font=f["body"], size=TABLE_PT)  # a placeholder w:t each copy fills in
    proto = table.rows[-1]._tr
    table._tbl.remove(proto)
    for row in rows:
        tr = copy.deepcopy(proto)
        for t, text in zip(tr.iter(qn("w:t")), row, strict=True):
            t.text = str(text)
        table._tbl.append(tr)
    return table


def bulletin_docx(*, office, doc_number, title, figures, judgement, issued_on, template=None):
    f = fonts()
    doc = Document()
    section = _page_setup(doc)
    _red_header(doc, office, template)
    _para(doc, indent=False)
    _para(doc, indent=False)
    number = _para(doc, doc_number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _border(number, "bottom", size=12, space=11)  # the red rule, 4 mm below the 发文字号, full width
    _para(doc, indent=False)
    _para(doc, indent=False)
    head = _para(doc, indent=False, exact=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    add_run(head, title, font=f["title"], size=TITLE_PT)
    _para(doc, indent=False)
    _para(doc, f"{office.recipients or '各中心组'}：", indent=False)

    rows = figures.rows
    rate = figures.rate.percent
    _para(doc, (f"现将{figures.label}{figures.unit.name}所属{len(rows)}个党委（党组）理论学习中心组学习情况通报如下。"
                # A bulletin issued before its period ends counts up to its own date (sessions count once held).
                f"截至{cn_date(min(figures.end, issued_on))}，共组织集体学习{figures.held}次，"
                f"参学率{rate if rate is not None else '—'}%，{figures.plans_approved}个中心组的年度学习计划已审定。"))
    h = _para(doc, indent=True)
    add_run(h, "一、基本情况", font=f["h1"], size=BODY_PT)
    _para(doc, "各中心组本期学习情况见下表（数据取自平台记录，与督导看板同一口径）。")
    _table(doc, TABLE_HEADERS, figures.as_table())

    h = _para(doc)
    add_run(h, "二、表扬的中心组", font=f["h1"], size=BODY_PT)
    if judgement.praised:
        _para(doc, "、".join(r.name for r in judgement.praised) + judgement.praise)
    else:
        _para(doc, "本期无。")

    h = _para(doc)
    add_run(h, "三、存在的问题和整改要求", font=f["h1"], size=BODY_PT)
    if judgement.problems:
        for i, (row, fixes) in enumerate(judgement.problems):
            sub = _para(doc)
            add_run(sub, f"（{CN_ORDINALS[i] if i < 10 else i + 1}）{row.name}。", font=f["h2"], size=BODY_PT)
            for j, fix in enumerate(fixes, 1):
                _para(doc, f"{j}.{fix}。")
        _para(doc, "请上述中心组认真对照，于通报印发之日起一个月内完成整改，并将整改情况报送。")
    else:
        _para(doc, "本期各中心组均按要求完成学习任务。")
    _para(doc, f"注：{judgement.source}。")

    _para(doc)
    _para(doc)
    sign = _para(doc, office.signature or office.printer, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    sign.paragraph_format.right_indent = Pt(BODY_PT * 4)
    date = _para(doc, cn_date(issued_on), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    date.paragraph_format.right_indent = Pt(BODY_PT * 4)  # four characters from the right (GB/T 9704 7.3.5)
    _imprint(doc, office, issued_on)
    _page_numbers(doc, section)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _imprint(doc, office, issued_on):
    """版记: 抄送 and 印发机关/印发日期 in 4号仿宋 between full-width rules (thick first and last, thin between)."""
    f = fonts()
    lines = []
    _para(doc)  # a blank line between the 成文日期 and the 版记 (pinning it to the page bottom needs a frame,
    # which LibreOffice draws without its rules)
    if office.cc:
        cc = _para(doc, indent=False)
        cc.paragraph_format.left_indent = cc.paragraph_format.right_indent = Pt(NOTE_PT)
        add_run(cc, f"抄送：{office.cc}。", font=f["body"], size=NOTE_PT)
        lines.append(cc)
    printed = _para(doc, indent=False)
    printed.paragraph_format.left_indent = printed.paragraph_format.right_indent = Pt(NOTE_PT)
    printed.paragraph_format.tab_stops.add_tab_stop(Mm(156) - Pt(NOTE_PT * 2), WD_TAB_ALIGNMENT.RIGHT)
    add_run(printed, f"{office.printer}\t{cn_date(issued_on)}印发", font=f["body"], size=NOTE_PT)
    lines.append(printed)
    _border(lines[0], "top", color="000000", size=8)
    if len(lines) > 1:
        _border(lines[0], "bottom", color="000000", size=4)
    _border(lines[-1], "bottom", color="000000", size=8)


def to_pdf(docx_bytes, *, timeout=120):
    """The PDF through LibreOffice when installed, else None (the .docx is the document of record)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "bulletin.docx"
        src.write_bytes(docx_bytes)
        try:
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                            "--convert-to", "pdf", "--outdir", tmp, str(src)],
                           check=True, timeout=timeout, capture_output=True)
        except (subprocess.SubprocessError, OSError):
            return None
        pdf = Path(tmp) / "bulletin.pdf"
        return pdf.read_bytes() if pdf.exists() else None
