"""集体学习 in Chromium: the secretary schedules, marks attendance on a phone and archives; a member checks in
by opening the projected QR link."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from .conftest import login, shot


def _local(value):
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_secretary_schedules_marks_attendance_on_a_phone_and_archives(world, live_server, page, phone_page):
    from django.utils import timezone

    from meetings.models import Attendance, MakeUp, StudySession

    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/meetings/groups/{world.group_a.pk}/")
    page.click("[data-testid=schedule]")
    page.fill("#id_title", "学习贯彻党的二十届四中全会精神")
    page.select_option("#id_form", "seminar")
    start = timezone.now() - dt.timedelta(minutes=20)
    page.fill("#id_starts_at", _local(start))
    page.fill("#id_ends_at", _local(start + dt.timedelta(hours=2)))
    page.fill("#id_place", "三楼会议室")
    page.fill("#id_agenda", "一、领学；二、研讨交流；三、组长总结")
    page.select_option("#id_lead_reader", str(world.leader_a.person.pk))
    shot(page, "meetings-schedule")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=session-title]")
    session = StudySession.objects.get()
    assert "学习贯彻党的二十届四中全会精神" in page.inner_text("[data-testid=session-title]")

    login(phone_page, live_server, world.secretary_a)
    phone_page.goto(f"{live_server.url}/meetings/{session.pk}/attendance/")
    rows = phone_page.locator("[data-testid=att-row]")
    assert rows.count() == 3
    for i, status in enumerate(["出席", "出席", "缺席"]):
        row = rows.nth(i)
        row.locator(f"button:has-text('{status}')").click()
        expect(row.locator("[data-testid=att-status]")).to_contain_text(status)  # no eval under the CSP
    assert sorted(Attendance.objects.values_list("status", flat=True)) == ["absent", "present", "present"]
    # The 全部出席 button counts who is still unmarked as the taps go in (swapped with each row).
    expect(phone_page.locator("[data-testid=all-present]")).to_contain_text("未登记的 0 人")
    assert "{#" not in phone_page.inner_text("body")
    # The page fits a phone: no sideways scrolling.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(phone_page, "meetings-attendance-phone")

    page.goto(f"{live_server.url}/meetings/{session.pk}/")
    page.fill("#id_summary", "通过学习，统一了思想，明确了下一步任务。")
    page.click("[data-testid=save-record]")
    page.wait_for_selector("text=纪要和小结已保存")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=archive]")
    page.wait_for_selector("[data-testid=archived]")
    shot(page, "meetings-archived")
    session.refresh_from_db()
    assert session.is_archived
    assert MakeUp.objects.filter(session=session).count() == 1  # the absentee gets a 补学 task
    assert page.locator("[data-testid=save-record]").count() == 0  # locked


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_member_checks_in_by_opening_the_qr_link(world, live_server, page, phone_page):
    from django.utils import timezone

    from meetings import services
    from meetings.models import Attendance

    start = timezone.now() - dt.timedelta(minutes=5)
    session = services.session_schedule(group=world.group_a, by=world.secretary_a, title="观看专题片并研讨",
                                        form="video", starts_at=start, ends_at=start + dt.timedelta(hours=2),
                                        place="党员活动室")
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/meetings/{session.pk}/qr/")
    page.wait_for_selector("[data-testid=qr] svg")
    shot(page, "meetings-projector")
    link = page.get_attribute("[data-testid=qr-link]", "href")
    assert "/checkin/?t=" in link

    login(phone_page, live_server, world.member_a)
    phone_page.goto(link)
    phone_page.click("[data-testid=checkin-confirm]")
    phone_page.wait_for_selector("[data-testid=checkin-ok]")
    assert "签到成功" in phone_page.inner_text("[data-testid=checkin-ok]")
    shot(phone_page, "meetings-checkin")
    phone_page.goto(link)  # the same code scanned again
    phone_page.click("[data-testid=checkin-confirm]")
    assert "无需重复签到" in phone_page.inner_text("[data-testid=checkin-ok]")
    assert Attendance.objects.filter(session=session).count() == 1

    phone_page.goto(link.split("?t=")[0] + "?t=" + link.split("?t=")[1][:-3] + "abc")  # a forged code
    assert "签到码无效" in phone_page.inner_text("[data-testid=checkin-error]")
    page.reload()
    page.wait_for_selector("[data-testid=qr-count]")
    assert page.inner_text("[data-testid=qr-count]") == "1"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_refused_tap_shows_why_and_the_page_works_without_scripts(world, live_server, browser, phone_page):
    from django.utils import timezone

    from meetings import services
    from meetings.models import Attendance

    start = timezone.now() + dt.timedelta(days=1)
    session, other = (services.session_schedule(group=world.group_a, by=world.secretary_a, title=title,
                                                 form="seminar", starts_at=start, ends_at=start + dt.timedelta(hours=2),
                                                 place="三楼会议室") for title in ("学习习近平文化思想", "学习党章"))
    # Without scripts each row is a plain form: the tap posts, the page reloads with the mark saved.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="zh-CN")
    plain = context.new_page()
    login(plain, live_server, world.secretary_a)
    plain.goto(f"{live_server.url}/meetings/{session.pk}/attendance/")
    plain.locator("[data-testid=att-row]").nth(0).locator("button:has-text('请假')").click()
    plain.wait_for_load_state()
    assert "请假" in plain.locator("[data-testid=att-row]").nth(0).locator("[data-testid=att-status]").inner_text()
    context.close()
    assert Attendance.objects.filter(session=session, status="leave").count() == 1

    # With scripts, a tap the server refuses (the session was called off meanwhile) shows the reason in the row.
    login(phone_page, live_server, world.secretary_a)
    phone_page.goto(f"{live_server.url}/meetings/{other.pk}/attendance/")
    services.session_cancel(session=other, reason="与上级会议时间冲突", by=world.secretary_a)
    row = phone_page.locator("[data-testid=att-row]").nth(1)
    # Not yet held: only 请假 is offered on the rows (the reason is said once at the top).
    assert phone_page.locator("[data-testid=blocked]").count() == 1
    row.locator("button:has-text('请假')").click()
    phone_page.wait_for_selector("[data-testid=att-row] [role=alert]")
    assert "这次学习已取消" in phone_page.inner_text("[data-testid=att-row] [role=alert]")
    shot(phone_page, "meetings-attendance-refused")
    assert not Attendance.objects.filter(session=other).exists()
