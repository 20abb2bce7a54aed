"""Reads for bulletins, dashboards, 报送 tasks and archives.

`period_figures` is the ONE source of the figures a bulletin prints and the supervisor's dashboard shows,
so the two cannot disagree. It reads the `stats` app's maintained per-group figures (GroupFigures), never
sessions or attendance rows.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone

from orgs import access as org_access
from orgs.models import Membership, StudyGroup
from plans.models import Status, StudyPlan
from stats import selectors as stats_selectors
from stats.models import MONTHS, QUARTERS, YEAR, GroupFigures
from stats.selectors import Rate

ATTENDANCE_THRESHOLD = 80.0  # 参学率 below this is a problem in a bulletin
SEMINAR_NAMES = ["第一季度", "第二季度", "第三季度", "第四季度"]


def period_bounds(year, quarter=None):
    if quarter is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def period_label(year, quarter=None):
    return f"{year}年第{'一二三四'[quarter - 1]}季度" if quarter else f"{year}年度"


@dataclass
class GroupFigure:
    group_id: int
    name: str
    held: int
    seminars: list  # 研讨 per quarter of the period (up to its end)
    quarters_without_seminar: list
    rate: Rate
    late: int
    plan_approved: bool
    topics_due: int
    topics_done: int

    @property
    def percent(self):
        return self.rate.percent


@dataclass
class PeriodFigures:
    unit: object
    year: int
    quarter: "int | None"
    start: dt.date
    end: dt.date
    rows: list = field(default_factory=list)

    @property
    def label(self):
        return period_label(self.year, self.quarter)

    @property
    def held(self):
        return sum(r.held for r in self.rows)

    @property
    def rate(self):
        return Rate(sum(r.rate.attended for r in self.rows), sum(r.rate.expected for r in self.rows))

    @property
    def plans_approved(self):
        return sum(r.plan_approved for r in self.rows)

    @property
    def has_data(self):
        return bool(self.rows) and (self.held > 0 or self.plans_approved > 0)

    def as_table(self):
        """The rows as printed in the bulletin and on the dashboard: the same strings in both places."""
        return [[r.name, str(r.held), "、".join(str(n) for n in r.seminars),
                 f"{r.percent}%" if r.percent is not None else "—",
                 "已审定" if r.plan_approved else "未审定",
                 f"{r.topics_done}/{r.topics_due}" if r.plan_approved else "—"] for r in self.rows]


TABLE_HEADERS = ["中心组", "集体学习（次）", "各季度研讨（次）", "参学率", "年度计划", "计划专题（已学/应学）"]


def subtree_groups(unit):
    return StudyGroup.objects.filter(unit__path__startswith=unit.path, unit__closed_on__isnull=True)


def period_figures(unit, year, quarter=None, *, today=None):
    """Every group of `unit`'s subtree over the period, read from the maintained per-group figures of the
    `stats` app (one row per group and period; stale groups are recounted first, as the overview does):
    from January 1 to the period's end (通报 report the year to date), 研讨 per quarter, attendance, 补录,
    and the approved plan's topics due and studied by the period's end (or by last month, if it has not
    ended)."""
    today = today or timezone.localdate()
    start, end = period_bounds(year, quarter)
    groups = subtree_groups(unit)
    stats_selectors.ensure_fresh(groups, year)
    quarters = quarter or 4
    summed = [YEAR] if quarter is None else list(QUARTERS[:quarters])
    topics_period = MONTHS[3 * quarters - 1] if end < today else stats_selectors.due_period(year, today)
    wanted = {YEAR, *QUARTERS, *summed, topics_period} - {None}
    rows = {}
    for gid, period, held, seminars, late, exp, att, has_plan, total, studied in GroupFigures.objects.filter(
            group__in=groups, year=year, period__in=wanted).values_list(
            "group_id", "period", "held", "seminars", "late_records", "expected", "attended", "has_plan",
            "topics_total", "topics_studied"):
        rows[(gid, period)] = (held, seminars, late, exp, att, has_plan, total, studied)
    finished = [q for q in range(quarters) if period_bounds(year, q + 1)[1] < today]
    zero = (0, 0, 0, 0, 0, False, 0, 0)
    figures = PeriodFigures(unit, year, quarter, dt.date(year, 1, 1), end)
    for gid, name in groups.order_by("unit__path").values_list("pk", "name"):
        parts = [rows.get((gid, p), zero) for p in summed]
        seminars = [rows.get((gid, q), zero)[1] for q in QUARTERS[:quarters]]
        has_plan = rows.get((gid, YEAR), zero)[5]
        due, done = rows.get((gid, topics_period), zero)[6:8] if topics_period else (0, 0)
        figures.rows.append(GroupFigure(
            gid, name, sum(p[0] for p in parts), seminars,
            [SEMINAR_NAMES[q] for q in finished if seminars[q] == 0],
            Rate(sum(p[4] for p in parts), sum(p[3] for p in parts)), sum(p[2] for p in parts), has_plan,
            due, done))
    return figures


@dataclass
class Judgement:
    praised: list  # [GroupFigure]
    problems: list  # [(GroupFigure, [what they must fix])]
    source: str
    praise: str = ""  # the sentence after the praised names in the bulletin


def judge(figures, *, today=None):
    """Praised units and units with problems.

    A yearly bulletin reads the assessment ranking (assessment.selectors.ranking, the one function the ranking
    page shows): 先进 groups are praised, 后进 groups are listed with the indicators that cost them points. A
    quarter has no ranking, so a quarterly bulletin judges by rules on the period's figures; so does a group
    outside the ranking (the unit's own group answers to the level above it)."""
    from assessment import selectors as assessment

    ranked = {}
    source = "按本期数据规则判定"
    if figures.quarter is None:
        result = assessment.ranking(figures.unit, figures.year, today=today)
        ranked = {r.gid: r for r in result.rows}
        system = result.system
        source = (f"按{figures.unit.name}{figures.year}年度考核指标体系排名判定：{system.advanced_min:.0f}分及以上为先进，"
                  f"低于{system.backward_below:.0f}分为后进，排名和各项得分见考核排名页面")
    praised, problems = [], []
    for r in figures.rows:
        row = ranked.get(r.group_id)
        if row is not None:
            if row.band == assessment.ADVANCED:
                praised.append(r)
            elif row.band == assessment.BACKWARD:
                # What the group must fix: the indicators that earned under 60 % of their weight. A 督查 score
                # the supervisors have not entered yet is theirs to do, not the group's.
                problems.append((r, [f"年度考核综合得分{row.total}分，排第{row.rank}名，列为后进"] + [
                    f"{c.name}仅得{c.points:.1f}分（满分{c.weight.normalize():f}分）：{c.fact}"
                    for c in row.contributions if c.weight and c.points < c.weight * Decimal("0.6")
                    and not (c.code == assessment.Code.INSPECTION and c.fact == "督导人员尚未录入")]))
            continue
        fixes = _rule_fixes(r)
        if fixes:
            problems.append((r, fixes))
        elif r.held > 0:
            praised.append(r)
    praise = ("年度考核综合得分达到先进等次，予以通报表扬。" if ranked
              else "按计划组织学习，各季度均开展专题研讨，参学率较高，予以通报表扬。")
    return Judgement(praised, problems, source, praise)


def _rule_fixes(r):
    fixes = []
    if not r.plan_approved:
        fixes.append("尽快制定并审定年度学习计划，按要求报送")
    if r.quarters_without_seminar:
        fixes.append(f"{'、'.join(r.quarters_without_seminar)}未开展专题研讨，须补上研讨并形成研讨记录")
    if r.percent is not None and r.percent < ATTENDANCE_THRESHOLD:
        fixes.append(f"参学率仅{r.percent}%，低于{ATTENDANCE_THRESHOLD:.0f}%，须严格请假和补学制度")
    if r.held == 0:
        fixes.append("本期未组织集体学习，须按计划组织学习")
    if r.plan_approved and r.topics_done < r.topics_due:
        fixes.append(f"计划专题应学{r.topics_due}个、已学{r.topics_done}个，须按计划补学")
    return fixes


def months_held(unit, year, *, groups=None):
    """Sessions held per month in the subtree, or in `groups` (the charts), from the same maintained figures."""
    groups = subtree_groups(unit) if groups is None else groups
    counts = dict(GroupFigures.objects.filter(group__in=groups, year=year, period__in=MONTHS)
                  .values("period").order_by().annotate(n=Sum("held")).values_list("period", "n"))
    return [counts.get(m, 0) or 0 for m in MONTHS]


@dataclass
class Coverage:
    topics: list  # titles of the mandated topics that reach the subtree
    groups: list  # group names (the first `limit` by unit path)
    cells: list  # [topic index, group index, 1 studied / 0 not]
    more_groups: int


def mandated_coverage(unit, year, *, limit=40):
    """Which mandated topics (规定专题 published at this unit or above) each group has studied in a session held
    from its plan's topic: the heatmap. It reads sessions of at most `limit` groups (the chart shows no
    more), not the maintained figures, which do not keep topics one by one."""
    from meetings.models import TAKING_PART, Participation, SessionStatus
    from plans.models import MandatedTopic, Topic

    ancestors = [int(x) for x in unit.path.strip("/").split("/") if x]
    mandated = list(MandatedTopic.objects.filter(guidance__unit_id__in=ancestors, guidance__year=year,
                                                 guidance__published_at__isnull=False)
                    .order_by("guidance__unit__depth", "guidance_id", "sort", "id").values_list("pk", "title"))
    all_groups = subtree_groups(unit).order_by("unit__path")
    groups = list(all_groups.values_list("pk", "name")[:limit])
    gids = [g for g, _ in groups]
    topic_to_mandated = dict(Topic.objects.filter(mandated_id__in=[m for m, _ in mandated], plan__group_id__in=gids)
                             .values_list("pk", "mandated_id"))
    studied = {(gid, topic_to_mandated[tid]) for gid, tid in Participation.objects.filter(
        group_id__in=gids, state__in=TAKING_PART, session__plan_topic_id__in=list(topic_to_mandated),
        session__starts_at__year=year,
        session__starts_at__lte=timezone.now()).exclude(session__status=SessionStatus.CANCELLED)
        .values_list("group_id", "session__plan_topic_id")}
    cells = [[t, g, int((gid, mid) in studied)] for t, (mid, _) in enumerate(mandated)
             for g, (gid, _) in enumerate(groups)]
    return Coverage([title for _, title in mandated], [name for _, name in groups], cells,
                    max(0, all_groups.count() - len(groups)))


def first_item_delays(unit, year):
    """第一议题: for each (group, material) first studied this year in the subtree, the days from the material's
    publication to the group's first meeting on it, counted in the materials app's buckets (its timeliness page
    uses the same ones)."""
    from django.db.models import Min

    from materials.models import FirstItemMaterial
    from materials.selectors import BUCKETS, bucket_of

    counts = [0] * len(BUCKETS)
    for first, published in (FirstItemMaterial.objects.filter(group__in=subtree_groups(unit), meeting_date__year=year)
                             .values("group_id", "material_id").order_by()
                             .annotate(first=Min("meeting_date")).values_list("first", "material__published_on")):
        counts[bucket_of(max((first - published).days, 0))] += 1
    return [label for label, _, _ in BUCKETS], counts


@dataclass
class SupervisionSummary:
    groups: int
    visited: int  # groups with a 巡听 of one of their sessions this year
    rect_labels: list
    rect_counts: list  # rectifications raised this year, by status
    overdue: int  # not yet accepted and past their deadline

    @property
    def coverage(self):
        return round(100 * self.visited / self.groups, 1) if self.groups else None


def supervision_summary(unit, year, *, today=None):
    """巡听 coverage and open 整改 in the subtree (the supervision app's records)."""
    from django.db.models import Count

    from supervision.models import Rectification, RectStatus, Visit

    today = today or timezone.localdate()
    groups = subtree_groups(unit)
    visited = (Visit.objects.filter(group__in=groups, session__starts_at__year=year, cancelled=False)
               .values("group_id").distinct().count())
    rects = Rectification.objects.filter(group__in=groups, created__year=year)
    by_status = dict(rects.values("status").order_by().annotate(n=Count("pk")).values_list("status", "n"))
    overdue = rects.exclude(status=RectStatus.ACCEPTED).filter(due__lt=today).count()
    return SupervisionSummary(groups.count(), visited, [label for _, label in RectStatus.choices],
                              [by_status.get(value, 0) for value, _ in RectStatus.choices], overdue)


def supervised_unit_for(user, pk):
    """A unit inside one of the user's supervised subtrees, else 404 (a sibling supervisor sees nothing)."""
    unit = org_access.units_visible(user).filter(pk=pk).first()
    if unit is None or not org_access.can_supervise(user, unit):
        raise Http404("没有找到这个单位，或它不在您的督导范围内")
    return unit


def members_today(group):
    return list(Membership.objects.on(timezone.localdate()).filter(group=group).select_related("person")
                .order_by("role", "person__name").values_list("person__name", "role", "person__post"))


def task_prefill(task, group):
    """What the system already holds for a task, so the unit types nothing twice (一表通)."""
    from plans.selectors import approved_topics

    data = {}
    if task.kind == "plan":
        plan = StudyPlan.objects.filter(group=group, year=task.year, status=Status.APPROVED).order_by("-number").first()
        data["plan"] = plan.title if plan else "（尚无已审定的年度学习计划）"
        data["topics"] = list(approved_topics(StudyGroup.objects.filter(pk=group.pk), task.year)
                              .order_by("sort").values_list("title", flat=True))
        from orgs.models import Role
        labels = dict(Role.choices)
        data["members"] = [f"{name}（{labels.get(role, role)}{'，' + post if post else ''}）"
                           for name, role, post in members_today(group)]
    else:
        quarter = 2 if task.kind == "half_year" else None
        figures = period_figures(group.unit, task.year, quarter)
        row = next((r for r in figures.rows if r.group_id == group.pk), None)
        if row:
            data["figures"] = {"集体学习（次）": row.held, "研讨（次）": sum(row.seminars),
                               "参学率": f"{row.percent}%" if row.percent is not None else "—",
                               "计划专题（已学/应学）": f"{row.topics_done}/{row.topics_due}"}
    return data


TASK_STATES = ("已报送", "逾期报送", "未报送", "逾期未报")


def _late_from(task):
    """The first moment a submission is late (Submission.late): the day after the deadline begins, local time."""
    return timezone.make_aware(dt.datetime.combine(task.deadline + dt.timedelta(days=1), dt.time.min))


def _missing_state(task):
    return "逾期未报" if timezone.localdate() > task.deadline else "未报送"


def task_groups(task, state=None):
    """The open groups of the task's subtree in unit order (a queryset: the page shows 50 of a province's 10,000);
    with `state` (one of TASK_STATES), only the groups in that state."""
    groups = subtree_groups(task.unit).select_related("unit").order_by("unit__path", "pk")
    submitted = task.submissions.filter(group=OuterRef("pk"))
    if state in ("未报送", "逾期未报"):  # one of the two, by the deadline: the other has no groups
        return groups.filter(~Exists(submitted)) if state == _missing_state(task) else groups.none()
    if state == "已报送":
        return groups.filter(Exists(submitted.filter(submitted_at__lt=_late_from(task))))
    if state == "逾期报送":
        return groups.filter(Exists(submitted.filter(submitted_at__gte=_late_from(task))))
    return groups


def task_counts(task):
    """{state: number of groups} over the task's subtree, counted by the database; states with none left out."""
    groups = subtree_groups(task.unit)
    counted = task.submissions.filter(group__in=groups.values("pk")).aggregate(
        n=Count("id"), late=Count("id", filter=Q(submitted_at__gte=_late_from(task))))
    counts = {"已报送": counted["n"] - counted["late"], "逾期报送": counted["late"],
              _missing_state(task): groups.count() - counted["n"]}
    return {state: counts[state] for state in TASK_STATES if counts.get(state)}


def task_status(task, groups=None):
    """(group, submission or None, state) for `groups` (a page of task_groups, or a user's own groups), or for
    every open group of the task's subtree (the export)."""
    subs = task.submissions.all()  # the related manager: each submission's `task` is this one, not read again
    if groups is None:
        groups = task_groups(task)
    else:
        groups = list(groups)
        subs = subs.filter(group__in=[g.pk for g in groups])
    subs = {s.group_id: s for s in subs}
    missing = _missing_state(task)
    out = []
    for group in groups:
        sub = subs.get(group.pk)
        out.append((group, sub, ("逾期报送" if sub.late else "已报送") if sub else missing))
    return out


def ancestor_paths(path):
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def tasks_for_group_ids(group_ids):
    """Tasks addressed to these groups: those issued for a unit at or above each group's unit."""
    from .models import ReportTask

    paths = set()
    for path in StudyGroup.objects.filter(pk__in=group_ids).values_list("unit__path", flat=True):
        paths.update(ancestor_paths(path))
    return ReportTask.objects.filter(unit__path__in=paths).select_related("unit")


def task_addressed(task, group):
    return group.unit.path.startswith(task.unit.path) and group.unit.closed_on is None
