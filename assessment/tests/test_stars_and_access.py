"""理论学习之星 from nomination to the published list, and the pages refusing the sibling county's supervisor and the
outsider with 404 while a refused write changes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessment import services
from assessment.models import Indicator, IndicatorSystem, Nomination, StarRound
from core.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def star_round(world):
    return services.round_create(unit=world.county_a, year=2026, title="2026年度理论学习之星", quota=1,
                                 by=world.supervisor_a)


def test_a_round_goes_from_nominations_to_a_published_list(client, world, star_round):
    first = services.nominate(round=star_round, person=world.leader_a.person, unit=world.town_a, reason="学用结合",
                              by=world.supervisor_a)
    second = services.nominate(round=star_round, person=world.member_a.person, unit=world.town_a, reason="笔耕不辍",
                               by=world.supervisor_a)
    with pytest.raises(ValidationError, match="已被推荐"):
        services.nominate(round=star_round, person=world.leader_a.person, unit=world.town_a, reason="再推",
                          by=world.supervisor_a)
    with pytest.raises(ValidationError, match="请填写评审意见"):
        services.review(nomination=second, shortlist=False, note="", by=world.supervisor_a)
    services.review(nomination=second, shortlist=False, note="材料不足", by=world.supervisor_a)
    services.review(nomination=first, shortlist=True, note="", by=world.supervisor_a)
    with pytest.raises(ValidationError, match="入围名单"):
        services.decide(round=star_round, named_ids=[second.pk], by=world.supervisor_a)
    services.decide(round=star_round, named_ids=[first.pk], by=world.supervisor_a)
    star_round.refresh_from_db()
    assert star_round.status == StarRound.Status.DECIDED
    services.publish(round=star_round, by=world.supervisor_a)
    page = login(client, world.secretary_a).get(reverse("assessment:round_public", args=[star_round.pk])).content.decode()
    assert "赵书记" in page and "钱委员" not in page
    assert login(client, world.secretary_b).get(reverse("assessment:round_public", args=[star_round.pk])).status_code == 404


def test_a_round_keeps_its_quota(world, star_round):
    people = [world.leader_a.person, world.member_a.person]
    noms = [services.nominate(round=star_round, person=p, unit=world.town_a, reason="好", by=world.supervisor_a)
            for p in people]
    for n in noms:
        services.review(nomination=n, shortlist=True, note="", by=world.supervisor_a)
    with pytest.raises(ValidationError, match="超过名额"):
        services.decide(round=star_round, named_ids=[n.pk for n in noms], by=world.supervisor_a)
    assert not Nomination.objects.filter(status=Nomination.Status.NAMED).exists()


def test_a_unit_cannot_nominate_someone_outside_it(world, star_round):
    with pytest.raises(ValidationError, match="本单位及下属单位"):
        services.nominate(round=star_round, person=world.secretary_b.person, unit=world.town_a, reason="好",
                          by=world.supervisor_a)


def test_the_sibling_countys_supervisor_and_the_outsider_get_404_and_change_nothing(client, world):
    year = timezone.localdate().year
    for user in (world.supervisor_b, world.outsider):
        login(client, user)
        assert client.get(reverse("assessment:ranking", args=[world.county_a.pk])).status_code == 404
        assert client.get(reverse("assessment:ranking_export", args=[world.county_a.pk])).status_code == 404
        response = client.post(reverse("assessment:system", args=[world.county_a.pk]) + f"?year={year}",
                               {"w_attendance": "100"})
        assert response.status_code == 404
        assert client.post(reverse("assessment:evaluation_create", args=[world.group_a.pk])).status_code == 404
    assert not IndicatorSystem.objects.exists()


def test_a_weight_set_that_does_not_add_up_is_refused_on_the_page_and_nothing_is_saved(client, world):
    year = timezone.localdate().year
    url = reverse("assessment:system", args=[world.county_a.pk]) + f"?year={year}"
    response = login(client, world.supervisor_a).post(url, {"w_attendance": "50"})
    assert response.status_code == 400 and "权重之和须为 100" in response.content.decode()
    assert not IndicatorSystem.objects.exists() and not Indicator.objects.exists()
    response = client.post(url, {"w_attendance": "abc"})
    assert response.status_code == 400 and "须是数字" in response.content.decode()


def test_the_ranking_exports_to_excel_with_the_breakdown(client, world):
    import io

    from openpyxl import load_workbook

    response = login(client, world.supervisor_a).get(reverse("assessment:ranking_export", args=[world.county_a.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "参学率" in values and "中共江城区解放街道工作委员会理论学习中心组" in values


def test_the_ranking_page_shows_one_page_of_groups_and_the_breakdowns_of_those_only(client, world, monkeypatch):
    from assessment import selectors, views

    monkeypatch.setattr(views, "RANKING_PAGE", 1)
    year = timezone.localdate().year
    rows = selectors.ranking(world.city, year).rows
    assert len(rows) >= 2
    c = login(client, world.city_supervisor)
    second = c.get(reverse("assessment:ranking", args=[world.city.pk]), {"year": year, "page": 2}).content.decode()
    assert f'data-group="{rows[1].group.pk}"' in second and f'data-group="{rows[0].group.pk}"' not in second
    assert f"第 2 / {len(rows)} 页" in second
    # The breakdown a row shows is the one its total was summed from.
    for r in rows:
        assert sum(c.points for c in r.contributions) == r.total
