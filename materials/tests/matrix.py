"""Permission matrix of the materials app: every named URL, every persona (see core/testing.py)."""

import datetime as dt

from core.testing import OK, Case

NON_ADMIN = ["secretary_a", "leader_a", "member_a", "secretary_b", "supervisor_a", "supervisor_b", "city_supervisor",
             "observer", "outsider"]
PUBLISHERS = ["secretary_a", "leader_a", "secretary_b", "supervisor_a", "supervisor_b", "city_supervisor"]
# Who sees a material (or reading list) owned by county A: its subtree and the city's supervisor.
SEES_COUNTY_A = ["secretary_a", "leader_a", "member_a", "supervisor_a", "city_supervisor"]
SUPERVISORS = ["supervisor_a", "supervisor_b", "city_supervisor"]


def _material(world):
    from materials import services

    return services.material_create(owner_unit=world.county_a, title="江城区学习资料", kind="speech",
                                    published_on=world.today - dt.timedelta(days=3), text="研讨", important=True,
                                    by=None)


def material_args(world):
    return [_material(world).pk]


def attachment_args(world):
    from materials import services

    return [services.attachment_add(material=_material(world), name="a.txt", data="研讨".encode(), by=None).pk]


def reading_list_args(world):
    from materials import services

    return [services.reading_list_create(owner_unit=world.county_a, title="书目", year=world.today.year, by=None).pk]


def group_a(world):
    return [world.group_a.pk]


def every(personas, status):
    return {p: status for p in personas}


# On a county-A object, readers who may not write get 403; everyone else 404.
WRITE_COUNTY_A = {**every(["secretary_a", "leader_a", "member_a"], 403), **every(["supervisor_a", "city_supervisor"], OK)}

CASES = [
    Case("materials:library", expect=every(NON_ADMIN, 200)),
    Case("materials:create", expect=every(PUBLISHERS, 200)),
    Case("materials:create", method="post", expect=every(PUBLISHERS, 400)),
    Case("materials:detail", material_args, expect=every(SEES_COUNTY_A, 200)),
    Case("materials:edit", material_args, expect={**WRITE_COUNTY_A, "supervisor_a": 200, "city_supervisor": 200}),
    Case("materials:edit", material_args, method="post", expect={**WRITE_COUNTY_A, "supervisor_a": 400,
                                                                 "city_supervisor": 400}),
    Case("materials:attachment_add", material_args, method="post", expect={**WRITE_COUNTY_A, "supervisor_a": 400,
                                                                           "city_supervisor": 400}),
    Case("materials:attachment", attachment_args, expect=every(SEES_COUNTY_A, 200)),
    Case("materials:reading_lists", expect=every(NON_ADMIN, 200)),
    Case("materials:reading_lists", method="post",
         expect={**every(PUBLISHERS, 400), **every(["member_a", "observer", "outsider"], 403)}),
    Case("materials:reading_list", reading_list_args, expect=every(SEES_COUNTY_A, 200)),
    Case("materials:reading_list", reading_list_args, method="post",
         expect={**WRITE_COUNTY_A, "supervisor_a": 400, "city_supervisor": 400}),
    Case("materials:first_items", expect=every(NON_ADMIN, OK)),
    Case("materials:group_first_items", group_a,
         expect=every(["secretary_a", "leader_a", "member_a", "supervisor_a", "city_supervisor"], 200)),
    Case("materials:group_first_items", group_a, method="post",
         expect={"secretary_a": 400, "leader_a": 400, **every(["member_a", "supervisor_a", "city_supervisor"], 403)}),
    Case("materials:timeliness", expect=every(SUPERVISORS, 200)),
]
