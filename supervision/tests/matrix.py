"""Who may reach each supervision URL. The city's plan sends the observer to group A; county A runs a campaign
over group A and files' speakers; a sibling county's supervisor and the outsider get 404 everywhere."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.testing import OK, Case
from supervision import services

from .factories import city_plan, filed_visit, full_scores, held_visit, pool_observer, session_of

GROUP_A = ("secretary_a", "leader_a")
NON_ADMIN = ("secretary_a", "leader_a", "member_a", "secretary_b", "supervisor_a", "supervisor_b", "city_supervisor",
             "observer", "outsider")
SUPERVISORS = ("supervisor_a", "supervisor_b", "city_supervisor")


def _x(allowed, value=OK, forbidden=()):
    out = {p: 403 for p in forbidden}
    out.update({p: value for p in allowed})
    return out


def plan(w):
    return [city_plan(w).pk]


def visit(w):
    return [filed_visit(w).pk]


def answered(w):
    v = held_visit(w)
    services.visit_score(visit=v, scores=full_scores(v), feedback="总体较好。", by=w.observer, submit=True)
    v.refresh_from_db()
    return v


def answered_visit(w):
    return [answered(w).pk]


def _rect(w, submitted=False):
    v = answered(w)
    rect = services.rect_add(group=w.group_a, visit=v, problem="研讨不深", measure="准备提纲", due=timezone.localdate(),
                             responsible=w.leader_a.person, by=w.secretary_a)
    if submitted:
        services.rect_done(rect=rect, upload=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4"), by=w.secretary_a)
    return rect


def rect(w):
    return [_rect(w).pk]


def rect_submitted(w):
    return [_rect(w, submitted=True).pk]


def draw(w):
    from orgs import services as org
    from supervision.models import Draw

    if Draw.objects.exists():
        return [Draw.objects.get().pk]
    for i in range(3):
        org.unit_create(name=f"中共江城区第{i}街道工作委员会", parent=w.county_a, kind="working_committee")
    return [services.draw_random(plan=city_plan(w), count=2, by=w.city_supervisor).pk]


def observer(w):
    return [pool_observer(w).pk]


def speaker(w):
    s = session_of(w, form="lecture")
    return [services.speaker_file(session=s, by=w.secretary_a, name="李教授", unit_name="市委党校", title="教授",
                                  topic="题目", outline="提纲").pk]


def _campaign(w):
    return services.inspection_create(unit=w.county_a, title="专题督查", year=2026, due=timezone.localdate()
                                      + dt.timedelta(days=30), groups=[w.group_a], by=w.supervisor_a)


def campaign(w):
    return [_campaign(w).pk]


def target(w):
    return [_campaign(w).targets.get().pk]


CITY = {"city_supervisor": 200}
VISIT_READ = _x(("city_supervisor", "observer", *GROUP_A), 200)
CAMPAIGN_READ = _x(("supervisor_a", "city_supervisor", *GROUP_A), 200)

CASES = [
    Case("supervision:index", expect={p: 200 for p in NON_ADMIN}),
    Case("supervision:plan_create", method="post", expect={p: OK for p in SUPERVISORS}),
    Case("supervision:plan", plan, CITY),
    Case("supervision:plan_groups", plan, CITY),
    Case("supervision:plan_visit_add", plan, {"city_supervisor": OK}, method="post"),
    Case("supervision:plan_focus_add", plan, {"city_supervisor": OK}, method="post"),
    Case("supervision:plan_draw", plan, {"city_supervisor": OK}, method="post"),
    Case("supervision:plan_focus_visits", plan, {"city_supervisor": OK}, method="post"),
    Case("supervision:plan_export", plan, CITY),
    Case("supervision:scores_export", plan, CITY),
    Case("supervision:checklist", plan, CITY),
    Case("supervision:draw", draw, {"city_supervisor": 200, "auditadmin": 200}),
    Case("supervision:pool", expect={p: 200 for p in SUPERVISORS}),
    Case("supervision:absence_add", observer, {"city_supervisor": OK}, method="post"),
    Case("supervision:visit", visit, VISIT_READ),
    Case("supervision:visit_file", visit, _x(GROUP_A, forbidden=("city_supervisor", "observer")), method="post"),
    Case("supervision:visit_assign", visit, _x(("city_supervisor",), forbidden=("observer", *GROUP_A)), method="post"),
    Case("supervision:visit_cancel", visit, _x(("city_supervisor",), forbidden=("observer", *GROUP_A)), method="post"),
    Case("supervision:visit_score", visit, _x(("observer",), 200, forbidden=("city_supervisor", *GROUP_A))),
    Case("supervision:visit_docx", answered_visit, VISIT_READ),
    Case("supervision:rect_add", answered_visit, _x(GROUP_A, forbidden=("city_supervisor", "observer")),
         method="post"),
    Case("supervision:invite", expect={p: 200 for p in (*GROUP_A, "secretary_b")}),
    Case("supervision:rects", expect={p: 200 for p in NON_ADMIN}),
    Case("supervision:rects_export", expect={p: 200 for p in NON_ADMIN}),
    Case("supervision:rect_done", rect, _x(GROUP_A, forbidden=("supervisor_a", "city_supervisor")), method="post"),
    Case("supervision:rect_decide", rect_submitted, _x(("city_supervisor",), forbidden=("supervisor_a", *GROUP_A)),
         method="post"),
    Case("supervision:rect_file", rect_submitted, _x((*GROUP_A, "supervisor_a", "city_supervisor"), 200)),
    Case("supervision:speakers", expect={p: 200 for p in NON_ADMIN}),
    Case("supervision:speaker_decide", speaker, _x(("supervisor_a", "city_supervisor"), forbidden=GROUP_A),
         method="post"),
    Case("supervision:campaigns", expect={p: 200 for p in NON_ADMIN}),
    Case("supervision:campaign", campaign, CAMPAIGN_READ),
    Case("supervision:campaign_export", campaign, _x(("supervisor_a", "city_supervisor"), 200, forbidden=GROUP_A)),
    Case("supervision:target", target, CAMPAIGN_READ),
    Case("supervision:target_assign", target, _x(("supervisor_a", "city_supervisor"), forbidden=GROUP_A),
         method="post"),
    Case("supervision:target_rect_add", target, _x(GROUP_A, forbidden=("supervisor_a", "city_supervisor")),
         method="post"),
]
