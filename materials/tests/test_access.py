import pytest

from materials import access

from .factories import material

pytestmark = pytest.mark.django_db


@pytest.fixture
def mats(world):
    return {
        "city": material(world, owner=world.city, title="市级资料"),
        "county_a": material(world, owner=world.county_a, title="江城资料"),
        "town_b": material(world, owner=world.town_b, title="湖滨资料"),
    }


def titles(user):
    return set(access.materials_visible(user).values_list("title", flat=True))


def test_a_member_sees_their_ancestors_materials_only(world, mats):
    assert titles(world.member_a) == {"市级资料", "江城资料"}
    assert titles(world.secretary_b) == {"市级资料", "湖滨资料"}


def test_a_supervisor_sees_their_subtree_and_ancestors(world, mats):
    assert titles(world.supervisor_a) == {"市级资料", "江城资料"}
    assert titles(world.supervisor_b) == {"市级资料", "湖滨资料"}
    assert titles(world.city_supervisor) == {"市级资料", "江城资料", "湖滨资料"}


def test_the_observer_sees_what_their_group_sees(world, mats):
    assert titles(world.observer) == {"市级资料", "湖滨资料"}


def test_outsiders_and_admins_see_nothing(world, mats):
    for user in (world.outsider, world.sysadmin, world.secadmin, world.auditadmin):
        assert titles(user) == set()


def test_a_foreign_material_answers_404(world, mats, as_user):
    client = as_user(world.secretary_a)
    assert client.get(f"/materials/{mats['town_b'].pk}/").status_code == 404
    assert client.get(f"/materials/{mats['city'].pk}/").status_code == 200


def test_only_the_publisher_may_edit(world, mats, as_user):
    assert as_user(world.secretary_a).get(f"/materials/{mats['city'].pk}/edit/").status_code == 403
    assert as_user(world.city_supervisor).get(f"/materials/{mats['city'].pk}/edit/").status_code == 200
    assert as_user(world.supervisor_a).get(f"/materials/{mats['county_a'].pk}/edit/").status_code == 200


def test_a_secretary_publishes_for_their_own_unit_only(world):
    assert list(access.publishing_units(world.secretary_a)) == [world.town_a]
    assert not access.publishing_units(world.member_a).exists()
    assert set(access.publishing_units(world.supervisor_a)) == {world.county_a}


def test_the_filters_agree_with_the_python_rules(world, mats):
    from materials.models import Material

    units = [world.city, world.county_a, world.county_b, world.town_a, world.town_b]
    owned = {m.pk: m for m in Material.objects.select_related("owner_unit")}
    for unit in units:
        in_line = set(Material.objects.filter(access.line_q(unit)).values_list("pk", flat=True))
        assert in_line == {pk for pk, m in owned.items() if access.audience_path(m.owner_unit, unit) is not None}
    for group in (world.group_a, world.group_b):
        seen = set(Material.objects.filter(access.group_q(group)).values_list("pk", flat=True))
        assert seen == {pk for pk, m in owned.items() if access.material_visible_to_group(m, group)}
    assert access.audience_path(world.city, world.county_a) == world.county_a.path
    assert access.audience_path(world.town_b, world.county_b) == world.town_b.path
    assert access.audience_path(world.county_a, world.town_b) is None
