import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEntry
from orgs import services as org
from plans import services
from plans.models import Adoption, Status, StudyPlan, Topic

from .factories import CITY_TOPICS, approved_plan, draft_plan, publish_city_guidance, topic

pytestmark = pytest.mark.django_db


def test_mandated_topics_reach_every_group_in_the_subtree_and_no_other(world):
    year = world.today.year
    other_city = org.unit_create(name="中共远山市委员会", level="city")
    g = services.guidance_save(unit=world.county_a, year=year, topics=[("学习江城区专题", "required")],
                               by=world.supervisor_a)
    services.guidance_publish(guidance=g, by=world.supervisor_a)
    publish_city_guidance(world)
    titles_a = list(services.mandated_for(world.group_a, year).values_list("title", flat=True))
    titles_b = list(services.mandated_for(world.group_b, year).values_list("title", flat=True))
    assert titles_a == CITY_TOPICS + ["学习江城区专题"]
    assert titles_b == CITY_TOPICS
    assert not services.mandated_for(other_city.group, year).exists()
    assert not services.mandated_for(world.group_a, year + 1).exists()


def test_unpublished_guidance_reaches_nobody(world):
    services.guidance_save(unit=world.city, year=world.today.year, topics=[("草稿专题", "required")],
                           by=world.city_supervisor)
    assert not services.mandated_for(world.group_a, world.today.year).exists()


def test_a_supervisor_publishes_only_to_their_own_subtree(world):
    with pytest.raises(ValidationError, match="督导范围"):
        services.guidance_save(unit=world.county_b, year=world.today.year, topics=[("x", "required")],
                               by=world.supervisor_a)


def test_a_deadline_outside_the_year_is_refused(world):
    with pytest.raises(ValidationError, match="不在"):
        services.guidance_save(unit=world.city, year=2026, topics=[("x", "required")], by=world.city_supervisor,
                               report_deadline=dt.date(2025, 12, 31))


def test_a_new_plan_starts_with_the_mandated_topics(world):
    publish_city_guidance(world)
    plan = draft_plan(world)
    assert [t.title for t in plan.topics.all()] == CITY_TOPICS
    assert all(t.mandated_id for t in plan.topics.all())


def test_topics_with_no_title_are_refused_and_nothing_changes(world):
    plan = draft_plan(world, topics=[topic("原有专题")])
    with pytest.raises(ValidationError) as exc:
        services.plan_save(plan=plan, topics=[topic("新专题"), topic("", lead="赵书记")], by=world.secretary_a)
    assert "第 2 个专题没有填写题目" in exc.value.messages
    assert list(plan.topics.values_list("title", flat=True)) == ["原有专题"]


def test_a_date_outside_the_plan_year_is_refused(world):
    year = world.today.year
    plan = draft_plan(world, topics=[topic("原有专题")])
    with pytest.raises(ValidationError) as exc:
        services.plan_save(plan=plan, topics=[topic("专题", planned_on=dt.date(year + 1, 3, 1))],
                           by=world.secretary_a)
    assert f"不在 {year} 年度内" in exc.value.messages[0]
    assert list(plan.topics.values_list("title", flat=True)) == ["原有专题"]


def test_an_empty_line_is_ignored_and_the_month_comes_from_the_date(world):
    year = world.today.year
    plan = draft_plan(world, topics=[topic("专题", planned_on=dt.date(year, 4, 9)), topic("")])
    assert [(t.title, t.month) for t in plan.topics.all()] == [("专题", 4)]


def test_only_the_current_leader_approves(world):
    plan = draft_plan(world, topics=[topic("专题")])
    plan = services.plan_submit(plan=plan, by=world.secretary_a)
    for who in (world.secretary_a, world.member_a, world.city_supervisor):
        with pytest.raises(ValidationError, match="只有本组现任组长可以审定"):
            services.plan_approve(plan=plan, by=who)
    plan.refresh_from_db()
    assert plan.status == Status.SUBMITTED


def test_a_leader_who_has_left_cannot_approve(world):
    from orgs.models import Membership

    plan = services.plan_submit(plan=draft_plan(world, topics=[topic("专题")]), by=world.secretary_a)
    m = Membership.objects.get(person=world.leader_a.person, group=world.group_a)
    org.membership_end(membership=m, end=world.today - dt.timedelta(days=1), by=None)
    with pytest.raises(ValidationError):
        services.plan_approve(plan=plan, by=world.leader_a)


def test_approval_locks_the_plan(world):
    plan = approved_plan(world)
    assert plan.status == Status.APPROVED and plan.decided_by == world.leader_a
    with pytest.raises(ValidationError, match="已审定的计划不能直接修改"):
        services.plan_save(plan=plan, topics=[topic("偷偷改")], by=world.secretary_a)
    assert list(plan.topics.values_list("title", flat=True)) == ["学习党的创新理论"]
    assert AuditEntry.objects.filter(action="plans.plan.approve", object_id=str(plan.pk)).exists()


def test_a_change_makes_a_new_version_with_a_reason(world):
    plan = approved_plan(world)
    with pytest.raises(ValidationError, match="修订原因"):
        services.plan_revise(plan=plan, reason=" ", by=world.secretary_a)
    new = services.plan_revise(plan=plan, reason="增加学习全会精神专题", by=world.secretary_a)
    assert (new.number, new.status, new.previous_id, new.reason) == (2, Status.DRAFT, plan.pk, "增加学习全会精神专题")
    services.plan_save(plan=new, topics=[topic("学习党的创新理论"), topic("学习全会精神")], by=world.secretary_a)
    plan.refresh_from_db()
    assert plan.status == Status.APPROVED
    assert list(plan.topics.values_list("title", flat=True)) == ["学习党的创新理论"]
    assert new.topics.count() == 2
    with pytest.raises(ValidationError):
        services.plan_revise(plan=plan, reason="再改一次旧版", by=world.secretary_a)


def test_return_needs_a_comment_and_reopens_the_draft(world):
    plan = services.plan_submit(plan=draft_plan(world, topics=[topic("专题")]), by=world.secretary_a)
    with pytest.raises(ValidationError, match="退回意见"):
        services.plan_return(plan=plan, comment="", by=world.leader_a)
    plan = services.plan_return(plan=plan, comment="请补充调研专题", by=world.leader_a)
    assert plan.status == Status.RETURNED and plan.is_editable


def test_report_needs_approval_and_happens_once(world):
    plan = draft_plan(world, topics=[topic("专题")])
    with pytest.raises(ValidationError, match="审定后"):
        services.plan_report(plan=plan, by=world.secretary_a)
    plan = approved_plan(world, group=world.group_a, year=world.today.year - 1)
    plan = services.plan_report(plan=plan, by=world.secretary_a)
    assert plan.reported_at is not None
    with pytest.raises(ValidationError, match="已于"):
        services.plan_report(plan=plan, by=world.secretary_a)


def test_a_stale_edit_is_refused(world):
    plan = draft_plan(world, topics=[topic("专题")])
    stale = plan.version - 1
    with pytest.raises(ValidationError, match="已被他人修改"):
        services.plan_save(plan=plan, topics=[topic("x")], by=world.secretary_a, version=stale)


def test_a_group_adopts_a_reference_topic_and_the_supervisor_sees_when(world):
    year = world.today.year
    plan = approved_plan(world)
    ref = services.reference_send(unit=world.county_a, year=year, title="学习新修订的条例", materials="《条例》全文",
                                  by=world.supervisor_a)
    new = services.reference_adopt(reference=ref, group=world.group_a, by=world.secretary_a)
    assert new.number == 2 and new.previous_id == plan.pk and "学习新修订的条例" in new.reason
    assert Topic.objects.filter(plan=new, reference=ref, materials="《条例》全文").exists()
    assert Adoption.objects.get(reference=ref, group=world.group_a).adopted_at is not None
    with pytest.raises(ValidationError, match="已采纳"):
        services.reference_adopt(reference=ref, group=world.group_a, by=world.secretary_a)
    with pytest.raises(ValidationError, match="没有下发到本组"):
        services.reference_adopt(reference=ref, group=world.group_b, by=world.secretary_b)
    assert StudyPlan.objects.filter(group=world.group_a).count() == 2


def test_the_default_deadline_is_a_setting(world, settings):
    from plans.models import Guidance
    from plans.selectors import deadline_for

    assert deadline_for(world.group_a, 2026) == dt.date(2026, 1, 31)
    settings.PLAN_REPORT_DEADLINE = "02-15"
    assert Guidance.default_deadline(2026) == dt.date(2026, 2, 15)


def test_the_nearest_supervisors_deadline_wins(world):
    from plans.selectors import deadline_for, supervision

    year = world.today.year
    for unit, by, day in ((world.city, world.city_supervisor, 15), (world.county_a, world.supervisor_a, 1)):
        g = services.guidance_save(unit=unit, year=year, topics=[("专题", "required")], by=by,
                                   report_deadline=dt.date(year, 2, day))
        services.guidance_publish(guidance=g, by=by)
    assert deadline_for(world.group_a, year) == dt.date(year, 2, 1)
    assert deadline_for(world.group_b, year) == dt.date(year, 2, 15)
    rows = {r.group_id: r.deadline for r in supervision(world.city_supervisor, world.city, year).rows}
    assert rows[world.group_a.pk] == dt.date(year, 2, 1) and rows[world.group_b.pk] == dt.date(year, 2, 15)
