"""Double submission: the same key creates once, however often and however concurrently it is posted."""

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import IdempotencyKey
from core.testing import login
from meetings.models import StudySession
from orgs.models import Person


def _dt(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def schedule_data(world, key):
    start = timezone.now() + dt.timedelta(days=3)
    return {"title": "学习党的二十届四中全会精神", "topic_source": "other", "form": "seminar",
            "starts_at": _dt(start), "ends_at": _dt(start + dt.timedelta(hours=2)), "place": "二楼会议室",
            "idempotency_key": key}


def test_the_schedule_form_is_issued_with_a_key(world, as_user):
    page = as_user(world.secretary_a).get(reverse("meetings:schedule", args=[world.group_a.pk])).content.decode()
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', page)


def test_posting_the_schedule_form_twice_makes_one_session(world, as_user):
    client = as_user(world.secretary_a)
    url = reverse("meetings:schedule", args=[world.group_a.pk])
    first = client.post(url, schedule_data(world, "k" * 32))
    second = client.post(url, schedule_data(world, "k" * 32))
    assert first.status_code == second.status_code == 302
    assert StudySession.objects.count() == 1
    assert second["Location"] == first["Location"]
    assert "已经提交过" in client.get(second["Location"]).content.decode()
    # A new form (a new key) is a new session, as the user meant.
    client.post(url, schedule_data(world, "n" * 32))
    assert StudySession.objects.count() == 2


def test_a_refused_post_releases_its_key_so_the_corrected_form_goes_through(world, as_user):
    client = as_user(world.secretary_a)
    url = reverse("meetings:schedule", args=[world.group_a.pk])
    bad = {**schedule_data(world, "r" * 32), "title": ""}
    assert client.post(url, bad).status_code == 400
    assert client.post(url, schedule_data(world, "r" * 32)).status_code == 302
    assert StudySession.objects.count() == 1


def test_an_outsider_replaying_someone_elses_key_gets_nothing(world, as_user):
    as_user(world.secretary_a).post(reverse("meetings:schedule", args=[world.group_a.pk]), schedule_data(world, "o" * 32))
    response = as_user(world.outsider).post(reverse("meetings:schedule", args=[world.group_a.pk]),
                                            schedule_data(world, "o" * 32))
    assert response.status_code == 404 and StudySession.objects.count() == 1


def member_data(key, phone="13812345678", name="周建国"):
    return {"name": name, "gender": "M", "post": "委员", "rank": "", "phone": phone, "role": "member",
            "start": timezone.localdate().isoformat(), "idempotency_key": key}


def test_the_member_form_twice_makes_one_person(world, as_user):
    client = as_user(world.secretary_a)
    url = reverse("orgs:group", args=[world.group_a.pk])
    before = Person.objects.count()
    assert client.post(url, member_data("m" * 32)).status_code == 302
    assert client.post(url, member_data("m" * 32)).status_code == 302
    assert Person.objects.count() == before + 1


def test_a_second_person_with_the_same_phone_in_a_unit_is_refused(world, as_user):
    client = as_user(world.secretary_a)
    url = reverse("orgs:group", args=[world.group_a.pk])
    client.post(url, member_data("a" * 32))
    response = client.post(url, member_data("b" * 32, name="周建华"))
    assert response.status_code == 400
    assert "138****5678 已登记给本单位的“周建国”" in response.content.decode()
    assert Person.objects.filter(name="周建华").count() == 0


def test_an_api_post_with_the_same_idempotency_key_is_replayed(world, as_user):
    client = as_user(world.secretary_a)
    url = f"/api/groups/{world.group_a.pk}/members/"
    body = {"name": "吴丽", "role": "member", "phone": "13912345678"}
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="api-key-0001")
    second = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="api-key-0001")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(name="吴丽").count() == 1
    # Without the key a retry is a second request: the phone rule refuses it.
    third = client.post(url, body, content_type="application/json")
    assert third.status_code == 400 and "已登记" in str(third.json())
    bad = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bad key!")
    assert bad.status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor == 'sqlite' and connection.settings_dict['TEST']['NAME'] in (None, ':memory:')",
                    reason="threads cannot share SQLite's in-memory test database; runs on PostgreSQL and "
                           "on SQLite with SQLITE_TEST_NAME set")
def test_three_concurrent_schedule_posts_make_one_session():
    from core.testing import build_world

    world = build_world()
    url = reverse("meetings:schedule", args=[world.group_a.pk])
    data = schedule_data(world, "c" * 32)
    results = []
    barrier = threading.Barrier(3, timeout=60)

    def post():
        try:
            client = login(Client(), world.secretary_a)
            barrier.wait()
            results.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [302, 302, 302]
    assert StudySession.objects.count() == 1
    assert IdempotencyKey.objects.get().done
