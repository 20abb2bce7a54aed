"""Keeping GroupFigures up to date. The write services of meetings, plans and orgs call these after each write,
in the same transaction, so a supervisor's page never recounts raw records.

Each refresh recounts the touched groups' year from the records in a fixed number of queries (whatever the
number of groups), so the maintained figures are by construction what `recount` says; a QR check-in, the hot
path, adds one to the stored counts instead.
"""

import datetime as dt
import threading
from collections import defaultdict
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from core import sql

from .models import MONTHS, PERIODS, QUARTERS, YEAR, GroupFigures

COUNTS = ("held", "seminars", "late_records", "expected", "attended", "late_arrivals", "leave", "absent")
TOPICS = ("has_plan", "topics_total", "topics_studied")
FIELDS = COUNTS + TOPICS
CHUNK = 300  # groups per recount: keeps IN lists well below SQLite's bound-parameter limit

_pending = threading.local()


def periods_of(day):
    """The year, quarter and month rows a session on this day counts in."""
    return (YEAR, QUARTERS[(day.month - 1) // 3], MONTHS[day.month - 1])


def recount(group_ids, year, *, now=None, topics=True):
    """Count from the records: ({(group_id, period): {field: value}}, {group_id: next session start}).

    A fixed number of queries for any number of groups. Topics come from meetings.selectors.plan_progress,
    the one place that decides which topic of which plan version a session studied."""
    from meetings.models import (
        ATTENDED,
        SEMINAR_FORMS,
        STATUS_BY_LABEL,
        TAKING_PART,
        Attendance,
        AttendanceStatus,
        Correction,
        Participation,
        SessionStatus,
        StudySession,
        parse_attendance_field,
    )
    from orgs.models import Membership

    now = now or timezone.now()
    gids = sorted(set(group_ids))
    figures = {(g, p): dict.fromkeys(FIELDS, 0) for g in gids for p in PERIODS}
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    # A 联学 counts for the groups taking part (host, accepted partners), not those invited, declined or gone.
    in_year = (Participation.objects.filter(group_id__in=gids, state__in=TAKING_PART, session__day__gte=start,
                                            session__day__lte=end)
               .exclude(session__status=SessionStatus.CANCELLED).order_by())
    held = in_year.filter(session__starts_at__lte=now)
    parts = list(held.values_list("session_id", "group_id", "session__day", "session__form", "session__late_record"))
    valid = dict(in_year.filter(session__starts_at__gt=now).values("group_id").annotate(first=Min("session__starts_at"))
                 .values_list("group_id", "first"))
    members = defaultdict(list)
    for gid, pid, s, e in (Membership.objects.filter(group_id__in=gids, start__lte=end)
                           .filter(Q(end__isnull=True) | Q(end__gte=start)).exclude(role="attendee")
                           .values_list("group_id", "person_id", "start", "end")):
        members[gid].append((pid, s, e))
    status = {}
    if parts:
        session_ids = held.values("session_id")
        for sid, gid, pid, st in Attendance.objects.filter(session_id__in=session_ids, group_id__in=gids).values_list(
                "session_id", "group_id", "person_id", "status"):
            status[(sid, gid, pid)] = st
        # An archived session is corrected by new records, never in place: the latest correction counts.
        for sid, field, value in (Correction.objects.filter(session_id__in=session_ids, field__startswith="attendance:")
                                  .order_by("at", "id").values_list("session_id", "field", "new_value")):
            gid, pid = parse_attendance_field(field)
            status[(sid, gid, pid)] = STATUS_BY_LABEL.get(value, value)
    # An archived session counts the people its frozen record lists, not today's memberships: a member imported
    # later with an earlier join date never changes it (issue 8, "Archive freezes").
    frozen = {}
    if parts:
        for sid, fz in StudySession.objects.filter(pk__in=session_ids, frozen__isnull=False).values_list(
                "pk", "frozen"):
            for g in (fz or {}).get("groups", []):
                frozen[(sid, g["group_id"])] = [ln["person_id"] for ln in g.get("lines", [])
                                                if ln.get("role") != "attendee" and ln.get("person_id")]
    for sid, gid, day, form, late in parts:
        rows = [figures[(gid, p)] for p in periods_of(day)]
        counts = dict.fromkeys(COUNTS, 0)
        counts["held"] = 1
        counts["seminars"] = int(form in SEMINAR_FORMS)
        counts["late_records"] = int(late)
        people = frozen.get((sid, gid))
        if people is None:
            people = [pid for pid, s, e in members[gid] if s <= day and (e is None or e >= day)]
        for pid in people:
            counts["expected"] += 1
            st = status.get((sid, gid, pid))
            if st in ATTENDED:
                counts["attended"] += 1
                counts["late_arrivals"] += st == AttendanceStatus.LATE
            elif st == AttendanceStatus.LEAVE:
                counts["leave"] += 1
            else:
                counts["absent"] += 1
        for row in rows:
            for k, v in counts.items():
                row[k] += v
    if topics:
        _count_topics(figures, gids, year)
    return figures, valid


def _count_topics(figures, gids, year):
    from meetings.selectors import plan_progress_on
    from orgs.models import StudyGroup

    groups = StudyGroup.objects.filter(pk__in=gids)
    # "Due by the end of month m" is plan_progress as read on the first day of the next month; the twelve
    # readings come from one pair of reads.
    days = [dt.date(year, m + 1, 1) if m < 12 else dt.date(year + 1, 1, 1) for m in range(1, 13)]
    progress = plan_progress_on(groups, year=year, days=days)
    for m, today in enumerate(days, start=1):
        for gid, p in progress[today].items():
            periods = [MONTHS[m - 1]] + ([QUARTERS[m // 3 - 1]] if m % 3 == 0 else []) + ([YEAR] if m == 12 else [])
            for period in periods:
                row = figures[(gid, period)]
                row["has_plan"] = True
                if period == YEAR:
                    row["topics_total"], row["topics_studied"] = p.total, p.done
                else:
                    row["topics_total"], row["topics_studied"] = p.due, p.done_due
            for period in PERIODS:
                figures[(gid, period)]["has_plan"] = True


def refresh(group_ids, year, *, topics=True, now=None):
    """Recount these groups' figures for the year and store them. Inside `batched()`, once at its end."""
    group_ids = {g for g in group_ids if g is not None}
    if not group_ids or year is None:
        return
    pending = getattr(_pending, "work", None)
    if pending is not None:
        pending[year][0].update(group_ids)
        pending[year][1] = pending[year][1] or topics
        return
    gids = sorted(group_ids)
    for i in range(0, len(gids), CHUNK):
        _store(gids[i:i + CHUNK], year, topics=topics, now=now)


@transaction.atomic
def _store(gids, year, *, topics, now=None):
    now = now or timezone.now()
    figures, valid = recount(gids, year, now=now, topics=topics)
    existing = GroupFigures.objects.filter(group_id__in=gids, year=year)
    if not topics:
        kept = {(g, p): t for g, p, *t in existing.values_list("group_id", "period", *TOPICS)}
        missing = {g for g in gids if (g, YEAR) not in kept}
        if missing:  # never stored: count the topics too
            figures.update({k: v for k, v in recount(missing, year, now=now)[0].items()})
        for key, values in kept.items():
            if key in figures:
                figures[key].update(zip(TOPICS, values, strict=True))
    existing.delete()
    GroupFigures.objects.bulk_create(
        [GroupFigures(group_id=g, year=year, period=p, computed_at=now, valid_until=valid.get(g), **values)
         for (g, p), values in figures.items()], batch_size=1000)


@contextmanager
def batched():
    """Collect refreshes (an import of 200 memberships) and run each group's once, at the end."""
    if getattr(_pending, "work", None) is not None:
        yield
        return
    _pending.work = defaultdict(lambda: [set(), False])
    try:
        yield
        work, _pending.work = _pending.work, None
        for year, (gids, topics) in sorted(work.items()):
            refresh(gids, year, topics=topics)
    finally:
        _pending.work = None


# ---- what the write services call (one line each) ------------------------------------------------------

def refresh_session(session, *, topics=True, years=()):
    """After scheduling, changing or cancelling a session (topics=True: it may study a plan topic), or recording
    attendance, leave or a correction on it (topics=False)."""
    group_ids = set(session.participations.values_list("group_id", flat=True))
    for year in {session.day.year, *years}:
        refresh(group_ids, year, topics=topics)


def refresh_plan(plan):
    """After a plan version is approved, revised or otherwise changes what is in force."""
    refresh([plan.group_id], plan.year, topics=True)


def refresh_memberships(group_id, start=None):
    """After memberships of a group change: every year the group has figures for from `start` on, and this year."""
    this_year = timezone.localdate().year
    years = set(GroupFigures.objects.filter(group_id=group_id, period=YEAR).values_list("year", flat=True))
    years = {y for y in years if start is None or y >= start.year} | {this_year}
    for year in sorted(years):
        refresh([group_id], year, topics=False)


def checkin_counted(*, session, group_id, status, now=None):
    """A QR check-in created one attendance row for a member (not 列席): add it to the stored counts
    (one UPDATE), unless the session has not started (it is not counted yet) or the stored figures are
    out of date (then recount the group)."""
    from meetings.models import ATTENDED, AttendanceStatus

    now = now or timezone.now()
    if session.starts_at > now or status not in ATTENDED:
        return
    late = int(status == AttendanceStatus.LATE)
    # Written out in SQL: it runs in every scan, under SQLite's write lock (meetings.services, the check-in).
    n = sql.write(
        "UPDATE stats_groupfigures SET attended = attended + 1, absent = absent - 1, "
        "late_arrivals = late_arrivals + %s WHERE group_id = %s AND year = %s AND period IN (%s, %s, %s) "
        "AND (valid_until IS NULL OR valid_until > %s) AND computed_at >= %s",
        [late, group_id, session.day.year, *periods_of(session.day), sql.value(now), sql.value(session.starts_at)])
    if n != 3:
        refresh([group_id], session.day.year, topics=True, now=now)


def rebuild(*, year=None, due_only=False, now=None, progress=None):
    """Recount every group's figures (or, with due_only, those whose next session has started since)."""
    from meetings.models import StudySession
    from orgs.models import StudyGroup

    now = now or timezone.now()
    if year is None:
        years = sorted({d.year for d in StudySession.objects.dates("day", "year")} | {timezone.localdate().year})
    else:
        years = [year]
    total = 0
    for y in years:
        if due_only:
            gids = list(GroupFigures.objects.filter(year=y, period=YEAR, valid_until__lte=now)
                        .values_list("group_id", flat=True))
        else:
            gids = list(StudyGroup.objects.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(gids), CHUNK):
            _store(gids[i:i + CHUNK], y, topics=True, now=now)
            total += len(gids[i:i + CHUNK])
            if progress:
                progress(y, total)
    return total
