"""Query counts do not grow with the number of groups in a 联学, members, topics or corrections.

Each page is measured on a small world and on a larger one, and both must take the same number of queries;
the number is pinned so a change that adds queries shows up here. Nothing depends on timing."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import services as meetings
from meetings.tests.factories import make_session, mark_all
from orgs import services as org

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _worked_out(settings):
    # These count the work of building each page. A page kept for the session costs 3 statements whatever it shows
    # (core/tests/test_pagecache.py), and one worked out costs one more than pinned here (reading the data version).
    settings.PAGE_CACHE_SECONDS = 0


def add_groups(world, n, members=3):
    """n more township groups beside group A (so they may join its 联学), each with a few members."""
    jan1 = timezone.localdate().replace(month=1, day=1)
    groups = []
    for i in range(n):
        unit = org.unit_create(name=f"中共江城区第{i + 1}街道工作委员会", parent=world.county_a,
                               kind="working_committee")
        for j in range(members):
            person = org.person_create(unit=unit, name=f"成员{i}-{j}", phone="", by=None)
            org.membership_add(group=unit.group, person=person, role="member" if j else "leader", start=jan1,
                               by=None)
        groups.append(unit.group)
    return groups


def count(client, url, **kw):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kw)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), ctx


def joint_session(world, partners, days=1):
    # One person cannot be present at two sessions at once: a second session in the same world takes another day.
    session = make_session(world, start=timezone.now() - dt.timedelta(days=days), form="joint", joint_groups=partners)
    mark_all(world, session)
    return session


def detail_queries(world, as_user, partners, extra_members=0):
    session = joint_session(world, partners)
    for i in range(extra_members):
        person = org.person_create(unit=world.group_a.unit, name=f"新成员{i}", phone="", by=None)
        org.membership_add(group=world.group_a, person=person, role="member",
                           start=session.day - dt.timedelta(days=3), by=None)
        meetings.attendance_record(session=session, group=world.group_a, person=person, status="present",
                                   by=world.secretary_a)
    client = as_user(world.secretary_a)
    client.get(reverse("meetings:detail", args=[session.pk]))  # warm caches (the sidebar) as a real visitor has
    return count(client, reverse("meetings:detail", args=[session.pk]))


def test_session_detail_one_group(world, as_user):
    n, _ = detail_queries(world, as_user, [])
    assert n == DETAIL


def test_session_detail_of_a_joint_session_of_twenty_groups_costs_the_same(world, as_user):
    n, ctx = detail_queries(world, as_user, add_groups(world, 19), extra_members=5)
    assert n == DETAIL, "\n".join(q["sql"][:200] for q in ctx.captured_queries)


def archived_with_corrections(world, partners, corrections, days):
    """An archived 联学 with `corrections` corrections: the place, then the host's members' attendance, back and
    forth (the partners are invited only: a partner's lines are its own secretary's to record)."""
    session = joint_session(world, partners, days=days)
    meetings.record_save(session=session, by=world.secretary_a, minutes="会议纪要……", summary="学习小结……")
    session = meetings.session_archive(session=session, by=world.secretary_a)
    people = [(world.group_a.pk, m.person_id) for m in world.group_a.memberships.on(session.day)]
    meetings.correction_add(session=session, field="place", new_value="四楼会议室", reason="经核实更正",
                            by=world.secretary_a)
    for i in range(corrections - 1):
        gid, pid = people[i % len(people)]
        field, value = f"attendance:{gid}-{pid}", ("leave", "present")[i // len(people) % 2]
        meetings.correction_add(session=session, field=field, new_value=value, reason="经核实更正", by=world.secretary_a)
    return session


def test_an_archived_session_costs_the_same_with_one_correction_or_thirty(world, as_user):
    client = as_user(world.secretary_a)
    costs = []
    for days, partners, corrections in ((1, [], 1), (2, add_groups(world, 9), 30)):
        session = archived_with_corrections(world, partners, corrections, days)
        url = reverse("meetings:detail", args=[session.pk])
        client.get(url)
        n, _ = count(client, url)
        assert "经核实更正" in client.get(url).content.decode()  # the corrections are on the page
        costs.append(n)
    assert costs == [ARCHIVED, ARCHIVED], costs


ARCHIVED = 19  # the live page's reads (DETAIL), its frozen lines taking the place of the attendance sheet's members; was 22, the
# participations, leaves and corrections read a second time for the frozen lines


DETAIL = 20  # (-1: the account's person comes with the account; the 领学人, when there is one, with the session; -3: the participations read once with their groups and units, not again for the deciding and managed groups) was 30 for one group and 44 for a 联学 of 20 (issue 10)


def pages(world, session, plan):
    """(persona, url) of the main pages and API lists."""
    return {
        "工作台": (world.secretary_a, reverse("home")),
        "plan page": (world.secretary_a, reverse("plans:plan", args=[plan.pk])),
        "group's plans": (world.secretary_a, reverse("plans:group", args=[world.group_a.pk])),
        "group's sessions": (world.secretary_a, reverse("meetings:group", args=[world.group_a.pk])),
        "overview": (world.city_supervisor, reverse("meetings:overview")),
        "materials search": (world.secretary_a, reverse("materials:library") + "?q=研讨"),
        "API sessions": (world.secretary_a, "/api/sessions/"),
        "API plans": (world.secretary_a, "/api/plans/"),
        "API materials": (world.secretary_a, "/api/materials/"),
        "API groups": (world.city_supervisor, "/api/groups/"),
        "unit tree": (world.city_supervisor, reverse("orgs:tree")),
        "writings": (world.secretary_a, reverse("writings:index")),
        "supervision": (world.city_supervisor, reverse("supervision:index")),
        "reports": (world.city_supervisor, reverse("reports:index")),
        "assessment ranking": (world.city_supervisor, reverse("assessment:ranking", args=[world.city.pk])),
        "API units": (world.city_supervisor, "/api/units/"),
        "API people": (world.secretary_a, "/api/people/"),
        "API writings": (world.member_a, "/api/writings/"),
        "API integrity signals": (world.city_supervisor, "/api/integrity/signals/"),
        "API visits": (world.city_supervisor, "/api/supervision/visits/"),  # none in this world: the list's frame
    }


def measure(world, as_user, session, plan):
    out = {}
    for name, (who, url) in pages(world, session, plan).items():
        client = as_user(who)
        client.get(url)  # the first visit fills per-process caches, as on a running server
        out[name] = count(client, url)[0]
    return out


def test_main_pages_and_api_lists_take_the_same_queries_small_and_large(world, as_user):
    from materials import services as materials
    from plans.tests.factories import approved_plan, topic

    plan = approved_plan(world, topics=[topic("学习党的创新理论", month=1)])
    session = joint_session(world, [])
    materials.material_create(owner_unit=world.city, title="关于开展集体研讨的通知", kind="document",
                              published_on=timezone.localdate(), by=world.city_supervisor, text="集体研讨")
    article(world, 0, session)
    # entered weeks after it was held: an integrity signal, so that list is not empty in either case
    make_session(world, start=timezone.now() - dt.timedelta(days=19), title="补录的学习")
    small = measure(world, as_user, session, plan)

    partners = add_groups(world, 19, members=4)
    joint_session(world, partners, days=2)
    new = plans_revised(world, plan, topics=25)
    for i in range(12):
        materials.material_create(owner_unit=world.city, title=f"研讨材料{i}", kind="document",
                                  published_on=timezone.localdate(), by=world.city_supervisor, text="研讨 学习")
        held = make_session(world, start=timezone.now() - dt.timedelta(days=20 + i), title=f"第{i}次学习")
        article(world, i + 1, held)
    large = measure(world, as_user, session, new)
    assert large == small == pinned()


def article(world, i, session):
    from writings import services as writings

    writings.writing_create(person=world.member_a.person, group=world.group_a, kind="article", by=world.member_a,
                            title=f"学习体会{i}", text=f"第{i}篇：深刻领会党的创新理论。" * 20, session=session,
                            submit=True)


def plans_revised(world, plan, topics):
    from plans import services as plans
    from plans.tests.factories import topic

    new = plans.plan_revise(plan=plan, reason="增加专题", by=world.secretary_a)
    plans.plan_save(plan=new, topics=[topic(f"专题{i}", month=1 + i % 12) for i in range(topics)],
                    by=world.secretary_a)
    plans.plan_submit(plan=new, by=world.secretary_a)
    return plans.plan_approve(plan=new, by=world.leader_a)
# 工作台: each app adds its card (supervision, reports), the managed groups read once for all (27 → 25); plan page: each topic's progress (records); overview: the
# scope's ordered group ids are read apart from the page's rows, so a large scope can keep them. Flat either way.
# -1 on every page: the account's person is read with the account (accounts/backends.py); the 工作台 -2 more: its
# group list comes from the memberships every page reads, and a managed group's plan of the year and its other
# plans awaiting the 组长 are one read (an observer's visits are one query, not two: one less for observers); the
# overview -2 more: its summary, the groups' order and the sums per unit come from one read of the year rows.
PINNED = {"工作台": 22, "plan page": 14, "group's plans": 12, "group's sessions": 13, "overview": 15,
          "materials search": 12, "API sessions": 7, "API plans": 7, "API materials": 9, "API groups": 7,
          "unit tree": 9, "writings": 9, "supervision": 12, "reports": 5, "assessment ranking": 23, "API units": 7,
          "API people": 9, "API writings": 6, "API integrity signals": 7, "API visits": 6}


def pinned():
    # PostgreSQL counts a search's total in the ranking statement (a window function); SQLite's FTS5 refuses
    # bm25() beside one, so it takes a second statement there (materials/search.py).
    from django.db import connection

    return {**PINNED, "materials search": PINNED["materials search"] - (connection.vendor == "postgresql")}


def test_a_check_in_is_a_small_page_and_a_replay_writes_nothing(world, as_user):
    from meetings.models import Attendance

    partners = add_groups(world, 19, members=10)
    session = make_session(world, form="joint", joint_groups=partners)
    client = as_user(world.member_a)
    url = reverse("meetings:checkin", args=[session.pk])
    token = meetings.checkin_token(session)
    with CaptureQueriesContext(connection) as first:
        response = client.post(url, {"t": token})
    assert "签到成功" in response.content.decode()
    assert len(response.content) < 3000 and "<nav" not in response.content.decode()
    with CaptureQueriesContext(connection) as replay:
        response = client.post(url, {"t": token})
    assert "无需重复签到" in response.content.decode()
    writes = [q["sql"] for q in replay.captured_queries
              if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE", "SAVEPOINT", "BEGIN")
              and "django_session" not in q["sql"]]
    assert writes == []
    assert Attendance.objects.filter(session=session).count() == 1
    assert (len(first.captured_queries), len(replay.captured_queries)) == CHECKIN
    # no member list is loaded: every read of memberships is of the scanner's own (person_id = that one person)
    memberships = [q["sql"] for q in first.captured_queries if "orgs_membership" in q["sql"]]
    assert memberships and all(re.search(r'person_id"?\s*=\s*\d', sql) for sql in memberships), memberships
    # What runs after the row is inserted runs under SQLite's write lock, where every scan of a burst waits: the
    # group named by the audit entry is read before it, and the session's first attendance is not asked for at all
    # (a QR scan is never days late).
    sqls = [q["sql"] for q in first.captured_queries]
    locked = sqls[next(i for i, sql in enumerate(sqls) if sql.startswith('INSERT INTO "meetings_attendance"')):]
    assert not any("orgs_studygroup" in sql for sql in locked), locked
    assert not any('ORDER BY "meetings_attendance"."recorded_at"' in sql for sql in locked), locked
    assert not any(sql.startswith("SAVEPOINT") for sql in locked), locked


CHECKIN = (18, 5)  # the first scan writes (attendance, counts, audit, device mark); a replay only reads (was 22 /
# 27 before). -9: the session and the roles are read once, with the roles in one statement on the session's day
# (-2; the replay -1); the leave and overlap rules are one statement before the lock and one under it (-2); the
# attendance row and the device mark are inserted with ON CONFLICT DO NOTHING, no savepoints (-4); the devices of
# the scan are counted, not loaded (-1).


def test_lists_and_cards_do_not_read_record_bodies(world, as_user):
    """The 工作台's cards and a group's list of sessions show titles, times and places: they defer a session's
    minutes and texts (pages long) and, on the 工作台, its frozen record (every member's line of an archived
    联学), and a material's or writing's text. Read from the SQL itself, not from timing."""
    coming = make_session(world, start=timezone.now() + dt.timedelta(days=2))  # 近期学习安排 lists it
    ended = make_session(world, start=timezone.now() - dt.timedelta(days=3))  # 待归档 lists it
    client = as_user(world.secretary_a)
    for url, forbidden in ((reverse("home"), ('"minutes"', '"frozen"', '"agenda"', '"text"')),
                           (reverse("meetings:group", args=[world.group_a.pk]), ('"minutes"', '"agenda"'))):
        client.get(url)
        _, ctx = count(client, url)
        session_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "meetings_studysession"' in q["sql"]
                         or 'INNER JOIN "meetings_studysession"' in q["sql"]]
        assert session_reads, url
        for sql in (q["sql"] for q in ctx.captured_queries):
            for column in forbidden:
                assert column not in sql.split(" FROM ")[0], (url, column, sql[:300])
    response = client.get(reverse("home"))
    assert coming.title in response.content.decode() and ended.title in response.content.decode()


def test_the_session_page_reads_who_prepared_not_what(world, as_user):
    """The session page marks who handed in a 发言材料 and lists 补学 by name and status; the statements' and
    体会's texts (pages each in a 联学) are not read for it."""
    from writings import services as writings

    session = make_session(world, start=timezone.now() + dt.timedelta(days=1))
    writings.writing_create(person=world.member_a.person, group=world.group_a, kind="statement", session=session,
                            by=world.member_a, title="发言提纲", text="围绕主题谈体会。" * 300, submit=True)
    client = as_user(world.secretary_a)
    url = reverse("meetings:detail", args=[session.pk])
    client.get(url)
    _, ctx = count(client, url)
    selects = [q["sql"].split(" FROM ")[0] for q in ctx.captured_queries]
    assert any('"writings_writing"."person_id"' in s for s in selects)
    assert not any('"writings_writing"."text"' in s or '"meetings_makeup"."reflection"' in s for s in selects)
