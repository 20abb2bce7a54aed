"""Reads for pages, exports and the API; plain dataclasses, rendering is someone else's job."""

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import access
from .models import ROLE_ORDER, Membership, Unit


@dataclass
class TreeNode:
    id: int
    name: str
    kind: str
    level: str
    closed: bool
    depth: int
    child_count: int
    member_count: int
    group_id: int | None


def _count(queryset, key):
    """A correlated COUNT subquery: two counts as joins would multiply rows (children × members)."""
    return Coalesce(Subquery(queryset.order_by().values(key).annotate(c=Count("id")).values("c")[:1]), 0)


def _nodes(queryset, day):
    rows = queryset.annotate(
        child_count=_count(Unit.objects.filter(parent=OuterRef("pk")), "parent"),
        member_count=_count(Membership.objects.on(day).filter(group__unit=OuterRef("pk")), "group"),
    ).values("id", "name", "kind", "level", "closed_on", "depth", "child_count", "member_count", "group__id", "sort")
    return [
        TreeNode(r["id"], r["name"], Unit(kind=r["kind"]).get_kind_display(), Unit(level=r["level"]).get_level_display(),
                 r["closed_on"] is not None, r["depth"], r["child_count"], r["member_count"], r["group__id"])
        for r in sorted(rows, key=lambda r: (r["sort"], r["id"]))
    ]


def tree_roots(user, day=None):
    """The top of what this user may see: for a supervisor, the units they supervise; else their own."""
    day = day or timezone.localdate()
    visible = access.units_visible(user)
    if access.is_sysadmin(user):
        return _nodes(Unit.objects.filter(parent__isnull=True), day)
    roots = list(access.supervised_units(user, day).values_list("id", "path"))
    # Units seen through a membership or an observer assignment outside the supervised subtrees are roots too.
    outside = access.subtree_q([path for _, path in roots])
    extra = visible.exclude(outside) if outside is not None else visible
    return _nodes(Unit.objects.filter(Q(id__in=[uid for uid, _ in roots]) | Q(id__in=extra.values("id"))), day)


def tree_children(user, unit, day=None):
    day = day or timezone.localdate()
    return _nodes(access.units_visible(user).filter(parent=unit), day)


def unit_breadcrumb(unit):
    ids = unit.ancestor_ids()
    names = dict(Unit.objects.filter(id__in=ids).values_list("id", "name"))
    return [(i, names.get(i, "")) for i in ids]


@dataclass
class MemberRow:
    membership_id: int
    person_id: int
    name: str
    gender: str
    unit: str
    post: str
    rank: str
    phone_masked: str
    role: str
    role_label: str
    start: dt.date
    end: dt.date | None


def group_members(group, day=None, *, include_past=False, viewer=None):
    """The roster. With a viewer, people whose details the viewer may not see are names and roles only."""
    day = day or timezone.localdate()
    qs = Membership.objects.filter(group=group).select_related("person", "person__unit")
    if not include_past:
        qs = qs.on(day)
    rows = [
        MemberRow(m.pk, m.person_id, m.person.name, m.person.get_gender_display(), m.person.unit.name, m.person.post,
                  m.person.rank, m.person.phone_masked, m.role, m.get_role_display(), m.start, m.end)
        for m in qs
    ]
    rows.sort(key=lambda r: (r.end is not None, ROLE_ORDER.get(r.role, 9), r.start, r.membership_id))
    if viewer is not None:
        people = {m.person_id: m.person for m in qs}
        rows = [r if access.can_see_person_details(viewer, people[r.person_id]) else
                replace(r, gender="", post="", rank="", phone_masked="") for r in rows]
    return rows


def members_on(group, day):
    """Person ids who were members (any role but 列席) on a day: the denominator of attendance."""
    return set(
        Membership.objects.on(day).filter(group=group).exclude(role="attendee").values_list("person_id", flat=True)
    )
