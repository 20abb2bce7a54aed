"""A broad query over many writings is ranked among its newest matches (writings.search.COUNT_CAP), counted in the
same statement, and never lets a foreign or draft writing take a place in that window."""

from django.urls import reverse

from writings import access, search, services

BODY = "这次集体学习围绕调查研究展开，大家结合分管工作谈体会。"


def _write(world, n, *, stronger=()):
    """n submitted writings of member A, oldest first; those numbered in `stronger` say 学习 three times more."""
    made = []
    for i in range(n):
        text = BODY + ("学习要深入基层，学习要问计于民，学习要联系实际。" if i in stronger else "")
        made.append(services.writing_create(person=world.member_a.person, group=world.group_a, kind="note",
                                            title=f"第{i + 1}篇体会", text=text + f"（第{i + 1}篇）", submit=True,
                                            by=world.member_a))
    return made


def _hits(world, q):
    return search.search(q, materials=None, writings=access.writings_visible(world.secretary_a), limit=50)


def test_a_query_within_the_cap_ranks_every_match_and_counts_them_exactly(world, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 10)
    made = _write(world, 6, stronger={0})
    results = _hits(world, "学习")
    assert results.total == 6
    assert [h.obj.pk for h in results.hits][0] == made[0].pk  # the oldest but most relevant comes first
    assert {h.obj.pk for h in results.hits} == {w.pk for w in made}


def test_a_broad_query_ranks_the_newest_matches_and_says_there_are_more(world, monkeypatch, as_user):
    monkeypatch.setattr(search, "COUNT_CAP", 4)
    made = _write(world, 7, stronger={0, 5})
    # A draft and another county's writing, newer than all of them, take no place in the window.
    services.writing_create(person=world.member_a.person, group=world.group_a, kind="note", title="草稿",
                            text=BODY + "学习学习学习", by=world.member_a)
    services.writing_create(person=world.secretary_b.person, group=world.group_b, kind="note", title="别县体会",
                            text=BODY + "学习学习学习", submit=True, by=world.secretary_b)
    results = _hits(world, "学习")
    assert results.total == 5  # more than the cap: shown as "4 多项"
    newest = {w.pk for w in made[-4:]}
    assert [h.obj.pk for h in results.hits][0] == made[5].pk  # relevance decides inside the window
    assert {h.obj.pk for h in results.hits} == newest  # the oldest three are not ranked
    page = as_user(world.secretary_a).get(reverse("writings:search"), {"q": "学习"}).content.decode()
    assert "共找到 4 多项，按相关度列出其中最新的 4 项" in page and 'data-testid="broad"' in page
    assert "别县体会" not in page and "草稿" not in page
    # The second page of the window, then nothing beyond it.
    second = search.search("学习", materials=None, writings=access.writings_visible(world.secretary_a), limit=2, offset=2)
    assert len(second.hits) == 2 and second.total == 5
    beyond = search.search("学习", materials=None, writings=access.writings_visible(world.secretary_a), limit=2, offset=4)
    assert beyond.hits == []
