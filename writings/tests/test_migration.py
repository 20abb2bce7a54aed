"""Today's 发言材料 (meetings.Preparation) and 补学体会 (MakeUp.reflection) become writings without loss."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from meetings.tests.factories import make_session

pytestmark = pytest.mark.usefixtures("restore_migrations")

BEFORE = [("writings", "0002_search_index")]
AFTER = [("writings", "0003_from_meetings")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_preparations_and_makeup_reflections_become_writings_of_their_kinds(world):
    session = make_session(world, start=timezone.now() - dt.timedelta(days=3))
    old = _migrate(BEFORE)
    Preparation = old.get_model("meetings", "Preparation")
    MakeUp = old.get_model("meetings", "MakeUp")
    at = timezone.now() - dt.timedelta(days=2)
    speech = "发言提纲：一、深刻把握全会精神；二、结合街道实际抓落实。\n（第二段）"
    Preparation.objects.create(session_id=session.pk, person_id=world.member_a.person_id, text=speech, submitted_at=at)
    done = MakeUp.objects.create(session_id=session.pk, group_id=world.group_a.pk, person_id=world.leader_a.person_id,
                                 due=session.day, status="reported", reflection="补学体会：" + "认真学习" * 10,
                                 submitted_at=at, reported_in_id=session.pk)
    open_task = MakeUp.objects.create(session_id=session.pk, group_id=world.group_a.pk,
                                      person_id=world.secretary_a.person_id, due=session.day, status="assigned")

    new = _migrate(AFTER)
    Writing = new.get_model("writings", "Writing")
    statement = Writing.objects.get(kind="statement")
    assert (statement.text, statement.person_id, statement.session_id, statement.group_id, statement.status) == (
        speech, world.member_a.person_id, session.pk, world.group_a.pk, "submitted")
    assert statement.submitted_at == at and statement.unit_id == world.town_a.pk and statement.year == session.day.year
    reflection = Writing.objects.get(kind="makeup")
    assert reflection.makeup_id == done.pk and reflection.text == "补学体会：" + "认真学习" * 10
    assert reflection.status == "accepted"  # 已通报 at a session: the group took it
    assert not Writing.objects.filter(makeup_id=open_task.pk).exists()  # nothing written, nothing invented
    Version = new.get_model("writings", "WritingVersion")
    assert Version.objects.filter(number=1).count() == 2 and Version.objects.get(writing=statement).text == speech
    Index = new.get_model("writings", "WritingIndex")
    assert "全会" in Index.objects.get(writing=statement).body_seg.split()
    # The old rows stay where they were: going back loses nothing either.
    assert Preparation.objects.get().text == speech
    _migrate(BEFORE)
    assert not Writing.objects.exists() and MakeUp.objects.get(pk=done.pk).reflection.startswith("补学体会")
    _migrate(AFTER)
