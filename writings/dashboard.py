"""工作台 card: the 补学体会 and 发言材料 waiting for this 组长 / 学习秘书, and the member's returned writings."""

from django.urls import reverse

from core import sql
from core.dashboard import Card, Item

from . import access
from .models import Status, Writing

LIMIT = 5


def cards(user, today):
    # Both reads compiled once per process (core.sql.prepared): the 工作台 is everyone's first page.
    items = []
    readable = access.reader_group_ids(user)
    if readable:
        for w in sql.prepared("writings.dashboard.waiting", _waiting, readable):
            items.append(Item(f"{w.person.name}：{w.title}", reverse("writings:detail", args=[w.pk]),
                              w.get_kind_display(), "待审阅", "warning"))
    if user.person_id:
        for w in sql.prepared("writings.dashboard.returned", _returned, user.person_id):
            items.append(Item(w.title, reverse("writings:edit", args=[w.pk]), f"意见：{w.review_comment[:40]}",
                              "退回修改", "danger"))
    return [Card("学习成果待办", "pencil-square", items, reverse("writings:index"), "学习成果", order=8)]


def _waiting(group_ids):
    return (Writing.objects.filter(group_id__in=group_ids, status=Status.SUBMITTED, kind__in=("makeup", "statement"))
            .select_related("person").defer("text").order_by("submitted_at", "id")[:LIMIT])


def _returned(person_id):
    return Writing.objects.filter(person_id=person_id, status=Status.RETURNED).defer("text").order_by("-reviewed_at")[:LIMIT]
