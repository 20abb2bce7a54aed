"""Reads and reports of the supervision app, returning plain dataclasses (pages, exports and the API share them)."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils.module_loading import import_string

from orgs.models import StudyGroup, Unit

from .access import subtree_groups
from .models import (
    OPEN_RECT,
    InspectionResult,
    Rectification,
    RectStatus,
    Visit,
    VisitKind,
    VisitScore,
)

# Groups already visited in an earlier year of the coverage window are half as likely to be drawn again,
# so the draw fills the coverage gap first.
COVERED_WEIGHT = 0.5


@dataclass
class FocusCandidate:
    group_id: int
    reason: str
    source: str


def manual_focus(plan):
    return [FocusCandidate(t.group_id, t.reason, t.source) for t in plan.focus_targets.all()]


def integrity_focus(plan):
    """Groups with unexplained integrity flags this year, when an `integrity` app offers them. The app is
    being built in parallel; it is asked through one optional function so this file need not change."""
    if not apps.is_installed("integrity"):
        return []
    try:
        flagged = import_string("integrity.selectors.unexplained_flag_group_ids")
    except ImportError:
        return []
    ids = set(flagged(group_ids=list(subtree_groups(plan.unit).values_list("pk", flat=True)), year=plan.year))
    return [FocusCandidate(gid, "本年度存在未说明的记录真实性疑点", "integrity") for gid in sorted(ids)]


def focus_candidates(plan):
    """重点对象: the union of the sources named in SUPERVISION_FOCUS_SOURCES (the manual list first)."""
    paths = getattr(settings, "SUPERVISION_FOCUS_SOURCES",
                    ["supervision.selectors.manual_focus", "supervision.selectors.integrity_focus"])
    seen, out = set(), []
    for path in paths:
        for c in import_string(path)(plan):
            if c.group_id not in seen:
                seen.add(c.group_id)
                out.append(c)
    return out


def draw_inputs(plan, exclusions):
    """(candidate ids ascending, weights, automatically excluded {id: reason}) for a 随机 draw."""
    group_ids = list(subtree_groups(plan.unit).order_by("pk").values_list("pk", flat=True))
    planned = set(Visit.objects.filter(plan=plan, cancelled=False).values_list("group_id", flat=True))
    auto = {gid: "本年度已安排旁听" for gid in group_ids if gid in planned}
    focus = {c.group_id for c in focus_candidates(plan)}
    first_year = plan.year - plan.coverage_years + 1
    covered_before = set(Visit.objects.filter(plan__unit=plan.unit, plan__year__gte=first_year,
                                              plan__year__lt=plan.year, cancelled=False)
                         .values_list("group_id", flat=True))
    weight = float(getattr(settings, "SUPERVISION_FOCUS_WEIGHT", 3.0))
    candidates, weights = [], []
    for gid in group_ids:
        if gid in auto or gid in exclusions:
            continue
        w = weight if gid in focus else 1.0
        if gid in covered_before:
            w *= COVERED_WEIGHT
        candidates.append(gid)
        weights.append(w)
    return candidates, weights, auto


@dataclass
class CoverageRow:
    unit_id: int
    name: str
    groups: int = 0
    covered: int = 0
    planned: int = 0

    @property
    def percent(self):
        return round(100 * self.covered / self.groups) if self.groups else 0


@dataclass
class Coverage:
    total: int
    covered: int  # visited (feedback given) within the coverage window
    planned: int  # has a visit planned this year, not yet visited
    uncovered: int
    rows: list = field(default_factory=list)  # per unit directly below the plan's unit
    by_kind: dict = field(default_factory=dict)

    @property
    def percent(self):
        return round(100 * self.covered / self.total) if self.total else 0


def coverage(plan):
    """Coverage so far: every group below the plan's unit at least once in `coverage_years` years.
    One query for the groups, one for the visits; grouped by the unit directly below in Python (a path split)."""
    first_year = plan.year - plan.coverage_years + 1
    groups = list(subtree_groups(plan.unit).values_list("pk", "unit__path"))
    visits = Visit.objects.filter(plan__unit=plan.unit, plan__year__gte=first_year, plan__year__lte=plan.year,
                                  cancelled=False)
    covered = set(visits.filter(feedback_at__isnull=False).values_list("group_id", flat=True))
    planned = set(visits.filter(plan=plan, feedback_at__isnull=True).values_list("group_id", flat=True)) - covered
    depth = plan.unit.path.count("/")
    children = dict(Unit.objects.filter(parent=plan.unit).values_list("pk", "name"))
    rows = {uid: CoverageRow(uid, name) for uid, name in children.items()}
    for gid, path in groups:
        child = int(path.split("/")[depth]) if path.count("/") > depth else None
        row = rows.get(child)
        if row is None:
            continue
        row.groups += 1
        row.covered += gid in covered
        row.planned += gid in planned
    by_kind = dict(Visit.objects.filter(plan=plan, cancelled=False).values_list("kind").annotate(n=Count("id"))
                   .values_list("kind", "n"))
    ids = {gid for gid, _ in groups}
    n_cov, n_plan = len(covered & ids), len(planned & ids)
    return Coverage(total=len(ids), covered=n_cov, planned=n_plan, uncovered=len(ids) - n_cov - n_plan,
                    rows=sorted(rows.values(), key=lambda r: r.name),
                    by_kind={k.label: by_kind.get(k.value, 0) for k in VisitKind})


def uncovered_groups(plan, limit=50):
    first_year = plan.year - plan.coverage_years + 1
    seen = Visit.objects.filter(plan__unit=plan.unit, plan__year__gte=first_year, plan__year__lte=plan.year,
                                cancelled=False).values("group_id")
    return subtree_groups(plan.unit).exclude(pk__in=seen).select_related("unit")[:limit]


def visit_totals(visits):
    """{visit id: total score} in one query."""
    return dict(VisitScore.objects.filter(visit__in=visits).values_list("visit").annotate(t=Sum("score"))
                .values_list("visit", "t"))


def overdue_feedback(visits, today):
    return (visits.filter(feedback_at__isnull=True, feedback_due__lt=today, cancelled=False)
            | visits.filter(feedback_at__isnull=True, feedback_due__isnull=True, session__day__lt=today,
                            cancelled=False)).distinct()


def rect_buckets(rects, today):
    open_ = rects.filter(status__in=OPEN_RECT)
    return {"open": open_.count(), "overdue": open_.filter(due__lt=today).count(),
            "submitted": rects.filter(status=RectStatus.SUBMITTED).count(),
            "accepted": rects.filter(status=RectStatus.ACCEPTED).count()}


@dataclass
class SummaryRow:
    target_id: int
    group: str
    inspector: str
    scores: list  # per item, None when not yet scored
    total: object
    problems: int
    rect_open: int
    rect_closed: int


def inspection_summary(inspection):
    """The 专题督查 summary table: one row per unit, one column per item, totals, problems and 整改."""
    items = list(inspection.checklist.items.all())
    targets = list(inspection.targets.select_related("group", "inspector__person"))
    results = defaultdict(dict)
    problems = defaultdict(int)
    for r in InspectionResult.objects.filter(target__inspection=inspection):
        results[r.target_id][r.item_id] = r.score
        problems[r.target_id] += bool(r.problem)
    rects = defaultdict(lambda: [0, 0])
    for tid, status, n in (Rectification.objects.filter(target__inspection=inspection)
                           .values_list("target_id", "status").annotate(n=Count("id"))):
        rects[tid][status == RectStatus.ACCEPTED] += n
    rows = []
    for t in targets:
        scores = [results[t.pk].get(i.pk) for i in items]
        done = [s for s in scores if s is not None]
        rows.append(SummaryRow(t.pk, t.group.name, t.inspector.person.name if t.inspector else "",
                               scores, sum(done) if done else None, problems[t.pk], rects[t.pk][0], rects[t.pk][1]))
    return items, rows


def groups_with_plans(group):
    """Plans of supervising units above a group (for a group inviting observers), newest year first."""
    ids = group.unit.ancestor_ids()
    from .models import SupervisionPlan

    return SupervisionPlan.objects.filter(unit_id__in=ids).select_related("unit").order_by("-year", "-unit__depth")


def group_visits_q(group_ids):
    return Q(group_id__in=group_ids, cancelled=False)


def focus_groups(plan):
    return StudyGroup.objects.filter(pk__in=[c.group_id for c in focus_candidates(plan)]).select_related("unit")

