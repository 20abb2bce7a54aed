"""工作台 cards of 督导: an observer's visits (with the way to the session's materials), the supervisor's
overdue feedback and 整改 awaiting acceptance, and a group's open 整改."""

from django.urls import reverse

from core import sql
from core.dashboard import Card, Item
from meetings.models import record_body
from orgs import access as org_access

from . import access
from .models import OPEN_RECT, RectStatus, Visit

LIMIT = 6


def cards(user, today):
    if not user.is_authenticated or org_access.is_admin_role(user):
        return []
    out = []
    observer_ids = access.my_observer_ids(user)
    if observer_ids:
        out.append(_my_visits(observer_ids, today))
    if access.is_supervisor(user):
        out.append(_supervisor(user, today))
    managed = org_access.managed_group_ids(user)
    if managed:
        out.append(_group(managed, today))
    return out


def _my_visits(observer_ids, today):
    visits = (Visit.objects.filter(observers__observer_id__in=observer_ids, cancelled=False, feedback_at__isnull=True)
              .select_related("group", "session").defer(*record_body("session__"))
              .order_by("session__day", "id").distinct()[:LIMIT])
    items = []
    for v in visits:
        late = v.feedback_due and v.feedback_due < today
        held = v.session.day <= today
        items.append(Item(f"{v.group.name}：{v.session.title}", reverse("supervision:visit", args=[v.pk]),
                          f"{v.session.day:%Y-%m-%d} · {v.session.place}" + (
                              f" · 反馈期限 {v.feedback_due:%m-%d}" if v.feedback_due else ""),
                          "反馈逾期" if late else ("待评分反馈" if held else "待旁听"),
                          "danger" if late else ("warning" if held else "info")))
    return Card("我的巡听旁听", "eye", items, reverse("supervision:index"), "全部旁听", order=8)


def _supervisor(user, today):
    visits = access.visits_visible(user).filter(plan__in=access.plans_visible(user), cancelled=False)
    items = []
    late = visits.filter(feedback_at__isnull=True, feedback_due__lt=today).select_related("group")[:LIMIT]
    for v in late:
        items.append(Item(f"反馈逾期：{v.group.name}", reverse("supervision:visit", args=[v.pk]),
                          f"期限 {v.feedback_due:%Y-%m-%d}", "反馈逾期", "danger"))
    filed = visits.filter(session__isnull=False, observers__isnull=True, feedback_at__isnull=True,
                          session__day__gte=today).select_related("group", "session")[:LIMIT]
    for v in filed:
        items.append(Item(f"待派员：{v.group.name}", reverse("supervision:visit", args=[v.pk]),
                          f"{v.session.day:%Y-%m-%d} {v.session.title}", "待派员", "warning"))
    n = access.rectifications_visible(user).filter(status=RectStatus.SUBMITTED).exclude(
        group_id__in=org_access.managed_group_ids(user)).count()
    if n:
        items.append(Item(f"{n} 条整改待验收", reverse("supervision:rects") + "?show=open", badge="待验收",
                          tone="warning"))
    return Card("督导待办", "binoculars", items, reverse("supervision:index"), "巡听旁听", order=6)


def _unrecorded_visits(group_ids):
    return Visit.objects.filter(group_id__in=group_ids, cancelled=False, session__isnull=True).select_related(
        "plan__unit")[:LIMIT]


def _open_rectifications(group_ids):
    from .models import Rectification

    return Rectification.objects.filter(group_id__in=group_ids, status__in=OPEN_RECT).order_by("due")[:LIMIT]


def _group(managed, today):
    # Both reads compiled once per process (core.sql.prepared): the 工作台 is everyone's first page.
    items = []
    for v in sql.prepared("supervision.dashboard.unrecorded_visits", _unrecorded_visits, managed):
        items.append(Item(f"{v.plan.unit.name}安排了{v.get_kind_display()}旁听", reverse("supervision:visit", args=[v.pk]),
                          "请备案近期的集体学习", "待备案", "warning"))
    for r in sql.prepared("supervision.dashboard.open_rectifications", _open_rectifications, managed):
        items.append(Item(f"整改：{r.problem[:30]}", reverse("supervision:visit", args=[r.visit_id]) if r.visit_id
                          else reverse("supervision:target", args=[r.target_id]), f"期限 {r.due:%Y-%m-%d}",
                          "已逾期" if r.due < today else r.get_status_display(),
                          "danger" if r.due < today else "secondary"))
    return Card("巡听反馈与整改", "clipboard2-check", items, reverse("supervision:rects"), "整改台账", order=7)
