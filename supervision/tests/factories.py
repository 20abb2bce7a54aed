"""Small helpers for supervision tests: the city's plan, a filed visit of group A with the observer sent to it."""

import datetime as dt

from django.utils import timezone

from meetings import services as meeting_services
from orgs.models import Observer
from supervision import services


def city_plan(world, year=None):
    """The city's plan for the year (the permission matrix builds its objects once per persona)."""
    from supervision.models import SupervisionPlan

    year = year or world.today.year
    return SupervisionPlan.objects.filter(unit=world.city, year=year).first() or services.plan_create(
        unit=world.city, year=year, by=world.city_supervisor)


def pool_observer(world):
    return Observer.objects.get(person=world.observer.person)


def session_of(world, *, group=None, start=None, days=7, **kw):
    start = start or (timezone.now() + dt.timedelta(days=days))
    fields = dict(title="学习贯彻党的二十届四中全会精神", form="seminar", place="三楼会议室",
                  agenda="一、领学；二、研讨交流；三、组长总结")
    fields.update(kw)
    group = group or world.group_a
    secretary = world.secretary_a if group == world.group_a else world.secretary_b
    return meeting_services.session_schedule(group=group, by=secretary, starts_at=start,
                                             ends_at=start + dt.timedelta(hours=2), **fields)


def filed_visit(world, *, plan=None, session=None, assign=True):
    plan = plan or city_plan(world)
    visit = services.visit_add(plan=plan, group=world.group_a, kind="fixed", by=world.city_supervisor)
    session = session or session_of(world)
    services.visit_file(visit=visit, session=session, by=world.secretary_a, today=session.day - dt.timedelta(days=7))
    if assign:
        services.visit_assign(visit=visit, observer=pool_observer(world), by=world.city_supervisor)
    visit.refresh_from_db()
    return visit


def held_visit(world, **kw):
    """A visit whose session was held yesterday, filed in time and with the observer assigned."""
    start = timezone.now() - dt.timedelta(days=1)
    return filed_visit(world, session=session_of(world, start=start), **kw)


def full_scores(visit, value=8):
    return {i.pk: (min(value, i.max_score), "") for i in visit.plan.checklist.items.all()}
