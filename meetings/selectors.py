"""Reads for pages, exports, the calendar feed and the supervisor's overview; plain dataclasses."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from core import sql
from orgs.models import ROLE_ORDER, Membership, Role

from . import services
from .models import (
    ATTENDED,
    RECORD_TEXTS,
    STATUS_BY_LABEL,
    TAKING_PART,
    Attachment,
    Attendance,
    AttendanceStatus,
    CallOnDraw,
    Correction,
    Leave,
    MakeUp,
    Participation,
    SessionStatus,
    StudySession,
    attendance_field,
    parse_attendance_field,
    record_body,
)

ROLE_LABELS = dict(Role.choices)


@dataclass
class Rate:
    attended: int
    expected: int

    @property
    def percent(self):
        return round(100 * self.attended / self.expected, 1) if self.expected else None


def _memberships_by_group(group_ids, start, end):
    """All memberships of these groups overlapping [start, end], grouped by group id."""
    rows = defaultdict(list)
    qs = Membership.objects.filter(group_id__in=group_ids, start__lte=end).filter(
        Q(end__isnull=True) | Q(end__gte=start)).exclude(role="attendee")
    for gid, pid, s, e in qs.values_list("group_id", "person_id", "start", "end"):
        rows[gid].append((pid, s, e))
    return rows


def _expected(memberships, day):
    return {pid for pid, s, e in memberships if s <= day and (e is None or e >= day)}


def rates_for(pairs):
    """pairs: [(session, group_id)] -> {(session_id, group_id): Rate}.

    Only people who were members (not 列席) on the session's day count, so someone who joined later is
    never absent from earlier sessions, and an attendance row for a non-member is ignored.
    """
    if not pairs:
        return {}
    out = {}
    frozen = [(s, g) for s, g in pairs if s.frozen is not None]
    if frozen:
        # An archived record counts as it was archived (its frozen lines), corrections applied.
        corrections = _latest_corrections({s.pk for s, _ in frozen})
        for session, gid in frozen:
            sheet = next((g for g in session.frozen["groups"] if g["group_id"] == gid), None)
            lines = [_frozen_line(ln, corrections.get((session.pk, attendance_field(gid, ln["person_id"])), ""))
                     for ln in (sheet["lines"] if sheet else [])]
            out[(session.pk, gid)] = _sheet_rate(lines)
        pairs = [(s, g) for s, g in pairs if s.frozen is None]
        if not pairs:
            return out
    days = [s.day for s, _ in pairs]
    members = _memberships_by_group({g for _, g in pairs}, min(days), max(days))
    attended = defaultdict(set)
    for sid, gid, pid in Attendance.objects.filter(session_id__in={s.pk for s, _ in pairs},
                                                   status__in=ATTENDED).values_list("session_id", "group_id",
                                                                                     "person_id"):
        attended[(sid, gid)].add(pid)
    _apply_corrections(attended, {s.pk for s, _ in pairs})
    for session, gid in pairs:
        expected = _expected(members[gid], session.day)
        out[(session.pk, gid)] = Rate(len(attended[(session.pk, gid)] & expected), len(expected))
    return out


def _apply_corrections(attended, session_ids):
    """An archived session's attendance is corrected by new records, never in place: count the latest one."""
    rows = Correction.objects.filter(session_id__in=session_ids, field__startswith="attendance:").order_by("at", "id")
    for sid, field_name, value in rows.values_list("session_id", "field", "new_value"):
        gid, pid = parse_attendance_field(field_name)
        if STATUS_BY_LABEL.get(value, value) in ATTENDED:
            attended[(sid, gid)].add(pid)
        else:
            attended[(sid, gid)].discard(pid)


def _latest_corrections(session_ids):
    """{(session id, Correction.field): latest new value} of the attendance corrections of these sessions."""
    out = {}
    for sid, f, value in Correction.objects.filter(session_id__in=session_ids, field__startswith="attendance:").order_by(
            "at", "id").values_list("session_id", "field", "new_value"):
        out[(sid, f)] = value
    return out


def _frozen_line(ln, corrected="", leave=None):
    checked = ln.get("checked_in_at")
    return AttendanceLine(ln["person_id"], ln["name"], ln["role"], ln["role_label"], ln["status"],
                          ln["status_label"], ln["source"], dt.datetime.fromisoformat(checked) if checked else None,
                          leave, corrected)


def attendance_rate(session, group):
    return rates_for([(session, group.pk)])[(session.pk, group.pk)]


@dataclass
class SessionRow:
    id: int
    title: str
    form: str
    starts_at: dt.datetime
    place: str
    status: str
    status_label: str
    late_record: bool
    is_host: bool
    host: str
    rate: Rate
    archived: bool


def sessions_of_group(group, year):
    """The group's sessions of the year: its own and the 联学 it takes part in (not one it was invited to,
    declined or left), not called off. Its page and its yearly archive list these."""
    return StudySession.objects.filter(participations__group=group, participations__state__in=TAKING_PART,
                                       starts_at__year=year).exclude(status=SessionStatus.CANCELLED)


def group_sessions(group, *, year, month=None):
    qs = sessions_of_group(group, year).select_related("group").defer(*RECORD_TEXTS)  # the rates read `frozen`
    if month:
        qs = qs.filter(starts_at__month=month)
    sessions = list(qs.order_by("starts_at", "id"))
    rates = rates_for([(s, group.pk) for s in sessions])
    rows = [SessionRow(s.pk, s.title, s.get_form_display(), s.starts_at, s.place, s.status, s.get_status_display(),
                       s.late_record, s.group_id == group.pk, s.group.name, rates[(s.pk, group.pk)], s.is_archived)
            for s in sessions]
    months = defaultdict(list)
    for r in rows:
        months[timezone.localtime(r.starts_at).month].append(r)
    return [(m, months[m], Rate(sum(r.rate.attended for r in months[m]), sum(r.rate.expected for r in months[m]
                                                                            if r.rate.attended)))
            for m in sorted(months)]


@dataclass
class AttendanceLine:
    person_id: int
    name: str
    role: str
    role_label: str
    status: str
    status_label: str
    source: str
    checked_in_at: dt.datetime | None
    leave: object = None
    corrected: str = ""


@dataclass
class GroupAttendance:
    group_id: int
    group_name: str
    is_host: bool
    venue: str
    lines: list
    rate: Rate
    others: list = field(default_factory=list)  # rows for people no longer/not yet members (ignored in rates)
    state: str = "host"
    state_label: str = "主办"
    missing_reason: str = ""
    # An invited group that has not accepted: the host sees its name and head counts, never its members.
    hidden: bool = False
    head_count: int = 0
    attendee_count: int = 0

    @property
    def taking_part(self):
        return self.state in TAKING_PART

    @property
    def unmarked(self):
        return sum(1 for line in self.lines if not line.status)

    @property
    def complete(self):
        """Every member's attendance is recorded, or the host recorded why it is not."""
        return bool(self.missing_reason) or (bool(self.lines) and not self.unmarked)


def _sheet_rate(lines):
    """The rate of one group's sheet, as rates_for counts it: members (not 列席) that day who were present or
    late, the latest correction standing in for the recorded status."""
    expected = {line.person_id for line in lines if line.role != "attendee"}
    attended = {line.person_id for line in lines if line.person_id in expected
                and (STATUS_BY_LABEL.get(line.corrected, line.corrected) if line.corrected else line.status)
                in ATTENDED}
    return Rate(len(attended), len(expected))


def _frozen_attendance(session, participations, leaves, corrections):
    """The frozen lines, with today's leaves ({person id: Leave}) and latest corrections ({field: value}) beside
    them."""
    states = {p.group_id: p for p in participations}
    out = []
    for g in session.frozen["groups"]:
        lines = [_frozen_line(ln, corrections.get(attendance_field(g["group_id"], ln["person_id"]), ""),
                              leaves.get(ln["person_id"])) for ln in g["lines"]]
        p = states.get(g["group_id"])
        attendees = sum(1 for line in lines if line.role == "attendee")
        out.append(GroupAttendance(g["group_id"], g["group_name"], g["is_host"], g["venue"], lines,
                                   _sheet_rate(lines), [], p.state if p else "host",
                                   p.get_state_display() if p else "主办", g.get("missing_reason", ""),
                                   head_count=len(lines) - attendees, attendee_count=attendees))
    return out


def session_attendance(session, *, live=False, participations=None, rows=None, leaves=None, corrections=None):
    """One sheet per participating group. An archived session reads as it was archived (`frozen`), with its
    corrections beside it; `live` recomputes from today's memberships (used once, to freeze it). The session
    page passes what it has already read, so a 联学 of 20 groups costs the same few queries as one group."""
    if participations is None:
        participations = list(session.participations.select_related("group").order_by("-is_host", "id"))
    if leaves is None:
        leaves = Leave.objects.filter(session=session).order_by("requested_at", "id")
    leaves = {lv.person_id: lv for lv in leaves}
    if corrections is None:
        corrections = Correction.objects.filter(session=session, field__startswith="attendance:").order_by("at", "id")
    # in order of time: the latest correction of a line wins
    corrections = {c.field: c.new_value for c in corrections if c.field.startswith("attendance:")}
    if session.frozen is not None and not live:
        return _frozen_attendance(session, participations, leaves, corrections)
    if rows is None:
        rows = sql.prepared("meetings.attendance", _attendance, session.pk)
    rows = {(a.group_id, a.person_id): a for a in rows}
    # Plain tuples, not Membership and Person objects: a 联学 of 20 groups has 400 lines, and building two model
    # instances per line cost more than the query.
    memberships = defaultdict(list)
    for gid, pid, name, role in sql.prepared("meetings.sheet_members", _sheet_members,
                                             [p.group_id for p in participations], session.day):
        memberships[gid].append((pid, name, role))
    status_labels = dict(Attendance._meta.get_field("status").flatchoices)
    by_group = defaultdict(list)
    for (gid, pid), a in rows.items():
        by_group[gid].append((pid, a))
    out = []
    for p in participations:
        if p.state not in TAKING_PART:
            # Not (or no longer) taking part: its name, state and head counts only — no names, roles or ids.
            ms = memberships[p.group_id]
            attendees = sum(1 for _, _, role in ms if role == "attendee")
            out.append(GroupAttendance(p.group_id, p.group.name, p.is_host, p.venue, [], Rate(0, 0), [], p.state,
                                       p.get_state_display(), p.missing_reason, True, len(ms) - attendees,
                                       attendees))
            continue
        lines = []
        for pid, name, role in memberships[p.group_id]:
            a = rows.get((p.group_id, pid))
            lines.append(AttendanceLine(
                pid, name, role, ROLE_LABELS.get(role, role), a.status if a else "",
                status_labels.get(a.status, a.status) if a else "未登记", a.source if a else "",
                a.checked_in_at if a else None, leaves.get(pid), corrections.get(attendance_field(p.group_id, pid), "")))
        lines.sort(key=lambda line: (ROLE_ORDER.get(line.role, 9), line.person_id))
        member_ids = {line.person_id for line in lines}
        others = [a for pid, a in by_group[p.group_id] if pid not in member_ids]
        out.append(GroupAttendance(p.group_id, p.group.name, p.is_host, p.venue, lines, _sheet_rate(lines), others,
                                   p.state, p.get_state_display(), p.missing_reason, False,
                                   sum(1 for ln in lines if ln.role != "attendee"),
                                   sum(1 for ln in lines if ln.role == "attendee")))
    return out


@dataclass
class SessionDetail:
    session: StudySession
    participations: list
    five: list
    five_ok: bool
    groups: list
    draws: list
    preparations: list
    prepared_ids: set
    leaves: list
    makeups: list
    pending_reports: list
    corrections: list
    attachments: list

    def effective(self, field_name):
        """A record field as it now reads: the latest correction (archived records are never rewritten)."""
        corrected = self.corrections.get(field_name)
        return corrected[-1].new_value if corrected else getattr(self.session, field_name)

    @property
    def attendance_marked(self):
        """Someone's attendance is recorded: the session was held, so it can no longer be cancelled."""
        return any(line.status and line.source != "leave" for g in self.groups for line in g.lines)


def session_detail(session):
    """Everything the session page shows. Each kind of record is read once (participations, attendance,
    leaves, corrections, attachments) and shared by the sheets and the 五落实 checks."""
    # Each read is compiled once per process (core.sql.prepared): the page is worked out anew after every scan of
    # a live session, and Django building these statements cost more than running them.
    participations = sql.prepared("meetings.detail.participations", _participations, session.pk)
    rows = sql.prepared("meetings.attendance", _attendance, session.pk)
    leaves = sql.prepared("meetings.detail.leaves", _leaves, session.pk)
    all_corrections = sql.prepared("meetings.detail.corrections", _corrections, session.pk)
    attachments = sql.prepared("meetings.detail.attachments", _attachments, session.pk)
    for row in (*participations, *attachments):
        row.session = session  # as session.participations and session.attachments would set it
    groups = session_attendance(session, participations=participations, rows=rows, leaves=leaves,
                                corrections=all_corrections)
    five = services.five_checks(session, sheets=groups, marked=bool(rows), attachments=attachments)
    draws = sql.prepared("meetings.detail.draws", _draws, session.pk)
    for d in draws:
        d.verified = services.draw_verify(d)
    preps = sql.prepared("meetings.detail.preparations", _preparations, session.pk)
    pending_reports = sql.prepared("meetings.detail.pending_reports", _pending_reports, session.group_id,
                                   session.starts_at)
    corrections = defaultdict(list)
    for c in all_corrections:
        corrections[c.field].append(c)
    return SessionDetail(
        session=session, participations=participations,
        five=five, five_ok=all(ok for _, ok, _ in five), groups=groups, draws=draws, preparations=preps,
        prepared_ids={p.person_id for p in preps}, leaves=leaves,
        makeups=sql.prepared("meetings.detail.makeups", _makeups, session.pk),
        pending_reports=pending_reports, corrections=dict(corrections), attachments=attachments,
    )


# The session page's reads, for core.sql.prepared: built once with stand-in values, so no branching on them.

def _participations(session_id):
    return Participation.objects.filter(session_id=session_id).select_related("group__unit").order_by("-is_host", "id")


def _attendance(session_id):
    return Attendance.objects.filter(session_id=session_id)


def _leaves(session_id):
    return Leave.objects.filter(session_id=session_id).select_related("person").order_by("requested_at", "id")


def _corrections(session_id):
    return Correction.objects.filter(session_id=session_id).select_related("by").order_by("at", "id")


def _attachments(session_id):
    return Attachment.objects.filter(session_id=session_id).order_by("uploaded_at", "id")


def _sheet_members(group_ids, day):
    return Membership.objects.on(day).filter(group_id__in=group_ids).values_list("group_id", "person_id",
                                                                                 "person__name", "role")


def _draws(session_id):
    return CallOnDraw.objects.filter(session_id=session_id).select_related("picked").order_by("drawn_at", "id")


def _preparations(session_id):
    # 发言材料 are writings now; a draft is its author's alone, so only submitted ones count here. Who prepared,
    # not what: the text is left out.
    from writings.models import SHARED_STATUSES, Kind, Writing

    return (Writing.objects.filter(session_id=session_id, kind=Kind.STATEMENT, status__in=SHARED_STATUSES)
            .select_related("person").defer("text").order_by("submitted_at", "id"))


def _pending_reports(group_id, before):
    return (MakeUp.objects.filter(group_id=group_id, status="submitted", session__starts_at__lt=before)
            .select_related("person", "session").defer("reflection", *record_body("session__"))
            .order_by("session__starts_at", "id"))


def _makeups(session_id):
    return MakeUp.objects.filter(session_id=session_id).select_related("person").defer("reflection").order_by("person_id")


@dataclass
class MemberYearRow:
    session_id: int
    title: str
    starts_at: dt.datetime
    group: str
    status_label: str
    counted: bool


def member_year(person, year):
    """A person's attendance over the year, only for sessions held while they were a member."""
    memberships = list(Membership.objects.filter(person=person).exclude(role="attendee"))
    group_ids = {m.group_id for m in memberships}
    parts = Participation.objects.filter(group_id__in=group_ids, session__starts_at__year=year,
                                         state__in=TAKING_PART).exclude(
        session__status=SessionStatus.CANCELLED).select_related("session", "group")
    marks = {(a.session_id, a.group_id): a for a in Attendance.objects.filter(person=person,
                                                                             session__starts_at__year=year)}
    rows, attended, expected = [], 0, 0
    now = timezone.now()
    for p in sorted(parts, key=lambda p: (p.session.starts_at, p.session_id)):
        day = p.session.day
        if not any(m.group_id == p.group_id and m.start <= day and (m.end is None or m.end >= day)
                   for m in memberships):
            continue
        a = marks.get((p.session_id, p.group_id))
        held = p.session.starts_at <= now
        if held:
            expected += 1
            attended += bool(a and a.status in ATTENDED)
        rows.append(MemberYearRow(p.session_id, p.session.title, p.session.starts_at, p.group.name,
                                  a.get_status_display() if a else ("未登记" if held else "未举行"), held))
    return rows, Rate(attended, expected)


@dataclass
class PlanProgress:
    """Topics of the group's approved plan: how many, how many are due by now, how many have been studied."""

    total: int
    due: int
    done: int
    done_due: int  # studied among the due ones

    @property
    def behind(self):
        return self.done_due < self.due


def topic_sessions(*, group, line):
    """THE definition of "a plan topic's sessions", used by the plan page's per-topic progress and by the
    supervisor's 计划专题 column (plan_progress) alike: sessions, not cancelled, in which `group` takes part
    (host or accepted 联学 partner), scheduled from any version's copy of the topic (same `line`).

    `group` is a value, an OuterRef, a list or a queryset of groups; `line` a value, an OuterRef, a list, or
    None for any topic. Held = starts_at <= now."""
    if isinstance(group, QuerySet):
        groups = {"group_id__in": group.values("pk")}
    elif isinstance(group, list | tuple | set):
        groups = {"group_id__in": list(group)}
    else:
        groups = {"group_id": group}
    qs = Participation.objects.filter(**groups, state__in=TAKING_PART).exclude(
        session__status=SessionStatus.CANCELLED)
    if line is None:
        return qs.filter(session__plan_topic__isnull=False)
    if isinstance(line, list | tuple | set):
        return qs.filter(session__plan_topic__line__in=list(line))
    return qs.filter(session__plan_topic__line=line)


@dataclass
class TopicSession:
    session_id: int
    title: str
    day: dt.date
    host: str
    held: bool
    archived: bool


def topic_progress(plan, now=None):
    """{topic line: [TopicSession]} for a plan's topics, oldest first: scheduled, studied on which day, where."""
    now = now or timezone.now()
    lines = list(plan.topics.values_list("line", flat=True))
    out = defaultdict(list)
    rows = (topic_sessions(group=plan.group_id, line=lines).select_related("session__group", "session__plan_topic")
            .order_by("session__starts_at", "session_id"))
    for p in rows:
        s = p.session
        out[s.plan_topic.line].append(TopicSession(s.pk, s.title, s.day, s.group.name, s.starts_at <= now,
                                                   s.is_archived))
    return dict(out)


def plan_progress(groups, *, year, today=None):
    """{group_id: PlanProgress} against each group's approved plan for the year.

    A topic is studied when a session held so far, in which the group took part, was scheduled from it (from
    this version's copy of the topic or an earlier one: see topic_sessions); it is due when its month has
    ended (a topic with no month is due at the year's end)."""
    today = today or timezone.localdate()
    return plan_progress_on(groups, year=year, days=[today])[today]


def plan_progress_on(groups, *, year, days):
    """{day: {group_id: PlanProgress}}: plan_progress as read on each of `days`, from the same two reads (the
    stats recount asks for the twelve month ends of a year at once)."""
    from plans.selectors import approved_topics

    topics = list(approved_topics(groups, year).values_list("plan__group_id", "line", "month"))
    if not topics:
        return {day: {} for day in days}
    # Two flat reads counted here, not a correlated EXISTS per topic: without fresh statistics PostgreSQL may
    # plan that EXISTS as a scan of every version's topics per topic (minutes for the demo city in a test).
    scope = groups if isinstance(groups, QuerySet) else [getattr(g, "pk", g) for g in groups]
    held = set(topic_sessions(group=scope, line=None)
               .filter(session__starts_at__lte=timezone.now())
               .values_list("group_id", "session__plan_topic__line").distinct())
    out = {}
    for day in days:
        counts = defaultdict(lambda: [0, 0, 0, 0])
        for gid, line, month in topics:
            due = year < day.year if year != day.year else month is not None and month < day.month
            studied = (gid, line) in held
            c = counts[gid]
            c[0] += 1
            c[1] += due
            c[2] += studied
            c[3] += due and studied
        out[day] = {gid: PlanProgress(*c) for gid, c in counts.items()}
    return out


def overview(groups, *, year, threshold=90.0, today=None):
    """Per group: sessions held this year (against the rule of at least 12), the approved plan's topics
    studied against those due, quarters with no 研讨 so far, the year's attendance rate and late records.

    Read from the figures the stats app maintains (one row per group and period); pages use
    stats.selectors.overview, which pages the groups and sums them by unit."""
    from stats import selectors as stats_selectors

    stats_selectors.ensure_fresh(groups, year)
    rows = stats_selectors.year_rows(groups, year=year, threshold=threshold, today=today)
    return stats_selectors.group_rows(rows.order_by("group__unit__path", "group_id"), year=year,
                                      threshold=threshold, today=today)


def upcoming_for_person(person, *, since=None):
    since = since or timezone.now() - dt.timedelta(days=90)
    group_ids = Membership.objects.filter(person=person).filter(
        Q(end__isnull=True) | Q(end__gte=since.date())).values("group_id")
    return (StudySession.objects.filter(participations__group_id__in=group_ids, participations__state__in=TAKING_PART,
                                        starts_at__gte=since)
            .exclude(status=SessionStatus.CANCELLED).distinct().order_by("starts_at", "id"))


ATTENDANCE_CHOICES = AttendanceStatus.choices
