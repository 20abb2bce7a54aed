"""Who may reach each integrity URL: signals and matches of group A are seen by its members and the supervisors
of county A and the city; only those supervisors may explain a signal; the re-check page is for supervisors."""

from core.testing import OK, Case

from .factories import MINUTES_A, scheduled_in_time, with_minutes

SEES_A = ("secretary_a", "leader_a", "member_a", "supervisor_a", "city_supervisor")


def signal(w):
    from integrity.models import IntegritySignal
    from meetings.tests.factories import make_session

    from .factories import days_ago

    s = make_session(w, start=days_ago(12))  # entered 12 days after the date: a late-schedule signal
    return [IntegritySignal.objects.get(session=s).pk]


def match(w):
    from integrity.models import ReuseMatch

    with_minutes(w, scheduled_in_time(w, days=40), MINUTES_A)
    with_minutes(w, scheduled_in_time(w, days=2), MINUTES_A.replace("赵书记", "李书记"))
    return [ReuseMatch.objects.latest("id").pk]


def recheck_run(w):
    from integrity.models import ReuseRecheck

    return [ReuseRecheck.objects.create(unit=w.county_a, year=2026, total=60).pk]


def group_a(w):
    return [w.group_a.pk]


CASES = [
    Case("integrity:signal_explain", signal, method="post",
         expect={"supervisor_a": OK, "city_supervisor": OK, "secretary_a": 403, "leader_a": 403, "member_a": 403}),
    Case("integrity:group_signals", group_a, {p: 200 for p in SEES_A}),
    Case("integrity:reuse_match", match, {p: 200 for p in SEES_A}),
    Case("integrity:reuse_recheck_status", recheck_run, {"supervisor_a": 200, "city_supervisor": 200}),
    Case("integrity:reuse_recheck", expect={"supervisor_a": 200, "supervisor_b": 200, "city_supervisor": 200}),
]
