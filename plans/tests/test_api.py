"""The plans API answers with the pages' rules: lists are filtered, a foreign plan is 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import approved_plan, draft_plan, topic

pytestmark = pytest.mark.django_db


def test_a_supervisor_reads_a_plan_with_its_topics(world, as_user):
    plan = approved_plan(world, topics=[
        topic("学习党的创新理论", month=3, format="lecture", lead="赵书记", materials="《习近平谈治国理政》第五卷"),
        topic("学习习近平文化思想", kind="optional", month=6)])
    body = as_user(world.supervisor_a).get(f"/api/plans/{plan.pk}/").json()
    assert (body["status"], body["status_label"], body["version"]) == ("approved", "已审定", plan.version)
    assert body["group"] == world.group_a.pk and body["unit_name"] == world.town_a.name
    first, second = body["topics"]
    assert (first["title"], first["kind_label"], first["month"], first["format_label"], first["lead"],
            first["materials"]) == ("学习党的创新理论", "必学", 3, "专题辅导", "赵书记", "《习近平谈治国理政》第五卷")
    assert (second["kind"], second["kind_label"]) == ("optional", "选学")


def test_a_sibling_countys_supervisor_gets_404_for_a_plan(world, as_user):
    plan = draft_plan(world, topics=[topic("学习党的创新理论")])
    for persona in (world.supervisor_b, world.secretary_b, world.observer, world.outsider, world.sysadmin):
        response = as_user(persona).get(f"/api/plans/{plan.pk}/")
        assert response.status_code == 404, persona.username
        assert "学习党的创新理论" not in response.content.decode()


def test_the_list_shows_only_visible_plans_and_filters_by_group_and_year(world, as_user):
    a_now = draft_plan(world)
    a_last = draft_plan(world, year=world.today.year - 1)
    b_now = draft_plan(world, group=world.group_b, by=world.secretary_b)

    def ids(user, query=""):
        return [p["id"] for p in as_user(user).get(f"/api/plans/{query}").json()["results"]]

    assert ids(world.supervisor_a) == [a_now.pk, a_last.pk]
    assert ids(world.supervisor_b) == [b_now.pk]
    assert set(ids(world.city_supervisor)) == {a_now.pk, a_last.pk, b_now.pk}
    assert ids(world.city_supervisor, f"?group={world.group_b.pk}") == [b_now.pk]
    assert ids(world.city_supervisor, f"?year={world.today.year - 1}") == [a_last.pk]
    assert ids(world.supervisor_a, f"?group={world.group_b.pk}") == []  # a foreign group filters to nothing
    assert ids(world.auditadmin) == []


def test_a_bad_filter_is_a_400_not_a_500(world, as_user):
    response = as_user(world.secretary_a).get("/api/plans/?year=abc")
    assert response.status_code == 400 and "year" in response.json()


def test_the_api_is_read_only(world, as_user):
    plan = draft_plan(world)
    client = as_user(world.secretary_a)
    assert client.post("/api/plans/", {}, content_type="application/json").status_code == 405
    assert client.patch(f"/api/plans/{plan.pk}/", {"title": "x"}, content_type="application/json").status_code == 405


def test_the_list_costs_the_same_number_of_queries_for_more_plans(world, as_user):
    client = as_user(world.city_supervisor)
    draft_plan(world)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/plans/")
    for year in (world.today.year - 1, world.today.year - 2):
        draft_plan(world, year=year)
    draft_plan(world, group=world.group_b, by=world.secretary_b)
    with CaptureQueriesContext(connection) as four:
        assert client.get("/api/plans/").json()["count"] == 4
    assert len(four) == len(one)


def test_the_schema_describes_the_plans_api(world, as_user):
    paths = as_user(world.secretary_a).get("/api/schema/?format=json").json()["paths"]
    assert "/api/plans/" in paths and "/api/plans/{id}/" in paths
