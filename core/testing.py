"""Named personas across two sibling counties, their city, an observer and an outsider.

Every test module builds on the same small world so that tests read like sentences:
`world.secretary_a` may import members of `world.town_a`; `world.supervisor_b` gets 404 there.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import AdminRole
from accounts.services import user_create
from orgs import services as org
from orgs.models import Role

PASSWORD = "Test#Pass2026"
PERSONAS = ["secretary_a", "leader_a", "member_a", "secretary_b", "supervisor_a", "supervisor_b", "city_supervisor",
            "observer", "outsider", "sysadmin", "secadmin", "auditadmin"]


@dataclass
class World:
    city: object
    county_a: object
    county_b: object
    town_a: object  # a township unit in county A
    town_b: object
    group_a: object
    group_b: object
    today: dt.date

    def user(self, name):
        return getattr(self, name)


def build_world():
    today = timezone.localdate()
    jan1 = today.replace(month=1, day=1)
    city = org.unit_create(name="中共临江市委员会", level="city")
    county_a = org.unit_create(name="中共江城区委员会", parent=city, level="county")
    county_b = org.unit_create(name="中共东湖区委员会", parent=city, level="county")
    town_a = org.unit_create(name="中共江城区解放街道工作委员会", parent=county_a, kind="working_committee")
    town_b = org.unit_create(name="中共东湖区湖滨街道工作委员会", parent=county_b, kind="working_committee")
    w = World(city, county_a, county_b, town_a, town_b, town_a.group, town_b.group, today)

    def person_user(username, unit, group=None, role=None, name=None):
        person = org.person_create(unit=unit, name=name or username, phone="", by=None)
        if group is not None:
            org.membership_add(group=group, person=person, role=role, start=jan1, by=None)
        return user_create(username=username, password=PASSWORD, person=person, validate=False)

    w.secretary_a = person_user("secretary_a", town_a, w.group_a, Role.SECRETARY, "秦秘书")
    w.leader_a = person_user("leader_a", town_a, w.group_a, Role.LEADER, "赵书记")
    w.member_a = person_user("member_a", town_a, w.group_a, Role.MEMBER, "钱委员")
    w.secretary_b = person_user("secretary_b", town_b, w.group_b, Role.SECRETARY, "孙秘书")
    w.supervisor_a = person_user("supervisor_a", county_a, name="江城理论科")
    w.supervisor_b = person_user("supervisor_b", county_b, name="东湖理论科")
    w.city_supervisor = person_user("city_supervisor", city, name="市理论科")
    for user, unit in ((w.supervisor_a, county_a), (w.supervisor_b, county_b), (w.city_supervisor, city)):
        org.supervisor_scope_add(user=user, unit=unit, kind="propaganda", start=jan1, by=None)
    w.observer = person_user("observer", city, name="周巡听")
    pool = org.observer_add(person=w.observer.person, pool_unit=city, by=None)
    org.observer_assign(observer=pool, group=w.group_b, start=jan1, by=None)
    w.outsider = user_create(username="outsider", password=PASSWORD, validate=False)
    for name, role in (("sysadmin", AdminRole.SYSTEM), ("secadmin", AdminRole.SECURITY),
                       ("auditadmin", AdminRole.AUDIT)):
        setattr(w, name, user_create(username=name, password=PASSWORD, admin_role=role, validate=False))
    return w


def login(client, user):
    """Log a persona in through the real session, second factor marked as passed."""
    client.force_login(user)
    session = client.session
    import time

    session["login_at"] = session["last_seen"] = int(time.time())
    session["otp_ok"] = True
    session.save()
    return client


# ---- Permission matrix --------------------------------------------------------------------------
# Each app lists its URLs in `<app>/tests/matrix.py` as CASES; tests/test_permission_matrix.py walks
# every case with every persona and also fails if a named URL of the project is in no case.
OK = "ok"  # allowed: anything but 403/404/500 (a POST with empty data answers 400 or 302 and changes nothing)


@dataclass
class Case:
    name: str  # URL name, e.g. "orgs:group"
    args: object = None  # callable(world) -> list of URL args (may create objects it needs)
    expect: dict = None  # persona -> 200 | 302 | 403 | 404 | OK; personas not listed get `default`
    default: object = 404
    method: str = "get"
    api: bool = False

    def expected(self, persona):
        if persona == "anonymous" and persona not in (self.expect or {}):
            return 403 if self.api else 302  # pages send you to log in; the API refuses
        return (self.expect or {}).get(persona, self.default)


def check_case(client, world, case, persona):
    from django.urls import reverse

    args = case.args(world) if case.args else []
    url = reverse(case.name, args=args)
    client.logout()
    if persona != "anonymous":
        login(client, world.user(persona))
    response = getattr(client, case.method)(url, **({"format": "json"} if case.api else {}))
    want = case.expected(persona)
    got = response.status_code
    if want == OK:
        ok = got not in (403, 404, 500)
    else:
        ok = got == want
    return ok, f"{case.method.upper()} {url} as {persona}: expected {want}, got {got}"
