import datetime as dt

import pytest

from core.models import AuditEntry
from workdays import selectors, services
from workdays.models import WorkdayOverride

D = dt.date


@pytest.mark.django_db
def test_a_make_up_saturday_is_a_working_day_and_the_national_day_week_is_not():
    # 2026: 国庆 and 中秋 run 10-01..10-07 (Thursday to Wednesday); Saturday 10-10 is a 调休 working day.
    assert selectors.is_workday(D(2026, 10, 10)) is True
    assert not any(selectors.is_workday(D(2026, 10, d)) for d in range(1, 8))
    assert selectors.is_workday(D(2026, 10, 8)) is True


@pytest.mark.django_db
def test_five_working_days_after_the_eve_of_national_day_skip_the_holiday_and_count_the_make_up_saturday():
    # Wed 09-30 → Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 调休 (3), Mon 10-12 (4), Tue 10-13 (5).
    assert selectors.add_workdays(D(2026, 9, 30), 5) == D(2026, 10, 13)
    assert selectors.workdays_between(D(2026, 9, 30), D(2026, 10, 13)) == 5


@pytest.mark.django_db
def test_spring_festival_2026_with_its_make_up_days():
    # 春节 2026: 02-15..02-23 off; Saturday 02-14 and Saturday 02-28 are make-up working days.
    assert selectors.is_workday(D(2026, 2, 14)) is True
    assert selectors.is_workday(D(2026, 2, 28)) is True
    assert not selectors.is_workday(D(2026, 2, 16))
    # Fri 02-13 + 2 working days: Sat 02-14 (1), then nothing until Tue 02-24 (2).
    assert selectors.add_workdays(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert selectors.add_workdays(D(2026, 2, 24), -2) == D(2026, 2, 13)


@pytest.mark.django_db
def test_an_unknown_year_falls_back_to_weekdays_and_fixed_holidays_until_the_administrator_enters_it(world):
    assert not selectors.package_knows(2027)
    assert selectors.is_workday(D(2027, 1, 1)) is False  # 元旦: a fixed date
    assert selectors.is_workday(D(2027, 2, 8)) is True  # a Monday; 春节 2027 not entered yet
    assert not selectors.year_status(2027).complete
    services.override_set(day=D(2027, 2, 8), is_workday=False, note="春节", by=world.sysadmin)
    services.override_set(day=D(2027, 2, 20), is_workday=True, note="春节调休上班", by=world.sysadmin)
    assert selectors.is_workday(D(2027, 2, 8)) is False
    assert selectors.is_workday(D(2027, 2, 20)) is True  # a Saturday
    assert selectors.add_workdays(D(2027, 2, 5), 1) == D(2027, 2, 9)
    assert selectors.year_status(2027).complete
    assert AuditEntry.objects.filter(action="workday.set").count() == 2


@pytest.mark.django_db
def test_an_override_wins_over_the_package_for_a_known_year(world):
    services.override_set(day=D(2026, 10, 12), is_workday=False, note="地方放假", by=world.sysadmin)
    assert selectors.is_workday(D(2026, 10, 12)) is False
    services.override_set(day=D(2026, 10, 12), is_workday=True, note="更正", by=world.sysadmin)
    assert WorkdayOverride.objects.get(day=D(2026, 10, 12)).note == "更正"
    assert selectors.is_workday(D(2026, 10, 12)) is True


@pytest.mark.django_db
def test_zero_working_days_is_the_day_itself():
    assert selectors.add_workdays(D(2026, 10, 1), 0) == D(2026, 10, 1)


@pytest.mark.django_db
def test_only_the_system_administrator_keeps_the_calendar(world, as_user):
    for persona in ("secretary_a", "city_supervisor", "secadmin", "auditadmin", "outsider"):
        c = as_user(world.user(persona))
        assert c.post("/workdays/", {"day": "2027-02-08", "is_workday": "0"}).status_code == 404
    assert not WorkdayOverride.objects.exists()
    c = as_user(world.sysadmin)
    r = c.post("/workdays/", {"day": "2027-02-08", "is_workday": "0", "note": "春节"})
    assert r.status_code == 302
    page = c.get("/workdays/?year=2027").content.decode()
    assert "春节" in page and "2027-02-08" in page


@pytest.mark.django_db
def test_a_bad_date_gets_a_chinese_message_and_saves_nothing(world, as_user):
    c = as_user(world.sysadmin)
    r = c.post("/workdays/", {"day": "2027/13/45", "is_workday": "0"})
    assert r.status_code == 200
    assert "有效的日期" in r.content.decode() or "日期" in r.content.decode()
    assert not WorkdayOverride.objects.exists()
