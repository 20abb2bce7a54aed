"""民主评议 is anonymous: no field, row order, page, export or audit entry ties a ballot to its rater; a rater
votes once; someone not among the raters is refused; 述学 is submitted by the group's leaders."""

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from assessment import services
from assessment.models import Ballot, Grade, Rater, StudyReport
from core.models import AuditEntry
from core.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def ev(world):
    return services.evaluation_create(group=world.group_a, year=timezone.localdate().year, by=world.supervisor_a)


def all_good(world):
    return {world.leader_a.person.pk: Grade.GOOD, world.member_a.person.pk: Grade.EXCELLENT}


def test_a_ballot_has_no_field_that_points_at_a_rater_or_a_moment(world):
    fields = {f.name: f for f in Ballot._meta.get_fields()}
    assert set(fields) == {"id", "evaluation", "leader", "grade"}
    assert isinstance(fields["id"], models.UUIDField)  # no increasing key to line up with the turnout
    assert not any(isinstance(f, (models.DateTimeField, models.DateField)) for f in fields.values())
    assert not any(f.related_model is Ballot for f in Rater._meta.get_fields() if f.is_relation)


def test_a_rater_votes_once_and_the_audit_entry_holds_no_grade(world, ev):
    services.vote(evaluation=ev, user=world.secretary_a, grades=all_good(world))
    assert Ballot.objects.filter(evaluation=ev).count() == 2
    entry = AuditEntry.objects.filter(action="assessment.vote").latest("pk")
    assert "B" not in str(entry.after.values()) and "grade" not in str(entry.after)
    with pytest.raises(ValidationError, match="不能重复评议"):
        services.vote(evaluation=ev, user=world.secretary_a, grades=all_good(world))
    assert Ballot.objects.filter(evaluation=ev).count() == 2


def test_someone_not_among_the_raters_is_refused_and_nothing_is_stored(world, ev):
    for user in (world.secretary_b, world.supervisor_a, world.outsider):
        with pytest.raises(ValidationError, match="不在本次民主评议的评议人名单中"):
            services.vote(evaluation=ev, user=user, grades=all_good(world))
    assert not Ballot.objects.exists()


def test_a_form_missing_a_leader_is_refused_whole(world, ev):
    with pytest.raises(ValidationError, match="请为"):
        services.vote(evaluation=ev, user=world.member_a, grades={world.leader_a.person.pk: Grade.GOOD})
    assert not Ballot.objects.exists() and not Rater.objects.filter(voted=True).exists()


def test_the_results_page_shows_counts_per_leader_and_never_a_raters_choice(client, world, ev):
    services.vote(evaluation=ev, user=world.secretary_a, grades=all_good(world))
    page = login(client, world.supervisor_a).get(reverse("assessment:evaluation", args=[ev.pk])).content.decode()
    assert "已评议 1 / 3 人" in page
    assert "秦秘书" not in page  # the one who voted is a rater, not a leader: their name appears nowhere


def test_the_vote_page_refuses_a_second_form_and_a_non_rater_in_chinese(client, world, ev):
    url = reverse("assessment:vote", args=[ev.pk])
    data = {f"leader_{k}": v for k, v in all_good(world).items()}
    login(client, world.member_a)
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 400 and "不能重复评议" in again.content.decode()
    assert Ballot.objects.count() == 2
    assert login(client, world.secretary_b).post(url, data).status_code == 404
    assert Ballot.objects.count() == 2


def test_a_leader_submits_a_study_report_and_a_member_of_another_group_cannot(client, world):
    year = timezone.localdate().year
    url = reverse("assessment:study_report", args=[world.group_a.pk]) + f"?year={year}"
    login(client, world.leader_a).post(url, {"text": "今年通读了《习近平谈治国理政》第五卷。"})
    assert StudyReport.objects.get(person=world.leader_a.person).year == year
    empty = client.post(url, {"text": "  "})
    assert empty.status_code == 400 and "请填写述学报告" in empty.content.decode()
    assert login(client, world.secretary_b).get(url).status_code == 404
