"""工作台 cards for study sessions: what is coming up, my 补学, and what the group's managers must do."""

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from core import sql
from core.dashboard import Card, Item
from orgs import access
from orgs.models import MANAGING_ROLES

from .access import DECIDING_ROLES, PRESIDING_ROLES
from .models import (
    TAKING_PART,
    Leave,
    LeaveStatus,
    MakeUp,
    MakeUpStatus,
    Participation,
    PartnerState,
    SessionStatus,
    StudySession,
    record_body,
)

WEEKDAYS = "一二三四五六日"
LIMIT = 6


def when(moment):
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def cards(user, today):
    roles = access.roles_today(user)  # none for the three administrators (三员分立)
    if not roles:
        # An observer (巡听) belongs to no group: their home lists the sessions they may attend.
        # Without roles or a supervised subtree, the groups one sees are the observed ones.
        if not user.is_authenticated or access.is_admin_role(user) or access.supervised_roots(user):
            return []
        observed = set(access.groups_visible(user).values_list("pk", flat=True))
        return [_observable(observed, timezone.now())] if observed else []
    member_of = {g for g, _ in roles}
    managed = {g for g, r in roles if r in MANAGING_ROLES}
    presiding = {g for g, r in roles if r in PRESIDING_ROLES}
    now = timezone.now()
    out = [_upcoming(member_of, now), _my_makeups(user, today)]
    deciding = {g for g, r in roles if r in DECIDING_ROLES}
    if deciding:
        invitations = _invitations(deciding)
        if invitations.items:
            out.append(invitations)
    if managed:
        out.append(_manager_todos(managed, presiding, now))
    return out


# Each card's read is compiled once per process (core.sql.prepared): the 工作台 is everyone's first page, and is
# worked out anew after any write to what it lists. The builders take every value that changes (now included).

def _sessions_coming(group_ids, now, until):
    return (StudySession.objects.filter(participations__group_id__in=group_ids, ends_at__gte=now,
                                        participations__state__in=TAKING_PART, starts_at__lte=until)
            .exclude(status__in=[SessionStatus.CANCELLED, SessionStatus.ARCHIVED]).defer(*record_body())
            .distinct().order_by("starts_at", "id"))


def _coming(group_ids, now, until):
    return _sessions_coming(group_ids, now, until)[:LIMIT]


def _upcoming(group_ids, now):
    sessions = sql.prepared("meetings.dashboard.coming", _coming, group_ids, now, now + dt.timedelta(days=30))
    items = []
    for s in sessions:
        live = s.starts_at <= now
        items.append(Item(s.title, reverse("meetings:detail", args=[s.pk]), f"{when(s.starts_at)} · {s.place}",
                          "进行中" if live else s.get_form_display(), "success" if live else "secondary"))
    return Card("近期学习安排", "calendar-event", items, reverse("meetings:calendar"), "日历与通知", order=20)


def _coming_with_group(group_ids, now, until):
    return _sessions_coming(group_ids, now, until).select_related("group")[:LIMIT]


def _observable(group_ids, now):
    sessions = sql.prepared("meetings.dashboard.observable", _coming_with_group, group_ids, now,
                            now + dt.timedelta(days=60))
    items = [Item(f"{s.group.name}：{s.title}", reverse("meetings:detail", args=[s.pk]),
                  f"{when(s.starts_at)} · {s.place}", s.get_form_display(), "secondary") for s in sessions]
    return Card("可巡听旁听的学习", "binoculars", items, reverse("meetings:index"), "集体学习", order=20)


def _invited(group_ids, now):
    return (Participation.objects.filter(group_id__in=group_ids, state=PartnerState.INVITED, session__ends_at__gte=now)
            .select_related("session__group").defer(*record_body("session__"))
            .order_by("session__starts_at", "id")[:LIMIT])


def _invitations(group_ids):
    rows = sql.prepared("meetings.dashboard.invited", _invited, group_ids, timezone.now())
    items = [Item(f"{p.session.group.name}邀请联学：{p.session.title}", reverse("meetings:detail", args=[p.session_id]),
                  when(p.session.starts_at), "待答复", "warning") for p in rows]
    return Card("联学邀请", "people", items, reverse("meetings:index"), "集体学习", order=4)


def _assigned(person_id):
    return (MakeUp.objects.filter(person_id=person_id, status=MakeUpStatus.ASSIGNED)
            .select_related("session").defer("reflection", *record_body("session__")).order_by("due", "id")[:LIMIT])


def _my_makeups(user, today):
    tasks = sql.prepared("meetings.dashboard.assigned", _assigned, user.person_id)
    items = [Item(f"补学：{m.session.title}", reverse("meetings:makeup", args=[m.pk]),
                  f"完成期限 {m.due:%Y-%m-%d}", "已逾期" if m.due < today else "待补学",
                  "danger" if m.due < today else "warning") for m in tasks]
    return Card("我的补学", "journal-check", items, reverse("meetings:makeups"), "全部补学任务", order=10)


def _pending_leaves(group_ids, now):
    return (Leave.objects.filter(group_id__in=group_ids, status=LeaveStatus.PENDING, session__ends_at__gte=now)
            .select_related("person", "session").defer(*record_body("session__"))
            .order_by("session__starts_at", "id")[:LIMIT])


def _ended(group_ids, now):
    return (StudySession.objects.filter(group_id__in=group_ids, ends_at__lt=now, status=SessionStatus.SCHEDULED)
            .defer(*record_body()).order_by("starts_at", "id")[:LIMIT])


def _reports_waiting(group_ids):
    return (MakeUp.objects.filter(group_id__in=group_ids, status=MakeUpStatus.SUBMITTED)
            .values_list("group_id").annotate(n=Count("id")).order_by("group_id"))


def _manager_todos(managed, presiding, now):
    items = []
    leaves = sql.prepared("meetings.dashboard.pending_leaves", _pending_leaves, presiding, now)
    for lv in leaves:
        items.append(Item(f"{lv.person.name} 请假：{lv.session.title}", reverse("meetings:detail", args=[lv.session_id]),
                          f"{when(lv.session.starts_at)} · 事由：{lv.reason}", "请假待审批", "warning"))
    for s in sql.prepared("meetings.dashboard.ended", _ended, managed, now):
        items.append(Item(s.title, reverse("meetings:detail", args=[s.pk]),
                          f"{when(s.starts_at)} 已结束，请补全五落实后归档", "待归档", "info"))
    # Submitted 体会 are reported at the group's next session (its page has the button).
    for group_id, n in sql.prepared("meetings.dashboard.reports_waiting", _reports_waiting, managed):
        items.append(Item(f"{n} 份补学体会待在下次学习时通报", reverse("meetings:group", args=[group_id]),
                          badge="待通报"))
    return Card("学习组织待办", "clipboard-check", items, reverse("meetings:index"), "集体学习", order=5)
