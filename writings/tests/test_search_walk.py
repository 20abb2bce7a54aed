"""SQLite: a user who sees most matches has them found by walking the matches newest first (materials.search.
_sqlite_walk) instead of building the set of every visible id; the results are the same either way, and a
foreign or draft writing never takes a place."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from materials import search as material_search
from writings import access, search, services

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the walk is SQLite's (FTS5)")

BODY = "这次集体学习围绕调查研究展开，大家结合分管工作谈体会。"


def write(world, user, group, n, *, submit=True, tag=""):
    return [services.writing_create(person=user.person, group=group, kind="note", title=f"{tag}第{i + 1}篇体会",
                                    text=BODY + "学习" * (i % 3) + f"（{tag}{i}）", submit=submit, by=user)
            for i in range(n)]


def ranked(user, q="学习", window=5):
    """(rows, total, way): the walk's answer, and the visible set's, which must agree."""
    terms = material_search.query_terms(q)
    with CaptureQueriesContext(connection) as ctx:
        rows = material_search.ranked_ids(terms, access.writings_visible(user), limit=50, table="writings",
                                          window=window)
    way = "set" if any("rowid IN (SELECT" in x["sql"] for x in ctx.captured_queries) else "walk"
    share = material_search.PROBE_SHARE
    try:
        material_search.PROBE_SHARE = 2  # never walk
        assert material_search.ranked_ids(terms, access.writings_visible(user), limit=50, table="writings",
                                          window=window) == rows
    finally:
        material_search.PROBE_SHARE = share
    return rows[0], rows[1], way


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(material_search, "PROBE", 4)
    monkeypatch.setattr(material_search, "WALK_LIMIT", 2)


def test_a_supervisor_who_sees_most_matches_walks_and_gets_the_same_answer(world, small):
    mine = write(world, world.member_a, world.group_a, 14)
    write(world, world.secretary_b, world.group_b, 1, tag="别县")  # foreign to county A, newer than all
    write(world, world.member_a, world.group_a, 1, submit=False, tag="草稿")  # a draft: nobody else's
    rows, total, way = ranked(world.supervisor_a)
    assert way == "walk" and total == 6  # "5 多项"
    assert {pk for pk, _ in rows} == {w.pk for w in mine[-5:]}  # the newest five visible, ranked


def test_a_secretary_who_sees_a_small_share_uses_the_visible_set(world, small):
    write(world, world.member_a, world.group_a, 3)
    others = write(world, world.secretary_b, world.group_b, 12, tag="别县")
    rows, total, way = ranked(world.secretary_a)
    assert way == "set" and total == 3 and not {pk for pk, _ in rows} & {w.pk for w in others}


def test_fewer_matches_than_the_probe_are_answered_by_it(world, monkeypatch):
    monkeypatch.setattr(material_search, "PROBE", 50)
    made = write(world, world.member_a, world.group_a, 4)
    rows, total, way = ranked(world.supervisor_a)
    assert way == "walk" and total == 4 and {pk for pk, _ in rows} == {w.pk for w in made}


def test_a_share_that_falls_off_after_the_probe_ends_in_the_visible_set(world, small):
    """The newest matches are visible, the older ones mostly foreign: the walk stops at its bound."""
    old = write(world, world.member_a, world.group_a, 3, tag="旧")
    write(world, world.secretary_b, world.group_b, 12, tag="别县")
    new = write(world, world.member_a, world.group_a, 4, tag="新")
    rows, total, way = ranked(world.supervisor_a)
    assert way == "set" and total == 6 and {pk for pk, _ in rows} == {w.pk for w in old[-1:] + new}  # the newest 5 of them


def test_the_search_page_answers_alike_through_the_walk(world, small, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    write(world, world.member_a, world.group_a, 9)
    results = search.search("学习", materials=None, writings=access.writings_visible(world.supervisor_a), limit=3)
    assert results.total == 6 and len(results.hits) == 3
