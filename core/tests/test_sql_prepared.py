"""core.sql.prepared: a statement Django compiled once, run again with other values, must answer exactly what the
ORM answers, and refuse what it cannot redo."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from core import sql
from orgs.models import Membership, Person


def members(group_id, day, role):
    return (Membership.objects.filter(group_id=group_id, start__lte=day, role=role)
            .select_related("person", "group").order_by("id"))


def test_the_answers_are_the_orms_for_every_value(world):
    day = world.today
    for group in (world.group_a, world.group_b):
        for role in ("secretary", "member", "leader", "no-such-role"):
            for when in (day, day - dt.timedelta(days=400)):
                got = sql.prepared("test.members", members, group.pk, when, role)
                want = list(members(group.pk, when, role))
                assert [(m.pk, m.person.name, m.group.name) for m in got] == \
                       [(m.pk, m.person.name, m.group.name) for m in want]
    assert sql.prepared("test.members", members, world.group_a.pk, day, "secretary")[0].person.name == "秦秘书"


def test_related_rows_values_and_datetimes(world):
    def user_with_person(pk):
        return User.objects.filter(pk=pk).select_related("person")[:1]

    for user in (world.secretary_a, world.secretary_b, world.outsider):
        got, = sql.prepared("test.user", user_with_person, user.pk)
        assert got == user and got.username == user.username
        assert (got.person.name if got.person_id else None) == (user.person.name if user.person_id else None)
    assert sql.prepared("test.user", user_with_person, 10 ** 9) == []

    def joined_since(moment):
        return User.objects.filter(date_joined__gte=moment).order_by("pk").values_list("username", flat=True)

    for moment in (timezone.now() - dt.timedelta(days=1), timezone.now() + dt.timedelta(days=1)):
        assert sql.prepared("test.joined", joined_since, moment) == list(joined_since(moment))


def test_none_and_booleans_are_part_of_the_statement(world):
    def by_login(last_login, active):
        return User.objects.filter(last_login=last_login, is_active=active).order_by("id").values_list("id", flat=True)

    never = list(User.objects.filter(last_login=None, is_active=True).order_by("id").values_list("id", flat=True))
    assert never and sql.prepared("test.login", by_login, None, True) == never
    assert sql.prepared("test.login", by_login, timezone.now(), True) == []  # another statement (= %s), not IS NULL
    User.objects.filter(pk=world.outsider.pk).update(is_active=False)
    assert sql.prepared("test.login", by_login, None, False) == [world.outsider.pk]
    assert world.outsider.pk not in sql.prepared("test.login", by_login, None, True)


def test_one_statement_and_no_compiling_after_the_first(world, monkeypatch):
    from django.db.models.sql.compiler import SQLCompiler

    sql.prepared("test.members", members, world.group_a.pk, world.today, "member")
    compiled, converted = [], []
    original, converters = SQLCompiler.as_sql, SQLCompiler.get_converters
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **kw: compiled.append(1) or original(self, *a, **kw))
    monkeypatch.setattr(SQLCompiler, "get_converters",
                        lambda self, *a, **kw: converted.append(1) or converters(self, *a, **kw))
    with CaptureQueriesContext(connection) as queries:
        got = sql.prepared("test.members", members, world.group_b.pk, world.today, "secretary")
    assert [m.person.name for m in got] == ["孙秘书"]
    assert len(queries) == 1 and compiled == []
    # the columns' converters were found at the first run on this connection, and are not looked up again
    assert converted == [] and isinstance(got[0].start, dt.date)


@pytest.mark.parametrize("build, value", [
    (lambda name: Person.objects.filter(name__startswith=name), "秦"),  # the value becomes '秦%'
    (lambda year: Membership.objects.filter(start__year=year), 2026),  # a year becomes two dates
    (lambda ids: Person.objects.filter(pk__in=ids), 3),  # not a list: Django refuses it itself
])
def test_what_it_cannot_redo_it_refuses_at_the_first_call(world, build, value):
    with pytest.raises((ValueError, TypeError)):
        sql.prepared(f"test.refused.{id(build)}", build, value)


def test_values_of_other_types_are_refused(world):
    with pytest.raises(TypeError, match="cannot fill a slot"):
        sql.prepared("test.decimal", lambda score: Person.objects.filter(pk=score), Decimal("1.5"))


def test_lists_of_ids_of_every_length(world):
    def people(ids, unit_id):
        return Person.objects.filter(pk__in=ids, unit_id=unit_id).order_by("id").values_list("name", flat=True)

    everyone = list(Person.objects.order_by("id").values_list("id", flat=True))
    for ids in ([], everyone[:1], everyone[:3], everyone[2:5], set(everyone), everyone + list(range(10 ** 6, 10 ** 6 + 80))):
        for unit in (world.town_a, world.city):
            assert sql.prepared("test.people", people, ids, unit.pk) == list(people(ids, unit.pk)), (ids, unit)
    with pytest.raises(TypeError):
        sql.prepared("test.people", people, ["1"], world.city.pk)  # ids only


def test_floats(world):
    from plans.models import CopyFlag, StudyPlan

    # Fixture rows straight through the ORM: only the flags' similarity matters here.
    a, b, c = (StudyPlan.objects.create(group=g, year=2026, number=n, title="计划")
               for g, n in ((world.group_a, 1), (world.group_b, 1), (world.group_a, 2)))
    for plan, other, similarity in ((a, b, 0.42), (b, c, 0.61), (a, c, 0.9)):
        CopyFlag.objects.create(plan=plan, other=other, similarity=similarity)

    def flags(threshold):
        return CopyFlag.objects.filter(similarity__gte=threshold).values_list("similarity", flat=True)

    for threshold in (0.0, 0.42, 0.5, 0.61, 0.95):
        assert sql.prepared("test.flags", flags, threshold) == list(flags(threshold))
    with pytest.raises(ValueError, match="do not reach the statement"):
        sql.prepared("test.flags", flags, 1)  # an int for a float field reaches it as a float: refused, not guessed


def test_small_integer_columns_and_constants_that_look_like_stand_ins(world):
    # PostgreSQL's smallint ends at 32767, and Django answers a lookup past a column's range without a statement:
    # the plan page (a plan's year) failed on PostgreSQL with stand-ins past it.
    from plans.models import StudyPlan

    plan = StudyPlan.objects.create(group=world.group_a, year=2026, number=1, title="计划")

    def of_year(group_id, year):
        return StudyPlan.objects.filter(group_id=group_id, year=year).values_list("id", flat=True)

    assert sql.prepared("test.plans", of_year, world.group_a.pk, 2026) == [plan.pk]
    assert sql.prepared("test.plans", of_year, world.group_a.pk, 2025) == []

    stand_in = sql._stand_in(int, 0, 0)

    def not_that_number(pk):
        return Person.objects.filter(pk=pk).exclude(unit_id=stand_in).values_list("name", flat=True)

    with pytest.raises(ValueError, match="changes with the values"):
        sql.prepared("test.constant", not_that_number, world.secretary_a.person_id)
