"""Per (session, group) attendance counts, and the stamp that says whether stored counts still hold.

A province supervisor's overview sums ~100,000 (session, group) pairs over ~2 million attendance rows.
Counting them on every view took seconds, so each Participation stores its `expected` and `attended`
counts, written by the services that change attendance. The counts also depend on dated memberships,
which the orgs app changes without telling this app; so each stored count carries a stamp of its group's
memberships, and a reader recounts (in the database) any pair whose stamp no longer matches.
Attendance corrections on archived sessions are not in the stored counts: they are applied on read.
"""

from django.db.models import Case, Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from orgs.models import Membership

from .models import ATTENDED, Attendance


class DayNumber(Func):
    """A date as a whole number of days, in SQL (SQLite stores dates as text, PostgreSQL as dates)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(julianday(%(expressions)s) - 2451544.5 AS INTEGER)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s - DATE '2000-01-01')", **extra)


def membership_stamps(group_filter):
    """{group_id: stamp} over all of each group's memberships. Any added, removed or re-dated membership, or a
    role moved to or from 列席, changes the stamp (sums weighted by id, so that two edits rarely cancel)."""
    zero = Value(0)
    rows = (Membership.objects.filter(group_filter).order_by().values("group_id")
            .annotate(n=Count("id"), ids=Sum("id"),
                      starts=Sum(F("id") * DayNumber("start")),
                      ends=Sum(F("id") * Coalesce(DayNumber("end"), zero)),
                      attendees=Coalesce(Sum(Case(When(role="attendee", then=F("id")), default=zero)), zero))
            .values_list("group_id", "n", "ids", "starts", "ends", "attendees"))
    return {gid: ".".join(str(x) for x in rest) for gid, *rest in rows}


def _member_on(day_ref, person_ref=None):
    """Memberships (not 列席) in force on a day, the day and person being values or outer references."""
    qs = Membership.objects.filter(start__lte=day_ref).filter(Q(end__isnull=True) | Q(end__gte=day_ref)).exclude(
        role="attendee")
    return qs if person_ref is None else qs.filter(person_id=person_ref)


def with_live_counts(participations):
    """Annotate `live_expected` (members, not 列席, on the session's day) and `live_attended` (those of them
    present or late), counted in the database."""
    expected = (_member_on(OuterRef("session__day")).filter(group_id=OuterRef("group_id")).order_by()
                .values("group_id").annotate(c=Count("id")).values("c"))
    attended = (Attendance.objects.filter(session_id=OuterRef("session_id"), group_id=OuterRef("group_id"),
                                          status__in=ATTENDED)
                .filter(Exists(_member_on(OuterRef(OuterRef("session__day")), OuterRef("person_id"))
                               .filter(group_id=OuterRef("group_id"))))
                .order_by().values("group_id").annotate(c=Count("id")).values("c"))
    return participations.annotate(live_expected=Coalesce(Subquery(expected), 0),
                                   live_attended=Coalesce(Subquery(attended), 0))
