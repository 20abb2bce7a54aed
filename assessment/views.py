"""Pages of 评 Assessment. Units and groups outside the user's subtree answer 404; writes go through services and
a refused write shows its Chinese message and changes nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.xlsx import write_workbook, xlsx_response
from core.years import requested_year
from orgs import access
from orgs.models import Person, StudyGroup, Unit

from . import selectors, services
from .models import Code, Evaluation, Grade, Nomination, Rater, Rule, StarRound, StudyReport

RANKING_PAGE = 50


def _error(request, exc):
    messages.error(request, "；".join(exc.messages))


def _unit(user, pk):
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None or not access.can_supervise(user, unit):
        raise Http404("没有找到这个单位")
    return unit


def _year(request):
    this = timezone.localdate().year
    return requested_year(request, first=this - 10, last=this + 1)


@login_required
def home(request):
    roots = access.supervised_roots(request.user)
    if not roots:
        raise Http404("只有督导人员使用考核评价")
    return redirect("assessment:ranking", roots[0].pk)


@login_required
def ranking(request, pk):
    unit = _unit(request.user, pk)
    year = _year(request)
    # A province ranks 10,000 groups: the page shows RANKING_PAGE of them with their breakdowns (the .xlsx has
    # all), read from the snapshot the task worker keeps (selectors.board).
    result = selectors.board(unit, year, page=request.GET.get("page"), per_page=RANKING_PAGE)
    return render(request, "assessment/ranking.html", {
        "unit": unit, "year": year, "result": result, "page": result.page,
        "roots": access.supervised_roots(request.user),
        "inspection": next((i for i in selectors.indicators_of(result.system) if i.rule == Rule.MANUAL), None),
        "evaluations": Evaluation.objects.filter(group__unit__path__startswith=unit.path, year=year)
        .select_related("group"),
    })


@login_required
def ranking_export(request, pk):
    unit = _unit(request.user, pk)
    year = _year(request)
    # The same rows as the page (for a province, its snapshot), all of them.
    result = selectors.board(unit, year, per_page=10**6)
    ranked = list(result.page.object_list)
    names = [c.name for c in ranked[0].contributions] if ranked else []
    rows = [[r.rank, r.name, float(r.total), r.band, *[float(c.points) for c in r.contributions],
             "；".join(f"{c.name}：{c.fact}" for c in r.contributions)] for r in ranked]
    when = f"（排名计算于{timezone.localtime(result.computed_at):%Y-%m-%d %H:%M}）" if result.computed_at else ""
    content = write_workbook(f"{year}年考核排名", ["名次", "中心组", "总分", "等次", *names, "得分依据"], rows,
                             notes=[f"{unit.name}{year}年度中心组学习考核，各项指标均按平台记录计算。{when}"])
    return xlsx_response(f"{year}年中心组学习考核排名.xlsx", content)


@login_required
def system(request, pk):
    unit = _unit(request.user, pk)
    year = _year(request)
    system = selectors.system_for(unit, year)
    if request.method == "POST":
        try:
            # Creating the year's system and saving its weights stand or fall together.
            with transaction.atomic():
                if system is None:
                    system = services.system_create(unit=unit, year=year, by=request.user)
                services.system_update(
                    system=system, by=request.user,
                    weights={c: request.POST.get(f"w_{c}", "") for c in Code.values if f"w_{c}" in request.POST},
                    targets={c: request.POST[f"t_{c}"] for c in Code.values if request.POST.get(f"t_{c}")},
                    per_occurrence={c: request.POST[f"d_{c}"] for c in Code.values if request.POST.get(f"d_{c}")},
                    advanced_min=request.POST.get("advanced_min") or None,
                    backward_below=request.POST.get("backward_below") or None)
            messages.success(request, "指标体系已保存")
            return redirect(f"{reverse('assessment:system', args=[unit.pk])}?year={year}")
        except ValidationError as exc:
            _error(request, exc)
            system = selectors.system_for(unit, year)
            status = 400
    else:
        status = 200
    indicators = selectors.indicators_of(system) or services.default_indicators()
    return render(request, "assessment/system.html", {
        "unit": unit, "year": year, "system": system, "indicators": indicators,
        "advanced_min": system.advanced_min if system else 90, "backward_below": system.backward_below if system else 60,
    }, status=status)


@login_required
@require_POST
def manual_score(request, pk):
    unit = _unit(request.user, pk)
    year = _year(request)
    system = selectors.system_for(unit, year)
    back = redirect(f"{reverse('assessment:ranking', args=[unit.pk])}?year={year}")
    indicator = system and system.indicators.filter(rule=Rule.MANUAL, code=request.POST.get("code", "")).first()
    if indicator is None:
        messages.error(request, "请先保存本年度的指标体系，再录入专题督查结果")
        return back
    group = selectors.subtree_groups(unit).filter(pk=request.POST.get("group") or 0).first()
    if group is None:
        messages.error(request, "请选择督导范围内的中心组")
        return back
    try:
        services.manual_score_set(indicator=indicator, group=group, percent=request.POST.get("percent", ""),
                                  note=request.POST.get("note", ""), by=request.user)
        messages.success(request, f"已录入{group.name}的{indicator.get_code_display()}")
    except ValidationError as exc:
        _error(request, exc)
    return back


@login_required
@require_POST
def focus(request, pk):
    unit = _unit(request.user, pk)
    year = _year(request)
    try:
        plan, added = services.focus_from_ranking(unit=unit, year=year, by=request.user)
        messages.success(request, f"已将{len(added)}个后进中心组列为{plan.year}年重点旁听对象" if added
                         else "没有需要新增的重点旁听对象")
    except ValidationError as exc:
        _error(request, exc)
    return redirect(f"{reverse('assessment:ranking', args=[unit.pk])}?year={year}")


# ---- 民主评议 and 述学 -------------------------------------------------------------------------------

def _supervised_group(user, pk):
    group = StudyGroup.objects.select_related("unit").filter(pk=pk).first()
    if group is None or not access.can_supervise(user, group.unit):
        raise Http404("没有找到这个中心组")
    return group


@login_required
@require_POST
def evaluation_create(request, pk):
    group = _supervised_group(request.user, pk)
    year = _year(request)
    ids = [i for i in request.POST.getlist("raters") if i.isdigit()]
    raters = None
    if ids:
        raters = list(access.people_visible(request.user).filter(pk__in=ids))
        if len(raters) != len(set(ids)):
            messages.error(request, "评议人须是您督导范围内的人员")
            return redirect("assessment:home")
    try:
        ev = services.evaluation_create(group=group, year=year, raters=raters, by=request.user)
        messages.success(request, f"已开始{group.name}{year}年民主评议")
        return redirect("assessment:evaluation", ev.pk)
    except ValidationError as exc:
        _error(request, exc)
    return redirect(f"{reverse('assessment:ranking', args=[group.unit.parent_id or group.unit_id])}?year={year}")


def _evaluation_for(user, pk):
    """The organiser side: supervisors of the group and its managers see turnout and totals, never ballots' raters."""
    ev = Evaluation.objects.select_related("group__unit").filter(pk=pk).first()
    if ev is None or not (access.can_supervise(user, ev.group.unit) or access.can_manage_group(user, ev.group)):
        raise Http404("没有找到这次民主评议")
    return ev


@login_required
def evaluation(request, pk):
    ev = _evaluation_for(request.user, pk)
    results = selectors.evaluation_results(ev)
    people = services.leaders(ev.group)
    rows = []
    for p in people:
        counts = results.get(p.pk, {})
        rows.append((p, [counts.get(g, 0) for g in Grade.values]))
    raters = Rater.objects.filter(evaluation=ev)
    return render(request, "assessment/evaluation.html", {
        "ev": ev, "rows": rows, "grades": Grade.labels, "turnout": raters.filter(voted=True).count(),
        "raters": raters.count(),
        "reports": StudyReport.objects.filter(group=ev.group, year=ev.year).select_related("person"),
    })


@login_required
def vote(request, pk):
    ev = Evaluation.objects.select_related("group").filter(pk=pk).first()
    person = getattr(request.user, "person", None)
    if ev is None or person is None or not Rater.objects.filter(evaluation=ev, person=person).exists():
        raise Http404("您不在这次民主评议的评议人名单中")
    people = services.leaders(ev.group)
    status = 200
    if request.method == "POST":
        grades = {p.pk: request.POST.get(f"leader_{p.pk}", "") for p in people}
        try:
            services.vote(evaluation=ev, user=request.user, grades=grades)
            messages.success(request, "评议已提交，感谢参与。评议结果匿名统计。")
            return redirect("assessment:vote", ev.pk)
        except ValidationError as exc:
            _error(request, exc)
            status = 400
    voted = Rater.objects.filter(evaluation=ev, person=person, voted=True).exists()
    return render(request, "assessment/vote.html", {"ev": ev, "people": people, "grades": Grade.choices,
                                                    "voted": voted}, status=status)


@login_required
def study_report(request, pk):
    group = access.get_group_for(request.user, pk)
    year = _year(request)
    person = getattr(request.user, "person", None)
    mine = person is not None and person.pk in {p.pk for p in services.leaders(group)}
    status = 200
    if request.method == "POST":
        if not mine:
            raise PermissionDenied("只有本组组长和班子成员提交述学报告")
        try:
            services.study_report_submit(group=group, person=person, year=year, text=request.POST.get("text", ""),
                                         by=request.user)
            messages.success(request, "述学报告已提交")
            return redirect(f"{reverse('assessment:study_report', args=[group.pk])}?year={year}")
        except ValidationError as exc:
            _error(request, exc)
            status = 400
    own = StudyReport.objects.filter(group=group, person=person, year=year).first() if mine else None
    return render(request, "assessment/study_report.html", {
        "group": group, "year": year, "mine": mine, "own": own,
        "reports": StudyReport.objects.filter(group=group, year=year).select_related("person")}, status=status)


# ---- 理论学习之星 -------------------------------------------------------------------------------------

@login_required
def rounds(request, pk):
    unit = _unit(request.user, pk)
    if request.method == "POST":
        try:
            r = services.round_create(unit=unit, year=request.POST.get("year"), title=request.POST.get("title"),
                                      quota=request.POST.get("quota"), by=request.user)
            return redirect("assessment:round", r.pk)
        except ValidationError as exc:
            _error(request, exc)
    return render(request, "assessment/rounds.html", {
        "unit": unit, "rounds": StarRound.objects.filter(unit=unit), "year": timezone.localdate().year})


def _round_for(user, pk):
    """Organisers (supervisors of the round's unit) and nominating supervisors below it."""
    r = StarRound.objects.select_related("unit").filter(pk=pk).first()
    if r is None:
        raise Http404("没有找到这次评选")
    roots = access.supervised_roots(user)
    organiser = access.can_supervise(user, r.unit)
    nominator = organiser or any(u.path.startswith(r.unit.path) for u in roots)
    if not nominator:
        raise Http404("没有找到这次评选")
    return r, organiser, [u for u in roots if u.path.startswith(r.unit.path)]


@login_required
def round_detail(request, pk):
    r, organiser, my_units = _round_for(request.user, pk)
    qs = r.nominations.select_related("person", "unit")
    if not organiser:
        qs = qs.filter(unit__in=my_units)
    status = request.GET.get("status", "")
    if status in Nomination.Status.values:
        qs = qs.filter(status=status)
    page = max(1, int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1)
    count = qs.count()
    items = list(qs[(page - 1) * 50: page * 50])
    return render(request, "assessment/round.html", {
        "round": r, "organiser": organiser, "my_units": my_units, "items": items, "count": count, "page": page,
        "pages": max(1, (count + 49) // 50), "statuses": Nomination.Status.choices, "status": status})


@login_required
@require_POST
def nominate(request, pk):
    r, organiser, my_units = _round_for(request.user, pk)
    unit = next((u for u in my_units if str(u.pk) == request.POST.get("unit")), None)
    person = Person.objects.select_related("unit").filter(pk=request.POST.get("person") or 0).first()
    if unit is None or person is None:
        messages.error(request, "请选择推荐单位和被推荐人")
    else:
        try:
            services.nominate(round=r, person=person, unit=unit, reason=request.POST.get("reason", ""),
                              upload=request.FILES.get("material"), by=request.user)
            messages.success(request, f"已推荐{person.name}")
        except ValidationError as exc:
            _error(request, exc)
    return redirect("assessment:round", r.pk)


@login_required
@require_POST
def review(request, pk):
    n = Nomination.objects.select_related("round__unit").filter(pk=pk).first()
    if n is None or not access.can_supervise(request.user, n.round.unit):
        raise Http404("没有找到这条推荐")
    try:
        services.review(nomination=n, shortlist=request.POST.get("decision") == "shortlist",
                        note=request.POST.get("note", ""), by=request.user)
    except ValidationError as exc:
        _error(request, exc)
    return redirect("assessment:round", n.round_id)


def _organised_round(user, pk):
    r = StarRound.objects.select_related("unit").filter(pk=pk).first()
    if r is None or not access.can_supervise(user, r.unit):
        raise Http404("没有找到这次评选")
    return r


@login_required
@require_POST
def decide(request, pk):
    r = _organised_round(request.user, pk)
    try:
        services.decide(round=r, named_ids=[i for i in request.POST.getlist("named") if i.isdigit()], by=request.user)
        messages.success(request, "当选名单已确定")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("assessment:round", r.pk)


@login_required
@require_POST
def publish(request, pk):
    r = _organised_round(request.user, pk)
    try:
        services.publish(round=r, by=request.user)
        messages.success(request, "已公布")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("assessment:round", r.pk)


@login_required
def round_public(request, pk):
    """The published list, for everyone in the round's subtree."""
    r = StarRound.objects.select_related("unit").filter(pk=pk, status=StarRound.Status.PUBLISHED).first()
    person = getattr(request.user, "person", None)
    inside = r is not None and ((person is not None and person.unit.path.startswith(r.unit.path))
                                or any(u.path.startswith(r.unit.path) or r.unit.path.startswith(u.path)
                                       for u in access.supervised_roots(request.user)))
    if not inside:
        raise Http404("没有找到这份名单")
    named = r.nominations.filter(status=Nomination.Status.NAMED).select_related("person__unit", "unit")
    return render(request, "assessment/round_public.html", {"round": r, "named": named})
