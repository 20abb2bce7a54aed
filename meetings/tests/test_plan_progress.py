"""The supervisor's overview measures sessions against each group's approved plan (issue 4: "sessions held
against the plan")."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from meetings import selectors, services
from meetings.tests.factories import make_session
from orgs.models import StudyGroup
from plans import services as plan_services
from plans.tests.factories import approved_plan, topic

TODAY = dt.date(2026, 11, 22)


def test_studied_and_due_topics_of_the_approved_plan(world):
    plan = approved_plan(world, year=2026, topics=[topic("学习党的创新理论", month=3), topic("学习习近平文化思想", month=5),
                                                  topic("学习新修订的条例", month=12), topic("全年自学")])
    t_march, t_may, _december, _whole_year = plan.topics.order_by("sort", "id")
    make_session(world, title=t_march.title, topic_source="plan", plan_topic_id=t_march.pk,
                 start=timezone.now() - dt.timedelta(days=30))
    # A cancelled session and one not yet held do not count as studying the topic.
    later = make_session(world, title=t_may.title, topic_source="plan", plan_topic_id=t_may.pk,
                         start=timezone.now() + dt.timedelta(days=3))
    cancelled = make_session(world, title=t_may.title, topic_source="plan", plan_topic_id=t_may.pk,
                             start=timezone.now() - dt.timedelta(days=40))
    services.session_cancel(session=cancelled, reason="上级临时会议", by=world.secretary_a)
    progress = selectors.plan_progress(StudyGroup.objects.all(), year=2026, today=TODAY)
    p = progress[world.group_a.pk]
    assert (p.total, p.due, p.done, p.done_due) == (4, 2, 1, 1) and p.behind
    assert world.group_b.pk not in progress  # no approved plan: shown as such, not as 0 of 0
    services.session_update(session=later, by=world.secretary_a, starts_at=timezone.now() - dt.timedelta(days=2),
                            ends_at=timezone.now() - dt.timedelta(days=2) + dt.timedelta(hours=2),
                            reason="提前举行")
    p = selectors.plan_progress(StudyGroup.objects.all(), year=2026, today=TODAY)[world.group_a.pk]
    assert (p.done_due, p.behind) == (2, False)
    # The year over, every topic is due.
    p = selectors.plan_progress(StudyGroup.objects.all(), year=2026, today=dt.date(2027, 1, 5))[world.group_a.pk]
    assert (p.due, p.done_due) == (4, 2)


def test_a_revised_plan_counts_its_own_topics(world):
    plan = approved_plan(world, year=2026, topics=[topic("学习党的创新理论", month=3)])
    revised = plan_services.plan_revise(plan=plan, reason="增加专题", by=world.secretary_a)
    plan_services.plan_save(plan=revised, topics=[topic("学习党的创新理论", month=3), topic("学习党史", month=4)],
                            by=world.secretary_a)
    plan_services.plan_submit(plan=revised, by=world.secretary_a)
    plan_services.plan_approve(plan=revised, by=world.leader_a)
    p = selectors.plan_progress(StudyGroup.objects.all(), year=2026, today=TODAY)[world.group_a.pk]
    assert p.total == 2


def test_overview_page_shows_the_plan_column_and_filters_groups_behind(world, as_user):
    year = timezone.localdate().year
    approved_plan(world, year=year, topics=[topic("学习党的创新理论", month=1)])
    url = reverse("meetings:overview") + f"?year={year}"
    page = as_user(world.city_supervisor).get(url).content.decode()
    assert "计划专题" in page and "无审定计划" in page
    behind = as_user(world.city_supervisor).get(url + "&only=behind").content.decode()
    if timezone.localdate().month > 1:  # January's topic is due once January is over
        assert world.group_a.name in behind and world.group_b.name not in behind
    no_plan = as_user(world.city_supervisor).get(url + "&only=no_plan").content.decode()
    assert world.group_b.name in no_plan and world.group_a.name not in no_plan


def test_cancel_a_session_notifies_and_locks_it(world, as_user):
    from meetings.models import Notice
    from meetings.tests.factories import next_week

    s = next_week(world, title="学习习近平文化思想专题研讨")
    r = as_user(world.secretary_a).post(reverse("meetings:cancel", args=[s.pk]), {"reason": ""})
    assert r.status_code == 400 and "请填写取消原因" in r.content.decode()
    r = as_user(world.secretary_a).post(reverse("meetings:cancel", args=[s.pk]), {"reason": "与上级会议时间冲突"})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status == "cancelled" and s.cancel_reason == "与上级会议时间冲突"
    assert Notice.objects.filter(session=s, person=world.member_a.person, text__contains="学习取消").exists()
    page = as_user(world.secretary_a).get(reverse("meetings:detail", args=[s.pk])).content.decode()
    assert "这次学习已取消。原因：与上级会议时间冲突" in page and 'data-testid="attendance-link"' not in page
    # A sibling county's supervisor cannot even find it; a plain member may not cancel.
    assert as_user(world.supervisor_b).post(reverse("meetings:cancel", args=[s.pk]), {"reason": "x"}).status_code == 404
    other = next_week(world, title="另一次学习")
    assert as_user(world.member_a).post(reverse("meetings:cancel", args=[other.pk]),
                                        {"reason": "不想参加"}).status_code == 403


def test_a_held_session_cannot_be_cancelled(world):
    import pytest
    from django.core.exceptions import ValidationError

    from meetings.tests.factories import mark_all

    s = make_session(world)
    mark_all(world, s)
    with pytest.raises(ValidationError, match="已登记考勤"):
        services.session_cancel(session=s, reason="记错了", by=world.secretary_a)
    s.refresh_from_db()
    assert s.status == "scheduled"
