"""`{% attendance_rows g.lines prepared_ids show_prep %}`: the rows of a session page's attendance sheet;
`{% overview_rows rows year signal_counts %}`: the 50 rows of a page of the supervisor's overview.

A 联学 of 20 groups shows 400 lines; as template tags (a dozen `if`s and lookups per line) they took most of the
page's time. Written here with the standard library's `html.escape` on every value typed by a user (names,
correction texts), the same markup costs a few milliseconds."""

from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from integrity.templatetags.integrity_tags import signal_count  # 真学真记 (integrity)

register = template.Library()

_STATUS_CLASS = {"present": "text-success", "absent": "text-danger"}


def _status(line):
    if not line.status:
        return '<span class="text-muted">未登记</span>'
    label = escape(line.status_label)
    css = _STATUS_CLASS.get(line.status)
    return f'<span class="{css}">{label}</span>' if css else label


def _source(line):
    if line.source == "qr":
        at = timezone.localtime(line.checked_in_at).strftime("%H:%M") if line.checked_in_at else ""
        return f"扫码 {at}"
    if line.source == "leave":
        return "请假审批"
    return "秘书登记" if line.source else ""


@register.simple_tag
def attendance_rows(lines, prepared_ids, show_prep):
    out = []
    for line in lines:
        corrected = (f'<span class="badge text-bg-warning" title="归档后更正">更正为：{escape(line.corrected)}</span>'
                     if line.corrected else "")
        prep = ""
        if show_prep:
            prep = ('<td><i class="bi bi-check-circle text-success" title="已提交"></i></td>'
                    if line.person_id in prepared_ids else '<td><span class="text-muted small">未提交</span></td>')
        out.append(f'<tr><td>{escape(line.name)}</td><td><span class="badge badge-role">{escape(line.role_label)}'
                   f'</span></td><td>{_status(line)} {corrected}</td>'
                   f'<td class="d-none d-md-table-cell small text-muted">{_source(line)}</td>{prep}</tr>')
    return mark_safe("".join(out))  # noqa: S308 - every typed value above is escaped


@register.simple_tag
def overview_rows(rows, year, signal_counts):
    """The overview's rows (stats.selectors.GroupRow): eight cells each, with no localisation (plain figures, as
    `{% localize off %}` gave) — as template tags they were half the page's time."""
    out = []
    for r in rows:
        url = reverse("meetings:group", args=[r.group_id])
        plan = r.plan
        if plan:
            plan_cell = (f'<span class="{"text-danger" if plan.behind else ""}">{plan.done_due}/{plan.due}</span>'
                         f'<span class="text-muted small">（共{plan.total}）</span>')
        else:
            plan_cell = '<span class="text-muted small">无审定计划</span>'
        percent = r.rate.percent
        late = f'<span class="badge text-bg-warning">{r.late}</span>' if r.late else ""
        out.append(
            f'<tr>\n    <td><a href="{url}?year={year}">{escape(r.name)}</a></td>\n'
            f'    <td class="{"text-danger" if r.held < 12 else ""}">{r.held}<span class="text-muted small">/12</span></td>\n'
            f'    <td class="text-nowrap">{plan_cell}</td>\n'
            f'    <td class="small">{" · ".join(escape(str(n)) for n in r.seminars_by_quarter)}</td>\n'
            f'    <td class="small text-danger">{"、".join(escape(str(q)) for q in r.quarters_without_seminar)}</td>\n'
            f'    <td class="{"text-danger fw-bold" if r.below else ""}">{"—" if percent is None else f"{percent}%"}</td>\n'
            f'    <td>{late}</td>\n'
            f'    <td>{signal_count(signal_counts, r.group_id, year)}</td></tr>\n  ')
    # The one typed value is the group's name (escaped); the year is an int (core.years.requested_year).
    return mark_safe("".join(out))  # noqa: S308
