"""The overview's stored per-(session, group) counts: kept by the services, recounted when memberships change."""

import datetime as dt

import pytest
from django.db.models import Q
from django.utils import timezone

from meetings import counts, selectors, services
from meetings.models import Participation
from orgs import services as org
from orgs.models import StudyGroup

from .factories import make_session, mark_all

pytestmark = pytest.mark.django_db


def stored(session, group):
    p = Participation.objects.get(session=session, group=group)
    return p.expected, p.attended


def live(session, group):
    p = counts.with_live_counts(Participation.objects.filter(session=session, group=group)).get()
    return p.live_expected, p.live_attended


def overview_row(world):
    rows = selectors.overview(StudyGroup.objects.all(), year=timezone.localdate().year)
    return next(r for r in rows if r.group_id == world.group_a.pk)


def test_scheduling_stores_the_expected_count_with_nobody_attended_yet(world):
    session = make_session(world)
    assert stored(session, world.group_a) == live(session, world.group_a) == (3, 0)


def test_recording_attendance_keeps_the_stored_counts_exact(world):
    session = make_session(world, start=timezone.now() - dt.timedelta(days=1))
    mark_all(world, session)
    assert stored(session, world.group_a) == (3, 3)
    services.attendance_record(session=session, group=world.group_a, person=world.member_a.person, status="absent",
                               by=world.secretary_a)
    assert stored(session, world.group_a) == live(session, world.group_a) == (3, 2)


def test_a_check_in_counts_once_and_a_replay_changes_nothing(world):
    session = make_session(world)
    token = services.checkin_token(session)
    services.checkin(session=session, token=token, by=world.member_a)
    services.checkin(session=session, token=token, by=world.member_a)
    assert stored(session, world.group_a) == live(session, world.group_a) == (3, 1)


def test_a_membership_change_elsewhere_makes_the_overview_recount(world):
    session = make_session(world, start=timezone.now() - dt.timedelta(days=1))
    mark_all(world, session)
    newcomer = org.person_create(unit=world.group_a.unit, name="新成员", by=None)
    org.membership_add(group=world.group_a, person=newcomer, role="member",
                       start=timezone.localdate() - dt.timedelta(days=30), by=None)
    # The stored counts are now out of date (the orgs app does not tell meetings), and the stamp says so.
    assert stored(session, world.group_a) == (3, 3)
    assert Participation.objects.get(session=session, group=world.group_a).counts_stamp != \
        counts.membership_stamps(Q(group=world.group_a))[world.group_a.pk]
    row = overview_row(world)
    assert (row.rate.attended, row.rate.expected) == live(session, world.group_a)[::-1] == (3, 4)


def test_recounting_everything_brings_stored_counts_up_to_date(world):
    session = make_session(world, start=timezone.now() - dt.timedelta(days=1))
    mark_all(world, session)
    org.membership_end(membership=world.member_a.person.memberships.get(), end=session.day - dt.timedelta(days=1),
                       by=None)
    assert services.participation_counts_refresh_all() >= 1
    assert stored(session, world.group_a) == live(session, world.group_a) == (2, 2)
    assert selectors.attendance_rate(session, world.group_a).attended == 2


def test_the_seeded_counts_agree_with_a_recount(db):
    from django.core.management import call_command

    call_command("seed_demo")
    parts = counts.with_live_counts(Participation.objects.all())
    rows = list(parts.values_list("expected", "attended", "live_expected", "live_attended"))
    assert rows and all((e, a) == (le, la) for e, a, le, la in rows)
    stamps = counts.membership_stamps(Q())
    assert all(stamp == stamps.get(gid, "") for gid, stamp in Participation.objects.values_list("group_id",
                                                                                                 "counts_stamp"))
