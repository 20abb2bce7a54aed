"""The materials API: the library page's visibility and full-text search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from materials import services

from .factories import material

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(world):
    return {
        "seminar": material(world, owner=world.county_a, title="关于开展专题研讨的通知",
                            text="各中心组要围绕主题开展专题研讨，做到研讨有主题、发言有准备。", tags=["通知"]),
        "plenum": material(world, title="党的二十届四中全会公报", text="全会听取和讨论了工作报告。"),
        "east": material(world, owner=world.county_b, title="东湖区专题研讨安排", text="东湖区各单位开展研讨。"),
    }


def titles(response):
    return [m["title"] for m in response.json()["results"]]


def test_search_finds_yantao_among_the_visible_materials_only(world, as_user, library):
    response = as_user(world.member_a).get("/api/materials/?q=研讨")
    assert response.status_code == 200
    assert titles(response) == ["关于开展专题研讨的通知"]  # 东湖区's material has the word too, but is not visible
    hit = response.json()["results"][0]
    assert response.json()["count"] == 1
    assert "<mark>研讨</mark>" in hit["snippet"] and hit["score"] > 0
    assert hit["owner_unit_name"] == world.county_a.name and hit["tags"] == ["通知"]


def test_a_query_of_punctuation_only_is_a_chinese_400(world, as_user, library):
    response = as_user(world.member_a).get("/api/materials/?q=，。！？")
    assert response.status_code == 400
    assert response.json() == {"q": ["请输入要查找的字词（不能只有标点符号或空格）"]}


def test_a_blank_query_lists_everything_visible_newest_first(world, as_user, library):
    response = as_user(world.member_a).get("/api/materials/?q=%20%20")
    assert response.status_code == 200
    assert set(titles(response)) == {"关于开展专题研讨的通知", "党的二十届四中全会公报"}
    assert all(m["snippet"] is None and m["score"] is None for m in response.json()["results"])


def test_search_results_are_paged_like_the_list(world, as_user, library):
    material(world, title="研讨会纪要", text="研讨")
    body = as_user(world.city_supervisor).get("/api/materials/?q=研讨&limit=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and "offset=2" in body["next"]
    rest = as_user(world.city_supervisor).get("/api/materials/?q=研讨&limit=2&offset=2").json()
    assert len(rest["results"]) == 1 and rest["next"] is None


def test_a_sibling_countys_supervisor_gets_404_for_a_material(world, as_user, library):
    url = f"/api/materials/{library['seminar'].pk}/"
    for persona in (world.supervisor_b, world.secretary_b, world.outsider, world.sysadmin):
        assert as_user(persona).get(url).status_code == 404, persona.username
    assert "关于开展专题研讨的通知" not in titles(as_user(world.supervisor_b).get("/api/materials/?q=研讨"))


def test_the_detail_has_the_text_and_the_attachments(world, as_user, library):
    att = services.attachment_add(material=library["seminar"], name="通知.txt", data="研讨".encode(), by=None)
    body = as_user(world.secretary_a).get(f"/api/materials/{library['seminar'].pk}/").json()
    assert body["text"].startswith("各中心组要围绕主题")
    assert body["attachments"] == [{"id": att.pk, "original_name": "通知.txt", "ext": att.ext, "size": att.size,
                                    "url": f"/materials/attachments/{att.pk}/"}]


def test_list_filters_as_on_the_library_page(world, as_user, library):
    client = as_user(world.secretary_a)
    material(world, title="重要讲话", important=True, kind="article")
    assert titles(client.get("/api/materials/?important=true")) == ["重要讲话"]
    assert titles(client.get("/api/materials/?kind=article")) == ["重要讲话"]
    assert titles(client.get("/api/materials/?tag=通知&q=研讨")) == ["关于开展专题研讨的通知"]
    assert client.get("/api/materials/?kind=poem").status_code == 400


def test_lists_and_searches_cost_the_same_number_of_queries_for_more_materials(world, as_user):
    client = as_user(world.city_supervisor)
    material(world, title="研讨一", text="研讨", tags=["甲"])
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as listing:
            client.get("/api/materials/")
        with CaptureQueriesContext(connection) as searching:
            client.get("/api/materials/?q=研讨")
        counts.append((len(listing), len(searching)))
        for i in range(3):
            material(world, title=f"研讨{i}", text="研讨", tags=["乙", "丙"])
    assert counts[0] == counts[1]


def test_the_schema_describes_the_materials_api(world, as_user):
    paths = as_user(world.secretary_a).get("/api/schema/?format=json").json()["paths"]
    assert "/api/materials/" in paths and "/api/materials/{id}/" in paths
