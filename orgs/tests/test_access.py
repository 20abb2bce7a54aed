import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from orgs import access


def test_a_secretary_sees_only_their_own_group(world):
    assert set(access.groups_visible(world.secretary_a)) == {world.group_a}


def test_a_county_supervisor_sees_their_county_and_not_the_sibling(world):
    visible = set(access.groups_visible(world.supervisor_a))
    assert world.group_a in visible and world.county_a.group in visible
    assert world.group_b not in visible and world.city.group not in visible


def test_the_city_supervisor_sees_the_whole_city(world):
    assert set(access.groups_visible(world.city_supervisor)) >= {world.group_a, world.group_b, world.city.group}


def test_an_observer_sees_only_the_group_they_are_sent_to(world):
    assert set(access.groups_visible(world.observer)) == {world.group_b}


def test_the_three_administrators_read_no_study_records(world):
    for admin in (world.sysadmin, world.secadmin, world.auditadmin):
        assert not access.groups_visible(admin).exists()
    # The system administrator manages rosters, so sees the organisation (not records).
    assert access.groups_visible(world.sysadmin, study_records=False).count() == 5
    assert not access.groups_visible(world.secadmin, study_records=False).exists()


def test_a_foreign_group_is_404_and_a_visible_one_read_only_is_403(world):
    with pytest.raises(Http404):
        access.get_group_for(world.supervisor_b, world.group_a.pk)
    with pytest.raises(PermissionDenied):
        access.get_group_for(world.supervisor_a, world.group_a.pk, write=True)
    with pytest.raises(PermissionDenied):
        access.get_group_for(world.member_a, world.group_a.pk, write=True)
    assert access.get_group_for(world.secretary_a, world.group_a.pk, write=True) == world.group_a


def test_the_sysadmin_cannot_write_study_records(world):
    with pytest.raises(Http404):
        access.get_group_for(world.sysadmin, world.group_a.pk, write=True)
    assert access.get_group_for(world.sysadmin, world.group_a.pk, write=True, study_records=False)


def test_a_member_who_left_loses_access(world):
    from orgs import services as org

    membership = world.group_a.memberships.get(person=world.member_a.person)
    org.membership_end(membership=membership, end=world.today.replace(day=1) if world.today.day > 1 else world.today,
                       by=world.secretary_a)
    if membership.start < world.today:
        world.member_a.__dict__.pop("_access_cache", None)
        assert not access.groups_visible(world.member_a).exists()


def test_the_group_page_of_a_sibling_county_answers_404(world, as_user):
    client = as_user(world.supervisor_b)
    assert client.get(f"/groups/{world.group_a.pk}/").status_code == 404
    assert client.get(f"/api/groups/{world.group_a.pk}/members/").status_code == 404


def test_lists_are_filtered_by_the_same_rule(world, as_user):
    client = as_user(world.supervisor_a)
    names = {g["name"] for g in client.get("/api/groups/").json()["results"]}
    assert world.group_a.name in names and world.group_b.name not in names
    people = {p["name"] for p in client.get("/api/people/?limit=500").json()["results"]}
    assert "钱委员" in people and "孙秘书" not in people


def test_token_authentication_follows_the_same_rules(world, client):
    from accounts.tokens import token_create

    _, key = token_create(user=world.secretary_b, name="一表通", scope="read", days=30)
    ok = client.get(f"/api/groups/{world.group_b.pk}/members/", HTTP_AUTHORIZATION=f"Token {key}")
    foreign = client.get(f"/api/groups/{world.group_a.pk}/members/", HTTP_AUTHORIZATION=f"Token {key}")
    assert ok.status_code == 200 and foreign.status_code == 404
    assert {m["name"] for m in ok.json()} == {"孙秘书"}


def test_a_bad_api_write_gets_a_chinese_400(world, as_user):
    client = as_user(world.secretary_a)
    response = client.post(f"/api/groups/{world.group_a.pk}/members/",
                           {"name": "王芳", "role": "member", "phone": "123"}, content_type="application/json")
    assert response.status_code == 400
    assert "格式不正确" in str(response.json())
