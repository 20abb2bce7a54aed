import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.audit import AuditEntry
from orgs import services as org
from orgs.models import ObserverAssignment
from supervision import selectors, services
from supervision.models import Draw, Rectification, RectStatus, Visit, VisitScore

from .factories import city_plan, filed_visit, full_scores, held_visit, pool_observer, session_of

D = dt.date
pytestmark = pytest.mark.django_db


# ---- working days (2026: 春节 15–23 Feb with 14 and 28 Feb worked; 国庆 1–7 Oct with 10 Oct worked) -------

def test_feedback_is_due_five_working_days_after_a_session_before_national_day():
    # 30 Sep (Wed) → 8, 9, 10 (调休 Saturday), 12, 13 Oct.
    assert services.feedback_due(D(2026, 9, 30)) == D(2026, 10, 13)


def test_feedback_is_due_across_spring_festival_counting_the_make_up_saturday():
    # 13 Feb (Fri) → 14 (调休 Saturday), 24, 25, 26, 27 Feb.
    assert services.feedback_due(D(2026, 2, 13)) == D(2026, 2, 27)


def test_filing_two_working_days_ahead_of_a_session_after_spring_festival():
    # A session on 24 Feb: two working days back are 14 Feb (Saturday, worked) and 13 Feb.
    assert services.filing_deadline(D(2026, 2, 24)) == D(2026, 2, 13)
    # After 国庆: 12 Oct (Mon) ← 10 Oct (调休 Saturday) ← 9 Oct.
    assert services.filing_deadline(D(2026, 10, 12)) == D(2026, 10, 9)


@pytest.mark.django_db
def test_a_filing_after_the_deadline_is_marked_late_and_one_before_it_is_not(world):
    plan = city_plan(world)
    session = session_of(world, days=30)
    on_time = services.visit_add(plan=plan, group=world.group_a, kind="fixed", by=world.city_supervisor)
    late = services.visit_add(plan=plan, group=world.group_a, kind="fixed", by=world.city_supervisor)
    deadline = services.filing_deadline(session.day)
    services.visit_file(visit=on_time, session=session, by=world.secretary_a, today=deadline)
    services.visit_file(visit=late, session=session, by=world.secretary_a, today=deadline + dt.timedelta(days=1))
    on_time.refresh_from_db()
    late.refresh_from_db()
    assert not on_time.filed_late and late.filed_late


# ---- plans and the draw -------------------------------------------------------------------------------

@pytest.fixture
def many_groups(world):
    """Twenty township groups under county A, so that draws have something to choose from."""
    return [org.unit_create(name=f"中共江城区第{i}街道工作委员会", parent=world.county_a, kind="working_committee").group
            for i in range(20)]


@pytest.mark.django_db
def test_the_random_draw_is_recorded_and_a_rerun_gives_the_same_groups(world, many_groups):
    plan = city_plan(world)
    draw = services.draw_random(plan=plan, count=5, by=world.city_supervisor)
    same, again = services.draw_verify(draw)
    assert same and again == draw.picked and len(set(draw.picked)) == 5
    assert Visit.objects.filter(draw=draw, kind="random").count() == 5
    entry = AuditEntry.objects.filter(action="supervision.draw").latest("id")
    assert entry.after["seed"] == draw.seed and entry.after["picked"] == draw.picked


@pytest.mark.django_db
def test_a_tampered_draw_no_longer_verifies(world, many_groups):
    draw = services.draw_random(plan=city_plan(world), count=3, by=world.city_supervisor)
    Draw.objects.filter(pk=draw.pk).update(picked=list(reversed(draw.picked)))
    draw.refresh_from_db()
    assert services.draw_verify(draw)[0] is False


@pytest.mark.django_db
def test_the_draw_leaves_out_excluded_and_already_planned_groups(world, many_groups):
    plan = city_plan(world)
    services.visit_add(plan=plan, group=many_groups[0], kind="fixed", by=world.city_supervisor)
    excluded = {g.pk: "近期已接受专题督查" for g in many_groups[1:6]}
    draw = services.draw_random(plan=plan, count=10, exclusions=excluded, by=world.city_supervisor)
    assert many_groups[0].pk not in draw.candidates and not set(excluded) & set(draw.candidates)
    assert not ({many_groups[0].pk} | set(excluded)) & set(draw.picked)
    assert draw.exclusions[str(many_groups[0].pk)] == "本年度已安排旁听"
    assert draw.exclusions[str(many_groups[1].pk)] == "近期已接受专题督查"
    # The city's own group is never a candidate: a unit does not supervise itself.
    assert world.city.group.pk not in draw.candidates


def test_weighting_makes_a_focus_group_drawn_about_three_times_as_often():
    candidates = list(range(1, 21))
    weights = [3.0 if c == 7 else 1.0 for c in candidates]
    hits = Counter(g for seed in range(3000) for g in services.pick(seed, candidates, weights, 1))
    ratio = hits[7] / (sum(hits[c] for c in candidates if c != 7) / 19)
    assert 2.4 < ratio < 3.6


@pytest.mark.django_db
def test_focus_targets_weigh_more_in_the_draw_and_get_their_own_visits(world, many_groups):
    plan = city_plan(world)
    services.focus_add(plan=plan, group=many_groups[3], reason="2025年度考核不合格", by=world.city_supervisor)
    candidates, weights, _ = selectors.draw_inputs(plan, {})
    assert weights[candidates.index(many_groups[3].pk)] == 3.0
    assert weights[candidates.index(many_groups[4].pk)] == 1.0
    assert services.focus_visits_create(plan=plan, per_group=2, by=world.city_supervisor) == 2
    assert services.focus_visits_create(plan=plan, per_group=2, by=world.city_supervisor) == 0  # idempotent
    assert Visit.objects.filter(plan=plan, kind="focus", group=many_groups[3]).count() == 2


@pytest.mark.django_db
def test_a_draw_larger_than_the_candidates_is_refused_and_nothing_is_recorded(world, many_groups):
    plan = city_plan(world)
    with pytest.raises(ValidationError, match="不能超过"):
        services.draw_random(plan=plan, count=500, by=world.city_supervisor)
    assert not Draw.objects.exists() and not Visit.objects.exists()


@pytest.mark.django_db
def test_a_visit_outside_the_supervisors_subtree_is_refused(world):
    plan = services.plan_create(unit=world.county_a, year=world.today.year, by=world.supervisor_a)
    with pytest.raises(ValidationError, match="不在中共江城区委员会督导范围内"):
        services.visit_add(plan=plan, group=world.group_b, kind="fixed", by=world.supervisor_a)
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_coverage_counts_groups_visited_with_feedback_and_those_only_planned(world):
    visit = held_visit(world)
    services.visit_add(plan=visit.plan, group=world.group_b, kind="fixed", by=world.city_supervisor)
    cov = selectors.coverage(visit.plan)
    assert (cov.total, cov.covered, cov.planned) == (4, 0, 2)
    services.visit_score(visit=visit, scores=full_scores(visit), feedback="总体较好。", by=world.observer, submit=True)
    cov = selectors.coverage(visit.plan)
    assert (cov.covered, cov.planned, cov.uncovered) == (1, 1, 2)
    assert {r.name: r.covered for r in cov.rows} == {"中共江城区委员会": 1, "中共东湖区委员会": 0}


# ---- observers -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_assigning_an_observer_grants_access_to_the_session_and_notifies_them(world):
    visit = filed_visit(world)
    assignment = ObserverAssignment.objects.get(observer=pool_observer(world), group=world.group_a)
    assert assignment.end == services.add_workdays(visit.session.day, 15)
    assert world.observer.person.meeting_notices.filter(session=visit.session).exists()


@pytest.mark.django_db
def test_an_observer_is_never_sent_to_their_own_unit_or_a_unit_above_it(world):
    own = org.observer_add(person=world.member_a.person, pool_unit=world.city, by=None)  # works in town A
    visit = filed_visit(world, assign=False)
    with pytest.raises(ValidationError, match="不能派往本单位"):
        services.visit_assign(visit=visit, observer=own, by=world.city_supervisor)
    # Nor to county A's own group: the county committee is above the township they work in.
    county_visit = services.visit_add(plan=visit.plan, group=world.county_a.group, kind="fixed",
                                      by=world.city_supervisor)
    services.visit_file(visit=county_visit, session=_county_session(world), by=world.city_supervisor)
    with pytest.raises(ValidationError, match="不能派往本单位"):
        services.visit_assign(visit=county_visit, observer=own, by=world.city_supervisor)
    assert not visit.observers.exists() and not county_visit.observers.exists()


def _county_session(world):
    from meetings import services as ms

    start = timezone.now() + dt.timedelta(days=10)
    return ms.session_schedule(group=world.county_a.group, by=None, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                               title="县委中心组学习", form="seminar", place="县委会议室")


@pytest.mark.django_db
def test_an_observer_away_on_the_session_day_cannot_be_sent(world):
    visit = filed_visit(world, assign=False)
    services.absence_add(observer=pool_observer(world), start=visit.session.day, end=visit.session.day,
                         reason="赴省委党校培训", by=world.city_supervisor)
    with pytest.raises(ValidationError, match="不可派出"):
        services.visit_assign(visit=visit, observer=pool_observer(world), by=world.city_supervisor)


# ---- scoring and feedback ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_score_out_of_range_is_refused_and_nothing_is_saved(world):
    visit = held_visit(world)
    scores = full_scores(visit)
    first = next(iter(scores))
    scores[first] = (11, "")
    with pytest.raises(ValidationError, match="得分须在 0 到 10 之间"):
        services.visit_score(visit=visit, scores=scores, feedback="好", by=world.observer)
    assert not VisitScore.objects.exists()


@pytest.mark.django_db
def test_feedback_over_the_limit_is_refused(world, settings):
    settings.SUPERVISION_FEEDBACK_MAX_CHARS = 500
    visit = held_visit(world)
    with pytest.raises(ValidationError, match="不能超过 500 字"):
        services.visit_score(visit=visit, scores=full_scores(visit), feedback="问" * 501, by=world.observer,
                             submit=True)
    visit.refresh_from_db()
    assert visit.feedback_at is None and not VisitScore.objects.exists()


@pytest.mark.django_db
def test_submitted_feedback_gets_its_deadline_and_reaches_the_groups_managers(world):
    visit = held_visit(world)
    services.visit_score(visit=visit, scores=full_scores(visit), feedback="学习准备充分；研讨联系实际不够。",
                         by=world.observer, submit=True)
    visit.refresh_from_db()
    assert visit.feedback_at and visit.feedback_due == services.feedback_due(visit.session.day)
    assert world.secretary_a.person.meeting_notices.filter(text__contains="反馈已送达").exists()
    with pytest.raises(ValidationError, match="反馈已提交"):
        services.visit_score(visit=visit, scores={}, feedback="改一改", by=world.observer)


@pytest.mark.django_db
def test_unfinished_feedback_past_its_deadline_is_listed_as_overdue(world):
    visit = held_visit(world)
    services.visit_score(visit=visit, scores={}, feedback="草稿", by=world.observer)  # saved, not sent
    Visit.objects.filter(pk=visit.pk).update(feedback_due=timezone.localdate() - dt.timedelta(days=1))
    assert list(selectors.overdue_feedback(Visit.objects.all(), timezone.localdate())) == [visit]
    Visit.objects.filter(pk=visit.pk).update(feedback_at=timezone.now())
    assert not selectors.overdue_feedback(Visit.objects.all(), timezone.localdate()).exists()


@pytest.mark.django_db
def test_feedback_cannot_be_sent_with_items_unscored(world):
    visit = held_visit(world)
    with pytest.raises(ValidationError, match="还有评分项未打分"):
        services.visit_score(visit=visit, scores={}, feedback="总体较好", by=world.observer, submit=True)


# ---- 整改 ------------------------------------------------------------------------------------------------

@pytest.fixture
def answered(world):
    visit = held_visit(world)
    services.visit_score(visit=visit, scores=full_scores(visit), feedback="研讨发言联系实际不够。", by=world.observer,
                         submit=True)
    visit.refresh_from_db()
    return visit


def _rect(world, visit):
    return services.rect_add(group=world.group_a, visit=visit, problem="研讨发言联系实际不够",
                             measure="每位成员结合分管工作准备发言提纲", responsible=world.leader_a.person,
                             due=timezone.localdate() + dt.timedelta(days=30), by=world.secretary_a)


@pytest.mark.django_db
def test_a_rectification_goes_open_submitted_returned_submitted_accepted(world, answered):
    rect = _rect(world, answered)
    assert rect.status == RectStatus.OPEN
    services.rect_done(rect=rect, evidence_text="已修订研讨发言要求并在 5 月学习中落实", by=world.secretary_a)
    rect.refresh_from_db()
    assert rect.status == RectStatus.SUBMITTED
    with pytest.raises(ValidationError, match="退回时请写明原因"):
        services.rect_decide(rect=rect, accept=False, note="", by=world.city_supervisor)
    services.rect_decide(rect=rect, accept=False, note="请附会议纪要", by=world.city_supervisor)
    rect.refresh_from_db()
    assert rect.status == RectStatus.RETURNED
    services.rect_done(rect=rect, upload=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 minutes"), by=world.secretary_a)
    services.rect_decide(rect=rect, accept=True, note="", by=world.city_supervisor)
    rect.refresh_from_db()
    assert rect.status == RectStatus.ACCEPTED and rect.evidence_name == "纪要.pdf"
    with pytest.raises(ValidationError):
        services.rect_done(rect=rect, evidence_text="再交一次", by=world.secretary_a)


@pytest.mark.django_db
def test_a_rectification_cannot_be_closed_without_evidence(world, answered):
    rect = _rect(world, answered)
    with pytest.raises(ValidationError, match="没有佐证不能销号"):
        services.rect_done(rect=rect, evidence_text="  ", by=world.secretary_a)
    rect.refresh_from_db()
    assert rect.status == RectStatus.OPEN and rect.done_at is None


@pytest.mark.django_db
def test_rectifications_need_received_feedback_and_a_member_as_responsible(world):
    visit = held_visit(world)
    with pytest.raises(ValidationError, match="已收到的反馈"):
        _rect(world, visit)
    services.visit_score(visit=visit, scores=full_scores(visit), feedback="好", by=world.observer, submit=True)
    visit.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.rect_add(group=world.group_a, visit=visit, problem="p", measure="m", responsible=world.secretary_b.person,
                          due=timezone.localdate(), by=world.secretary_a)
    assert "责任人须为本组成员" in str(exc.value)
    assert not Rectification.objects.exists()


@pytest.mark.django_db
def test_open_and_overdue_rectifications_are_counted(world, answered):
    rect = _rect(world, answered)
    Rectification.objects.filter(pk=rect.pk).update(due=timezone.localdate() - dt.timedelta(days=1))
    counts = selectors.rect_buckets(Rectification.objects.all(), timezone.localdate())
    assert counts["open"] == 1 and counts["overdue"] == 1


# ---- outside speakers ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_supervisors_decision_is_the_sessions_speaker_check(world):
    from meetings import services as ms

    session = session_of(world, form="lecture")
    filing = services.speaker_file(session=session, by=world.secretary_a, name="李教授", unit_name="市委党校",
                                   title="教授", topic="党的创新理论", outline="一、…二、…")
    session.refresh_from_db()
    assert session.needs_speaker_approval
    with pytest.raises(ValidationError, match="以上级的把关意见为准"):
        ms.session_approve_speaker(session=session, by=world.leader_a, note="本组自审通过")
    services.speaker_decide(filing=filing, approve=True, note="经审核同意", by=world.supervisor_a)
    session.refresh_from_db()
    assert not session.needs_speaker_approval and session.speaker_approval_note.startswith("上级政治把关同意")


@pytest.mark.django_db
def test_a_refused_speaker_keeps_the_session_from_being_held(world):
    session = session_of(world, form="lecture")
    filing = services.speaker_file(session=session, by=world.secretary_a, name="王某", unit_name="某公司",
                                   title="顾问", topic="题目", outline="提纲")
    services.speaker_decide(filing=filing, approve=False, note="不宜邀请", by=world.supervisor_a)
    session.refresh_from_db()
    assert session.needs_speaker_approval and "不同意" in session.speaker_approval_note


@pytest.mark.django_db
def test_a_speaker_filing_needs_every_field(world):
    with pytest.raises(ValidationError) as exc:
        services.speaker_file(session=session_of(world), by=world.secretary_a, name="李教授", unit_name="",
                              title="", topic="", outline="")
    assert set(exc.value.message_dict) == {"unit_name", "title", "topic", "outline"}


# ---- 专题督查 ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_campaign_records_results_per_unit_and_sums_them_up(world, many_groups):
    inspection = services.inspection_create(unit=world.county_a, title="2026年理论学习中心组学习专题督查",
                                            year=2026, due=timezone.localdate(), by=world.supervisor_a,
                                            groups=[world.group_a, *many_groups[:4]])
    target = inspection.targets.get(group=world.group_a)
    items = list(inspection.checklist.items.all())
    with pytest.raises(ValidationError, match="得分须在 0 到 15 之间"):
        services.inspection_record(target=target, results={items[0].pk: (16, "")}, by=world.supervisor_a)
    services.inspection_record(target=target, by=world.supervisor_a,
                               results={i.pk: (i.max_score - 1, "档案不全" if n == 4 else "") for n, i in enumerate(items)})
    target.refresh_from_db()
    assert target.done_at is not None
    services.rect_add(group=world.group_a, target=target, problem="档案不全", measure="补齐专卷",
                      responsible=world.secretary_a.person, due=timezone.localdate(), by=world.secretary_a)
    _, rows = selectors.inspection_summary(inspection)
    row = next(r for r in rows if r.target_id == target.pk)
    assert row.total == sum(i.max_score - 1 for i in items) and row.problems == 1 and row.rect_open == 1
    assert len(rows) == 5


@pytest.mark.django_db
def test_a_campaign_over_units_outside_the_subtree_is_refused(world):
    from supervision.models import Inspection

    with pytest.raises(ValidationError, match="不在督导范围内"):
        services.inspection_create(unit=world.county_a, title="督查", year=2026, due=timezone.localdate(),
                                   groups=[world.group_b], by=world.supervisor_a)
    assert not Inspection.objects.exists()


@pytest.mark.django_db
def test_a_group_with_an_unexplained_integrity_signal_this_year_is_a_focus_target_until_explained(world):
    from integrity import services as integrity
    from integrity.models import IntegritySignal

    plan = city_plan(world)
    signal = IntegritySignal.objects.create(kind=IntegritySignal._meta.get_field("kind").choices[0][0],
                                            group=world.group_b, year=plan.year, explanation="纪要补录",
                                            key="t")
    IntegritySignal.objects.create(kind=signal.kind, group=world.group_a, year=plan.year - 1,
                                   explanation="去年的提示不算", key="t")
    focus = {c.group_id: c for c in selectors.focus_candidates(plan)}
    assert set(focus) == {world.group_b.pk} and focus[world.group_b.pk].source == "integrity"
    candidates, weights, _ = selectors.draw_inputs(plan, {})
    assert weights[candidates.index(world.group_b.pk)] == 3.0
    integrity.signal_explain(signal=signal, note="已核实：系网络故障后补录", by=world.city_supervisor)
    assert selectors.focus_candidates(plan) == []
