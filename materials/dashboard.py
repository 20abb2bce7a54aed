"""工作台 card for 第一议题: important materials the user's group has not yet studied as the first item."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.urls import reverse

from core.dashboard import Card, Item
from orgs import access

from .access import group_q
from .models import FirstItemMaterial, Material

RECENT_DAYS = 90  # older speeches are a matter for the supervisor's timeliness page, not today's to-do list
LIMIT = 5


def cards(user, today):
    if not user.person_id or access.is_admin_role(user):
        return []
    groups = access.managed_groups_today(user)
    items = []
    for group in groups:
        studied = FirstItemMaterial.objects.filter(group=group, material=OuterRef("pk"))
        pending = (Material.objects.filter(group_q(group), important=True,
                                           published_on__gte=today - dt.timedelta(days=RECENT_DAYS))
                   .exclude(Exists(studied)).defer("text").order_by("published_on", "id")[:LIMIT])  # the whole speech
        url = reverse("materials:group_first_items", args=[group.pk])
        for m in pending:
            days = (today - m.published_on).days
            items.append(Item(m.title, url, f"发布于 {m.published_on:%Y-%m-%d}，已过 {days} 天",
                              "尚未学习", "danger" if days > 30 else "warning"))
    return [Card("第一议题待学习", "1-circle", items, reverse("materials:first_items"), "第一议题", order=12)]
