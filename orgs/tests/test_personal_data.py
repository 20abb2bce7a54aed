"""Personal data (PIPL, issue 9 item 12): members see names and roles only; export for the person;
anonymisation keeps the records and their counts."""

import json

from django.test import Client

from accounts.models import User
from core.models import AuditEntry
from core.testing import login
from meetings.models import Attendance
from meetings.tests.factories import make_session, mark_all
from orgs import services as org
from orgs.models import Person


def secretary_phone(world):
    org.person_update(person=world.secretary_a.person, by=None, post="办公室主任", rank="四级调研员",
                      gender="F", phone="13912341219")


def test_a_member_sees_names_and_roles_but_not_phone_post_rank_or_gender(world):
    secretary_phone(world)
    member = login(Client(), world.member_a)
    page = member.get(f"/groups/{world.group_a.pk}/").content.decode()
    assert "秦秘书" in page and "学习秘书" in page
    for detail in ("139****1219", "办公室主任", "四级调研员"):
        assert detail not in page
    person_page = member.get(f"/people/{world.secretary_a.person.pk}/").content.decode()
    assert "139****1219" not in person_page and "办公室主任" not in person_page
    people = member.get("/people/").content.decode()
    assert "139****1219" not in people and "办公室主任" not in people
    api = member.get(f"/api/groups/{world.group_a.pk}/members/", format="json").json()
    row = next(r for r in api if r["name"] == "秦秘书")
    assert row["phone_masked"] == "" and row["post"] == "" and row["gender"] == "" and row["role_label"] == "学习秘书"
    person = member.get(f"/api/people/{world.secretary_a.person.pk}/", format="json").json()
    assert person["phone"] == "" and person["post"] == ""
    export = member.get(f"/groups/{world.group_a.pk}/export.xlsx")
    assert b"1219" not in export.content


def test_the_roster_keepers_and_supervisors_still_see_the_details(world):
    secretary_phone(world)
    for persona in ("leader_a", "supervisor_a", "sysadmin"):
        page = login(Client(), world.user(persona)).get(f"/groups/{world.group_a.pk}/").content.decode()
        assert "139****1219" in page and "办公室主任" in page, persona
    # The person sees their own.
    own = login(Client(), world.secretary_a).get(f"/people/{world.secretary_a.person.pk}/").content.decode()
    assert "139****1219" in own


def test_a_person_exports_what_the_system_holds_about_them(world):
    secretary_phone(world)
    session = make_session(world)
    mark_all(world, session)
    client = login(Client(), world.secretary_a)
    response = client.get(f"/people/{world.secretary_a.person.pk}/export.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["name"] == "秦秘书" and data["person"]["phone"] == "13912341219"
    assert any("attendance" in key and rows for key, rows in data["records"].items())
    assert any("membership" in key and rows for key, rows in data["records"].items())
    assert data["account"]["username"] == "secretary_a"
    assert "phone_enc" not in json.dumps(data)
    assert AuditEntry.objects.filter(action="person.export", actor=world.secretary_a).exists()


def test_only_the_person_or_their_roster_keeper_may_export(world):
    url = f"/people/{world.secretary_a.person.pk}/export.json"
    assert login(Client(), world.member_a).get(url).status_code == 403
    assert login(Client(), world.leader_a).get(url).status_code == 200
    for persona in ("outsider", "secretary_b", "auditadmin"):
        assert login(Client(), world.user(persona)).get(url).status_code == 404


def test_anonymising_a_person_who_left_keeps_their_attendance_and_counts(world):
    session = make_session(world)
    mark_all(world, session)
    person = world.member_a.person
    rows_before = Attendance.objects.filter(session=session).count()
    leader = login(Client(), world.leader_a)
    refused = leader.post(f"/people/{person.pk}/anonymise/", {"confirm": "1"}, follow=True)
    assert "请先办理离组" in refused.content.decode()
    # They left the group yesterday (the roster keeps the dated membership).
    import datetime as dt

    world.group_a.memberships.filter(person=person).update(start=world.today - dt.timedelta(days=30),
                                                           end=world.today - dt.timedelta(days=1))
    leader.post(f"/people/{person.pk}/anonymise/", {"confirm": "1"})
    person.refresh_from_db()
    assert person.name == f"已匿名人员#{person.pk}" and person.phone_masked == "" and person.post == ""
    assert Attendance.objects.filter(session=session).count() == rows_before
    assert Attendance.objects.filter(session=session, person=person).exists()
    account = User.objects.get(pk=world.member_a.pk)
    assert not account.is_active and account.username != "member_a" and not account.has_usable_password()
    entry = AuditEntry.objects.get(action="person.anonymise")
    assert "钱委员" not in json.dumps(entry.after, ensure_ascii=False)
    assert not Person.objects.filter(name="钱委员").exists()


def test_a_plain_member_and_an_outsider_cannot_anonymise(world):
    url = f"/people/{world.secretary_a.person.pk}/anonymise/"
    assert login(Client(), world.member_a).post(url, {"confirm": "1"}).status_code == 403
    assert login(Client(), world.outsider).post(url, {"confirm": "1"}).status_code == 404
    world.secretary_a.person.refresh_from_db()
    assert world.secretary_a.person.name == "秦秘书"
