"""工作台 cards for the year's plan: the group's next step on its plan, and for supervisors who has not reported."""

from django.db.models import Exists, OuterRef
from django.urls import reverse

from core.dashboard import Card, Item
from orgs import access
from orgs.models import MANAGING_ROLES, Role

from .models import Adoption, Status, StudyPlan
from .selectors import deadline_for, subtree_groups, supervised_roots
from .services import current_and_waiting, references_for


def plan_year(today):
    # December is when next year's plan is drafted; from January the current year's plan is the one due.
    return today.year + 1 if today.month == 12 else today.year


def cards(user, today):
    if access.is_admin_role(user):
        return []
    year = plan_year(today)
    out = []
    managed = {gid: role for gid, role in access.roles_today(user) if role in MANAGING_ROLES}
    if managed:
        items = []
        for group in access.managed_groups_today(user):
            items += _group_items(group, managed[group.pk], year, today)
        out.append(Card(f"{year}年度学习计划", "journal-text", items, reverse("plans:index"), "学习计划", order=8))
    roots = supervised_roots(user)
    if roots:
        out.append(Card("计划报送督导", "bar-chart", [_report_item(r, year) for r in roots],
                        reverse("plans:supervise"), "报送情况", order=30))
    return out


def _group_items(group, role, year, today):
    url = reverse("plans:group", args=[group.pk])
    plan, waiting = current_and_waiting(group, year)
    deadline = deadline_for(group, year)
    due = f"报送截止 {deadline:%Y-%m-%d}"
    late = "danger" if today > deadline else "warning"
    items = []
    if plan is None:
        items.append(Item(f"{group.unit.short_name or group.unit.name}尚未制定{year}年度学习计划", url, due, "待制定", late))
    else:
        purl = reverse("plans:plan", args=[plan.pk])
        if plan.status == Status.DRAFT:
            items.append(Item(plan.title, purl, due, "草稿待提交", late))
        elif plan.status == Status.RETURNED:
            items.append(Item(plan.title, purl, f"退回意见：{plan.return_comment[:40]}", "已退回待修改", "danger"))
        elif plan.status == Status.SUBMITTED:
            if role == Role.LEADER:
                items.append(Item(plan.title, purl, "学习秘书已提交，请审定或退回", "待您审定", "warning"))
            else:
                items.append(Item(plan.title, purl, "等待组长审定", "待审定", "info"))
        elif plan.reported_at is None:
            items.append(Item(plan.title, purl, due, "已审定待报送", late))
    # A plan of another year still waiting for the 组长 (in December the card looks at next year's plan, but
    # this year's may have been 待审定 since January): it stays on the 工作台 until decided.
    for other in waiting:
        since = f"{other.submitted_at:%Y-%m-%d}提交" if other.submitted_at else "已提交"
        if role == Role.LEADER:
            items.append(Item(other.title, reverse("plans:plan", args=[other.pk]), f"{since}，请审定或退回",
                              "待您审定", "danger"))
        else:
            items.append(Item(other.title, reverse("plans:plan", args=[other.pk]), f"{since}，等待组长审定",
                              "待审定", "warning"))
    adopted = Adoption.objects.filter(group=group, reference=OuterRef("pk"))
    waiting = references_for(group, year).annotate(done=Exists(adopted)).filter(done=False).count()
    if waiting:
        items.append(Item(f"{waiting} 个上级参考议题待采纳", url, "采纳后自动加入本组年度计划", "参考议题", "info"))
    return items


def _report_item(unit, year):
    groups = subtree_groups(unit)  # the groups the 报送情况 page lists, so the two numbers agree
    reported = StudyPlan.objects.filter(group=OuterRef("pk"), year=year, reported_at__isnull=False)
    total = groups.count()
    done = groups.filter(Exists(reported)).count()
    url = reverse("plans:supervise") + f"?unit={unit.pk}&year={year}"
    return Item(f"{unit.name}：已报送 {done} / {total} 个中心组", url, f"{year}年度学习计划",
                f"未报送 {total - done}" if total > done else "全部报送", "warning" if total > done else "success")
