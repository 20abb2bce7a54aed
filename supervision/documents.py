"""The 列席旁听情况反馈表 as .docx: the group, the session, the score per item and the written feedback."""

import io

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from core.documents import add_run, fonts, set_fonts


def _cell(cell, text, *, font, size=12, center=False):
    cell.text = ""
    lines = str(text if text is not None else "").splitlines() or [""]
    for i, line in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_run(p, line, font=font, size=size)


def _widths(table, mm):
    """Fixed column widths (156 mm type area); Word and LibreOffice read them from the cells, not the columns."""
    table.autofit = False
    for column, width in zip(table.columns, mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, mm, strict=True):
            cell.width = Mm(width)


def feedback_docx(visit):
    f = fonts()
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    set_fonts(doc.styles["Normal"], f["body"])
    doc.styles["Normal"].font.size = Pt(12)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_run(title, "理论学习中心组列席旁听情况反馈表", font=f["title"], size=20)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    state = "已反馈" if visit.feedback_at else "草稿（尚未提交）"
    add_run(sub, f"{visit.plan.unit.name}　{visit.plan.year}年　编号 {visit.plan.year}-{visit.pk}　{state}",
            font=f["body"], size=10.5)

    s = visit.session
    observers = "、".join(o.observer.person.name for o in visit.observers.select_related("observer__person"))
    head = doc.add_table(rows=0, cols=4)
    head.style = "Table Grid"
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [("被旁听单位", visit.group.name, "旁听方式", visit.get_kind_display()),
            ("学习主题", s.title if s else "", "学习时间", f"{timezone.localtime(s.starts_at):%Y年%-m月%-d日 %H:%M}" if s else ""),
            ("学习地点", s.place if s else "", "巡听人员", observers),
            ("反馈期限", f"{visit.feedback_due:%Y年%-m月%-d日}" if visit.feedback_due else "",
             "反馈时间", f"{timezone.localtime(visit.feedback_at):%Y年%-m月%-d日}" if visit.feedback_at else "")]
    for row in rows:
        cells = head.add_row().cells
        for i, text in enumerate(row):
            _cell(cells[i], text, font=f["heading"] if i % 2 == 0 else f["body"], size=11, center=i % 2 == 0)

    _widths(head, (26, 52, 26, 52))
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(12)
    add_run(p, "一、评分情况", font=f["h1"], size=14)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for i, h in enumerate(("序号", "评分项", "得分/分值", "说明")):
        _cell(table.rows[0].cells[i], h, font=f["heading"], size=11, center=True)
    scores = {sc.item_id: sc for sc in visit.scores.all()}
    total = 0
    for n, item in enumerate(visit.plan.checklist.items.all(), start=1):
        sc = scores.get(item.pk)
        total += sc.score if sc else 0
        cells = table.add_row().cells
        _cell(cells[0], n, font=f["body"], size=11, center=True)
        _cell(cells[1], item.text, font=f["body"], size=11)
        _cell(cells[2], f"{sc.score if sc else '—'} / {item.max_score}", font=f["body"], size=11, center=True)
        _cell(cells[3], sc.comment if sc else "", font=f["body"], size=11)
    cells = table.add_row().cells
    _cell(cells[1], "合计", font=f["heading"], size=11)
    _cell(cells[2], f"{total} / {visit.plan.checklist.max_total}", font=f["heading"], size=11, center=True)
    _widths(table, (14, 70, 26, 46))

    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(12)
    add_run(p, "二、反馈意见", font=f["h1"], size=14)
    for line in (visit.feedback or "（尚未填写）").splitlines():
        para = doc.add_paragraph()
        para.paragraph_format.first_line_indent = Pt(24)
        add_run(para, line, font=f["body"], size=14)
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.paragraph_format.space_before = Pt(18)
    add_run(sign, f"巡听人员：{observers}", font=f["body"], size=12)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
