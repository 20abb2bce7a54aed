"""The maintained figures equal a recount from the records after every kind of write."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook

from meetings import services as meetings
from meetings.tests.factories import accept, make_session, mark_all
from orgs import importing
from orgs import services as org
from orgs.models import StudyGroup
from plans import services as plans
from plans.tests.factories import approved_plan, topic
from stats import selectors, services
from stats.models import GroupFigures

pytestmark = pytest.mark.django_db


def assert_figures_equal_a_recount(year=None):
    year = year or timezone.localdate().year
    group_ids = list(StudyGroup.objects.values_list("pk", flat=True))
    counted, _ = services.recount(group_ids, year)
    stored = {(f.group_id, f.period): {k: getattr(f, k) for k in services.FIELDS}
              for f in GroupFigures.objects.filter(year=year)}
    for key, values in counted.items():
        if key in stored or any(values.values()):
            assert stored.get(key) == values, key


def year_row(world, group=None):
    return GroupFigures.objects.get(group=group or world.group_a, year=timezone.localdate().year, period="Y")


def held_session(world, days_ago=2, **kw):
    return make_session(world, start=timezone.now() - dt.timedelta(days=days_ago), **kw)


def test_scheduling_a_session_already_held_counts_it(world):
    held_session(world)
    assert_figures_equal_a_recount()
    row = year_row(world)
    assert (row.held, row.seminars, row.expected, row.absent) == (1, 1, 3, 3)


def test_attendance_counts_present_late_and_absent(world):
    session = held_session(world)
    mark_all(world, session)
    meetings.attendance_record(session=session, group=world.group_a, person=world.member_a.person, status="late",
                               by=world.secretary_a)
    assert_figures_equal_a_recount()
    row = year_row(world)
    assert (row.expected, row.attended, row.late_arrivals, row.absent) == (3, 3, 1, 0)


def test_approved_leave_counts_as_leave_once_the_session_is_held(world):
    session = make_session(world, start=timezone.now() + dt.timedelta(days=2))
    leave = meetings.leave_request(session=session, person=world.member_a.person, reason="出差", by=world.member_a)
    meetings.leave_decide(leave=leave, approve=True, by=world.leader_a)
    assert_figures_equal_a_recount()
    assert year_row(world).held == 0  # not held yet
    later = timezone.now() + dt.timedelta(days=3)
    assert year_row(world).valid_until <= later  # the figures say when they go out of date
    services.refresh([world.group_a.pk], session.day.year, now=later)
    row = year_row(world)
    assert (row.held, row.leave, row.absent) == (1, 1, 2)


def test_a_check_in_adds_one_and_a_replay_nothing(world):
    session = make_session(world)
    token = meetings.checkin_token(session)
    meetings.checkin(session=session, token=token, by=world.member_a)
    meetings.checkin(session=session, token=token, by=world.member_a)
    assert_figures_equal_a_recount()
    assert year_row(world).attended == 1


def test_archive_and_corrections_of_attendance(world):
    session = held_session(world)
    mark_all(world, session)
    meetings.record_save(session=session, by=world.secretary_a, minutes="会议纪要……", summary="学习小结……")
    meetings.session_archive(session=session, by=world.secretary_a)
    assert_figures_equal_a_recount()
    meetings.correction_add(session=session, field=f"attendance:{world.group_a.pk}-{world.member_a.person.pk}",
                            new_value="absent", reason="经核实更正考勤", by=world.secretary_a)
    assert_figures_equal_a_recount()
    assert (year_row(world).attended, year_row(world).absent) == (2, 1)
    meetings.correction_add(session=session, field=f"attendance:{world.group_a.pk}-{world.member_a.person.pk}",
                            new_value="leave", reason="补交了请假条", by=world.secretary_a)
    assert_figures_equal_a_recount()
    assert (year_row(world).attended, year_row(world).leave, year_row(world).absent) == (2, 1, 0)


def test_cancel_and_moving_a_session(world):
    session = held_session(world, days_ago=1)
    meetings.session_cancel(session=session, reason="防汛值班", by=world.secretary_a)
    assert_figures_equal_a_recount()
    assert year_row(world).held == 0
    other = make_session(world, start=timezone.now() + dt.timedelta(days=5))
    meetings.session_update(session=other, by=world.secretary_a, starts_at=timezone.now() - dt.timedelta(days=3),
                            ends_at=timezone.now() - dt.timedelta(days=3, hours=-2))
    assert_figures_equal_a_recount()
    row = year_row(world)
    assert row.held == 1


def held_by(group):
    row = GroupFigures.objects.filter(group=group, year=timezone.localdate().year, period="Y").first()
    return (row.held, row.seminars) if row else (0, 0)


def test_a_joint_session_counts_for_every_group_taking_part(world):
    meetings_joint = make_session(world, start=timezone.now() - dt.timedelta(days=1), form="joint",
                                  joint_groups=[world.group_b])
    mark_all(world, meetings_joint)
    assert_figures_equal_a_recount()
    # invited, not yet answered: not a session of group B (its members are not even shown to the host)
    assert held_by(world.group_a) == (1, 1) and held_by(world.group_b) == (0, 0)
    accept(world, meetings_joint)  # answered after the day, as a secretary catching up does
    assert_figures_equal_a_recount()
    assert held_by(world.group_b) == (1, 1)


def test_a_joint_session_declined_or_left_is_not_counted(world):
    declined = make_session(world, start=timezone.now() - dt.timedelta(days=1), form="joint",
                            joint_groups=[world.group_b])
    meetings.partner_decide(session=declined, group=world.group_b, accept=False, by=world.secretary_b)
    coming = make_session(world, start=timezone.now() + dt.timedelta(days=7), form="joint",
                          joint_groups=[world.group_b])
    accept(world, coming)
    assert_figures_equal_a_recount()
    assert held_by(world.group_b) == (0, 0)
    assert year_row(world, world.group_b).valid_until == coming.starts_at  # recounted when it begins
    meetings.partner_withdraw(session=coming, group=world.group_b, by=world.secretary_b, reason="与全委会时间冲突")
    assert_figures_equal_a_recount()
    # the figures stand until the group's next session: no longer the one it left
    assert year_row(world, world.group_b).valid_until is None


def test_plan_approval_and_revision_count_the_topics(world):
    year = timezone.localdate().year
    plan = approved_plan(world, topics=[topic("学习党的创新理论", month=1), topic("学习党章", month=12)])
    assert_figures_equal_a_recount()
    row = year_row(world)
    assert (row.has_plan, row.topics_total, row.topics_studied) == (True, 2, 0)
    first = plan.topics.order_by("id").first()
    held_session(world, days_ago=1, topic_source="plan", plan_topic_id=first.pk)
    assert_figures_equal_a_recount()
    assert year_row(world).topics_studied == 1
    new = plans.plan_revise(plan=plan, reason="增加专题", by=world.secretary_a)
    assert_figures_equal_a_recount()
    plans.plan_save(plan=new, topics=[topic("学习党的创新理论", month=1), topic("学习党章", month=12),
                                      topic("学习党史", month=6)], by=world.secretary_a)
    plans.plan_submit(plan=new, by=world.secretary_a)
    plans.plan_approve(plan=new, by=world.leader_a)
    assert_figures_equal_a_recount()
    assert year_row(world).topics_total == 3
    assert year == plan.year


def test_membership_changes_and_a_member_import(world):
    session = held_session(world, days_ago=3)
    mark_all(world, session)
    newcomer = org.person_create(unit=world.group_a.unit, name="新成员", by=None)
    org.membership_add(group=world.group_a, person=newcomer, role="member",
                       start=timezone.localdate() - dt.timedelta(days=30), by=None)
    assert_figures_equal_a_recount()
    assert (year_row(world).expected, year_row(world).absent) == (4, 1)
    org.membership_end(membership=world.member_a.person.memberships.get(), end=session.day - dt.timedelta(days=1),
                       by=None)
    assert_figures_equal_a_recount()
    wb = Workbook()
    ws = wb.active
    ws.append(importing.MEMBER_HEADERS)
    start = (session.day - dt.timedelta(days=10)).isoformat()
    ws.append(["吴丽", "女", "", "党工委委员", "副科级", "13912345678", "成员", start])
    ws.append(["周建国", "男", "", "党工委副书记", "副科级", "13812345678", "副组长", start])
    data = io.BytesIO()
    wb.save(data)
    batch = importing.stage(kind="members", user=world.secretary_a, filename="成员.xlsx", data=data.getvalue(),
                            target=world.group_a,
                            check=lambda d: importing.check_members(group=world.group_a, data=d, user=world.secretary_a))
    assert batch.status == "preview", batch.errors
    assert importing.apply_members(batch=batch, group=world.group_a, by=world.secretary_a) == 2
    assert_figures_equal_a_recount()
    assert year_row(world).expected == 5


def test_the_rebuild_command_recounts_everything(world):
    session = held_session(world)
    mark_all(world, session)
    GroupFigures.objects.all().delete()
    call_command("stats_rebuild", stdout=io.StringIO())
    assert_figures_equal_a_recount()
    assert year_row(world).attended == 3


def test_the_overview_pages_and_sums_by_unit(world):
    held_session(world)
    groups = StudyGroup.objects.all()
    view = selectors.overview(groups, year=timezone.localdate().year, per_page=1,
                              units=[world.county_a, world.county_b])
    assert view.count == groups.count() and len(view.rows) == 1
    assert view.summary["held"] == 1
    assert [(u.name, u.held) for u in view.units] == [(world.county_a.name, 1), (world.county_b.name, 0)]


def test_the_overview_summary_and_unit_lines_agree_with_its_rows_and_names_are_escaped(world, as_user):
    """The summary, the groups' order and the sums per unit are made from one read of the year rows, and the rows
    are written in Python (meetings_tags.overview_rows): both must say what the rows say."""
    from django.urls import reverse

    held_session(world)
    held_session(world, days_ago=3, group=world.group_b)
    world.group_a.name = '<script>alert("x")</script>中心组'
    world.group_a.save(update_fields=["name"])
    year = timezone.localdate().year
    groups = StudyGroup.objects.all()
    view = selectors.overview(groups, year=year, units=[world.county_a, world.county_b])
    rows = GroupFigures.objects.filter(year=year, period="Y")
    assert view.summary["groups"] == rows.count() == len(view.rows)
    assert view.summary["held"] == sum(r.held for r in rows) == sum(r.held for r in view.rows)
    assert view.summary["below"] == sum(r.below for r in view.rows)
    assert sum(u.groups for u in view.units) <= view.summary["groups"]
    assert view.computed_at == min(r.computed_at for r in rows)
    page = as_user(world.city_supervisor).get(reverse("meetings:overview")).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;中心组" in page


def test_the_overview_page_of_a_supervisor_of_many_groups_stays_small(world, as_user):
    from django.urls import reverse

    for i in range(60):
        org.unit_create(name=f"中共东湖区第{i + 1}社区委员会", parent=world.county_b)
    page = as_user(world.city_supervisor).get(reverse("meetings:overview")).content.decode()
    assert page.count('href="/meetings/groups/') == selectors.PER_PAGE
    assert "第 1 / 2 页" in page and "统计时间" in page
    assert len(page.encode()) < 60_000
    second = as_user(world.city_supervisor).get(reverse("meetings:overview") + "?page=2").content.decode()
    assert second.count('href="/meetings/groups/') == StudyGroup.objects.count() - selectors.PER_PAGE


def test_a_large_scope_keeps_its_sums_for_a_minute_and_reads_its_rows_fresh(world, as_user, settings):
    """Above OVERVIEW_CACHE_GROUPS the scope's sums are kept (a province's cost ≈300 ms a view): a session held
    meanwhile shows in its group's row at once and in the sums once they are summed again, and the page says
    when they were summed."""
    from django.core.cache import cache
    from django.urls import reverse

    settings.OVERVIEW_CACHE_GROUPS = 0
    cache.clear()
    year = timezone.localdate().year
    groups = StudyGroup.objects.all()
    first = selectors.overview(groups, year=year, key="t")
    assert first.summed_at is not None and first.summary["held"] == 0
    held_session(world)
    second = selectors.overview(groups, year=year, key="t")
    assert second.summary["held"] == 0  # the kept sums
    assert next(r for r in second.rows if r.group_id == world.group_a.pk).held == 1  # the row as it stands
    assert selectors.overview(groups, year=year).summary["held"] == 1  # no key: summed now
    cache.clear()
    assert selectors.overview(groups, year=year, key="t").summary["held"] == 1
    page = as_user(world.city_supervisor).get(reverse("meetings:overview")).content.decode()
    assert "每分钟更新" in page
    settings.OVERVIEW_CACHE_GROUPS = 10_000
    cache.clear()
    assert "每分钟更新" not in as_user(world.city_supervisor).get(reverse("meetings:overview")).content.decode()
