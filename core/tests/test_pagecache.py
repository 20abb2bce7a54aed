"""The data version every write moves, and the pages kept for a log-in session under it.

A kept page must never outlive a write: each test asks for a page, changes something the way users do (a
service, a second app, rights taken away, raw SQL), and asks again. Nothing here depends on timing; the clock
is moved by time_machine.
"""

import datetime as dt
import os
import re

import pytest
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection, transaction
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from core import dataversion, pagecache
from core.testing import login
from meetings import services as meetings
from meetings.tests.factories import make_session
from orgs import services as org
from orgs.models import Person, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["memory", "files"])
def _empty_store(request, settings, time_machine, tmp_path):
    """Every test twice: pages in the process's memory (development) and in files every worker reads (production,
    core/pagestore.py)."""
    settings.PAGE_CACHE_SECONDS = 30
    if request.param == "files":
        settings.CACHES = {**settings.CACHES, "pages": {**settings.CACHES["pages"], "TIMEOUT": 30,
                           "BACKEND": "core.pagestore.SharedPageStore", "LOCATION": str(tmp_path / "pages")}}
    # The clock stands still: a slot's end falling between two requests of a test would make a hit a miss.
    time_machine.move_to(timezone.now(), tick=False)
    pagecache.clear()
    yield
    pagecache.clear()


def _client(user, **kw):
    """Logged in, with the CSRF cookie a browser has from the log-in form (force_login skips the form)."""
    client = login(Client(**kw), user)
    client.cookies["csrftoken"] = get_random_string(32)
    return client


def _hit(response):
    return response.get("X-Page-Cache") == "hit"


def _until_kept(client, url):
    """Ask until the answer comes from memory. The overview's first look may bring stale figures up to date (a
    write, so the page it built is under the old number), hence more than one ask."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, url
        if _hit(response):
            return response
    raise AssertionError(f"{url} is never kept")


# ---- the number ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sql, table", [
    ('INSERT INTO "meetings_attendance" ("a", "b") VALUES (%s, %s) RETURNING "id"', "meetings_attendance"),
    ('UPDATE "core_audithead" SET "last_id" = %s WHERE "id" = %s', "core_audithead"),
    ('DELETE FROM "django_session" WHERE "session_key" = %s', "django_session"),
    ('INSERT OR IGNORE INTO "stats_groupfigures" ("x") VALUES (1)', "stats_groupfigures"),
    ("REPLACE INTO plans_plan (id) VALUES (1)", "plans_plan"),
    ("  update orgs_person set name = 'x'", "orgs_person"),
    ('SELECT "id" FROM "meetings_attendance" WHERE "note" = \'INSERT INTO x\'', None),
    ('SAVEPOINT "s123"', None),
    ('CREATE TABLE "x" ("id" integer)', None),
    ("UPDATED_AT", None),
])
def test_the_written_table_is_read_from_the_statement(sql, table):
    assert dataversion.written_table(sql) == table


def test_every_kind_of_write_moves_the_number(world):
    seen = [dataversion.current()]

    def moved():
        seen.append(dataversion.current())
        return seen[-1] > seen[-2]

    person = org.person_create(unit=world.town_a, name="新来的", phone="", by=world.secretary_a)  # a service
    assert moved()
    Person.objects.filter(pk=person.pk).update(name="改名")  # a bulk update, no service
    assert moved()
    with connection.cursor() as cursor:  # raw SQL through Django
        cursor.execute("UPDATE orgs_person SET name = %s WHERE id = %s", ["再改", person.pk])
    assert moved()
    Person.objects.bulk_create([Person(unit=world.town_a, name=f"批量{i}") for i in range(3)])
    assert moved()
    Person.objects.filter(name__startswith="批量").delete()
    assert moved()


def test_reads_and_the_session_store_leave_it(world, client):
    login(client, world.secretary_a)
    before = dataversion.current()
    assert Person.objects.count() > 0
    session = client.session
    session["last_seen"] = 1
    session.save()  # what the session policy writes every 30 s of browsing
    assert dataversion.current() == before


def test_a_write_taken_back_on_sqlite_takes_its_number_back(world):
    before = dataversion.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        org.person_create(unit=world.town_a, name="不作数", phone="", by=None)
        assert dataversion.current() > before
        raise RuntimeError
    if connection.vendor == "sqlite":
        assert dataversion.current() == before
    # PostgreSQL's sequence is not rolled back: the number moved for nothing, which costs kept pages, not truth.


def test_after_a_commit_the_number_moves_past_what_readers_saw_during_the_transaction(world):
    # On PostgreSQL the number is a sequence, visible before the writer commits; a page built from the data before
    # the commit is kept under it, so the commit must move it once more. SQLite moves it in the transaction itself.
    # (The test's own transaction never commits: the callback it would run is called here.)
    with transaction.atomic():
        org.person_create(unit=world.town_a, name="提交后", phone="", by=None)
        org.person_create(unit=world.town_a, name="提交后二", phone="", by=None)
        during = dataversion.current()
    moves = [func for _, func, _ in connection.run_on_commit if getattr(func, "dataversion", False)]
    if connection.vendor == "postgresql":
        assert len(moves) == 1  # once per transaction, not per statement
        moves[0]()
        assert dataversion.current() > during
    else:
        assert moves == [] and dataversion.current() == during


def test_writes_in_a_transaction_are_numbered_only_when_the_number_is_read(world, monkeypatch):
    # On PostgreSQL a nextval after each write was one more round trip, held inside the audit head's lock by every
    # write of the product. The tables are numbered when this connection next reads the number; what a reader
    # builds then sees the writes, and a page kept before them is not served on this connection.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite marks its tables in the writer's transaction, without a sequence")
    taken = []
    raw = dataversion._raw
    monkeypatch.setattr(dataversion, "_raw", lambda c, s, p=None: taken.append(s) or raw(c, s, p))
    before = dataversion.current()  # numbers the fixture's writes (the test's own transaction)
    taken.clear()
    with transaction.atomic():
        org.person_create(unit=world.town_a, name="先写", phone="", by=None)
        org.person_create(unit=world.town_a, name="再写", phone="", by=None)
        assert dataversion._NEXT not in taken  # the writes (person, audit entry, head) took no number
        assert dataversion.changed_since(frozenset({"orgs_person"}), before, now=before)
        during = dataversion.current()
        assert taken.count(dataversion._NEXT) == 1 and during > before
        assert not dataversion.changed_since(frozenset({"orgs_person"}), during, now=during)
        assert dataversion.changed_since(frozenset({"orgs_person"}), before, now=during)
        org.person_create(unit=world.town_a, name="后写", phone="", by=None)
        assert dataversion.changed_since(frozenset({"orgs_person"}), during, now=during)
        assert dataversion.current() > during  # read again: the later write numbered after the reader's number


@pytest.mark.django_db(transaction=True)
def test_writers_never_wait_on_each_other_for_the_number():
    """A transaction that has written (and so moved the number) and is still open must not hold up another
    writer: a row updated in the transaction did, and deadlocked a service against the audit head's lock."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time whatever the number does")
    import threading

    from django.db import connections

    from orgs.models import Unit

    wrote, done = threading.Event(), threading.Event()
    failed = []

    def open_writer():
        try:
            with transaction.atomic():
                Unit.objects.create(name="中共甲委员会", level="city", path="9998")
                wrote.set()
                done.wait(30)
        except Exception as exc:  # noqa: BLE001 - reported by the test below, not lost in the thread
            failed.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=open_writer)
    thread.start()
    try:
        assert wrote.wait(30), failed
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a wait on a lock fails here instead of hanging
        with transaction.atomic():
            Unit.objects.create(name="中共乙委员会", level="city", path="9997")
        Unit.objects.create(name="中共丙委员会", level="city", path="9996")  # autocommit
    finally:
        done.set()
        thread.join(30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@pytest.mark.django_db(transaction=True)
def test_a_number_that_cannot_move_after_an_autocommit_write_leaves_the_write_standing(monkeypatch, caplog):
    from orgs.models import Unit

    monkeypatch.setitem(dataversion._MARK, connection.vendor, "SELECT * FROM core_no_such_table WHERE 1 = %s")
    Unit.objects.create(name="中共丁委员会", level="city", path="9995")
    assert Unit.objects.filter(path="9995").exists()
    assert "数据版本号未能更新" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_write_in_autocommit_moves_it_too_even_after_the_row_was_flushed():
    # A transactional test starts after another's flush, which empties core_dataversion: the upsert brings it back.
    from orgs.models import Unit

    before = dataversion.current()
    assert not connection.in_atomic_block
    Unit.objects.create(name="中共测试委员会", level="city", path="9999")
    assert dataversion.current() > before


# ---- the kept pages -----------------------------------------------------------------------------------


def test_a_page_asked_again_comes_from_memory_with_three_queries(world, django_assert_max_num_queries):
    session = make_session(world)
    c = _client(world.secretary_a)
    url = reverse("meetings:detail", args=[session.pk])
    first = c.get(url)
    assert first.status_code == 200 and not _hit(first)
    with django_assert_max_num_queries(3):  # the session, the account, the data version
        again = c.get(url)
    assert _hit(again)
    assert again.content == first.content


def _pages(world):
    session = make_session(world)
    from plans import services as plans

    plan = plans.plan_create(group=world.group_a, year=world.today.year, by=world.secretary_a)
    return [(world.secretary_a, reverse("home")), (world.secretary_a, reverse("meetings:detail", args=[session.pk])),
            (world.secretary_a, reverse("plans:plan", args=[plan.pk])),
            (world.secretary_a, reverse("materials:library") + "?q=研讨"),
            (world.city_supervisor, reverse("meetings:overview"))]


def test_a_write_ends_the_kept_pages_that_read_its_table_and_only_those(world):
    from meetings.models import StudySession

    pages = [(_client(user), url) for user, url in _pages(world)]
    home, session_page, plan, search, overview = pages
    for c, url in pages:
        _until_kept(c, url)
    # Attendance, with the counts kept beside it (each group's in meetings_participation, the overview's sums) and
    # the audit trail: the session page and the overview show them, and the 工作台 reads the participations (which
    # sessions are coming); all three are worked out again. The plan page reads none of it and stays kept.
    meetings.attendance_record(session=StudySession.objects.get(), group=world.group_a,
                               person=world.member_a.person, status="present", by=world.secretary_a)
    assert [_hit(c.get(url)) for c, url in (home, session_page, plan, overview)] == [False, False, True, False]
    # The search (SQLite's FTS index, filled by triggers and marked with the index table whose triggers fill it).
    assert _hit(search[0].get(search[1]))
    for c, url in pages:
        _until_kept(c, url)
    # Memberships, which every page reads (whose roles, what they may see): another county's, and still every
    # page is worked out again.
    newcomer = org.person_create(unit=world.town_b, name="东湖新人", phone="", by=world.secretary_b)
    org.membership_add(group=world.group_b, person=newcomer, role=Role.MEMBER, start=world.today, by=None)
    for c, url in pages:
        assert not _hit(c.get(url)), url
    for c, url in pages:
        _until_kept(c, url)


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_by_another_connection_ends_the_pages_that_read_its_table(world):
    # What a second worker does: its transaction commits, and its tables are marked after the commit
    # (PostgreSQL) or with it (SQLite). This test's connection sees only what is committed.
    import threading

    from django.db import connections

    from meetings.models import StudySession

    pages = dict((url, user) for user, url in _pages(world))
    c = _client(world.secretary_a)
    plan = next(url for url in pages if url.startswith("/plans/"))
    session = next(url for url in pages if url.startswith("/meetings/"))
    _until_kept(c, plan)
    _until_kept(c, session)
    failed = []

    def other_worker():
        try:
            with transaction.atomic():
                meetings.attendance_record(session=StudySession.objects.get(), group=world.group_a,
                                           person=world.member_a.person, status="absent", by=world.secretary_a)
        except Exception as exc:  # noqa: BLE001 - reported below, not lost in the thread
            failed.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    thread.join(30)
    assert not failed
    assert _hit(c.get(plan))
    again = c.get(session)
    assert not _hit(again) and "缺席" in again.content.decode()


def test_a_change_to_the_search_index_alone_ends_the_kept_search(world):
    # On SQLite the search reads an FTS table that triggers on the index table fill: no statement of Django's
    # writes it, so it is marked with the index table (dataversion.triggered). The index alone changes when it
    # is rebuilt; here a material's entry is taken out of it, and the search no longer finds it.
    from materials.models import MaterialIndex
    from materials.tests.factories import material

    found = material(world, title="关于开展专题研讨的通知", text="各中心组要认真开展专题研讨。")
    c = _client(world.secretary_a)
    url = reverse("materials:library") + "?q=研讨"
    assert "关于开展专题研讨的通知" in _until_kept(c, url).content.decode()
    MaterialIndex.objects.filter(material=found).delete()
    again = c.get(url)
    assert not _hit(again) and "关于开展专题研讨的通知" not in again.content.decode()
    if connection.vendor == "sqlite":
        assert "materials_fts" in dataversion.triggered(connection)["materials_materialindex"]


def test_an_answer_kept_from_an_earlier_page_brings_what_it_read(world):
    # The 工作台 asks the reader's roles and scopes (memberships, supervisor scopes) and keeps the answers; the plan
    # page, worked out next under the same number, takes them from there without a statement of its own. A change
    # to what those answers read must end the plan page as well.
    pages = dict((url, user) for user, url in _pages(world))
    c = _client(world.secretary_a)
    home, plan = reverse("home"), next(url for url in pages if url.startswith("/plans/"))
    _until_kept(c, home)
    _until_kept(c, plan)
    from orgs.models import SupervisorScope

    SupervisorScope.objects.create(user=world.member_a, unit=world.town_b, start=world.today)
    assert not _hit(c.get(plan))


def test_a_log_in_elsewhere_leaves_a_readers_pages_and_a_change_to_their_own_account_ends_them(world):
    c = _client(world.secretary_a)
    url = next(url for _, url in _pages(world) if url.startswith("/plans/"))
    _until_kept(c, url)
    _client(world.member_a)  # another person logs in: their account's last_login is written
    assert _hit(c.get(url))
    Person.objects.filter(pk=world.secretary_a.person_id).update(post="办公室主任")
    assert not _hit(c.get(url))


@pytest.mark.parametrize("sql, tables", [
    ('SELECT "orgs_person"."id" FROM "orgs_person" INNER JOIN "orgs_unit" ON ("orgs_person"."unit_id" = '
     '"orgs_unit"."id") WHERE "orgs_person"."id" IN (SELECT U0."person_id" FROM "orgs_membership" U0)',
     {"orgs_person", "orgs_unit", "orgs_membership"}),
    ("SELECT status FROM meetings_studysession WHERE id = %s", {"meetings_studysession"}),
    ('SELECT 1 FROM "a" LEFT OUTER JOIN "b" ON 1 = 1 FULL JOIN c ON 1 = 1', {"a", "b", "c"}),
    ("SELECT EXTRACT(YEAR FROM \"meetings_studysession\".\"starts_at\") FROM \"meetings_studysession\"",
     {"meetings_studysession"}),
])
def test_the_tables_a_statement_reads_are_noted(sql, tables):
    found = pagecache.reading()
    found.tables = set()
    found._statement(lambda *args: None, sql, None, False, {})
    assert found.tables == tables


def test_what_is_read_inside_nested_readings_is_noted_by_each():
    with pagecache.reading() as outer:
        Person.objects.count()
        with pagecache.reading() as inner:
            Role  # noqa: B018 - nothing read here
            pagecache.note_read({"orgs_membership"})
            from orgs.models import Unit

            Unit.objects.count()
        assert inner == {"orgs_membership", "orgs_unit"}
    assert outer == {"orgs_person", "orgs_membership", "orgs_unit"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM orgs_studygroup WHERE 1 = 0")
    assert "orgs_studygroup" not in outer  # nothing is noted once it has ended


def test_the_session_page_shows_a_change_made_after_it_was_kept(world):
    session = make_session(world)
    c = _client(world.secretary_a)
    url = reverse("meetings:detail", args=[session.pk])
    c.get(url)
    assert _hit(c.get(url))
    meetings.session_update(session=session, by=world.secretary_a, title="学习新修订的条例")
    meetings.attendance_record(session=session, group=world.group_a, person=world.member_a.person, status="absent",
                               by=world.secretary_a)
    page = c.get(url).content.decode()
    assert "学习新修订的条例" in page and "钱委员" in page
    assert "学习新修订的条例" in c.get(url).content.decode()


def test_the_supervisors_overview_follows_attendance(world):
    session = make_session(world)
    c = _client(world.city_supervisor)
    url = reverse("meetings:overview")
    before = _until_kept(c, url).content.decode()
    meetings.attendance_all_present(session=session, group=world.group_a, by=world.secretary_a)
    after = c.get(url)
    assert not _hit(after) and after.content.decode() != before


def test_rights_taken_away_are_not_outlived_by_a_kept_page(world):
    # A member who joined ten days ago and left yesterday: the session page he could read is gone at once.
    start = world.today - dt.timedelta(days=10)
    person = org.person_create(unit=world.town_a, name="李调离", phone="", by=None)
    membership = org.membership_add(group=world.group_a, person=person, role=Role.MEMBER, start=start, by=None)
    from accounts.services import user_create

    user = user_create(username="leaving", password="Test#Pass2026", person=person, validate=False)
    session = make_session(world, start=timezone.now() - dt.timedelta(days=3))
    c = _client(user)
    url = reverse("meetings:detail", args=[session.pk])
    assert c.get(url).status_code == 200
    assert _hit(c.get(url))
    org.membership_end(membership=membership, end=world.today - dt.timedelta(days=1), by=world.secretary_a)
    # The session was held while he was a member, so what he may still read is the rule's; the point is that
    # the answer is worked out again, not served from before.
    again = c.get(url)
    assert not _hit(again)
    other = make_session(world)  # today's session: he is no longer a member today
    assert c.get(reverse("meetings:detail", args=[other.pk])).status_code == 404


def test_two_sessions_of_one_person_never_share_a_page(world):
    session = make_session(world)
    url = reverse("meetings:detail", args=[session.pk])
    one, two = _client(world.secretary_a), _client(world.secretary_a)
    one.get(url)
    assert _hit(one.get(url))
    assert not _hit(two.get(url))


def _all_present_from(client, page, session, world):
    """全部出席 posted with the CSRF token the page carries, as the browser would."""
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(reverse("meetings:attendance", args=[session.pk]),
                       {"csrfmiddlewaretoken": token, "group": world.group_a.pk, "all_present": "1"})


def test_a_kept_pages_forms_still_post(world):
    # The CSRF token inside a kept page belongs to this browser's secret, and the cookie is still set.
    session = make_session(world)
    c = _client(world.secretary_a, enforce_csrf_checks=True)
    url = reverse("meetings:detail", args=[session.pk])
    c.get(url)
    kept = c.get(url)
    assert _hit(kept)
    response = _all_present_from(c, kept, session, world)
    assert response.status_code in (200, 302)
    assert session.attendance.filter(status="present").exists()


def test_a_browser_whose_csrf_cookie_changed_gets_a_page_whose_forms_fit(world):
    session = make_session(world)
    c = _client(world.secretary_a, enforce_csrf_checks=True)
    url = reverse("meetings:detail", args=[session.pk])
    c.get(url)
    assert _hit(c.get(url))
    del c.cookies["csrftoken"]  # cleared by the browser, the session kept
    page = c.get(url)
    assert not _hit(page)  # no cookie: nothing kept is served, and the answer sets a new one
    assert "csrftoken" in c.cookies
    response = _all_present_from(c, page, session, world)
    assert response.status_code in (200, 302)
    c.cookies["csrftoken"] = "x" * 32  # replaced by another value: that is another key
    assert not _hit(c.get(url))


def test_the_query_and_the_htmx_headers_are_part_of_the_question(world):
    c = _client(world.secretary_a)
    url = reverse("materials:library")
    c.get(url + "?q=研讨")
    assert _hit(c.get(url + "?q=研讨"))
    assert not _hit(c.get(url + "?q=学习"))
    fragment = c.get(url + "?q=研讨", headers={"HX-Request": "true"})
    assert not _hit(fragment)
    assert b"<html" not in fragment.content.lower() and b"<html" in c.get(url + "?q=研讨").content.lower()
    assert _hit(c.get(url + "?q=研讨", headers={"HX-Request": "true"}))


def _with_message(client, text):
    storage = CookieStorage(HttpRequest())
    client.cookies["messages"] = storage._encode([Message(20, text)])


def test_a_waiting_message_is_shown_and_the_page_showing_it_is_not_kept(world):
    c = _client(world.secretary_a)
    url = reverse("home")
    c.get(url)
    assert _hit(c.get(url))
    _with_message(c, "已保存（测试提示）")
    shown = c.get(url)
    assert not _hit(shown) and "已保存（测试提示）" in shown.content.decode()
    # Shown once: the next answer neither repeats it nor is the page that carried it.
    after = c.get(url)
    assert "已保存（测试提示）" not in after.content.decode()


def test_only_plain_answers_are_kept(world):
    other = make_session(world, group=world.group_b, by=world.secretary_b)
    c = _client(world.secretary_a)
    url = reverse("meetings:detail", args=[other.pk])
    assert c.get(url).status_code == 404
    assert c.get(url).status_code == 404 and not _hit(c.get(url))


def test_the_clock_ends_a_kept_page(world, time_machine):
    c = _client(world.secretary_a)
    url = reverse("home")
    c.get(url)
    assert _hit(c.get(url))
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=31), tick=False)
    assert not _hit(c.get(url))


def test_each_session_has_its_own_slot_boundary():
    # Spread: fifty readers' kept pages do not all end in the same second.
    keys = [get_random_string(32) for _ in range(50)]
    t0 = 1_800_000_000
    ends = {k: next(t for t in range(t0, t0 + 31) if pagecache.slot_of(k, 30, t) != pagecache.slot_of(k, 30, t0))
            for k in keys}
    assert len(set(ends.values())) > 10
    # Bounded: every session's slot is 30 s long, never longer.
    for k in keys[:5]:
        slots = [pagecache.slot_of(k, 30, t) for t in range(t0, t0 + 90)]
        runs = [slots.count(v) for v in sorted(set(slots))]
        assert max(runs) <= 30 and runs[1:-1] == [30] * (len(runs) - 2)


def test_a_hard_reload_works_the_page_out_and_keeps_that(world):
    c = _client(world.secretary_a)
    url = reverse("home")
    c.get(url)
    assert _hit(c.get(url))
    assert not _hit(c.get(url, headers={"Cache-Control": "no-cache"}))
    assert not _hit(c.get(url, headers={"Pragma": "no-cache"}))
    assert _hit(c.get(url, headers={"Cache-Control": "max-age=0"}))  # a plain reload


def test_turned_off_nothing_is_kept(world, settings):
    settings.PAGE_CACHE_SECONDS = 0
    c = _client(world.secretary_a)
    url = reverse("home")
    c.get(url)
    assert not _hit(c.get(url))



# ---- the reader's answers, kept across the reader's pages ---------------------------------------------------

_TOKENS = re.compile(r'value="[A-Za-z0-9]{64}"|csrf[-_]?token[^>]*>', re.IGNORECASE)


def _text(response):
    return _TOKENS.sub("", response.content.decode())


def test_a_readers_next_page_does_not_ask_their_roles_again(world):
    from plans import services as plans

    plan = plans.plan_create(group=world.group_a, year=world.today.year, by=world.secretary_a)
    url = reverse("plans:plan", args=[plan.pk])
    c = _client(world.secretary_a)
    assert c.get(reverse("home")).status_code == 200  # the 工作台 asked who the reader is
    with CaptureQueriesContext(connection) as warm:
        kept_answers = c.get(url)
    pagecache.clear()
    with CaptureQueriesContext(connection) as cold:
        worked_out = c.get(url)
    assert not _hit(kept_answers) and not _hit(worked_out)
    assert _text(kept_answers) == _text(worked_out)
    asked = [q["sql"] for q in warm.captured_queries]
    assert not any("orgs_membership" in sql and "orgs_studygroup" in sql and '"role"' in sql for sql in asked)
    assert len(warm) <= len(cold) - 3, (len(warm), len(cold))


def test_rights_granted_are_on_the_next_page_at_once(world):
    c = _client(world.secretary_a)
    home = reverse("home")
    c.get(home)
    before = _until_kept(c, home).content.decode()
    assert world.group_b.name not in before
    org.membership_add(group=world.group_b, person=world.secretary_a.person, role=Role.SECRETARY,
                       start=world.today, by=None)
    after = c.get(home)
    assert not _hit(after) and world.group_b.name in after.content.decode()


def test_the_answers_are_kept_per_session_version_and_day():
    class Reader:
        pk = 7

    reader, asked = Reader(), []

    def ask():
        asked.append(1)
        return ["第一组"]

    today = dt.date(2026, 5, 4)
    assert pagecache.kept_answer(reader, "roles", ask) == ["第一组"]  # outside a kept page's view: always asked
    assert pagecache.kept_answer(reader, "roles", ask) == ["第一组"] and len(asked) == 2
    tomorrow = today + dt.timedelta(days=1)
    for under, asked_then in [(f"s1:5:{today}", 3), (f"s1:5:{today}", 3), (f"s1:6:{today}", 4),
                              (f"s1:5:{tomorrow}", 5), (f"s2:5:{today}", 6), (f"s1:5:{today}", 6)]:
        reader.__dict__[pagecache._ANSWERS_UNDER] = under
        answer = pagecache.kept_answer(reader, "roles", ask)
        assert answer == ["第一组"] and len(asked) == asked_then, under
        answer.append("改过")  # a caller changing what it got changes nothing kept
    pagecache.clear()
    pagecache.kept_answer(reader, "roles", ask)
    assert len(asked) == 7


# ---- kept in files, for every worker -------------------------------------------------------------------


def _files(path):
    return sorted(p for p in path.iterdir() if p.suffix == ".djcache") if path.exists() else []


@pytest.mark.parametrize("_empty_store", ["files"], indirect=True)
def test_a_page_kept_by_one_worker_is_served_by_another(world, tmp_path):
    from django.core.cache import caches

    c = _client(world.secretary_a)
    url = reverse("home")
    assert not _hit(c.get(url))
    [kept] = _files(tmp_path / "pages")
    # Readable by the application's account only.
    assert kept.stat().st_mode & 0o777 == 0o600 and (tmp_path / "pages").stat().st_mode & 0o777 == 0o700
    # Another worker: a store of its own over the same directory, that has never seen the page.
    caches["pages"] = caches.create_connection("pages")
    assert _hit(c.get(url))


@pytest.mark.parametrize("_empty_store", ["files"], indirect=True)
def test_kept_pages_older_than_the_timeout_leave_the_disk(tmp_path, time_machine, monkeypatch):
    from core.pagestore import SharedPageStore

    monkeypatch.setattr(SharedPageStore, "_swept", 0.0)  # as in a worker just started
    store = SharedPageStore(str(tmp_path / "sweep"), {"TIMEOUT": 30})
    t = timezone.now().timestamp()  # the files' times are the real clock's; the test's clock stands still

    def written(key, value, at):
        before = set(_files(tmp_path / "sweep"))
        store.set(key, value)
        [path] = set(_files(tmp_path / "sweep")) - before
        os.utime(path, (at, at))
        return path

    old = written("old", b"x", t)  # the first write of the process sweeps (nothing to sweep yet)
    orphan = tmp_path / "sweep" / "tmpk1ll3d"  # a worker killed between writing and renaming
    orphan.write_bytes(b"half a page")
    os.utime(orphan, (t, t))
    time_machine.shift(29)
    written("young", b"y", t + 29)  # swept at most once per timeout: not yet
    assert old in _files(tmp_path / "sweep")
    time_machine.shift(2)  # 31 s after "old" was written: it can no longer be served
    store.set("later", b"z")
    assert old not in _files(tmp_path / "sweep") and len(_files(tmp_path / "sweep")) == 2 and not orphan.exists()
    assert store.get("young") == b"y" and store.get("later") == b"z" and store.get("old") is None


@pytest.mark.parametrize("_empty_store", ["files"], indirect=True)
def test_a_directory_that_cannot_be_written_costs_no_page(world, settings, tmp_path, caplog, monkeypatch):
    from core.pagestore import SharedPageStore

    monkeypatch.setattr(SharedPageStore, "_warned", set())  # as in a worker just started
    (tmp_path / "a-file").write_text("")  # a file where the directory should be: even root cannot make it
    settings.CACHES = {**settings.CACHES, "pages": {**settings.CACHES["pages"],
                       "LOCATION": str(tmp_path / "a-file" / "pages")}}
    c = _client(world.secretary_a)
    for _ in range(2):
        response = c.get(reverse("home"))
        assert response.status_code == 200 and not _hit(response)
    assert "页面缓存目录" in caplog.text


@pytest.mark.parametrize("_empty_store", ["files"], indirect=True)
def test_a_directory_open_to_others_is_refused(world, settings, tmp_path, caplog, monkeypatch):
    """Django unpickles what it reads there: a folder someone else could write into is not used."""
    from core.pagestore import SharedPageStore

    monkeypatch.setattr(SharedPageStore, "_warned", set())
    monkeypatch.setattr(SharedPageStore, "_checked", set())
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    settings.CACHES = {**settings.CACHES, "pages": {**settings.CACHES["pages"], "LOCATION": str(shared)}}
    c = _client(world.secretary_a)
    for _ in range(2):
        response = c.get(reverse("home"))
        assert response.status_code == 200 and not _hit(response)
    assert _files(shared) == [] and "属主或权限不安全" in caplog.text


@pytest.mark.parametrize("_empty_store", ["files"], indirect=True)
def test_opening_the_store_makes_no_folder_and_warns_of_nothing(settings, tmp_path, caplog):
    """Django's system checks open every cache; manage.py commands under the web unit's sandbox would warn."""
    from django.core.cache import caches
    from django.core.management import call_command

    (tmp_path / "a-file").write_text("")
    settings.CACHES = {**settings.CACHES, "pages": {"BACKEND": "core.pagestore.SharedPageStore",
                                                    "LOCATION": str(tmp_path / "a-file" / "pages"), "TIMEOUT": 30}}
    caches["pages"]
    call_command("check", verbosity=0)
    assert "页面缓存目录" not in caplog.text
    settings.CACHES = {**settings.CACHES, "pages": {**settings.CACHES["pages"], "LOCATION": str(tmp_path / "p")}}
    caches["pages"]
    assert not (tmp_path / "p").exists()
