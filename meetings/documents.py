"""Renderers: the session's 学习记录 as .docx, attendance sheets as .xlsx, and the personal .ics feed."""

import io

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from core.documents import add_run as _run
from core.documents import fonts, set_fonts
from core.xlsx import write_workbook
from plans.documents import _page_number as page_number

from .models import AttendanceSource, AttendanceStatus

SOURCE_LABELS = dict(AttendanceSource.choices)


def _cell(cell, text, *, bold=False, center=False, size=12):
    f = fonts()
    cell.text = ""
    lines = str(text or "").splitlines() or [""]
    for i, line in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, line, font=f["heading"] if bold else f["body"], size=size, bold=False)


TALL_ROWS = {"学习内容": 22, "会议纪要": 30, "学习小结": 18}  # mm, at least; the usual record still fits one A4 page


def _accepted_writings(session):
    """The 补学体会 and 发言材料 the secretary accepted (writings/), one row per kind, by name and title."""
    from writings.models import Kind, Status, Writing

    accepted = (Writing.objects.filter(session=session, kind__in=(Kind.STATEMENT, Kind.MAKEUP),
                                       status=Status.ACCEPTED).select_related("person").order_by("person__name", "id"))
    rows = []
    for kind, label in ((Kind.STATEMENT, "发言材料"), (Kind.MAKEUP, "补学体会")):
        names = [f"{w.person.name}《{w.title}》" for w in accepted if w.kind == kind]
        if names:
            rows.append((label, "已认可：" + "；".join(names)))
    return rows


def session_docx(detail):
    """A 学习记录 page as offices keep them: a bordered table, label column in 黑体, text in 仿宋."""
    s = detail.session
    f = fonts()
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    set_fonts(normal, f["body"])
    normal.font.size = Pt(12)

    org = doc.add_paragraph()
    org.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(org, s.group.name, font=f["title"], size=16)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, "集体学习记录", font=f["title"], size=22)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    status = "已归档" if s.is_archived else "未归档"
    flag = f"　【补录：{s.late_reason}】" if s.late_record else ""
    # The group's own yearly number, given at 归档 (a session not yet archived has none).
    number = f"〔{s.record_year}〕第{s.record_no}次" if s.record_no else "（归档后编号）"
    _run(sub, f"编号：{number}　　状态：{status}{flag}", font=f["body"], size=10.5)
    page_number(section, f["page"])

    host = detail.groups[0] if detail.groups else None
    taking_part = [g for g in detail.groups if not g.hidden]
    # {status: {group name: [names]}}: in a 联学 each group's people are listed under its full name.
    by_status = {}
    for g in taking_part:
        for line in g.lines:
            by_status.setdefault(line.status or "none", {}).setdefault(g.group_name, []).append(line.name)

    def names(*statuses):
        merged = {}
        for st in statuses:
            for group_name, people in by_status.get(st, {}).items():
                merged.setdefault(group_name, []).extend(people)
        if len(taking_part) <= 1:
            return "、".join(n for people in merged.values() for n in people)
        return "\n".join(f"{group_name}：{'、'.join(people)}" for group_name, people in merged.items())
    start, end = timezone.localtime(s.starts_at), timezone.localtime(s.ends_at)
    expected = sum(g.rate.expected for g in taking_part)
    attended = sum(g.rate.attended for g in taking_part)
    frozen = s.frozen or {}
    leader = next((line.name for line in (host.lines if host else []) if line.role == "leader"), "")
    place = detail.effective("place")
    if detail.participations and len(detail.participations) > 1:
        venues = [f"{p.group.name}：{p.venue}" for p in detail.participations if p.venue]
        if venues:
            place += "\n分会场：" + "；".join(venues)
    rows = [
        ("学习时间", f"{start:%Y年%-m月%-d日 %H:%M}—{end:%H:%M}"),
        ("学习地点", place),
        ("学习形式", s.get_form_display()),
        ("主 持 人", leader),
        ("学习主题", detail.effective("title")),
        ("领 学 人", frozen.get("lead_reader", s.lead_reader.name if s.lead_reader_id else "")),
        ("中心发言人", "、".join(frozen["speakers"]) if "speakers" in frozen
         else "、".join(p.name for p in s.speakers.all())),
        ("外请辅导", f"{s.outside_speaker}（政治把关/备案：{s.speaker_approval_note}）" if s.outside_speaker else "无"),
        ("参学情况", f"应到 {expected} 人，实到 {attended} 人"
                     + (f"，参学率 {round(100 * attended / expected, 1)}%" if expected else "")),
        ("出席人员", names(AttendanceStatus.PRESENT, AttendanceStatus.LATE)),
        ("请假人员", names(AttendanceStatus.LEAVE) or "无"),
        ("缺席人员", names(AttendanceStatus.ABSENT) or "无"),
        ("列席人员", names(AttendanceStatus.ATTENDEE) or "无"),
        ("学习内容", "\n".join(x for x in (detail.effective("agenda"), s.pre_reading) if x)),
        ("随机点名", "、".join(f"{d.picked.name}（种子 {d.seed}）" for d in detail.draws) or "无"),
        ("会议纪要", detail.effective("minutes")),
        ("学习小结", detail.effective("summary")),
    ]
    if detail.makeups:
        rows.append(("补学安排", "；".join(f"{m.person.name}（{m.due:%-m月%-d日}前，{m.get_status_display()}）"
                                          for m in detail.makeups)))
    rows += _accepted_writings(s)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, (Mm(30), Mm(126)), strict=True):
        column.width = width
    for label, value in rows:
        row = table.add_row()
        # A printed record is filled and signed by hand too: rows get room, the narrative ones most.
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        row.height = Mm(TALL_ROWS.get(label, 7))
        cells = row.cells
        cells[0].width, cells[1].width = Mm(30), Mm(126)
        for cell in cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell(cells[0], label, bold=True, center=True)
        _cell(cells[1], value)
    corrections = [c for items in detail.corrections.values() for c in items]
    if corrections:
        p = doc.add_paragraph()
        p.paragraph_format.keep_with_next = True  # the heading never ends a page alone
        _run(p, "更正记录", font=f["heading"], size=12)
        for c in sorted(corrections, key=lambda c: (c.at, c.pk)):
            p = doc.add_paragraph()
            _run(p, f"{timezone.localtime(c.at):%Y-%m-%d} {c.label}：原为“{c.old_value[:60]}”，更正为“{c.new_value[:60]}”。"
                    f"理由：{c.reason}", font=f["body"], size=10.5)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    archived = f"归档：{timezone.localtime(s.archived_at):%Y年%-m月%-d日}" if s.archived_at else ""
    p.paragraph_format.space_before = Pt(8)
    recorder = s.created_by.display_name if s.created_by_id else ""
    _run(p, f"主持人签字：＿＿＿＿＿＿　　记录人：{recorder or '＿＿＿＿＿＿'}　　{archived}", font=f["body"], size=10.5)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def attendance_xlsx(session, groups):
    headers = ["中心组", "姓名", "角色", "考勤", "方式", "签到时间", "请假事由", "更正"]
    rows = []
    for g in groups:
        for line in g.lines:
            rows.append([g.group_name, line.name, line.role_label, line.status_label,
                         SOURCE_LABELS.get(line.source, ""),
                         timezone.localtime(line.checked_in_at).strftime("%H:%M:%S") if line.checked_in_at else "",
                         line.leave.reason if line.leave else "", line.corrected])
        rows.append([g.group_name, "参学率", "", f"{g.rate.percent}%" if g.rate.percent is not None else "—",
                     f"应到 {g.rate.expected}", f"实到 {g.rate.attended}", "", ""])
    notes = [f"学习主题：{session.title}", f"时间：{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}",
             f"地点：{session.place}", "参学率只计算会议当天在册的成员（不含列席），会后加入的成员不计为缺席。"]
    return write_workbook("考勤表", headers, rows, widths={1: 44, 7: 24}, notes=notes)  # a group's full name: ≈22 characters


def group_year_xlsx(group, months):
    headers = ["月份", "日期", "学习主题", "形式", "主办", "应到", "实到", "参学率", "状态", "补录"]
    rows = []
    for month, items, _rate in months:
        for r in items:
            rows.append([f"{month}月", timezone.localtime(r.starts_at).strftime("%Y-%m-%d"), r.title, r.form,
                         r.host, r.rate.expected, r.rate.attended,
                         f"{r.rate.percent}%" if r.rate.percent is not None else "—", r.status_label,
                         "补录" if r.late_record else ""])
    return write_workbook("全年考勤", headers, rows, widths={3: 40, 5: 30})
