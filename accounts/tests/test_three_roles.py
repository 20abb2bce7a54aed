"""三员分立: the system administrator alone can never give an account study records (issue 9, item 3)."""

from django.test import Client

from accounts.models import User
from core.models import AuditEntry
from core.testing import PASSWORD, login
from meetings.tests.factories import make_session
from orgs.models import Role, SupervisorScope

NEW_PASSWORD = "Kx9#mole-2026"


def sysadmin_creates(client, world, username, person=""):
    login(client, world.sysadmin)
    return client.post("/accounts/users/", {"username": username, "password": NEW_PASSWORD, "person": person,
                                            "admin_role": ""})


def sessions_seen_by(user):
    client = login(Client(), user)
    return client.get("/api/sessions/", format="json").json()["count"]


def test_a_scope_granted_by_the_sysadmin_reads_nothing_until_the_security_administrator_approves(world, client):
    make_session(world)
    assert sysadmin_creates(client, world, "mole").status_code == 302
    mole = User.objects.get(username="mole")
    response = client.post(f"/units/{world.city.pk}/", {"action": "scope", "scope-username": "mole",
                                                         "scope-kind": "propaganda",
                                                         "scope-start": world.today.isoformat()})
    assert response.status_code == 302
    assert SupervisorScope.objects.get(user=mole).pending
    assert sessions_seen_by(mole) == 0
    assert login(Client(), mole).get(f"/groups/{world.group_a.pk}/").status_code == 404

    secadmin = login(Client(), world.secadmin)
    page = secadmin.get("/accounts/approvals/").content.decode()
    assert "mole" in page and world.city.name in page
    scope = SupervisorScope.objects.get(user=mole)
    assert secadmin.post("/accounts/approvals/", {"kind": "scope", "id": scope.pk,
                                                  "decision": "approve"}).status_code == 302
    assert sessions_seen_by(mole) == 1
    assert AuditEntry.objects.filter(action="supervisor.approve", actor=world.secadmin).exists()


def test_the_security_administrator_may_refuse_a_scope(world, client):
    sysadmin_creates(client, world, "mole")
    client.post(f"/units/{world.city.pk}/", {"action": "scope", "scope-username": "mole", "scope-kind": "propaganda",
                                             "scope-start": world.today.isoformat()})
    scope = SupervisorScope.objects.get(user__username="mole")
    login(Client(), world.secadmin).post("/accounts/approvals/", {"kind": "scope", "id": scope.pk,
                                                                   "decision": "refuse"})
    assert not SupervisorScope.objects.filter(pk=scope.pk).exists()
    assert AuditEntry.objects.filter(action="supervisor.refuse").exists()


def test_an_account_cannot_be_bound_to_a_person_who_already_has_one(world, client):
    response = sysadmin_creates(client, world, "fake_leader", person=world.leader_a.person.pk)
    assert response.status_code == 400 and "已有账号" in response.content.decode()
    assert not User.objects.filter(username="fake_leader").exists()


def test_the_sysadmin_cannot_revise_a_plan_through_a_new_account_bound_to_a_leader(world, client):
    """The issue's attack: a new account on the 组长's person record revises that group's plan."""
    from django.urls import reverse

    from plans.tests.matrix import approved

    url = reverse("plans:revise", args=approved(world))
    refused = sysadmin_creates(client, world, "fake_leader", person=world.leader_a.person.pk)
    assert refused.status_code == 400 and not User.objects.filter(username="fake_leader").exists()
    assert login(Client(), world.leader_a).post(url, {}).status_code not in (403, 404)  # the real 组长 can


def test_a_binding_by_the_sysadmin_waits_for_the_security_administrator(world, client):
    from orgs import services as org

    person = org.person_create(unit=world.town_a, name="李新", by=None)
    org.membership_add(group=world.group_a, person=person, role=Role.MEMBER, start=world.today, by=world.secretary_a)
    make_session(world)
    assert sysadmin_creates(client, world, "lixin", person=person.pk).status_code == 302
    lixin = User.objects.get(username="lixin")
    assert lixin.person_id is None and lixin.pending_person == person
    assert sessions_seen_by(lixin) == 0
    # Nobody else may claim the person while the request waits.
    assert "已有账号" in sysadmin_creates(client, world, "lixin2", person=person.pk).content.decode()

    secadmin = login(Client(), world.secadmin)
    page = secadmin.get("/accounts/approvals/").content.decode()
    assert "李新" in page and "成员" in page  # the approver sees which roles the binding opens
    secadmin.post("/accounts/approvals/", {"kind": "binding", "id": lixin.pk, "decision": "approve"})
    lixin.refresh_from_db()
    assert lixin.person == person and sessions_seen_by(lixin) == 1
    assert AuditEntry.objects.filter(action="user.bind_approve", actor=world.secadmin).exists()


def test_the_sysadmin_cannot_give_a_role_to_a_person_who_has_an_account(world, client):
    """Adding an existing account holder to a group as 组长 would open the group's records to that account."""
    from django.core.exceptions import ValidationError

    from orgs import services as org

    try:
        org.membership_add(group=world.group_b, person=world.member_a.person, role=Role.LEADER, start=world.today,
                           by=world.sysadmin)
        refused = False
    except ValidationError as exc:
        refused = "三员分立" in str(exc)
    assert refused
    # The business side (the group's own secretary) may.
    org.membership_add(group=world.group_b, person=world.member_a.person, role=Role.MEMBER, start=world.today,
                       by=world.secretary_b)


def test_only_the_security_administrator_opens_the_approvals_page(world):
    for persona in ("sysadmin", "auditadmin", "secretary_a", "outsider"):
        assert login(Client(), world.user(persona)).get("/accounts/approvals/").status_code == 404
    assert Client().get("/accounts/approvals/").status_code == 302


def test_a_binding_cannot_be_approved_by_the_sysadmin_even_by_posting(world, client):
    from orgs import services as org

    person = org.person_create(unit=world.town_a, name="李新", by=None)
    sysadmin_creates(client, world, "lixin", person=person.pk)
    lixin = User.objects.get(username="lixin")
    assert client.post("/accounts/approvals/", {"kind": "binding", "id": lixin.pk,
                                                "decision": "approve"}).status_code == 404
    lixin.refresh_from_db()
    assert lixin.person_id is None
    _ = PASSWORD
