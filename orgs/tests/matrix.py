from core.testing import OK, Case

ALL = ["secretary_a", "leader_a", "member_a", "secretary_b", "supervisor_a", "supervisor_b", "city_supervisor",
       "observer", "outsider", "sysadmin", "secadmin", "auditadmin"]
SEE_A = {"secretary_a": 200, "leader_a": 200, "member_a": 200, "supervisor_a": 200, "city_supervisor": 200,
         "sysadmin": 200}
MANAGE_A_READ = {"supervisor_a": 403, "city_supervisor": 403, "member_a": 403}


def group_a(w):
    return [w.group_a.pk]


def membership_a(w):
    return [w.group_a.pk, w.group_a.memberships.get(person=w.member_a.person).pk]


CASES = [
    Case("orgs:tree", expect={"secretary_a": 200, "leader_a": 200, "member_a": 200, "secretary_b": 200,
                              "supervisor_a": 200, "supervisor_b": 200, "city_supervisor": 200, "observer": 200,
                              "sysadmin": 200}),
    Case("orgs:unit", args=lambda w: [w.town_a.pk], expect=SEE_A),
    Case("orgs:unit", args=lambda w: [w.town_a.pk], method="post",
         expect={**{k: 403 for k in SEE_A}, "sysadmin": 404}),  # no action named: the admin gets 404
    Case("orgs:unit", args=lambda w: [w.county_a.pk], expect={"supervisor_a": 200, "city_supervisor": 200,
                                                               "sysadmin": 200}),
    Case("orgs:unit_children", args=lambda w: [w.county_a.pk],
         expect={"supervisor_a": 200, "city_supervisor": 200, "sysadmin": 200}),
    Case("orgs:unit_export", args=lambda w: [w.county_a.pk],
         expect={"supervisor_a": 200, "city_supervisor": 200, "sysadmin": 200}),
    Case("orgs:unit_import", expect={"sysadmin": 200}),
    Case("orgs:unit_import", method="post", expect={"sysadmin": 400}),
    Case("orgs:unit_template", expect={"sysadmin": 200}),
    Case("orgs:unit_import_preview", args=lambda w: [999999], expect={}),
    Case("orgs:group", args=group_a, expect=SEE_A),
    Case("orgs:group", args=lambda w: [w.group_b.pk],
         expect={"secretary_b": 200, "supervisor_b": 200, "city_supervisor": 200, "observer": 200, "sysadmin": 200}),
    Case("orgs:group", args=group_a, method="post",
         expect={"secretary_a": 400, "leader_a": 400, "sysadmin": 400, **MANAGE_A_READ}),
    Case("orgs:membership_end", args=membership_a, method="post",
         expect={"secretary_a": 302, "leader_a": 302, "sysadmin": 302, **MANAGE_A_READ}),
    Case("orgs:group_export", args=group_a, expect=SEE_A),
    Case("orgs:member_template", args=group_a, expect=SEE_A),
    Case("orgs:group_import", args=group_a,
         expect={"secretary_a": 200, "leader_a": 200, "sysadmin": 200, **MANAGE_A_READ}),
    Case("orgs:group_import", args=group_a, method="post",
         expect={"secretary_a": 400, "leader_a": 400, "sysadmin": 400, **MANAGE_A_READ}),
    Case("orgs:group_import_preview", args=lambda w: [w.group_a.pk, 999999],
         expect={"supervisor_a": 403, "city_supervisor": 403, "member_a": 403}),
    Case("orgs:people", expect={p: 200 for p in ALL if p not in ("secadmin", "auditadmin")}),
    Case("orgs:person", args=lambda w: [w.member_a.person.pk], expect=SEE_A),
    Case("orgs:person", args=lambda w: [w.member_a.person.pk], method="post",
         expect={"secretary_a": 400, "leader_a": 400, "sysadmin": 400, "member_a": 403, "supervisor_a": 403,
                 "city_supervisor": 403}),
    Case("orgs:person_export", args=lambda w: [w.member_a.person.pk],
         expect={"member_a": 200, "secretary_a": 200, "leader_a": 200, "sysadmin": 200, "supervisor_a": 403,
                 "city_supervisor": 403}),
    # Anonymising member_a is refused while they are still in the group: the page answers with a redirect.
    Case("orgs:person_anonymise", args=lambda w: [w.member_a.person.pk], method="post",
         expect={"secretary_a": 302, "leader_a": 302, "sysadmin": 302, "member_a": 403, "supervisor_a": 403,
                 "city_supervisor": 403}),
    # API: same rules; a foreign object is 404, the list is filtered.
    Case("unit-list", api=True, default=200),
    Case("unit-detail", args=lambda w: [w.town_a.pk], api=True, expect=SEE_A),
    Case("group-list", api=True, default=200),
    Case("group-detail", args=group_a, api=True, expect=SEE_A),
    Case("group-members", args=group_a, api=True, expect=SEE_A),
    Case("group-members", args=group_a, api=True, method="post",
         expect={"secretary_a": 400, "leader_a": 400, "sysadmin": 400, **MANAGE_A_READ}),
    Case("person-list", api=True, default=200),
    Case("person-detail", args=lambda w: [w.member_a.person.pk], api=True, expect=SEE_A),
    Case("api-root", api=True, default=200),
]
_ = OK
