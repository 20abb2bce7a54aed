import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from orgs import selectors
from orgs import services as org
from orgs.models import Person, Role, Unit, UnitEvent


def test_a_unit_gets_its_study_group_and_a_path(world):
    assert world.town_a.group.name == "中共江城区解放街道工作委员会理论学习中心组"
    assert world.town_a.path == f"/{world.city.pk}/{world.county_a.pk}/{world.town_a.pk}/"
    assert world.town_a.depth == 2


def test_moving_a_subtree_rewrites_every_path_below_and_keeps_history(world):
    street = org.unit_create(name="社区党委", parent=world.town_a)
    org.unit_move(unit=world.town_a, new_parent=world.county_b, by=world.sysadmin, note="区划调整")
    street.refresh_from_db()
    world.town_a.refresh_from_db()
    assert world.town_a.path.startswith(world.county_b.path)
    assert street.path == f"{world.town_a.path}{street.pk}/" and street.depth == 3
    event = UnitEvent.objects.get(unit=world.town_a, kind="move")
    assert event.old_parent == world.county_a and event.new_parent == world.county_b


def test_a_unit_cannot_move_under_itself(world):
    with pytest.raises(ValidationError, match="自己或它的下级"):
        org.unit_move(unit=world.county_a, new_parent=world.town_a, by=world.sysadmin)


def test_renaming_keeps_the_old_name_in_history(world):
    org.unit_rename(unit=world.town_a, name="中共江城区解放路街道工作委员会", by=world.sysadmin)
    event = UnitEvent.objects.get(unit=world.town_a, kind="rename")
    assert event.old_name == "中共江城区解放街道工作委员会"
    world.group_a.refresh_from_db()
    assert "解放路" in world.group_a.name


def test_a_stale_rename_is_refused(world):
    org.unit_rename(unit=world.town_a, name="新名称一", by=world.sysadmin, version=1)
    with pytest.raises(ValidationError, match="已被他人修改"):
        org.unit_rename(unit=world.town_a, name="新名称二", by=world.sysadmin, version=1)


def test_closing_a_unit_ends_memberships_but_keeps_them(world):
    with pytest.raises(ValidationError, match="下级单位"):
        org.unit_close(unit=world.county_a, by=world.sysadmin)
    closed_on = world.today
    org.unit_close(unit=world.town_a, on=closed_on, by=world.sysadmin)
    assert Unit.objects.get(pk=world.town_a.pk).is_closed
    assert world.group_a.memberships.count() == 3
    assert all(m.end == closed_on for m in world.group_a.memberships.all())


def test_membership_is_dated_so_a_june_joiner_is_not_a_member_in_march(world):
    year = world.today.year
    person = org.person_create(unit=world.town_a, name="新同志", by=world.secretary_a)
    org.membership_add(group=world.group_a, person=person, role=Role.MEMBER, start=dt.date(year, 6, 1),
                       by=world.secretary_a)
    assert person.pk not in selectors.members_on(world.group_a, dt.date(year, 3, 15))
    assert person.pk in selectors.members_on(world.group_a, dt.date(year, 6, 15))


def test_a_role_change_is_a_new_dated_row(world):
    year = world.today.year
    membership = world.group_a.memberships.get(person=world.member_a.person)
    org.membership_change_role(membership=membership, role=Role.DEPUTY, on=dt.date(year, 5, 1), by=world.secretary_a)
    rows = list(world.group_a.memberships.filter(person=world.member_a.person).order_by("start"))
    assert [r.role for r in rows] == [Role.MEMBER, Role.DEPUTY]
    assert rows[0].end == dt.date(year, 4, 30)


def test_a_group_has_one_leader_at_a_time(world):
    person = org.person_create(unit=world.town_a, name="另一位书记", by=None)
    with pytest.raises(ValidationError, match="已有组长"):
        org.membership_add(group=world.group_a, person=person, role=Role.LEADER, start=world.today, by=None)


def test_the_same_person_cannot_join_twice_in_overlapping_periods(world):
    with pytest.raises(ValidationError, match="已是本组成员"):
        org.membership_add(group=world.group_a, person=world.member_a.person, role=Role.MEMBER, start=world.today,
                           by=None)


def test_phone_numbers_are_encrypted_at_rest_and_masked_on_screen(world):
    person = org.person_create(unit=world.town_a, name="王芳", phone="13900001219", by=None)
    raw = Person.objects.filter(pk=person.pk).values("phone_enc", "phone_masked").get()
    assert "13900001219" not in raw["phone_enc"] and raw["phone_enc"].startswith("sm4:")
    assert raw["phone_masked"] == "139****1219"
    assert Person.objects.get(pk=person.pk).phone == "13900001219"


def test_a_bad_phone_number_is_refused_in_chinese(world):
    with pytest.raises(ValidationError, match="格式不正确"):
        org.person_create(unit=world.town_a, name="王芳", phone="12345", by=None)


def test_the_sysadmin_attaches_a_supervisor_and_an_observer_from_the_unit_page(world, as_user):
    from orgs.models import Observer, SupervisorScope

    client = as_user(world.sysadmin)
    url = f"/units/{world.county_a.pk}/"
    response = client.post(url, {"action": "scope", "scope-username": "member_a", "scope-kind": "propaganda",
                                 "scope-start": world.today.isoformat()})
    assert response.status_code == 302
    assert SupervisorScope.objects.filter(user=world.member_a, unit=world.county_a).exists()
    refused = client.post(url, {"action": "scope", "scope-username": "auditadmin", "scope-kind": "propaganda",
                                "scope-start": world.today.isoformat()})
    assert refused.status_code == 400 and "管理员账号不能担任督导" in refused.content.decode()
    client.post(url, {"action": "observer", "observer-person": world.member_a.person.pk, "observer-note": "党史"})
    assert Observer.objects.filter(person=world.member_a.person, pool_unit=world.county_a).exists()
    page = client.get(url).content.decode()
    assert "钱委员" in page and "党史" in page
