"""Who may reach each assessment URL: county A's pages are for supervisor A and the city's supervisor; a 民主评议's
form is for its raters (group A's members), its totals for the organisers and the group's managers; a published
理论学习之星 list is for everyone in the round's subtree."""

from core.testing import OK, Case

SUPERVISES_A = ("supervisor_a", "city_supervisor")
SEES_A = ("secretary_a", "leader_a", "member_a", "supervisor_a", "city_supervisor")


def county_a(w):
    return [w.county_a.pk]


def group_a(w):
    return [w.group_a.pk]


def evaluation(w):
    from django.utils import timezone

    from assessment import services
    from assessment.models import Evaluation

    year = timezone.localdate().year
    ev = Evaluation.objects.filter(group=w.group_a, year=year).first()  # args run once per persona
    return [(ev or services.evaluation_create(group=w.group_a, year=year, by=w.supervisor_a)).pk]


def star_round(w):
    from assessment import services

    return services.round_create(unit=w.county_a, year=2026, title="2026年度理论学习之星", quota=10, by=w.supervisor_a)


def open_round(w):
    return [star_round(w).pk]


def nomination(w):
    from assessment import services

    return services.nominate(round=star_round(w), person=w.leader_a.person, unit=w.town_a, reason="学得深",
                             by=w.supervisor_a)


def nomination_pk(w):
    return [nomination(w).pk]


def published(w):
    from assessment import services

    n = nomination(w)
    services.review(nomination=n, shortlist=True, note="", by=w.supervisor_a)
    services.decide(round=n.round, named_ids=[n.pk], by=w.supervisor_a)
    services.publish(round=n.round, by=w.supervisor_a)
    return [n.round_id]


def sup(code, who=SUPERVISES_A):
    return {p: code for p in who}


CASES = [
    Case("assessment:home", expect={"supervisor_a": 302, "supervisor_b": 302, "city_supervisor": 302}),
    Case("assessment:ranking", county_a, sup(200)),
    Case("assessment:ranking_export", county_a, sup(200)),
    Case("assessment:system", county_a, sup(200)),
    Case("assessment:system", county_a, sup(OK), method="post"),
    Case("assessment:manual_score", county_a, sup(OK), method="post"),
    Case("assessment:focus", county_a, sup(OK), method="post"),
    Case("assessment:rounds", county_a, sup(200)),
    Case("assessment:evaluation_create", group_a, sup(OK), method="post"),
    Case("assessment:study_report", group_a, {p: 200 for p in SEES_A}),
    Case("assessment:evaluation", evaluation, {p: 200 for p in (*SUPERVISES_A, "secretary_a", "leader_a")}),
    Case("assessment:vote", evaluation, {p: 200 for p in ("secretary_a", "leader_a", "member_a")}),
    Case("assessment:round", open_round, sup(200)),
    Case("assessment:nominate", open_round, sup(OK), method="post"),
    Case("assessment:review", nomination_pk, sup(OK), method="post"),
    Case("assessment:decide", open_round, sup(OK), method="post"),
    Case("assessment:publish", open_round, sup(OK), method="post"),
    Case("assessment:round_public", published, {p: 200 for p in SEES_A}),
]
