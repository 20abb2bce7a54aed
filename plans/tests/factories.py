"""Small builders shared by the plan tests."""

from plans import services

CITY_TOPICS = ["深入学习贯彻党的二十届四中全会精神", "学习习近平文化思想", "学习习近平生态文明思想",
               "学习习近平法治思想", "推进全面从严治党向纵深发展"]


def publish_city_guidance(world, year=None, topics=CITY_TOPICS):
    year = year or world.today.year
    g = services.guidance_save(unit=world.city, year=year, topics=[(t, "required") for t in topics],
                               by=world.city_supervisor)
    return services.guidance_publish(guidance=g, by=world.city_supervisor)


def topic(title, **kw):
    return {"title": title, "kind": kw.pop("kind", "required"), "month": kw.pop("month", None),
            "planned_on": kw.pop("planned_on", None), "format": kw.pop("format", "discussion"),
            "lead": kw.pop("lead", ""), "materials": kw.pop("materials", ""), "notes": kw.pop("notes", ""),
            "mandated_id": kw.pop("mandated_id", None), "reference_id": None}


def draft_plan(world, group=None, by=None, year=None, preamble="", topics=None, requirements=""):
    group = group or world.group_a
    by = by or world.secretary_a
    plan = services.plan_create(group=group, year=year or world.today.year, by=by)
    if topics is not None or preamble:
        plan = services.plan_save(plan=plan, topics=topics or [], preamble=preamble, requirements=requirements,
                                  by=by)
    return plan


def approved_plan(world, **kw):
    plan = draft_plan(world, topics=kw.pop("topics", [topic("学习党的创新理论", month=3)]), **kw)
    plan = services.plan_submit(plan=plan, by=world.secretary_a)
    return services.plan_approve(plan=plan, by=world.leader_a)
