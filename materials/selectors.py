"""Reads for the pages: the library, a group's 第一议题 records, and the supervisor's 第一时间 report."""

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Min
from django.utils import timezone

from orgs.models import StudyGroup, Unit

from .access import audience_path
from .models import FirstItemMaterial, FirstItemStudy, Material

# Delay buckets for the histogram (days between publication and a group's first study).
BUCKETS = [("0–1 天", 0, 1), ("2–3 天", 2, 3), ("4–7 天", 4, 7), ("8–14 天", 8, 14), ("15–30 天", 15, 30),
           ("30 天以上", 31, None)]


def bucket_of(days):
    for i, (_, lo, hi) in enumerate(BUCKETS):
        if days >= lo and (hi is None or days <= hi):
            return i
    return 0  # a negative delay cannot be recorded; count it with the fastest


@dataclass
class StudyRow:
    id: int
    meeting_date: dt.date
    meeting_title: str
    note: str
    recorded_by: str
    created: dt.datetime
    materials: list  # [(material, days after publication)]


def group_first_items(group, limit=200):
    studies = (FirstItemStudy.objects.filter(group=group).select_related("recorded_by")
               .prefetch_related("rows__material").order_by("-meeting_date", "-id")[:limit])
    return [StudyRow(s.id, s.meeting_date, s.meeting_title, s.note,
                     getattr(s.recorded_by, "display_name", "") if s.recorded_by else "", s.created,
                     [(r.material, (s.meeting_date - r.material.published_on).days) for r in s.rows.all()])
            for s in studies]


@dataclass
class GroupDelay:
    group_id: int
    name: str
    unit_path: str
    first_date: dt.date | None = None
    days: int | None = None


@dataclass
class ChildSummary:
    unit_id: int
    name: str
    total: int = 0
    studied: int = 0
    within_7: int = 0

    @property
    def rate(self):
        return round(100 * self.studied / self.total) if self.total else 0


@dataclass
class Timeliness:
    material: Material
    unit: Unit
    today: dt.date
    studied: list = field(default_factory=list)  # GroupDelay, fastest first
    not_yet: list = field(default_factory=list)  # GroupDelay
    histogram: list = field(default_factory=list)  # [(label, count, percent of studied)]
    children: list = field(default_factory=list)  # ChildSummary per direct child of `unit`
    median_days: float | None = None
    within_7: int = 0

    @property
    def total(self):
        return len(self.studied) + len(self.not_yet)

    @property
    def days_since_publication(self):
        return (self.today - self.material.published_on).days


def open_groups(path):
    """[(id, name, unit path)] of the groups in the subtree at `path` whose unit is not closed (10k in a province):
    a page that reports on several materials reads them once and hands them to each report."""
    return list(StudyGroup.objects.filter(unit__path__startswith=path, unit__closed_on__isnull=True)
                .values_list("id", "name", "unit__path"))


def timeliness(*, material, unit, today=None, groups=None):
    """For one important material: which groups under `unit` studied it first and after how many days.

    Only groups that can see the material count (its owner's subtree), and closed units are left out. A
    group's first study is its earliest 第一议题 meeting with the material; members' join dates play no part.
    `groups` is open_groups(unit.path) when the caller already has it.
    """
    today = today or timezone.localdate()
    scope = audience_path(material.owner_unit, unit)
    if scope is None:
        return Timeliness(material, unit, today)  # disjoint subtrees: nobody under `unit` can see it
    groups = [g for g in groups if g[2].startswith(scope)] if groups is not None else open_groups(scope)
    firsts = dict(FirstItemMaterial.objects.filter(material=material, group__unit__path__startswith=scope)
                  .values("group_id").annotate(first=Min("meeting_date")).values_list("group_id", "first"))
    result = Timeliness(material, unit, today)
    for gid, name, path in groups:
        row = GroupDelay(gid, name, path)
        if gid in firsts:
            row.first_date = firsts[gid]
            row.days = max((row.first_date - material.published_on).days, 0)
            result.studied.append(row)
        else:
            result.not_yet.append(row)
    result.studied.sort(key=lambda r: (r.days, r.unit_path))
    result.not_yet.sort(key=lambda r: r.unit_path)
    counts = [0] * len(BUCKETS)
    for row in result.studied:
        counts[bucket_of(row.days)] += 1
    n = len(result.studied)
    result.histogram = [(label, c, round(100 * c / n) if n else 0) for (label, _, _), c in zip(BUCKETS, counts, strict=True)]
    if n:
        result.median_days = statistics.median(r.days for r in result.studied)
        result.within_7 = sum(1 for r in result.studied if r.days <= 7)
    # Per direct child of the chosen unit (the counties of a city, the cities of a province).
    children = {f"{u.path}": ChildSummary(u.id, u.name) for u in Unit.objects.filter(parent=unit)}
    own = ChildSummary(unit.id, f"{unit.name}（本级）")
    depth = unit.path.count("/")
    for row in result.studied + result.not_yet:
        parts = row.unit_path.split("/")
        key = "/".join(parts[:depth + 1]) + "/" if row.unit_path != unit.path else None
        summary = children.get(key, own) if key else own
        summary.total += 1
        if row.days is not None:
            summary.studied += 1
            summary.within_7 += row.days <= 7
    result.children = [s for s in [own, *children.values()] if s.total]
    return result


@dataclass
class MaterialCoverage:
    material: Material
    studied: int
    total: int
    median_days: float | None

    @property
    def rate(self):
        return round(100 * self.studied / self.total) if self.total else 0


def important_materials(visible, limit):
    return list(visible.filter(important=True).select_related("owner_unit").order_by("-published_on", "-id")[:limit])


def coverage_overview(*, unit, materials, today=None, groups=None):
    """One line per important material: groups under `unit` that studied it, of those that can.

    The groups (open_groups(unit.path), unless given) and every first study are read once for all the materials.
    """
    materials = list(materials)
    if not materials:
        return []
    groups = open_groups(unit.path) if groups is None else groups
    firsts = defaultdict(dict)
    for mid, gid, first in (FirstItemMaterial.objects.filter(material__in=materials, group__unit__path__startswith=unit.path)
                            .values("material_id", "group_id").annotate(first=Min("meeting_date"))
                            .values_list("material_id", "group_id", "first")):
        firsts[mid][gid] = first
    lines = []
    for material in materials:
        scope = audience_path(material.owner_unit, unit)
        if scope is None:
            lines.append(MaterialCoverage(material, 0, 0, None))
            continue
        eligible = {gid for gid, _, path in groups if path.startswith(scope)}
        days = [max((d - material.published_on).days, 0) for gid, d in firsts[material.id].items() if gid in eligible]
        lines.append(MaterialCoverage(material, len(days), len(eligible), statistics.median(days) if days else None))
    return lines
