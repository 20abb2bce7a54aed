"""Reads for pages and exports, as plain dataclasses; the page, the .docx and the .xlsx share them."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone
from rapidfuzz import fuzz

from core import sql
from core.cleaning import PUNCT_RE
from integrity.reuse_report import threshold
from orgs import access
from orgs.models import StudyGroup, Unit

from .access import plans_visible
from .models import Adoption, CopyFlag, Guidance, ReferenceTopic, Status, StudyPlan, Topic
from .numbers import cn_number
from .services import ancestor_unit_ids, mandated_for, mandated_for_units, references_for


@dataclass
class TopicRow:
    no: int
    title: str
    kind: str
    kind_label: str
    month: int | None
    planned_on: dt.date | None
    format_label: str
    lead: str
    materials: str
    notes: str
    mandated_id: int | None
    from_reference: bool
    id: int = 0
    line: object = None
    materials_linked: list = field(default_factory=list)  # [(id, title)] from the library
    sessions: list = field(default_factory=list)  # meetings.selectors.TopicSession, oldest first

    @property
    def studied(self):
        return [s for s in self.sessions if s.held]

    @property
    def scheduled(self):
        return [s for s in self.sessions if not s.held]

    @property
    def cn_no(self):
        return cn_number(self.no)


@dataclass
class MandatedRow:
    id: int
    title: str
    kind_label: str
    issuer: str


@dataclass
class FlagRow:
    id: int
    similarity: float
    plan_id: int
    plan_label: str
    other_id: int
    other_label: str
    other_visible: bool
    passages: list


@dataclass
class PlanDoc:
    id: int
    unit_name: str
    title: str
    year: int
    number: int
    status: str
    status_label: str
    reason: str
    preamble: str
    requirements: str
    return_comment: str
    approved_on: dt.date | None
    reported_at: dt.datetime | None
    topics: list
    uncovered: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    versions: list = field(default_factory=list)  # [(id, number, status_label)], oldest first

    @property
    def is_latest(self):
        return not self.versions or self.versions[-1][0] == self.id


def _topic_rows(plan, progress=None):
    progress = progress or {}
    return [
        TopicRow(i, t.title, t.kind, t.get_kind_display(), t.month, t.planned_on, t.get_format_display(), t.lead,
                 t.materials, t.notes, t.mandated_id, t.reference_id is not None, t.pk, t.line,
                 [(m.pk, m.title) for m in t.library_materials.all()], progress.get(t.line, []))
        for i, t in enumerate(sql.prepared("plans.topics", _topics, plan.pk), start=1)
    ]


def _topics(plan_id):
    return Topic.objects.filter(plan_id=plan_id).prefetch_related("library_materials")


def _clean(text):
    return PUNCT_RE.sub("", text or "")


def uncovered_mandated(mandated, topics):
    """Of the `mandated_for` topics, those the plan does not cover: not linked by a topic and not named by one."""
    linked = {t.mandated_id for t in topics if t.mandated_id}
    titles = [_clean(t.title) for t in topics]
    out = []
    for m in mandated:
        if m.id in linked:
            continue
        want = _clean(m.title)
        if any(want and (want in t or fuzz.ratio(want, t) >= 90) for t in titles):
            continue
        out.append(MandatedRow(m.id, m.title, m.get_kind_display(), m.guidance.unit.name))
    return out


def flag_rows(flags, user):
    visible = set(plans_visible(user).filter(id__in=[f.other_id for f in flags] + [f.plan_id for f in flags])
                  .values_list("id", flat=True)) if flags else set()

    def label(p):
        return f"{p.group.unit.name} {p.year}年 第{p.number}版"

    return [FlagRow(f.id, f.similarity, f.plan_id, label(f.plan), f.other_id,
                    label(f.other) if f.other_id in visible else "其他单位的计划（无权查看单位）",
                    f.other_id in visible, f.passages) for f in flags]


def plan_document(plan, user=None, *, with_progress=False):
    progress = None
    if with_progress:
        # The same definition of "studied" as the supervisor's 计划专题 column (meetings.selectors.topic_sessions).
        from meetings.selectors import topic_progress

        progress = topic_progress(plan)
    topics = _topic_rows(plan, progress)
    doc = PlanDoc(
        plan.id, plan.group.unit.name, plan.title, plan.year, plan.number, plan.status,
        plan.get_status_display(), plan.reason, plan.preamble, plan.requirements, plan.return_comment,
        timezone.localdate(plan.decided_at) if plan.status == Status.APPROVED and plan.decided_at else None,
        plan.reported_at, topics,
    )
    # The page's reads are compiled once per process (core.sql.prepared).
    doc.uncovered = uncovered_mandated(
        sql.prepared("plans.mandated", mandated_for_units, ancestor_unit_ids(plan.group), plan.year), topics)
    doc.versions = [(p.id, p.number, p.get_status_display())
                    for p in sql.prepared("plans.versions", _versions, plan.group_id, plan.year)]
    if user is not None:
        doc.flags = flag_rows(sql.prepared("plans.flags", _flags, plan.pk, float(copy_threshold())), user)
    return doc


def _versions(group_id, year):
    return StudyPlan.objects.filter(group_id=group_id, year=year).order_by("number")


def _flags(plan_id, threshold):
    return (CopyFlag.objects.filter(Q(plan_id=plan_id) | Q(other_id=plan_id), similarity__gte=threshold)
            .select_related("plan__group__unit", "other__group__unit").order_by("-similarity", "id"))


def _nearest(deadlines, unit_ids, default):
    """The nearest supervisor's deadline wins: `unit_ids` run from the root down to the group's unit."""
    return next((deadlines[u] for u in reversed(unit_ids) if u in deadlines), default)


def deadline_for(group, year):
    ids = ancestor_unit_ids(group)
    deadlines = dict(Guidance.objects.filter(unit_id__in=ids, year=year, published_at__isnull=False)
                     .values_list("unit_id", "report_deadline"))
    return _nearest(deadlines, ids, Guidance.default_deadline(year))


@dataclass
class InboxRow:
    id: int
    title: str
    description: str
    materials: str
    issuer: str
    sent_at: dt.datetime
    adopted_at: dt.datetime | None


@dataclass
class GroupOverview:
    year: int
    plans: list  # StudyPlan rows, newest version first
    inbox: list
    mandated: list
    deadline: dt.date
    current: object = None


def group_overview(group, year):
    plans = list(StudyPlan.objects.filter(group=group).order_by("-year", "-number"))
    adopted = dict(Adoption.objects.filter(group=group).values_list("reference_id", "adopted_at"))
    inbox = [InboxRow(r.id, r.title, r.description, r.materials, r.unit.name, r.sent_at, adopted.get(r.id))
             for r in references_for(group, year).select_related("unit")]
    mandated = [MandatedRow(m.id, m.title, m.get_kind_display(), m.guidance.unit.name)
                for m in mandated_for(group, year)]
    current = next((p for p in plans if p.year == year), None)
    return GroupOverview(year, plans, inbox, mandated, deadline_for(group, year), current)


# ---- supervision ----------------------------------------------------------------------------------------

@dataclass
class ReportRow:
    group_id: int
    unit_name: str
    plan_id: int | None
    number: int | None
    status_label: str
    reported_at: dt.datetime | None
    deadline: dt.date
    state: str  # on_time | late | overdue | pending
    state_label: str
    adoptions: list = field(default_factory=list)  # per reference column: datetime | None | "—"


STATE_LABELS = {"on_time": "按时报送", "late": "逾期报送", "overdue": "逾期未报送", "pending": "未报送"}


@dataclass
class Supervision:
    unit: object
    year: int
    rows: list
    references: list
    flags: list
    guidance: object
    counts: dict
    total: int


def subtree_groups(unit):
    return (StudyGroup.objects.filter(unit__path__startswith=unit.path, unit__closed_on__isnull=True)
            .exclude(unit=unit).select_related("unit").order_by("unit__path"))


def supervision(user, unit, year, *, only=None, offset=0, limit=200):
    today = timezone.localdate()
    groups_qs = subtree_groups(unit)
    # Guidance and references that reach some group of the subtree: issued in it or above it.
    reaching = Q(unit__path__startswith=unit.path) | Q(unit_id__in=unit.ancestor_ids() + [unit.id])
    deadlines = dict(Guidance.objects.filter(reaching, year=year, published_at__isnull=False)
                     .values_list("unit_id", "report_deadline"))
    default = Guidance.default_deadline(year)
    plans = StudyPlan.objects.filter(group__in=groups_qs, year=year)
    first_report = dict(plans.values("group_id").annotate(r=Min("reported_at")).values_list("group_id", "r"))
    latest = {}
    for p in plans.order_by("group_id", "number").values("id", "group_id", "number", "status"):
        latest[p["group_id"]] = p
    refs = list(ReferenceTopic.objects.filter(reaching, year=year).select_related("unit").order_by("sent_at", "id"))
    adopted = {(a, g): at for a, g, at in Adoption.objects.filter(reference__in=refs, group__in=groups_qs)
               .values_list("reference_id", "group_id", "adopted_at")}
    rows, counts = [], dict.fromkeys(STATE_LABELS, 0)
    # Plain tuples: a province root has ~10,000 groups and model instances would double the page time.
    for gid, unit_name, path in groups_qs.values_list("id", "unit__name", "unit__path"):
        deadline = _nearest(deadlines, [int(x) for x in path.strip("/").split("/")], default)
        reported = first_report.get(gid)
        if reported:
            state = "on_time" if timezone.localdate(reported) <= deadline else "late"
        else:
            state = "overdue" if today > deadline else "pending"
        counts[state] += 1
        if only == "missing" and reported:
            continue
        p = latest.get(gid)
        row = ReportRow(gid, unit_name, p["id"] if p else None, p["number"] if p else None,
                        Status(p["status"]).label if p else "未制定", reported, deadline, state, STATE_LABELS[state])
        row.adoptions = [adopted.get((r.id, gid)) if path.startswith(r.unit.path) else "—" for r in refs]
        rows.append(row)
    total = len(rows)
    flags = list(CopyFlag.objects.filter(plan__year=year, similarity__gte=copy_threshold()).filter(
        Q(plan__group__unit__path__startswith=unit.path) | Q(other__group__unit__path__startswith=unit.path))
        .select_related("plan__group__unit", "other__group__unit").order_by("-similarity", "id")[:100])
    guidance = Guidance.objects.filter(unit=unit, year=year).prefetch_related("topics").first()
    return Supervision(unit, year, rows[offset:offset + limit], refs, flag_rows(flags, user), guidance, counts, total)


def copy_threshold():
    """Today's reuse threshold for plans: a flag stored under a lower one is no longer shown (see reuse_report)."""
    return threshold("plan")


def supervised_roots(user):
    return access.supervised_roots(user)


def unit_choices(roots):
    """The supervisor's roots (from `supervised_roots`) and the units one level below, for the unit picker."""
    below = Unit.objects.filter(parent__in=roots, closed_on__isnull=True).order_by("path")
    return roots + list(below)


def approved_topics(groups, year):
    """The topics of each group's plan in force for the year: its latest approved version.

    Other apps (the sessions overview, the demo seed) measure work against the plan through this one
    query rather than reading plan versions themselves.
    """
    newer = StudyPlan.objects.filter(group=OuterRef("group"), year=year, status=Status.APPROVED,
                                     number__gt=OuterRef("number"))
    in_force = StudyPlan.objects.filter(group__in=groups, year=year, status=Status.APPROVED).exclude(Exists(newer))
    return Topic.objects.filter(plan__in=in_force.values("pk"))
