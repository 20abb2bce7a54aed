"""Writings for tests: a member's 心得 linked to a session of their group, and a 补学 with its 体会."""

import datetime as dt

from django.utils import timezone

from meetings import services as meetings
from meetings.models import MakeUp
from meetings.tests.factories import make_session, mark_all
from writings import services

TEXT = "认真学习了全会精神，体会到理论学习要联系实际，把调查研究作为基本功，推动各项工作落地见效。"


def submitted_reflection(world, *, text=TEXT, submit=True, session=None):
    session = session or make_session(world)
    return services.writing_create(person=world.member_a.person, group=world.group_a, kind="reflection",
                                   title="学习全会精神心得", text=text, session=session, submit=submit,
                                   by=world.member_a)


def makeup_task(world):
    from meetings.models import StudySession

    # Hours apart: the permission matrix builds one per persona, and one person cannot attend overlapping sessions.
    session = make_session(world, start=timezone.now() - dt.timedelta(days=1, hours=3 * StudySession.objects.count()))
    mark_all(world, session)
    meetings.attendance_record(session=session, group=world.group_a, person=world.member_a.person,
                               status="absent", by=world.secretary_a)
    meetings.record_save(session=session, by=world.secretary_a, minutes="纪要", summary="小结")
    meetings.session_archive(session=session, by=world.secretary_a)
    return MakeUp.objects.get(session=session, person=world.member_a.person)


def submitted_makeup(world):
    makeup = makeup_task(world)
    meetings.makeup_submit(makeup=makeup, reflection=TEXT, by=world.member_a)
    return makeup.writing
