"""工作台 cards: a group's managers see the 报送 tasks their group still owes; supervisors see their open tasks."""

from django.urls import reverse

from core.dashboard import Card, Item
from orgs import access

from . import selectors
from .models import ReportTask


def cards(user, today):
    if access.is_admin_role(user):
        return []
    out = []
    managed = access.managed_groups_today(user)
    if managed:
        items = []
        tasks = selectors.tasks_for_group_ids([g.pk for g in managed]).prefetch_related("submissions")
        for task in tasks.order_by("deadline")[:50]:
            done = {s.group_id for s in task.submissions.all()}
            for group in managed:
                if group.pk in done or not selectors.task_addressed(task, group):
                    continue
                late = today > task.deadline
                items.append(Item(f"{task.title}（{group.unit.short_name or group.unit.name}）",
                                  reverse("reports:task_submit", args=[task.pk, group.pk]),
                                  f"截止 {task.deadline:%Y-%m-%d}", "逾期未报" if late else "待报送",
                                  "danger" if late else "warning"))
        if items:
            out.append(Card("报送任务", "send", items[:10], reverse("reports:index"), "通报与报送", order=9))
    roots = access.supervised_roots(user)
    if roots:
        open_tasks = ReportTask.objects.filter(unit__in=roots, deadline__gte=today).order_by("deadline")[:5]
        items = [Item(t.title, reverse("reports:task", args=[t.pk]), f"截止 {t.deadline:%Y-%m-%d}") for t in open_tasks]
        items += [Item(f"{u.name} 学习看板与通报", reverse("reports:unit", args=[u.pk])) for u in roots[:3]]
        out.append(Card("通报与报送", "megaphone", items, reverse("reports:index"), "全部", order=32))
    return out
