"""Issue 8 in Chromium: a session scheduled from a plan topic moves the plan's progress; a 联学 partner's
secretary accepts, records their own members, and the host archives (confirmed through data-confirm)."""

import datetime as dt

import pytest

from .conftest import login, shot


def _local(value):
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_scheduling_from_a_plan_topic_moves_the_plans_progress(world, live_server, page):
    from django.utils import timezone

    from meetings.models import StudySession
    from plans.tests.factories import approved_plan, topic

    plan = approved_plan(world, topics=[topic("学习贯彻全会精神", month=1, lead="赵书记", notes="结合本地实际研讨"),
                                        topic("学习习近平文化思想", month=6)])
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    first = page.locator("[data-testid=topic]").nth(0)
    assert first.locator("[data-testid=topic-unscheduled]").count() == 1
    first.locator("[data-testid=schedule-topic]").click()
    page.wait_for_selector("[data-testid=from-topic]")
    assert page.input_value("#id_title") == "学习贯彻全会精神"
    assert page.input_value("#id_lead_reader") == str(world.leader_a.person.pk)
    start = timezone.now() - dt.timedelta(minutes=30)
    page.fill("#id_starts_at", _local(start))
    page.fill("#id_ends_at", _local(start + dt.timedelta(hours=2)))
    page.fill("#id_place", "三楼会议室")
    shot(page, "records-schedule-from-topic")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=session-title]")
    session = StudySession.objects.get()
    assert session.plan_topic.line == plan.topics.get(title="学习贯彻全会精神").line

    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    studied = page.locator("[data-testid=topic]").nth(0).locator("[data-testid=topic-studied]")
    assert studied.count() == 1 and "学习贯彻全会精神" in studied.inner_text()
    assert page.locator("[data-testid=topic]").nth(1).locator("[data-testid=topic-unscheduled]").count() == 1
    shot(page, "records-plan-progress")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_partner_secretary_accepts_records_their_members_and_the_host_archives(world, live_server, browser, page):
    from django.utils import timezone

    from meetings import services
    from meetings.models import Attendance, StudySession
    from meetings.tests.factories import mark_all

    start = timezone.now() - dt.timedelta(minutes=20)
    session = services.session_schedule(group=world.group_a, by=world.secretary_a, title="联学：学习全会精神",
                                        form="joint", starts_at=start, ends_at=start + dt.timedelta(hours=2),
                                        place="解放街道三楼会议室", agenda="一、领学；二、各分会场交流研讨",
                                        joint_groups=[world.group_b],
                                        venues={world.group_b.pk: "湖滨分会场"})
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    partner = context.new_page()
    partner.set_default_timeout(15000)
    login(partner, live_server, world.secretary_b)
    partner.goto(f"{live_server.url}/meetings/{session.pk}/")
    partner.click("[data-testid=partner-accept]")
    partner.wait_for_selector("text=已接受联学邀请")
    partner.goto(f"{live_server.url}/meetings/{session.pk}/attendance/")
    assert partner.locator("[data-testid=att-row]").count() == 1  # only their own group's member
    messages = []
    partner.on("dialog", lambda d: (messages.append(d.message), d.accept()))
    partner.click("[data-testid=all-present]")
    partner.wait_for_selector("text=已将 1 人登记为出席")
    assert messages and "登记为出席" in messages[0]
    assert "100.0%" in partner.inner_text("[data-testid=att-rate]")
    shot(partner, "records-partner-attendance")
    context.close()

    mark_all(world, session)
    services.record_save(session=session, by=world.secretary_a, summary="联学小结")
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/meetings/{session.pk}/")
    assert "考勤已登记完整" in page.inner_text(f"[data-testid=partner-{world.group_b.pk}]")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.click("[data-testid=archive]")
    page.wait_for_load_state("networkidle")
    shot(page, "records-joint-after-archive-click")
    page.wait_for_selector("[data-testid=archived]")
    assert dialogs and "确认归档" in dialogs[0]  # the confirmation works now (no input named confirm)
    shot(page, "records-joint-archived")
    assert StudySession.objects.get(pk=session.pk).is_archived
    assert Attendance.objects.filter(session=session, group=world.group_b, status="present").count() == 1
