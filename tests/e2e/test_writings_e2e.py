"""学习成果 in Chromium: a member writes and submits a 心得; the secretary reads and returns a 补学体会, and the
member sees the comment on their 补学 task."""

import pytest

from .conftest import login, shot

TEXT = "通过学习全会精神，我深刻体会到调查研究是谋事之基、成事之道，要把学习成果转化为推动街道工作的具体举措。"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_member_writes_and_submits_a_reflection(world, live_server, page):
    from meetings.tests.factories import make_session
    from writings.models import Writing

    session = make_session(world, title="学习贯彻党的二十届四中全会精神")
    login(page, live_server, world.member_a)
    page.goto(f"{live_server.url}/writings/")
    page.click("[data-testid=new-writing]")
    page.select_option("#id_kind", "reflection")
    page.select_option("#id_link", f"s:{session.pk}")
    page.fill("#id_title", "学习四中全会精神心得体会")
    page.fill("#id_text", TEXT)
    page.check("#id_ai_assisted")
    shot(page, "writings-write")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=title]")
    assert "已提交" in page.inner_text("[data-testid=status]")
    assert "借助AI辅助起草" in page.content()
    w = Writing.objects.get()
    assert w.status == "submitted" and w.session == session and w.ai_assisted and w.versions.count() == 1
    shot(page, "writings-detail")

    page.goto(f"{live_server.url}/writings/search/?q=调查研究")
    assert "学习四中全会精神心得体会" in page.inner_text("[data-testid=results]")
    assert page.locator("[data-testid=results] mark").count() >= 1
    shot(page, "writings-search")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_secretary_reads_and_returns_a_makeup_reflection(world, live_server, page):
    from writings.models import Writing
    from writings.tests.factories import submitted_makeup

    w = submitted_makeup(world)
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/writings/reviews/")
    page.click(f"text={w.title}")
    page.wait_for_selector("[data-testid=text]")
    assert "认真学习了全会精神" in page.inner_text("[data-testid=text]")
    page.fill("#id_comment", "请结合分管工作谈具体打算")
    shot(page, "writings-review")
    page.click("[data-testid=return]")
    page.wait_for_selector("text=已退回")
    w.refresh_from_db()
    assert w.status == "returned" and w.review_comment == "请结合分管工作谈具体打算"

    page.context.clear_cookies()
    login(page, live_server, world.member_a)
    page.goto(f"{live_server.url}/meetings/makeups/{w.makeup_id}/")
    assert "请结合分管工作谈具体打算" in page.inner_text("[data-testid=makeup-writing]")
    page.fill("#id_reflection", w.text + "今后要在网格治理中抓好落实。")
    page.click("text=提交体会")
    page.wait_for_selector("text=补学体会已提交")
    w.refresh_from_db()
    assert w.status == "submitted" and w.version == 2
    assert Writing.objects.get(pk=w.pk).versions.count() == 2
    page.goto(f"{live_server.url}/writings/{w.pk}/history/")
    assert "网格治理" in page.locator("[data-testid=version] ins").first.inner_text()
    shot(page, "writings-history")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_secretary_sees_a_reuse_flag_with_both_dates_and_the_passages_side_by_side(world, live_server, page):
    import datetime as dt
    import random

    from integrity.tests.corpus import honest
    from integrity.tests.factories import member
    from meetings.tests.factories import make_session
    from writings import services
    from writings.models import Writing

    session = make_session(world, title="学习贯彻党的二十届四中全会精神")
    original = honest(random.Random(11), "x", "江城区解放街道").text
    earlier = member(world, "李委员")
    services.writing_create(person=earlier.person, group=world.group_a, kind="reflection", title="李委员的学习心得",
                            text=original, day=dt.date(world.today.year, 1, 5), session=session, submit=True,
                            by=earlier)

    # 钱委员 submits a 心得 that copies it, written in the page.
    login(page, live_server, world.member_a)
    page.goto(f"{live_server.url}/writings/new/")
    page.select_option("#id_kind", "reflection")
    page.select_option("#id_link", f"s:{session.pk}")
    page.fill("#id_title", "钱委员的学习心得")
    page.fill("#id_text", original.replace("。", "，深受启发。", 1))
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=title]")
    copy = Writing.objects.get(title="钱委员的学习心得")
    assert copy.status == "submitted"
    assert page.locator("[data-testid=reuse]").count() == 0  # the author is not shown the other's passages

    page.context.clear_cookies()
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/writings/{copy.pk}/")
    match = page.locator("[data-testid=reuse-match]").first
    match.wait_for()
    text = match.inner_text()
    assert "本篇在后" in text and "李委员" in text
    assert f"{world.today.year}年1月5日" in match.locator("[data-testid=source-date]").inner_text()
    assert match.locator("[data-testid=suspect-date]").inner_text() == f"{copy.day:%Y}年{copy.day.month}月{copy.day.day}日"
    side = match.locator("table.reuse-side tbody tr")
    assert side.count() >= 1 and side.first.locator("td").count() == 2
    assert match.locator("table.reuse-side mark").count() >= 1  # the differing words are marked
    shot(page, "writings-reuse-flag")
