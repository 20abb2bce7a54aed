"""Reading the maintained figures: the supervisor's overview, and later rankings and bulletins.

Every query here reads GroupFigures rows (one per group and period), never sessions or attendance, so a
province page costs the same few indexed queries as a county's; long lists are paged."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, Value
from django.db.models.lookups import LessThan
from django.utils import timezone

from core import pagecache
from meetings.selectors import PlanProgress  # one definition: plan_progress returns it

from . import services
from .models import MONTHS, QUARTERS, YEAR, GroupFigures

FRESH_ON_READ = 200  # groups a page recounts itself; more than that waits for `stats_rebuild --due`
PER_PAGE = 50


@dataclass
class Rate:
    attended: int
    expected: int

    @property
    def percent(self):
        return round(100 * self.attended / self.expected, 1) if self.expected else None


@dataclass
class GroupRow:
    group_id: int
    name: str
    held: int
    seminars_by_quarter: list
    quarters_without_seminar: list
    rate: Rate
    late: int
    below: bool
    plan: PlanProgress | None = None  # None: no approved plan for the year


@dataclass
class UnitRow:
    unit_id: int
    name: str
    groups: int
    held: int
    below: int
    late: int


@dataclass
class Overview:
    rows: list
    count: int  # groups matching the filter (all pages)
    summary: dict
    units: list
    computed_at: dt.datetime | None
    left_stale: int  # groups whose figures wait for the job
    summed_at: dt.datetime | None = None  # a large scope's summary, kept for a minute: when it was summed


def ensure_fresh(groups, year, *, now=None, limit=FRESH_ON_READ):
    """Recount the groups of this queryset whose figures are missing or out of date (their next session has
    started since), up to `limit`; returns how many are left for the job."""
    now = now or timezone.now()
    fresh = GroupFigures.objects.filter(group_id=OuterRef("pk"), year=year, period=YEAR).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now))
    stale = list(groups.order_by().filter(~Exists(fresh)).values_list("pk", flat=True)[:limit + 1])
    if stale[:limit]:
        services.refresh(stale[:limit], year, now=now)
    return max(0, len(stale) - limit)


def finished_quarters(year, today):
    return [q for q in range(4) if year < today.year or (year == today.year and (q + 1) * 3 < today.month)]


def due_period(year, today):
    """The row whose cumulative topics are those due today: the last finished month (None: nothing is due yet)."""
    if year < today.year:
        return MONTHS[11]
    if year > today.year or today.month == 1:
        return None
    return MONTHS[today.month - 2]


def _below_q(threshold):
    """Attendance below the threshold (percent), compared in SQL without dividing."""
    return Q(expected__gt=0) & LessThan(
        ExpressionWrapper(F("attended") * Value(100.0), output_field=FloatField()),
        ExpressionWrapper(F("expected") * Value(float(threshold)), output_field=FloatField()))


def _below(attended, expected, threshold):
    """The same test as _below_q, on figures already read."""
    return bool(expected) and attended * 100 < threshold * expected


def _no_seminar(year, today):
    quarters = [QUARTERS[q] for q in finished_quarters(year, today)]
    return GroupFigures.objects.filter(year=year, period__in=quarters, seminars=0)


def _behind(year, today):
    period = due_period(year, today)
    if period is None:
        return GroupFigures.objects.none()
    return GroupFigures.objects.filter(year=year, period=period, has_plan=True, topics_studied__lt=F("topics_total"))


def year_rows(groups, *, year, threshold=90.0, today=None, only=""):
    """The year rows of these groups, filtered as the overview's 筛选 asks (a queryset, not evaluated)."""
    today = today or timezone.localdate()
    rows = GroupFigures.objects.filter(group__in=groups, year=year, period=YEAR)
    if only == "below":
        rows = rows.filter(_below_q(threshold))
    elif only == "few":
        rows = rows.filter(held__lt=12)
    elif only == "no_plan":
        rows = rows.filter(has_plan=False)
    elif only == "no_seminar":
        rows = rows.filter(group_id__in=_no_seminar(year, today).values("group_id"))
    elif only == "behind":
        rows = rows.filter(group_id__in=_behind(year, today).values("group_id"))
    return rows


def group_rows(rows, *, year, threshold=90.0, today=None):
    """GroupRow for each year row of this (sliced) queryset, with two more queries for its quarters and plan."""
    today = today or timezone.localdate()
    page = list(rows.values_list("group_id", "group__name", "held", "attended", "expected", "late_records",
                                 "has_plan", "topics_total", "topics_studied"))
    gids = [r[0] for r in page]
    quarters = {(g, p): n for g, p, n in GroupFigures.objects.filter(
        group_id__in=gids, year=year, period__in=QUARTERS).values_list("group_id", "period", "seminars")}
    period = due_period(year, today)
    due = {} if period is None else {g: (t, s) for g, t, s in GroupFigures.objects.filter(
        group_id__in=gids, year=year, period=period).values_list("group_id", "topics_total", "topics_studied")}
    finished = finished_quarters(year, today)
    out = []
    for gid, name, held, attended, expected, late, has_plan, total, done in page:
        by_q = [quarters.get((gid, q), 0) for q in QUARTERS]
        d, dd = due.get(gid, (0, 0))
        out.append(GroupRow(gid, name, held, by_q, [f"第{q + 1}季度" for q in finished if by_q[q] == 0],
                            Rate(attended, expected), late, _below(attended, expected, threshold),
                            PlanProgress(total, d, done, dd) if has_plan else None))
    return out


def overview(groups, *, year, threshold=90.0, today=None, only="", page=1, per_page=PER_PAGE, units=(), key=None):
    """The supervisor's overview: one page of groups (ordered by unit), the summary over every group that
    matches, and the same figures summed for each of `units` (the next level down).

    Everything but the page's rows is about the whole scope: a province's 10,000 groups cost ≈300 ms to sum.
    For a scope of more than settings.OVERVIEW_CACHE_GROUPS groups, and a caller that names it by `key`, that
    part (with the order of the groups and the freshness check) is kept for OVERVIEW_CACHE_SECONDS and the page
    says when it was summed; the page's own rows are always read as they stand."""
    today = today or timezone.localdate()
    cache_key = f"stats:overview:{key}:{year}:{threshold}:{only}:{today}" if key else None
    scope = cache.get(cache_key) if cache_key else None
    if scope is None:
        with pagecache.reading() as tables:
            scope = _scope(groups, year=year, threshold=threshold, today=today, only=only, units=units)
        scope["tables"] = frozenset(tables)
        if cache_key and len(scope["ids"]) > settings.OVERVIEW_CACHE_GROUPS:
            scope["cached_at"] = timezone.now()
            cache.set(cache_key, scope, settings.OVERVIEW_CACHE_SECONDS)
    pagecache.note_read(scope.get("tables", ()))  # a page kept with sums kept from earlier ends as they would
    start = (max(page, 1) - 1) * per_page
    ids = scope["ids"][start:start + per_page]
    order = {gid: i for i, gid in enumerate(ids)}
    rows = group_rows(GroupFigures.objects.filter(group_id__in=ids, year=year, period=YEAR), year=year,
                      threshold=threshold, today=today)
    rows.sort(key=lambda r: order[r.group_id])
    return Overview(rows, len(scope["ids"]), scope["summary"], scope["units"], scope["computed_at"], scope["left"],
                    scope.get("cached_at"))


def _scope(groups, *, year, threshold, today, only, units):
    """The scope-wide part of the overview. The matching year rows are read once, in the page's order, and the
    summary, the order of the groups and the sums per unit are all made from that read: three statements had
    read the same rows (an aggregate, the ids, the unit sums)."""
    left = ensure_fresh(groups, year)
    rows = year_rows(groups, year=year, threshold=threshold, today=today, only=only)
    matching = rows.values("group_id")
    summary = {"groups": 0, "held": 0, "below": 0, "late": 0,
               "no_seminar": _no_seminar(year, today).filter(group_id__in=matching).values("group_id").distinct().count(),
               "behind": _behind(year, today).filter(group_id__in=matching).count()}
    ids, computed = [], []
    # Deepest first, so a group counts for the nearest of `units` that holds it.
    deepest = sorted(units, key=lambda u: -len(u.path))
    totals = {u.pk: [0, 0, 0, 0] for u in deepest}
    for gid, path, held, late, attended, expected, at in rows.order_by("group__unit__path", "group_id").values_list(
            "group_id", "group__unit__path", "held", "late_records", "attended", "expected", "computed_at"):
        below = _below(attended, expected, threshold)
        ids.append(gid)
        summary["groups"] += 1
        summary["held"] += held
        summary["below"] += below
        summary["late"] += late
        if at is not None:
            computed.append(at)
        for u in deepest:
            if path.startswith(u.path):
                t = totals[u.pk]
                t[0] += 1
                t[1] += held
                t[2] += below
                t[3] += late
                break
    unit_rows = [UnitRow(u.pk, u.name, *totals[u.pk]) for u in sorted(units, key=lambda u: (u.sort, u.path))]
    return {"ids": ids, "summary": summary, "units": unit_rows, "computed_at": min(computed, default=None),
            "left": left}
