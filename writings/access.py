"""Who may read a writing, always on top of orgs.access (the one choke point).

- A draft is its author's alone.
- A submitted (or returned, or accepted) writing is read by its author, by the 组长 and 学习秘书 of its group
  today, and by the supervisors of the group's subtree — and by no one else: not the 副组长, not another
  member, not an observer, not the three administrators.
- Only the author edits and submits; the group's 组长 and 学习秘书 accept or return the 补学体会 and 发言材料.
A writing the user may not read answers 404 everywhere (page, download, API, search), so its existence,
title and count never leak.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from orgs import access
from orgs.models import Role

from .models import REVIEWED_KINDS, SHARED_STATUSES, Writing

READER_ROLES = (Role.LEADER, Role.SECRETARY)


def reader_group_ids(user):
    """Groups whose submitted writings this user reads as their 组长 or 学习秘书 today."""
    return [gid for gid, role in access.roles_today(user) if role in READER_ROLES]


def visible_q(user, prefix=""):
    """A Q over Writing (or over a model reaching it through `prefix`, e.g. "writing__")."""
    nothing = Q(**{f"{prefix}pk__in": []})
    if not user.is_authenticated or access.is_admin_role(user):
        return nothing
    parts = []
    if user.person_id:
        parts.append(Q(**{f"{prefix}person_id": user.person_id}))
    shared = []
    if readers := reader_group_ids(user):
        shared.append(Q(**{f"{prefix}group_id__in": readers}))
    subtree = access.subtree_q([u.path for u in access.supervised_roots(user)], f"{prefix}unit__path")
    if subtree is not None:
        shared.append(subtree)
    if shared:
        parts.append(Q(**{f"{prefix}status__in": SHARED_STATUSES}) & reduce(or_, shared))
    if not parts:
        return nothing
    return reduce(or_, parts)


def writings_visible(user):
    return Writing.objects.filter(visible_q(user))


def get_writing_for(user, pk, *, write=False):
    writing = (writings_visible(user).filter(pk=pk)
               .select_related("person", "group__unit", "session", "plan_topic", "material", "makeup").first())
    if writing is None:
        raise Http404("没有找到这篇材料")
    if write and writing.person_id != user.person_id:
        raise PermissionDenied("只有作者本人可以修改")
    return writing


def can_review(user, writing):
    """The 组长 or 学习秘书 of the writing's group accepts or returns a submitted 补学体会 or 发言材料."""
    return (writing.kind in REVIEWED_KINDS and writing.person_id != user.person_id
            and writing.group_id in reader_group_ids(user))


def require_review(user, writing):
    if not can_review(user, writing):
        raise PermissionDenied("只有本组的组长或学习秘书可以审阅补学体会和发言材料")


def author_groups(user):
    """Groups the user may write in: every group they belong to today (any role)."""
    ids = list(dict.fromkeys(gid for gid, _ in access.roles_today(user)))
    from orgs.models import StudyGroup

    return list(StudyGroup.objects.filter(pk__in=ids).select_related("unit").order_by("pk"))


def can_see_reuse(user, writing):
    """The reuse report of a submitted writing is for the group's 组长 and 学习秘书 and the supervisors of the
    subtree (who act on it), not for its author: it shows other people's passages."""
    if writing.status not in SHARED_STATUSES or writing.person_id == user.person_id:
        return False
    return writing.group_id in reader_group_ids(user) or access.can_supervise(user, writing.unit)
