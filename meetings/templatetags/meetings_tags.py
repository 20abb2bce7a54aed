"""`{% attendance_rows g.lines prepared_ids show_prep %}`: the rows of a session page's attendance sheet;
`{% overview_rows rows year signal_counts %}`: the 50 rows of a page of the supervisor's overview.

A 联学 of 20 groups shows 400 lines; as template tags (a dozen `if`s and lookups per line) they took most of the
page's time. Written here with the standard library's `html.escape` on every value typed by a user (names,
correction texts), the same markup costs a few milliseconds."""

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

from integrity.templatetags.integrity_tags import signal_count  # 真学真记 (integrity)

register = template.Library()

# One colour per attendance status, on the session page's sheets and the phone sheet's rows alike.
_STATUS_CLASS = {"present": "text-success", "attendee": "text-success", "late": "text-warning-emphasis",
                 "absent": "text-danger", "leave": "text-secondary"}


@register.filter
def status_class(status):
    """`{{ line.status|status_class }}`: the text colour of an attendance status (muted when unmarked)."""
    return _STATUS_CLASS.get(status, "text-muted" if not status else "")


def _status(line):
    if not line.status:
        return '<span class="text-muted">未登记</span>'
    return f'<span class="{status_class(line.status)}">{escape(line.status_label)}</span>'


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


def _reason_form(action, testid, placeholder, label, button, css="btn-outline-danger", confirm="", csrf=""):
    """One partner action: a required reason and its button (移出, 退出, 撤回邀请, 记录原因)."""
    confirm_attr = f' data-confirm="{escape(confirm)}"' if confirm else ""
    return (f'<form method="post" class="d-flex gap-1 mt-1" action="{action}"{confirm_attr}>{csrf}'
            f'<input name="reason" class="form-control form-control-sm" maxlength="200" required '
            f'placeholder="{placeholder}" aria-label="{label}">'
            f'<button class="btn btn-sm {css} text-nowrap" data-testid="{testid}">{button}</button></form>')


@register.simple_tag(takes_context=True)
def partner_items(context, groups):
    """The 联学参学中心组 list of a session page: each group's state, head count, whether its attendance is complete,
    and the answer, leave, remove and missing-reason forms the reader may use. Twenty groups with their forms were
    a fifth of a 联学 page's time as template tags. The only typed values are group names and reasons (escaped)."""
    s, started, can_write = context["s"], context["started"], context["can_write"]
    deciding = {p.group_id for p in context["deciding"]}
    partner_managed = context["partner_managed"]
    csrf = CsrfTokenNode().render(context)

    def url(gid, action):
        return reverse("meetings:partner", args=[s.pk, gid, action])

    out = []
    for g in groups:
        tone = ("text-bg-success" if g.state in ("accepted", "host")
                else "text-bg-info" if g.state == "invited" else "text-bg-secondary")
        attendees = f"，列席 {g.attendee_count} 人" if g.attendee_count else ""
        complete = ""
        if g.taking_part:
            if g.missing_reason:
                state = f'<span class="text-warning">未登记考勤：{escape(g.missing_reason)}</span>'
            elif g.complete:
                state = '<span class="text-success"><i class="bi bi-check-circle"></i> 考勤已登记完整</span>'
            else:
                state = f'<span class="text-muted">还有 {g.unmarked} 人未登记</span>'
            complete = f'<span class="ms-auto" data-testid="partner-complete">{state}</span>'
        forms = []
        if not g.is_host and not s.is_closed:
            if g.group_id in deciding:
                forms.append(
                    f'<form method="post" class="d-flex flex-wrap gap-1 mt-1" action="{url(g.group_id, "accept")}">'
                    f'{csrf}<input name="reason" class="form-control form-control-sm" maxlength="200" '
                    f'placeholder="说明（可不填）" aria-label="答复说明" style="max-width:16rem">'
                    f'<button class="btn btn-sm btn-success" data-testid="partner-accept">接受邀请</button>'
                    f'<button class="btn btn-sm btn-outline-secondary" formaction="{url(g.group_id, "decline")}" '
                    f'data-testid="partner-decline" data-confirm="谢绝后本组不参加这次联学。确认谢绝？">谢绝</button></form>')
            if g.taking_part and not started:
                if g.group_id in partner_managed:
                    forms.append(_reason_form(url(g.group_id, "leave"), "partner-leave", "退出原因", "退出原因",
                                              "退出联学", confirm="确认本组退出这次联学？", csrf=csrf))
                elif can_write:
                    forms.append(_reason_form(url(g.group_id, "remove"), "partner-remove", "移出原因", "移出原因",
                                              "移出", confirm=f"确认将{g.group_name}移出这次联学？该组成员将收到通知。",
                                              csrf=csrf))
            elif g.state == "invited" and can_write and not started:
                forms.append(_reason_form(url(g.group_id, "remove"), "partner-remove", "撤回邀请的原因", "撤回邀请的原因",
                                          "撤回邀请", css="btn-outline-secondary", csrf=csrf))
            if g.taking_part and started and can_write and not g.complete:
                forms.append(_reason_form(url(g.group_id, "missing"), "partner-missing", "该组考勤未登记的原因（归档需要）",
                                          "未登记原因", "记录原因", css="btn-outline-secondary", csrf=csrf))
        out.append(
            f'<li class="list-group-item" data-testid="partner-{g.group_id}">\n'
            f'  <div class="d-flex flex-wrap align-items-center gap-2"><b>{escape(g.group_name)}</b>\n'
            f'    <span class="badge {tone}" data-testid="partner-state">{escape(g.state_label)}</span>\n'
            f'    <span class="text-muted">成员 {g.head_count} 人{attendees}</span>\n'
            f'    {complete}\n  </div>\n  {"".join(forms)}\n</li>\n')
    return mark_safe("".join(out))  # noqa: S308 - group names and reasons are escaped; the rest is ours


@register.simple_tag(takes_context=True)
def sheet_cards(context, groups):
    """A card per group taking part: its rate and its attendance sheet (attendance_rows). Hidden groups (invited,
    not accepted) have none."""
    s, started = context["s"], context["started"]
    prep = bool(context["can_write"] or context["can_mark"])
    prepared_ids = context["d"].prepared_ids
    several = len(groups) > 1
    archived = date_format(timezone.localtime(s.archived_at), "Y年n月j日") if s.archived_at else ""
    frozen = (f'<div class="card-footer small text-muted" data-testid="frozen-note">以上为 {archived} '
              f'归档时的名单和数字；此后人员变动不影响本记录，更正另行列出。</div>') if s.frozen is not None else ""
    out = []
    for g in groups:
        if g.hidden:
            continue
        rate = ""
        if started and g.rate.percent is not None:
            low = ' class="text-danger"' if g.rate.percent < 90 else ""
            rate = (f'参学率 <b{low} data-testid="rate">{g.rate.percent}%</b>'
                    f'（{g.rate.attended}/{g.rate.expected}）')
        others = (f'<div class="card-footer small text-muted">另有 {len(g.others)} 条考勤属于会议当天不在册的人员，'
                  f'不计入参学率。</div>') if g.others else ""
        out.append(
            f'<div class="card mb-3"><div class="card-header bg-white d-flex align-items-center">\n'
            f'  <span class="fw-bold">考勤{" · " + escape(g.group_name) if several else ""}</span>\n'
            f'  <span class="ms-auto small">{rate}</span></div>\n'
            f'  <div class="table-responsive"><table class="table table-sm mb-0" data-testid="attendance-table">\n'
            f'    <thead><tr><th>姓名</th><th>角色</th><th>考勤</th><th class="d-none d-md-table-cell">方式</th>'
            f'{"<th>发言材料</th>" if prep else ""}</tr></thead>\n'
            f'    <tbody>{attendance_rows(g.lines, prepared_ids, prep)}</tbody></table></div>\n'
            f'  {others}{frozen}\n</div>\n')
    return mark_safe("".join(out))  # noqa: S308 - group names are escaped; attendance_rows escapes its own
