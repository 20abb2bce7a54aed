"""Reads for pages, exports, the calendar feed and the supervisor's overview; plain dataclasses."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from orgs.models import ROLE_ORDER, Membership

from . import services
from .counts import membership_stamps, with_live_counts
from .models import (
    ATTENDED,
    SEMINAR_FORMS,
    Attendance,
    AttendanceStatus,
    CallOnDraw,
    Correction,
    Leave,
    MakeUp,
    Participation,
    Preparation,
    SessionStatus,
    StudySession,
)


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
    days = [s.day for s, _ in pairs]
    members = _memberships_by_group({g for _, g in pairs}, min(days), max(days))
    attended = defaultdict(set)
    for sid, gid, pid in Attendance.objects.filter(session_id__in={s.pk for s, _ in pairs},
                                                   status__in=ATTENDED).values_list("session_id", "group_id",
                                                                                     "person_id"):
        attended[(sid, gid)].add(pid)
    _apply_corrections(attended, {s.pk for s, _ in pairs})
    out = {}
    for session, gid in pairs:
        expected = _expected(members[gid], session.day)
        out[(session.pk, gid)] = Rate(len(attended[(session.pk, gid)] & expected), len(expected))
    return out


def _apply_corrections(attended, session_ids):
    """An archived session's attendance is corrected by new records, never in place: count the latest one."""
    labels = {s.label: s.value for s in AttendanceStatus}
    rows = Correction.objects.filter(session_id__in=session_ids, field__startswith="attendance:").order_by("at", "id")
    for sid, field_name, value in rows.values_list("session_id", "field", "new_value"):
        gid, pid = (int(x) for x in field_name.split(":")[1].split("-"))
        if labels.get(value, value) in ATTENDED:
            attended[(sid, gid)].add(pid)
        else:
            attended[(sid, gid)].discard(pid)


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


def group_sessions(group, *, year, month=None):
    qs = StudySession.objects.filter(participations__group=group, starts_at__year=year).exclude(
        status=SessionStatus.CANCELLED).select_related("group")
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


def session_attendance(session):
    day = session.day
    rows = {(a.group_id, a.person_id): a for a in Attendance.objects.filter(session=session)}
    leaves = {lv.person_id: lv for lv in Leave.objects.filter(session=session).order_by("requested_at", "id")}
    corrections = {c.field: c.new_value for c in Correction.objects.filter(session=session,
                                                                        field__startswith="attendance:")}
    out = []
    for p in session.participations.select_related("group").order_by("-is_host", "id"):
        memberships = Membership.objects.on(day).filter(group=p.group).select_related("person")
        lines = []
        for m in memberships:
            a = rows.get((p.group_id, m.person_id))
            lines.append(AttendanceLine(
                m.person_id, m.person.name, m.role, m.get_role_display(), a.status if a else "",
                a.get_status_display() if a else "未登记", a.source if a else "", a.checked_in_at if a else None,
                leaves.get(m.person_id), corrections.get(f"attendance:{p.group_id}-{m.person_id}", "")))
        lines.sort(key=lambda line: (ROLE_ORDER.get(line.role, 9), line.person_id))
        member_ids = {line.person_id for line in lines}
        others = [a for (gid, pid), a in rows.items() if gid == p.group_id and pid not in member_ids]
        out.append(GroupAttendance(p.group_id, p.group.name, p.is_host, p.venue, lines,
                                   attendance_rate(session, p.group), others))
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


def session_detail(session):
    five = services.five_checks(session)
    groups = session_attendance(session)
    draws = list(CallOnDraw.objects.filter(session=session).select_related("picked").order_by("drawn_at", "id"))
    for d in draws:
        d.verified = services.draw_verify(d)
    preps = list(Preparation.objects.filter(session=session).select_related("person").order_by("submitted_at", "id"))
    pending_reports = list(MakeUp.objects.filter(group=session.group, status="submitted",
                                                 session__starts_at__lt=session.starts_at)
                           .select_related("person", "session").order_by("session__starts_at", "id"))
    corrections = defaultdict(list)
    for c in Correction.objects.filter(session=session).select_related("by").order_by("at", "id"):
        corrections[c.field].append(c)
    return SessionDetail(
        session=session,
        participations=list(session.participations.select_related("group").order_by("-is_host", "id")),
        five=five, five_ok=all(ok for _, ok, _ in five), groups=groups, draws=draws, preparations=preps,
        prepared_ids={p.person_id for p in preps},
        leaves=list(Leave.objects.filter(session=session).select_related("person").order_by("requested_at", "id")),
        makeups=list(MakeUp.objects.filter(session=session).select_related("person").order_by("person_id")),
        pending_reports=pending_reports, corrections=dict(corrections),
        attachments=list(session.attachments.order_by("uploaded_at", "id")),
    )


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
    parts = Participation.objects.filter(group_id__in=group_ids, session__starts_at__year=year).exclude(
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
class GroupYear:
    group_id: int
    name: str
    unit_path: str
    held: int
    seminars_by_quarter: list
    quarters_without_seminar: list
    rate: Rate
    late: int
    below: bool


def _member_on(day_ref, person_ref=None):
    qs = Membership.objects.filter(start__lte=day_ref).filter(Q(end__isnull=True) | Q(end__gte=day_ref)).exclude(
        role="attendee")
    return qs if person_ref is None else qs.filter(person_id=person_ref)


def year_participations(groups, *, year, now=None):
    """Each (session, group) held this year with its expected and attended counts.

    A province supervisor's subtree holds ~10,000 groups, ~100,000 such pairs and ~2 million attendance rows:
    the counts stored on each Participation are read as they are, and only pairs whose group's memberships
    changed since they were counted (or never counted) are recounted here, in the database."""
    now = now or timezone.now()
    parts = (Participation.objects.filter(group__in=groups, session__starts_at__year=year,
                                          session__starts_at__lte=now)
             .exclude(session__status=SessionStatus.CANCELLED).order_by())
    rows = list(parts.values_list("pk", "session_id", "group_id", "session__day", "session__form",
                                  "session__late_record", "expected", "attended", "counts_stamp"))
    stamps = membership_stamps(Q(group__in=groups)) if rows else {}
    stale = [r[0] for r in rows if r[6] is None or r[8] != stamps.get(r[2], "")]
    live = {}
    for i in range(0, len(stale), 2000):  # below SQLite's bound-parameter limit
        chunk = Participation.objects.filter(pk__in=stale[i:i + 2000])
        live.update((pk, (e, a)) for pk, e, a in with_live_counts(chunk).values_list("pk", "live_expected",
                                                                                     "live_attended"))
    out = []
    for pk, sid, gid, day, form, late, expected, attended, _stamp in rows:
        if pk in live:
            expected, attended = live[pk]
        out.append((sid, gid, day, form, late, expected, attended))
    _correct_counts(out, groups, year)
    return out


def _correct_counts(rows, groups, year):
    """Attendance corrections on archived sessions are few: adjust the counts one by one."""
    latest = {}
    for c in (Correction.objects.filter(session__participations__group__in=groups, session__starts_at__year=year,
                                        field__startswith="attendance:").order_by("at", "id")
              .values_list("session_id", "field", "new_value")):
        latest[(c[0], c[1])] = c[2]
    if not latest:
        return
    labels = {s.label: s.value for s in AttendanceStatus}
    index = {(r[0], r[1]): i for i, r in enumerate(rows)}
    for (sid, field_name), value in latest.items():
        gid, pid = (int(x) for x in field_name.split(":")[1].split("-"))
        i = index.get((sid, gid))
        if i is None:
            continue
        day = rows[i][2]
        if not _member_on(day).filter(group_id=gid, person_id=pid).exists():
            continue
        was = Attendance.objects.filter(session_id=sid, group_id=gid, person_id=pid, status__in=ATTENDED).exists()
        now_attended = labels.get(value, value) in ATTENDED
        if was != now_attended:
            r = list(rows[i])
            r[6] += 1 if now_attended else -1
            rows[i] = tuple(r)


def overview(groups, *, year, threshold=90.0, today=None):
    """Per group: sessions held this year (against the rule of at least 12), quarters with no 研讨 so far,
    the year's attendance rate and late records."""
    today = today or timezone.localdate()
    stats = defaultdict(lambda: {"held": 0, "q": [0, 0, 0, 0], "att": 0, "exp": 0, "late": 0})
    for _sid, gid, day, form, late, expected, attended in year_participations(groups, year=year):
        st = stats[gid]
        st["held"] += 1
        if form in SEMINAR_FORMS:
            st["q"][(day.month - 1) // 3] += 1
        st["att"] += attended
        st["exp"] += expected
        st["late"] += late
    finished = [q for q in range(4) if year < today.year or (year == today.year and (q + 1) * 3 < today.month)]
    out = []
    for gid, name, path in groups.order_by("unit__path").values_list("pk", "name", "unit__path"):
        st = stats[gid]
        rate = Rate(st["att"], st["exp"])
        out.append(GroupYear(gid, name, path, st["held"], st["q"],
                             [f"第{q + 1}季度" for q in finished if st["q"][q] == 0], rate, st["late"],
                             rate.percent is not None and rate.percent < threshold))
    return out


def upcoming_for_person(person, *, since=None):
    since = since or timezone.now() - dt.timedelta(days=90)
    group_ids = Membership.objects.filter(person=person).filter(
        Q(end__isnull=True) | Q(end__gte=since.date())).values("group_id")
    return (StudySession.objects.filter(participations__group_id__in=group_ids, starts_at__gte=since)
            .exclude(status=SessionStatus.CANCELLED).distinct().order_by("starts_at", "id"))


ATTENDANCE_CHOICES = [(s.value, s.label) for s in AttendanceStatus]
