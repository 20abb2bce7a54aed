"""Every plans URL with the status each persona should get (see core/testing.py)."""

from core.testing import OK, Case

READERS = {"secretary_a": 200, "leader_a": 200, "member_a": 200, "supervisor_a": 200, "city_supervisor": 200}
WRITERS = {"secretary_a": 400, "leader_a": 400, "member_a": 403, "supervisor_a": 403, "city_supervisor": 403}
EDITORS = {"secretary_a": 200, "leader_a": 200, "member_a": 403, "supervisor_a": 403, "city_supervisor": 403}
ADMINS_404 = {"sysadmin": 404, "secadmin": 404, "auditadmin": 404}


def _plan(world, status):
    """One plan of group A per status, in different years so they can coexist; made once per test."""
    from plans import services
    from plans.models import StudyPlan

    year = world.today.year - {"draft": 0, "submitted": 1, "approved": 2}[status]
    plan = StudyPlan.objects.filter(group=world.group_a, year=year).first()
    if plan is None:
        plan = services.plan_create(group=world.group_a, year=year, by=world.secretary_a)
        plan = services.plan_save(plan=plan, by=world.secretary_a, topics=[
            {"title": "学习党的创新理论", "kind": "required", "month": 3, "planned_on": None, "format": "discussion",
             "lead": "赵书记", "materials": "《习近平谈治国理政》第五卷", "notes": "", "mandated_id": None,
             "reference_id": None}])
        if status != "draft":
            plan = services.plan_submit(plan=plan, by=world.secretary_a)
        if status == "approved":
            plan = services.plan_approve(plan=plan, by=world.leader_a)
    return plan


def draft(world):
    return [_plan(world, "draft").pk]


def submitted(world):
    return [_plan(world, "submitted").pk]


def approved(world):
    return [_plan(world, "approved").pk]


def reference(world):
    from plans import services
    from plans.models import ReferenceTopic

    ref = ReferenceTopic.objects.filter(unit=world.county_a).first() or services.reference_send(
        unit=world.county_a, year=world.today.year, title="学习新修订的条例", by=world.supervisor_a)
    return [world.group_a.pk, ref.pk]


def flag(world):
    from plans import services
    from plans.models import CopyFlag, StudyPlan

    existing = CopyFlag.objects.first()
    if existing:
        return [existing.pk]
    other = StudyPlan.objects.filter(group=world.group_b).first() or services.plan_create(
        group=world.group_b, year=world.today.year, by=world.secretary_b)
    return [CopyFlag.objects.create(plan=_plan(world, "approved"), other=other, similarity=0.9,
                                    passages=[["a", "a", 100]]).pk]


def city_year(world):
    return [world.city.pk, world.today.year]


def county_a_year(world):
    return [world.county_a.pk, world.today.year]


SUPERVISORS = {"supervisor_a": 200, "supervisor_b": 200, "city_supervisor": 200}

CASES = [
    Case("plans:index", expect=ADMINS_404, default=200),
    Case("plans:group", lambda w: [w.group_a.pk], READERS),
    Case("plans:group", lambda w: [w.group_a.pk], WRITERS, method="post"),
    Case("plans:adopt", reference, WRITERS, method="post"),
    Case("plans:plan", draft, READERS),
    Case("plans:edit", draft, EDITORS),
    Case("plans:edit", draft, WRITERS, method="post"),
    Case("plans:submit", draft, WRITERS, method="post"),
    Case("plans:approve", submitted, WRITERS, method="post"),
    Case("plans:return", submitted, WRITERS, method="post"),
    Case("plans:report", approved, WRITERS, method="post"),
    Case("plans:revise", approved, WRITERS, method="post"),
    Case("plans:docx", approved, READERS),
    Case("plans:xlsx", approved, READERS),
    Case("plans:flag", flag, {**READERS, "secretary_b": 200, "supervisor_b": 200, "observer": 200}),
    Case("plans:supervise", expect=SUPERVISORS),
    Case("plans:guidance", city_year, {"city_supervisor": 200}),
    Case("plans:guidance", city_year, {"city_supervisor": 400}, method="post"),
    Case("plans:reference_send", county_a_year, {"supervisor_a": 200, "city_supervisor": 200}),
    Case("plans:reference_send", county_a_year, {"supervisor_a": 400, "city_supervisor": 400}, method="post"),
]
assert OK  # re-exported for cases that accept any non-error answer
