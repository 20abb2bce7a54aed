"""工作台 card: the 补学体会 and 发言材料 waiting for this 组长 / 学习秘书, and the member's returned writings."""

from django.urls import reverse

from core.dashboard import Card, Item

from . import access
from .models import Status, Writing

LIMIT = 5


def cards(user, today):
    items = []
    if access.reader_group_ids(user):
        waiting = (Writing.objects.filter(group_id__in=access.reader_group_ids(user), status=Status.SUBMITTED,
                                          kind__in=("makeup", "statement"))
                   .select_related("person").defer("text").order_by("submitted_at", "id"))
        for w in waiting[:LIMIT]:
            items.append(Item(f"{w.person.name}：{w.title}", reverse("writings:detail", args=[w.pk]),
                              w.get_kind_display(), "待审阅", "warning"))
    if user.person_id:
        returned = Writing.objects.filter(person_id=user.person_id, status=Status.RETURNED).defer("text")
        for w in returned.order_by("-reviewed_at")[:LIMIT]:
            items.append(Item(w.title, reverse("writings:edit", args=[w.pk]), f"意见：{w.review_comment[:40]}",
                              "退回修改", "danger"))
    return [Card("学习成果待办", "pencil-square", items, reverse("writings:index"), "学习成果", order=8)]
