"""The 个人学习档案 as a .docx: one table per part of the year, in the offices' fonts."""

import io

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Pt

from core.documents import add_run, fonts
from writings.documents import heading, new_document


def _section(doc, title):
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(12)
    add_run(p, title, font=fonts()["h1"], size=16)


def _table(doc, header, rows, empty="无"):
    if not rows:
        p = doc.add_paragraph()
        add_run(p, empty, font=fonts()["body"], size=12)
        return
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        add_run(cell.paragraphs[0], text, font=fonts()["heading"], size=11)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            add_run(cell.paragraphs[0], str(text), font=fonts()["body"], size=11)


def personal_file_docx(pf):
    doc = new_document()
    heading(doc, f"{pf.person.name}{pf.year}年个人学习档案")
    heading(doc, pf.person.unit.name if pf.person.unit_id else "", size=12, font="body")
    _section(doc, "一、参加集体学习")
    _table(doc, ["日期", "学习主题", "中心组", "考勤"],
           [(a.session.day.strftime("%m-%d"), a.session.title, a.group.name, a.get_status_display())
            for a in pf.attended])
    _section(doc, "二、请假与补学")
    _table(doc, ["日期", "学习主题", "请假", "审批"],
           [(lv.session.day.strftime("%m-%d"), lv.session.title, lv.reason, lv.get_status_display())
            for lv in pf.leaves], empty="无请假")
    _table(doc, ["学习主题", "期限", "补学", "补学体会"],
           [(m.session.title, m.due.strftime("%m-%d"), m.get_status_display(),
             m.reflection_writing.get_status_display() if m.reflection_writing else "未写") for m in pf.makeups],
           empty="无补学")
    _section(doc, "三、学习成果")
    _table(doc, ["日期", "类型", "标题", "状态"],
           [(w.day.strftime("%m-%d"), w.get_kind_display(), w.title + ("（AI辅助）" if w.ai_assisted else ""),
             w.get_status_display()) for w in pf.writings])
    _section(doc, "四、调研课题与成果转化")
    _table(doc, ["课题", "状态", "调研报告", "成果转化"],
           [(t.title, t.get_state_display(), t.report.title if t.report_id else "",
             "；".join(f"{o.get_kind_display()}：{o.description}（{o.evidence}）" for o in t.outcomes.all()))
            for t in pf.topics])
    _section(doc, "五、宣讲与党课")
    _table(doc, ["日期", "类型", "题目", "地点", "对象", "人数", "联系点"],
           [(x.day.strftime("%m-%d"), x.get_kind_display(), x.topic, x.place, x.audience, x.size, x.contact_point)
            for x in pf.lectures])
    p = doc.add_paragraph()
    line = pf.lecture_line
    done = "，".join(f"{k} {n} 次" for k, n in line.counts.items())
    add_run(p, f"本年度：{done}。" + ("已达到年度要求。" if line.met else f"尚未完成：{'、'.join(line.missing)}。"),
            font=fonts()["body"], size=12)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
