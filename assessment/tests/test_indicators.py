"""Each automatic indicator against figures worked out by hand on a small world: group A of county A holds one
研讨 with 2 of its 3 members present, studies one 第一议题 material 40 days late, is scored by an observer, has
two due 整改 (one closed) and is rated by its members; every figure below is computed on paper first."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessment import selectors, services
from assessment.models import Code, Grade
from integrity.models import IntegritySignal
from materials.models import FirstItemMaterial, FirstItemStudy, Material
from meetings import services as meetings
from meetings.tests.factories import make_session
from supervision import services as sup
from supervision.models import Rectification, RectStatus, VisitScore

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(world):
    today = timezone.localdate()
    year = today.year
    session = make_session(world)  # a 研讨 that started 30 minutes ago
    for user, status in ((world.secretary_a, "present"), (world.leader_a, "present"), (world.member_a, "absent")):
        meetings.attendance_record(session=session, group=world.group_a, person=user.person, status=status,
                                   by=world.secretary_a)
    material = Material.objects.create(owner_unit=world.city, title="重要讲话", published_on=today - dt.timedelta(days=40))
    study = FirstItemStudy.objects.create(group=world.group_a, meeting_date=today, meeting_title="党委会")
    FirstItemMaterial.objects.create(study=study, material=material, group=world.group_a, meeting_date=today)
    plan = sup.plan_create(unit=world.county_a, year=year, by=world.supervisor_a)
    visit = sup.visit_add(plan=plan, group=world.group_a, kind="fixed", by=world.supervisor_a)
    items = list(plan.checklist.items.all())[:2]
    for item, score in zip(items, (item.max_score for item in items), strict=True):
        VisitScore.objects.create(visit=visit, item=item, score=score - 2)  # 2 points short on each of two items
    yesterday = today - dt.timedelta(days=1)
    for status in (RectStatus.OPEN, RectStatus.ACCEPTED):
        Rectification.objects.create(group=world.group_a, visit=visit, problem="研讨不深", measure="组长讲评",
                                     responsible=world.leader_a.person, due=yesterday, status=status)
    ev = services.evaluation_create(group=world.group_a, year=year, by=world.supervisor_a)
    leader, member = world.leader_a.person.pk, world.member_a.person.pk
    services.vote(evaluation=ev, user=world.secretary_a, grades={leader: Grade.EXCELLENT, member: Grade.EXCELLENT})
    services.vote(evaluation=ev, user=world.leader_a, grades={leader: Grade.GOOD, member: Grade.FAIR})
    system = services.system_create(unit=world.county_a, year=year, by=world.supervisor_a)
    inspection = system.indicators.get(code=Code.INSPECTION)
    services.manual_score_set(indicator=inspection, group=world.group_a, percent="80", note="台账齐全",
                              by=world.supervisor_a)
    return dict(year=year, items=items, next_year=dt.date(year + 1, 1, 5))


def row_of(ranking, group):
    return next(r for r in ranking.rows if r.group == group)


def parts(row):
    return {c.code: c for c in row.contributions}


def test_every_automatic_indicator_equals_the_hand_computed_value(world, scored):
    # Scored as if the year were over: all four quarters finished, only the session's quarter had a 研讨.
    result = selectors.ranking(world.county_a, scored["year"], today=scored["next_year"])
    p = parts(row_of(result, world.group_a))
    assert p[Code.SEMINARS].points == Decimal("2.5")  # 10 × 1/4
    assert p[Code.ATTENDANCE].points == Decimal("7.4")  # 10 × (2/3 = 66.7%) / 90%
    assert p[Code.PLAN_TOPICS].points == 0 and p[Code.PLAN].points == 0  # no approved plan
    assert p[Code.FIRST_ITEM].points == Decimal("4.0")  # 5 − 1 for the one material studied 40 days late
    max_total = sum(i.max_score for i in scored["items"])
    assert p[Code.OBSERVER].points == Decimal(10 * (max_total - 4) / max_total).quantize(Decimal("0.1"),
                                                                                        rounding="ROUND_HALF_UP")
    assert p[Code.RECTIFY].points == Decimal("5.0")  # 1 of 2 due items closed
    open_signals = IntegritySignal.objects.filter(group=world.group_a, explained_at__isnull=True).count()
    assert p[Code.INTEGRITY].points == max(0, 5 - open_signals)
    assert p[Code.EVALUATION].points == Decimal("4.3")  # 5 × (100+100+80+60)/4 = 4.25, 四舍五入
    assert p[Code.INSPECTION].points == Decimal("4.0")  # 5 × 80%
    assert "台账齐全" in p[Code.INSPECTION].fact
    assert p[Code.MANDATED].points == 10 and "无上级规定专题" in p[Code.MANDATED].fact  # none issued: no deduction
    assert p[Code.REPORTING].points == 5 and "无已截止的报送任务" in p[Code.REPORTING].fact
    assert p[Code.WULUOSHI].points == 0  # the one session held is not archived
    assert "集体学习1次，五落实齐全并归档0次" in p[Code.WULUOSHI].fact
    total = sum(c.points for c in p.values())
    assert row_of(result, world.group_a).total == total


def test_mandated_topics_reporting_and_wuluoshi_are_read_from_their_records(world, scored):
    """Three of five city 规定专题 reach group A through its plan, one of them studied; of two 报送 tasks past their
    deadline one was submitted on time and one late; of two sessions held long ago one is archived."""
    from meetings.models import SessionStatus, StudySession
    from plans.models import MandatedTopic
    from plans.tests.factories import approved_plan, publish_city_guidance, topic
    from reports import services as reports
    from reports.models import ReportTask, Submission

    year, end = scored["year"], scored["next_year"]
    publish_city_guidance(world, year=year)
    mandated = list(MandatedTopic.objects.filter(guidance__year=year).order_by("sort", "id"))
    assert len(mandated) == 5
    plan = approved_plan(world, topics=[topic(m.title, month=1, mandated_id=m.pk) for m in mandated[:3]])
    studied = plan.topics.get(mandated=mandated[0])
    make_session(world, plan_topic=studied, topic_source="plan", start=timezone.now() - dt.timedelta(days=1))
    tasks = [reports.task_create(unit=world.county_a, by=world.supervisor_a, kind="plan", title=f"报送{i}",
                                 year=year, deadline=timezone.localdate()) for i in range(2)]
    for task in tasks:
        reports.submission_submit(task=task, group=world.group_a, by=world.secretary_a, text="已报送")
    ReportTask.objects.filter(pk=tasks[1].pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    Submission.objects.filter(task=tasks[1]).update(submitted_at=timezone.now())
    StudySession.objects.filter(group=world.group_a).update(status=SessionStatus.SCHEDULED)
    first = StudySession.objects.filter(group=world.group_a).order_by("starts_at").first()
    StudySession.objects.filter(pk=first.pk).update(status=SessionStatus.ARCHIVED)

    p = parts(row_of(selectors.ranking(world.county_a, year, today=end), world.group_a))
    assert p[Code.MANDATED].fact == "上级规定专题5个，已学1个" and p[Code.MANDATED].points == Decimal("2.0")
    assert p[Code.REPORTING].fact == "已截止报送任务2项，按时报送1项" and p[Code.REPORTING].points == Decimal("2.5")
    held = StudySession.objects.filter(group=world.group_a).exclude(status="cancelled").count()
    assert p[Code.WULUOSHI].fact.endswith(f"集体学习{held}次，五落实齐全并归档1次")
    assert p[Code.WULUOSHI].points == (Decimal(10) / held).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    # A group of the sibling county got no task from county A and no deduction for it.
    city = parts(row_of(selectors.ranking(world.city, year, today=end), world.group_b))
    assert city[Code.REPORTING].fact == "本年无已截止的报送任务"
    assert city[Code.MANDATED].fact == "上级规定专题5个，已学0个"


def test_a_session_is_judged_on_wuluoshi_only_after_ten_working_days(world, scored):
    p = parts(row_of(selectors.ranking(world.county_a, scored["year"]), world.group_a))
    assert p[Code.WULUOSHI].points == 0 and p[Code.WULUOSHI].fact.startswith("本年无举行满10个工作日")


def test_a_group_with_nothing_recorded_is_backward_and_the_sibling_county_is_not_in_the_subtree(world, scored):
    result = selectors.ranking(world.county_a, scored["year"])
    assert world.group_b not in [r.group for r in result.rows]
    assert world.county_a.group not in [r.group for r in result.rows]  # its own group answers to the city


def test_the_ranking_costs_a_fixed_number_of_queries(world, scored, django_assert_max_num_queries):
    selectors.ranking(world.city, scored["year"])  # warm the figures
    with django_assert_max_num_queries(16):
        selectors.ranking(world.city, scored["year"])


def test_weights_that_do_not_add_up_to_100_are_refused_and_nothing_changes(world, scored):
    system = selectors.system_for(world.county_a, scored["year"])
    with pytest.raises(ValidationError) as exc:
        services.system_update(system=system, weights={Code.ATTENDANCE: "30"}, by=world.supervisor_a)
    assert "权重之和须为 100" in exc.value.messages[0]
    assert system.indicators.get(code=Code.ATTENDANCE).weight == 10


def test_weights_that_add_up_are_saved(world, scored):
    system = selectors.system_for(world.county_a, scored["year"])
    services.system_update(system=system, weights={Code.ATTENDANCE: "20", Code.SEMINARS: "0"}, by=world.supervisor_a)
    assert system.indicators.get(code=Code.ATTENDANCE).weight == 20


def test_backward_groups_become_next_years_focus_targets_with_the_reason(world, scored):
    from supervision.models import FocusTarget

    plan, added = services.focus_from_ranking(unit=world.county_a, year=scored["year"], by=world.supervisor_a)
    assert plan.year == scored["year"] + 1 and world.group_a in added
    target = FocusTarget.objects.get(plan=plan, group=world.group_a)
    assert target.source == "assessment" and "后进" in target.reason
    _, again = services.focus_from_ranking(unit=world.county_a, year=scored["year"], by=world.supervisor_a)
    assert again == []


def test_a_year_with_no_data_is_refused_for_focus_targets(world):
    with pytest.raises(ValidationError, match="没有可用于考核的数据"):
        services.focus_from_ranking(unit=world.county_a, year=2005, by=world.supervisor_a)
