import pytest
from django.core.exceptions import ValidationError

from materials import access, search
from materials.models import Material

from .factories import material

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(world):
    return {
        "plenum": material(world, title="党的二十届四中全会公报",
                           text="中国共产党第二十届中央委员会第四次全体会议在北京举行。全会听取和讨论了工作报告。"),
        "seminar": material(world, title="关于开展专题研讨的通知",
                            text="各中心组要围绕主题开展专题研讨，做到研讨有主题、发言有准备。"),
        "speech": material(world, title="在全市理论学习工作会议上的讲话",
                           text="要把理论学习同推动高质量发展结合起来。专题研讨要深入。"),
        "other": material(world, title="乡村振兴工作要点", text="推进乡村全面振兴，抓好粮食生产。"),
    }


def titles(results):
    return [h.material.title for h in results.hits]


def test_it_finds_a_two_character_word_inside_a_longer_word(world, library):
    results = search.search(Material.objects.all(), "全会")
    assert "党的二十届四中全会公报" in titles(results)
    assert "乡村振兴工作要点" not in titles(results)


def test_it_finds_yantao_in_every_material_that_uses_it(world, library):
    results = search.search(Material.objects.all(), "研讨")
    assert set(titles(results)) == {"关于开展专题研讨的通知", "在全市理论学习工作会议上的讲话"}
    assert results.total == 2


def test_a_title_hit_and_more_occurrences_rank_higher(world, library):
    results = search.search(Material.objects.all(), "研讨")
    assert titles(results)[0] == "关于开展专题研讨的通知"
    assert results.hits[0].score > results.hits[1].score


def test_every_word_of_the_query_must_match(world, library):
    assert titles(search.search(Material.objects.all(), "专题研讨 高质量发展")) == ["在全市理论学习工作会议上的讲话"]


def test_hits_are_highlighted_and_the_text_is_escaped(world):
    material(world, title="<script>alert(1)</script>研讨", text="会议<b>研讨</b>了问题")
    hit = search.search(Material.objects.all(), "研讨").hits[0]
    assert "<mark>研讨</mark>" in hit.snippet
    assert "<b>" not in hit.snippet and "&lt;b&gt;" in hit.snippet
    assert "<script>" not in str(search.highlight(hit.material.title, ["研讨"]))


def test_highlight_marks_every_occurrence(world):
    html = str(search.highlight("研讨有主题，研讨有准备", ["研讨"]))
    assert html.count("<mark>研讨</mark>") == 2


@pytest.mark.parametrize("query", ["，。！？", "   ", "!!!", "《》“”——", ""])
def test_a_punctuation_only_query_is_refused_with_a_message(world, library, query):
    with pytest.raises(ValidationError) as exc:
        search.search(Material.objects.all(), query)
    assert "标点" in exc.value.messages[0]


def test_punctuation_around_words_is_ignored(world, library):
    assert "党的二十届四中全会公报" in titles(search.search(Material.objects.all(), "“全会”！"))


def test_fts_syntax_in_a_query_is_just_text(world, library):
    for query in ['研讨 OR "', "NEAR(研讨", "研讨*", "研讨 AND -全会", "a:b"]:
        search.search(Material.objects.all(), query)  # no error from the database


def test_an_edited_material_is_found_by_its_new_text(world, library):
    from materials import services

    m = library["other"]
    services.material_update(material=m, title=m.title, kind=m.kind, published_on=m.published_on,
                             text="学习贯彻全会精神", by=None)
    assert "乡村振兴工作要点" in titles(search.search(Material.objects.all(), "全会"))


def test_search_only_returns_visible_materials(world, library):
    material(world, owner=world.county_b, title="东湖区研讨安排", text="研讨")
    visible_a = access.materials_visible(world.secretary_a)
    assert "东湖区研讨安排" not in titles(search.search(visible_a, "研讨"))
    visible_b = access.materials_visible(world.secretary_b)
    assert "东湖区研讨安排" in titles(search.search(visible_b, "研讨"))


def test_pagination_counts_every_hit(world):
    for i in range(7):
        material(world, title=f"研讨材料{i}", text="研讨")
    first = search.search(Material.objects.all(), "研讨", limit=5)
    second = search.search(Material.objects.all(), "研讨", limit=5, offset=5)
    assert first.total == 7 and len(first.hits) == 5 and len(second.hits) == 2


def test_the_library_page_answers_400_with_a_message_for_punctuation(world, library, as_user):
    client = as_user(world.secretary_a)
    response = client.get("/materials/?q=，，。")
    assert response.status_code == 400
    assert "不能只有标点符号" in response.content.decode()


def test_the_library_page_highlights_hits(world, library, as_user):
    client = as_user(world.secretary_a)
    response = client.get("/materials/", {"q": "研讨"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<mark>研讨</mark>" in body and "<html" not in body


def test_the_detail_page_highlights_the_query(world, library, as_user):
    client = as_user(world.secretary_a)
    body = client.get(f"/materials/{library['seminar'].pk}/", {"q": "研讨"}).content.decode()
    assert body.count("<mark>研讨</mark>") >= 3
    text = library["seminar"].text
    assert f"在正文中出现 {search.count_hits(text, ['研讨'])} 处" in body
    assert search.count_hits(text, ["研讨"]) == text.count("研讨") and search.count_hits(text, []) == 0


def test_a_page_past_the_end_still_reports_the_total(world):
    for i in range(3):
        material(world, title=f"全会材料{i}", text="全会")
    results = search.search(Material.objects.all(), "全会", limit=5, offset=10)
    assert results.hits == [] and results.total == 3


def test_live_search_answers_200_with_the_message_and_renders_only_the_results(world, library, as_user):
    client = as_user(world.secretary_a)
    response = client.get("/materials/", {"q": "，，。"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "不能只有标点符号" in response.content.decode()
    response = client.get("/materials/", {"q": "研讨"}, HTTP_HX_REQUEST="true")
    # the tag filter and the 新增 button belong to the full page: a keystroke does not look them up
    assert "can_publish" not in response.context and "tags" not in response.context
