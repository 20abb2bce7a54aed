"""The 工作台 tells each person what needs doing, and never shows another group's business."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from materials import services as materials_services
from meetings import services as meetings_services
from meetings.tests.factories import make_session, next_week
from plans import services as plans_services
from plans.dashboard import plan_year
from plans.tests.factories import draft_plan, topic


def home(as_user, user):
    r = as_user(user).get(reverse("home"))
    assert r.status_code == 200
    return r.content.decode()


def test_member_sees_upcoming_session_and_overdue_makeup(world, as_user):
    coming = next_week(world, title="学习习近平文化思想专题研讨")
    past = make_session(world, title="学习新修订的党纪处分条例", start=timezone.now() - dt.timedelta(days=20))
    for m in world.group_a.memberships.on(past.day):
        status = "absent" if m.person_id == world.member_a.person_id else "present"
        meetings_services.attendance_record(session=past, group=world.group_a, person=m.person, status=status,
                                            by=world.secretary_a)
    meetings_services.makeup_assign_absentees(session=past, by=world.secretary_a, due=world.today - dt.timedelta(days=1))
    page = home(as_user, world.member_a)
    assert "近期学习安排" in page and coming.title in page
    assert "补学：学习新修订的党纪处分条例" in page and "已逾期" in page
    # An outsider's 工作台 holds none of it.
    other = home(as_user, world.secretary_b)
    assert coming.title not in other and "补学：" not in other


def test_leader_is_asked_to_decide_leave_and_secretary_to_archive(world, as_user):
    s = next_week(world, title="学习贯彻全会精神读书班")
    meetings_services.leave_request(session=s, person=world.member_a.person, reason="下乡调研", by=world.member_a)
    held = make_session(world, title="上周的集体研讨", start=timezone.now() - dt.timedelta(days=3))
    leader = home(as_user, world.leader_a)
    assert "钱委员 请假：学习贯彻全会精神读书班" in leader and "请假待审批" in leader
    secretary = home(as_user, world.secretary_a)
    assert "请假待审批" not in secretary  # deciding leave is for the 组长
    assert held.title in secretary and "待归档" in secretary
    assert "待归档" not in home(as_user, world.member_a)


def test_plan_steps_follow_the_plan_through_its_states(world, as_user):
    year = plan_year(world.today)
    assert f"尚未制定{year}年度学习计划" in home(as_user, world.secretary_a)
    plan = draft_plan(world, year=year, topics=[topic("学习党的创新理论", month=3)])
    assert "草稿待提交" in home(as_user, world.secretary_a)
    plans_services.plan_submit(plan=plan, by=world.secretary_a)
    assert "待您审定" in home(as_user, world.leader_a)
    assert "等待组长审定" in home(as_user, world.secretary_a)
    assert f"{year}年度学习计划" not in home(as_user, world.member_a)  # plain members have no plan to-do


def test_reference_topics_waiting_and_supervisor_report_counts(world, as_user):
    year = plan_year(world.today)
    plans_services.reference_send(unit=world.city, year=year, title="学习贯彻四中全会精神", by=world.city_supervisor)
    assert "1 个上级参考议题待采纳" in home(as_user, world.secretary_a)
    city = home(as_user, world.city_supervisor)
    assert "计划报送督导" in city and "已报送 0 /" in city
    county = home(as_user, world.supervisor_b)
    assert world.county_b.name in county and world.city.name + "：" not in county


def test_unstudied_important_material_is_a_first_item_todo(world, as_user):
    m = materials_services.material_create(owner_unit=world.city, title="在全市理论学习中心组会议上的讲话",
                                           kind="speech", published_on=world.today - dt.timedelta(days=3),
                                           by=world.city_supervisor, text="研讨", important=True)
    assert m.title in home(as_user, world.secretary_a)
    materials_services.first_item_record(group=world.group_a, meeting_date=world.today, meeting_title="党委会",
                                         materials=[m], by=world.secretary_a)
    assert m.title not in home(as_user, world.secretary_a)


def test_administrators_get_no_study_todos(world, as_user):
    next_week(world, title="学习习近平文化思想专题研讨")
    for name in ("sysadmin", "secadmin", "auditadmin"):
        page = home(as_user, world.user(name))
        assert "近期学习安排" not in page and "年度学习计划<" not in page
