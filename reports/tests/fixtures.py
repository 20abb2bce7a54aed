"""A small year of records for the reports tests: group A studies (研讨 in Q1 and Q2, everyone present),
group B has an approved-nothing, held-nothing year."""

import datetime as dt

from django.utils import timezone

from meetings.models import StudySession
from meetings.tests.factories import make_session, mark_all
from reports import services


def at(day, hour=9):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def study_year(world):
    year = world.today.year
    sessions = []
    for month, form in ((2, "seminar"), (5, "seminar"), (6, "lecture")):
        s = make_session(world, start=at(dt.date(year, month, 10)), form=form, title=f"{month}月集体学习")
        # the record's texts as the secretary would have written them (no service under test here)
        StudySession.objects.filter(pk=s.pk).update(minutes=f"{month}月会议纪要", briefing=f"{month}月学习简报")
        mark_all(world, s)
        sessions.append(s)
    return sessions


def office_a(world):
    return services.office_save(unit=world.county_a, by=world.supervisor_a, data={
        "mark": "中共江城区委宣传部文件", "prefix": "江宣", "recipients": "各镇（街道）党（工）委",
        "cc": "区委办公室", "printer": "中共江城区委宣传部办公室", "signature": "中共江城区委宣传部"})
