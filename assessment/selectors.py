"""The ranking: every group of a subtree scored on the year's indicator system, in a fixed number of queries.

Per-group study figures come from stats (GroupFigures, maintained on write); the other records are read as one
aggregate per source (first-item delays, observers' scores, 整改, integrity signals, 民主评议, manual scores), so a
province costs the same dozen queries as a county. `ranking` is the one function the bulletin also reads, so a
figure in a 通报 equals the figure on the ranking page.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from orgs.models import StudyGroup
from stats import selectors as stats
from stats.models import QUARTERS, YEAR, GroupFigures

from .models import GRADE_PERCENT, Ballot, Code, Indicator, IndicatorSystem, ManualScore, RankingEntry, RankingSnapshot

ADVANCED, PASSED, BACKWARD = "先进", "合格", "后进"
FIRST_ITEM_DAYS = 30  # a 第一议题 studied more than this many days after the material's release counts as late
# 五落实: a session is judged once this many working days have passed since it was held — the secretary's time
# to write the minutes and archive it (the archive refuses a session whose 五落实 are incomplete).
WULUOSHI_WORKDAYS = 10


@dataclass
class Contribution:
    code: str
    name: str
    weight: Decimal
    points: Decimal  # what this indicator added to the total
    fact: str  # the figure behind it, in words (why the group scored as it did)


@dataclass
class _Inputs:
    """What every row's breakdown is computed from, shared by the rows of one ranking."""
    indicators: list
    names: dict
    scorers: list  # one function per indicator: group id -> (points, fact, connected)


@dataclass
class RankRow:
    """One group's place. A province ranks 10,000 groups: a row holds the group's id, name and unit path, and
    loads the group itself, or formats its breakdown, only when something reads them."""

    gid: int
    name: str
    path: str
    total: Decimal
    band: str
    rank: int = 0
    inputs: "_Inputs | None" = field(default=None, repr=False)

    @cached_property
    def group(self):
        return StudyGroup.objects.select_related("unit").get(pk=self.gid)

    @cached_property
    def contributions(self):
        """Every indicator's points, weight and the fact behind them (the totals were summed from the same
        scorers)."""
        i, out = self.inputs, []
        for ind, scorer in zip(i.indicators, i.scorers, strict=True):
            points, fact = scorer(self.gid)
            out.append(Contribution(ind.code, i.names[ind.code], ind.weight, points, _fact(fact)))
        return out


@dataclass
class Ranking:
    system: IndicatorSystem | None
    rows: list
    no_data: bool  # no group of the subtree held a session or expected anyone this year
    indicators: list = field(default_factory=list)  # the system's (saved ones only: the defaults have no pk)

    @property
    def advanced(self):
        return [r for r in self.rows if r.band == ADVANCED]

    @property
    def backward(self):
        return [r for r in self.rows if r.band == BACKWARD]


def subtree_groups(unit):
    """The groups supervised from this unit: every group below it (its own group answers to the level above)."""
    return StudyGroup.objects.filter(unit__path__startswith=unit.path).exclude(unit=unit)


def system_for(unit, year):
    return IndicatorSystem.objects.filter(unit=unit, year=year).first()


TENTH = Decimal("0.1")


def _q(value):
    # 四舍五入, as a score sheet is worked out by hand (Decimal's default would give 4.25 → 4.2).
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def _ratio_points(ind, achieved):
    """Full marks at or above the target (percent), linear below it."""
    if achieved is None:
        return ind.weight
    target = float(ind.target) or 100.0
    return _q(float(ind.weight) * min(1.0, achieved / target))


def _deduct_points(ind, occurrences):
    return _q(max(Decimal(0), ind.weight - ind.per_occurrence * occurrences))


def _gather(paths, in_tree, year, today):
    """Every source's per-group figure in one query each. `in_tree` is the groups as a subquery: a list of
    10,000 ids as parameters costs more to build than the aggregate itself."""
    year_rows = {r["group_id"]: r for r in GroupFigures.objects.filter(group_id__in=in_tree, year=year, period=YEAR)
                 .values("group_id", "held", "attended", "expected", "has_plan", "topics_total", "topics_studied")}
    finished = [QUARTERS[q] for q in stats.finished_quarters(year, today)]
    with_seminar = {}
    for gid, n in (GroupFigures.objects.filter(group_id__in=in_tree, year=year, period__in=finished, seminars__gt=0)
                   .values("group_id").annotate(n=Count("id")).values_list("group_id", "n")):
        with_seminar[gid] = n
    from materials.models import FirstItemMaterial

    delay = ExpressionWrapper(F("meeting_date") - F("material__published_on"), output_field=DurationField())
    late_first = dict(FirstItemMaterial.objects.filter(group_id__in=in_tree, meeting_date__year=year)
                      .annotate(delay=delay).filter(delay__gt=dt.timedelta(days=FIRST_ITEM_DAYS))
                      .values("group_id").annotate(n=Count("id")).values_list("group_id", "n"))
    from supervision.models import RectStatus, VisitScore

    observer = {g: (s, m) for g, s, m in VisitScore.objects.filter(
        visit__group_id__in=in_tree, visit__plan__year=year, visit__cancelled=False).values("visit__group_id")
        .annotate(s=Sum("score"), m=Sum("item__max_score")).values_list("visit__group_id", "s", "m")}
    from supervision.models import Rectification

    rects = {g: (t, c) for g, t, c in Rectification.objects.filter(group_id__in=in_tree, due__year=year, due__lte=today)
             .values("group_id").annotate(t=Count("id"), c=Count("id", filter=Q(status=RectStatus.ACCEPTED)))
             .values_list("group_id", "t", "c")}
    from integrity.selectors import signal_counts

    signals = signal_counts(in_tree, year)
    grades = {}
    for gid, grade, n in (Ballot.objects.filter(evaluation__group_id__in=in_tree, evaluation__year=year)
                          .values("evaluation__group_id", "grade").annotate(n=Count("id"))
                          .values_list("evaluation__group_id", "grade", "n")):
        grades.setdefault(gid, []).append((grade, n))
    return dict(year_rows=year_rows, finished=finished, with_seminar=with_seminar, late_first=late_first,
                observer=observer, rects=rects, signals=signals, grades=grades,
                mandated=_mandated(paths, in_tree, year), reporting=_reporting(paths, in_tree, year, today),
                wuluoshi=_wuluoshi(in_tree, year, today))


def _mandated(paths, in_tree, year):
    """(mandated topics reaching the group, how many of them it studied) per group id.

    A topic reaches every group at or below the unit whose published guidance lists it; a group studied it when
    it took part in a session held this year from a plan topic linked to it."""
    from meetings.models import TAKING_PART, Participation, SessionStatus
    from plans.models import MandatedTopic

    per_path = list(MandatedTopic.objects.filter(guidance__year=year, guidance__published_at__isnull=False)
                    .values("guidance__unit__path").order_by().annotate(n=Count("id"))
                    .values_list("guidance__unit__path", "n"))
    if not per_path:
        return {}
    studied = dict(Participation.objects.filter(
        group_id__in=in_tree, state__in=TAKING_PART, session__starts_at__year=year,
        session__starts_at__lte=timezone.now(), session__plan_topic__mandated__guidance__year=year)
        .exclude(session__status=SessionStatus.CANCELLED).values("group_id").order_by()
        .annotate(n=Count("session__plan_topic__mandated_id", distinct=True)).values_list("group_id", "n"))
    out = {}
    for gid, path in paths.items():
        total = sum(n for p, n in per_path if path.startswith(p))  # a handful of guidance units
        out[gid] = (total, min(total, studied.get(gid, 0)))
    return out


def _reporting(paths, in_tree, year, today):
    """(报送 tasks past their deadline addressed to the group, how many it submitted by the deadline) per group id.
    A task is addressed to the groups below the unit it was issued for (reports.selectors.task_status)."""
    from reports.models import ReportTask, Submission

    due = list(ReportTask.objects.filter(year=year, deadline__lt=today).values_list("pk", "unit__path", "deadline"))
    if not due:
        return {}
    per_path, by_deadline = {}, {}
    for pk, path, deadline in due:
        per_path[path] = per_path.get(path, 0) + 1
        by_deadline.setdefault(deadline, []).append(pk)
    # On time: before local midnight after the deadline. One bound per deadline keeps the comparison on the
    # indexed column (a per-row date cast costs more than the rest of the query on SQLite).
    on_time_q = Q()
    for deadline, pks in by_deadline.items():
        bound = timezone.make_aware(dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time()))
        on_time_q |= Q(task_id__in=pks, submitted_at__lt=bound)
    on_time = dict(Submission.objects.filter(on_time_q, group_id__in=in_tree)
                   .values("group_id").order_by().annotate(n=Count("id")).values_list("group_id", "n"))
    out = {}
    per_path = list(per_path.items())  # a handful of issuing units
    for gid, path in paths.items():
        # Units above the group's, not its own: a unit's task goes to the groups below it.
        total = sum(n for p, n in per_path if path.startswith(p) and path != p)
        if total:
            out[gid] = (total, min(total, on_time.get(gid, 0)))
    return out


def _wuluoshi(in_tree, year, today):
    """(sessions hosted and held this year at least WULUOSHI_WORKDAYS working days ago, how many of them are
    archived — which needs all five 落实) per group id."""
    from meetings.models import SessionStatus, StudySession
    from workdays.selectors import add_workdays

    cutoff = add_workdays(today, -WULUOSHI_WORKDAYS)
    end = min(cutoff, dt.date(year, 12, 31))
    if end.year < year:
        return {}
    return {g: (t, a) for g, t, a in StudySession.objects.filter(
        group_id__in=in_tree, day__gte=dt.date(year, 1, 1), day__lte=end)
        .exclude(status=SessionStatus.CANCELLED).values("group_id").order_by()
        .annotate(t=Count("id"), a=Count("id", filter=Q(status=SessionStatus.ARCHIVED)))
        .values_list("group_id", "t", "a")}


def _scorer(ind, data, manual):
    """For one indicator, a function: group id -> (points, fact). The ranking calls it for every group
    to sum the totals and again for a row whose breakdown is read, so the two always agree.

    A fact with figures is a (format, *args) tuple, formatted by `_fact` only when a breakdown is read: a
    province ranks 10,000 groups × 13 indicators, and formatting every sentence would cost more than every
    query of the ranking. The lookups each function needs are bound once here, not per group."""
    code, weight, zero = ind.code, ind.weight, Decimal(0)
    years = data["year_rows"]

    memo = {}

    def ratio(pct):
        # Many groups share a percentage (100 %, 0 %, 3 of 4 quarters): each is rounded once.
        points = memo.get(pct)
        if points is None:
            points = memo[pct] = _ratio_points(ind, pct)
        return points

    if code == Code.PLAN_TOPICS:
        def score(gid):
            y = years.get(gid)
            if not y or not y["has_plan"] or not y["topics_total"]:
                return zero, "无经审批的年度计划专题"
            pct = 100 * y["topics_studied"] / y["topics_total"]
            return ratio(pct), ("计划专题{}个，已学{}个（{:.1f}%）", y["topics_total"], y["topics_studied"], pct)
    elif code == Code.SEMINARS:
        quarters, with_seminar = len(data["finished"]), data["with_seminar"]

        def score(gid):
            if not quarters:
                return weight, "本年尚无已结束的季度"
            done = with_seminar.get(gid, 0)
            return ratio(100 * done / quarters), ("已结束{}个季度，{}个季度开展了研讨", quarters, done)
    elif code == Code.ATTENDANCE:
        def score(gid):
            y = years.get(gid)
            if not y or not y["expected"]:
                return zero, "本年无应参学记录"
            pct = 100 * y["attended"] / y["expected"]
            return ratio(pct), ("应参学{}人次，实参学{}人次（{:.1f}%）", y["expected"], y["attended"], pct)
    elif code == Code.PLAN:
        def score(gid):
            y = years.get(gid)
            if y and y["has_plan"]:
                return weight, "年度计划已审批"
            return zero, "无经审批的年度计划"
    elif code in (Code.MANDATED, Code.REPORTING, Code.WULUOSHI, Code.RECTIFY):
        source, none, fact, none_points = {
            Code.MANDATED: ("mandated", "本年无上级规定专题", "上级规定专题{}个，已学{}个", weight),
            Code.REPORTING: ("reporting", "本年无已截止的报送任务", "已截止报送任务{}项，按时报送{}项", weight),
            Code.WULUOSHI: ("wuluoshi", f"本年无举行满{WULUOSHI_WORKDAYS}个工作日的集体学习",
                            f"举行满{WULUOSHI_WORKDAYS}个工作日的集体学习{{}}次，五落实齐全并归档{{}}次", zero),
            Code.RECTIFY: ("rects", "无到期整改事项", "到期整改{}项，已销号{}项", weight),
        }[code]
        counts = data[source]

        def score(gid):
            total, done = counts.get(gid, (0, 0))
            if not total:
                return none_points, none
            return ratio(100 * done / total), (fact, total, done)
    elif code == Code.FIRST_ITEM:
        late = data["late_first"]

        def score(gid):
            n = late.get(gid, 0)
            return _deduct_points(ind, n), ("第一议题晚于材料发布{}天以上学习{}次", FIRST_ITEM_DAYS, n)
    elif code == Code.OBSERVER:
        observer = data["observer"]

        def score(gid):
            got = observer.get(gid)
            if not got or not got[1]:
                return weight, "本年未被巡听评分，不扣分"
            pct = 100 * float(got[0]) / float(got[1])
            return ratio(pct), ("巡听评分{}/{}（{:.1f}%）", got[0], got[1], pct)
    elif code == Code.INTEGRITY:
        signals = data["signals"]

        def score(gid):
            sc = signals.get(gid)
            n = sc.open if sc else 0
            return _deduct_points(ind, n), ("未说明的真学真记疑点{}条", n)
    elif code == Code.EVALUATION:
        grades = data["grades"]

        def score(gid):
            votes = grades.get(gid)
            if not votes:
                return zero, "未开展民主评议或尚无评议票"
            total = sum(n for _, n in votes)
            pct = sum(GRADE_PERCENT[g] * n for g, n in votes) / total
            return ratio(pct), ("民主评议{}票，综合得分率{:.1f}%", total, pct)
    elif code == Code.INSPECTION:
        def score(gid):
            m = manual.get((ind.pk, gid))
            if m is None:
                return zero, "督导人员尚未录入"
            return _q(weight * m[0] / 100), ("录入得分率{}%{}", m[0], ("：" + m[1]) if m[1] else "")
    else:  # every Code has its scorer; a new one must get one here before it can be weighted
        raise ValueError(f"no scorer for indicator {code!r}")
    return score


def _fact(fact):
    return fact if isinstance(fact, str) else fact[0].format(*fact[1:])


def band(total, system):
    if total >= system.advanced_min:
        return ADVANCED
    if total < system.backward_below:
        return BACKWARD
    return PASSED


def ranking(unit, year, *, today=None, fresh=True):
    """The subtree's groups ranked on the unit's indicator system for the year (highest first), each with every
    indicator's contribution. No system yet: the 2024 defaults are scored without being saved."""
    from . import services

    today = today or timezone.localdate()
    system = system_for(unit, year)
    indicators = list(system.indicators.all()) if system else services.default_indicators()
    system = system or IndicatorSystem(unit=unit, year=year)
    groups = subtree_groups(unit)
    if fresh:
        stats.ensure_fresh(groups, year)
    groups = list(groups.order_by("unit__path").values_list("pk", "name", "unit__path"))
    data = _gather({gid: path for gid, _, path in groups}, subtree_groups(unit).values("pk"), year, today)
    manual = {}
    if system.pk:
        manual = {(i, g): (p, n) for i, g, p, n in ManualScore.objects.filter(indicator__system=system)
                  .values_list("indicator_id", "group_id", "percent", "note")}
    names = {ind.code: ind.get_code_display() for ind in indicators}
    scorers = [_scorer(ind, data, manual) for ind in indicators]
    inputs = _Inputs(indicators, names, scorers)
    rows = []
    for gid, name, path in groups:
        total = sum(f(gid)[0] for f in scorers)
        rows.append(RankRow(gid, name, path, _q(total), band(total, system), inputs=inputs))
    rows.sort(key=lambda r: (-r.total, r.path))
    for i, r in enumerate(rows, 1):
        r.rank = i
    return Ranking(system, rows, no_data=not any(y["held"] or y["expected"] for y in data["year_rows"].values()),
                   indicators=indicators if system.pk else [])


def indicators_of(system):
    return list(Indicator.objects.filter(system=system)) if system and system.pk else []


def evaluation_results(evaluation):
    """Per leader: the count of each grade and the score rate; never who gave which."""
    out = {}
    for leader_id, grade, n in (Ballot.objects.filter(evaluation=evaluation).values("leader_id", "grade")
                                .annotate(n=Count("id")).values_list("leader_id", "grade", "n")):
        out.setdefault(leader_id, {}).setdefault(grade, n)
    return out


# ---- The ranking page: live for a county, from the snapshot for a province ------------------------------------

LIST_MAX = 200  # 先进/后进 names shown on the page; the .xlsx lists every group
# Audited actions that change nothing a ranking reads: a snapshot stays current across them.
_NOT_RECORDS = ("login", "logout", "user.", "token.", "audit.", "bench.", "person.export", "reports.bulletin",
                "reports.archive", "reports.office")


@dataclass
class Board:
    """What the ranking page shows: one page of rows (each with gid, name, rank, total, band, contributions),
    the 先进/后进 lists (at most LIST_MAX names, with their full counts), and for a snapshot when it was
    computed and whether a newer one is being computed."""

    system: IndicatorSystem
    page: object
    count: int
    advanced: list
    advanced_count: int
    backward: list
    backward_count: int
    no_data: bool
    computed_at: dt.datetime | None = None
    refreshing: bool = False


def stale(snapshot, today=None, now=None):
    """Whether the records may have changed since the snapshot was computed."""
    from core.models import AuditEntry

    now = now or timezone.now()
    if snapshot.as_of != (today or timezone.localdate()):
        return True
    if now - snapshot.computed_at > dt.timedelta(seconds=settings.RANKING_MAX_AGE):
        return True  # sessions count once held: figures move with the clock, not only with writes
    later = AuditEntry.objects.filter(pk__gt=snapshot.audit_id)
    for prefix in _NOT_RECORDS:
        later = later.exclude(action__startswith=prefix)
    return later.exists()


def board(unit, year, *, page=1, per_page=100, today=None):
    from . import services

    today = today or timezone.localdate()
    live = subtree_groups(unit).count() <= settings.RANKING_LIVE_GROUPS
    if live:
        result = ranking(unit, year, today=today)
        adv, back = result.advanced, result.backward
        return Board(result.system, Paginator(result.rows, per_page).get_page(page), len(result.rows),
                     adv[:LIST_MAX], len(adv), back[:LIST_MAX], len(back), result.no_data)
    snap = RankingSnapshot.objects.filter(unit=unit, year=year).first()
    if snap is None:
        snap = services.ranking_refresh(unit=unit, year=year, today=today)  # the first look waits once
    elif stale(snap, today):
        services.ranking_request_refresh(snap)
    system = system_for(unit, year) or IndicatorSystem(unit=unit, year=year)
    system.advanced_min, system.backward_below = snap.advanced_min, snap.backward_below  # as scored
    entries = RankingEntry.objects.filter(snapshot=snap).order_by("rank")
    paged = Paginator(entries.only("group_id", "rank", "name", "total", "band", "points", "facts"), per_page
                      ).get_page(page)
    rows = list(paged.object_list)
    indicators = [(code, name, Decimal(weight)) for code, name, weight in snap.indicators]
    for e in rows:
        e.contributions = [Contribution(code, name, weight, Decimal(p), f) for (code, name, weight), p, f
                           in zip(indicators, e.points, e.facts, strict=True)]
    paged.object_list = rows
    names = entries.only("group_id", "name", "total")
    bands = dict(entries.values("band").order_by().annotate(n=Count("id")).values_list("band", "n"))
    return Board(system, paged, paged.paginator.count,
                 list(names.filter(band=ADVANCED)[:LIST_MAX]), bands.get(ADVANCED, 0),
                 list(names.filter(band=BACKWARD)[:LIST_MAX]), bands.get(BACKWARD, 0), snap.no_data,
                 computed_at=snap.computed_at, refreshing=snap.refresh_requested_at is not None)
