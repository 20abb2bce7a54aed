"""The one working-day calendar of the product: China's official calendar with 调休 make-up workdays.

`chinese_calendar` (a maintained package that follows each year's State Council notice) answers for the
years it knows; the override table answers first, so the administrator can enter a new year's schedule
(or correct a day) before a package release carries it. For a year neither knows, Monday–Friday are
working days except the fixed-date holidays (元旦, 劳动节, 国庆) and the page warns that the year's
schedule is missing: lunar holidays (春节, 清明, 端午, 中秋) cannot be guessed safely.

Deadlines everywhere (补学, 备案, 巡听反馈, 报送) count with `add_workdays`, so one calendar decides.
"""

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from .models import WorkdayOverride

FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}
# Far enough for any deadline the product sets (the longest is a few weeks); bounds the loop on bad input.
MAX_SPAN_DAYS = 400


def package_knows(year):
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _overrides(start, end):
    return dict(WorkdayOverride.objects.filter(day__range=(start, end)).values_list("day", "is_workday"))


def _base_is_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def is_workday(day):
    override = _overrides(day, day).get(day)
    return override if override is not None else _base_is_workday(day)


def add_workdays(day, n):
    """The n-th working day after `day` (n > 0), or before it (n < 0); n == 0 gives `day` itself.

    "Within 5 working days of the session" = add_workdays(session_date, 5): the day of the event does not
    count, as in 公文 practice.
    """
    if n == 0:
        return day
    step = 1 if n > 0 else -1
    span = dt.timedelta(days=MAX_SPAN_DAYS)
    window = (day, day + span) if step > 0 else (day - span, day)
    overrides = _overrides(*window)
    remaining, current = abs(n), day
    for _ in range(MAX_SPAN_DAYS):
        current += dt.timedelta(days=step)
        work = overrides.get(current)
        if work is None:
            work = _base_is_workday(current)
        if work:
            remaining -= 1
            if remaining == 0:
                return current
    raise ValueError("工作日数过大")


def workdays_between(start, end):
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    overrides = _overrides(start, end)
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        work = overrides.get(current)
        if work is None:
            work = _base_is_workday(current)
        count += work
    return count


@dataclass
class YearStatus:
    year: int
    package_knows: bool
    overrides: int

    @property
    def complete(self):
        return self.package_knows or self.overrides > 0


def year_status(year):
    count = WorkdayOverride.objects.filter(day__year=year).count()
    return YearStatus(year=year, package_knows=package_knows(year), overrides=count)


def overrides_for(year):
    return list(WorkdayOverride.objects.filter(day__year=year).select_related("created_by"))
