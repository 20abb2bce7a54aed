"""考核评价 in Chromium: a member fills the anonymous 民主评议 form once; the supervisor then opens the ranking and
reads why group A scored as it did, the 民主评议 line among the indicators."""

import pytest
from django.utils import timezone

from .conftest import login, shot


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_rater_fills_the_anonymous_form_and_the_supervisor_reads_the_breakdown(world, live_server, page):
    from assessment import services
    from assessment.models import Ballot, Rater
    from meetings.tests.factories import make_session, mark_all

    mark_all(world, make_session(world))
    ev = services.evaluation_create(group=world.group_a, year=timezone.localdate().year, by=world.supervisor_a)

    login(page, live_server, world.member_a)
    page.goto(f"{live_server.url}/assessment/evaluations/{ev.pk}/vote/")
    assert "匿名" in page.inner_text("body")
    page.check(f"input[name=leader_{world.leader_a.person.pk}][value=A]")
    page.check(f"input[name=leader_{world.member_a.person.pk}][value=B]")
    shot(page, "assessment-vote")
    page.click("#vote-form button")
    page.wait_for_load_state("networkidle")
    assert page.locator("#voted").is_visible()
    assert Ballot.objects.filter(evaluation=ev).count() == 2
    assert Rater.objects.get(evaluation=ev, person=world.member_a.person).voted

    page.context.clear_cookies()
    login(page, live_server, world.supervisor_a)
    page.goto(f"{live_server.url}/assessment/units/{world.county_a.pk}/ranking/")
    row = page.locator(f"#ranking tr[data-group='{world.group_a.pk}']")
    row.locator("summary").click()
    why = row.locator("table.why").inner_text()
    assert "参学率" in why and "民主评议2票，综合得分率90.0%" in why and "五落实齐全并归档" not in why and "本年无举行满10个工作日" in why
    shot(page, "assessment-ranking")
