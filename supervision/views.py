"""Pages of 督导. Every view starts from supervision.access; foreign objects answer 404. Refused input shows its
Chinese reason and changes nothing (services check everything before they write)."""

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.downloads import docx_response
from core.xlsx import xlsx_response
from meetings.models import SessionStatus, StudySession
from orgs import access as org_access
from orgs.models import Membership, Person, StudyGroup, UnitLevel

from . import access, exports, selectors, services
from .forms import (
    AbsenceForm,
    AssignForm,
    CancelForm,
    DecideForm,
    DrawForm,
    FileForm,
    FocusForm,
    FocusVisitsForm,
    InspectionForm,
    InspectorForm,
    InviteForm,
    ItemForm,
    PlanForm,
    PoolAddForm,
    RectDoneForm,
    RectForm,
    SpeakerDecideForm,
    SpeakerForm,
    VisitAddForm,
)
from .models import (
    OPEN_RECT,
    InspectionResult,
    VisitScore,
)


def _fail(request, exc):
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, "请检查填写的内容")


def _form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}：{e}" if label else e)


def _act(request, form, action, ok_message, back):
    """Validate a posted form, run the service, say what happened, go back. Nothing changes on refusal."""
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        _fail(request, exc)
        return redirect(back)
    messages.success(request, ok_message)
    return redirect(back)


def _today():
    return timezone.localdate()


# ---- home of the app ---------------------------------------------------------------------------

@login_required
def index(request):
    user, today = request.user, _today()
    if org_access.is_admin_role(user):
        raise Http404()
    visits = access.visits_visible(user)
    mine = visits.filter(observers__observer_id__in=access.my_observer_ids(user), cancelled=False).distinct()
    managed = org_access.managed_group_ids(user)
    plans = access.plans_visible(user).select_related("unit").annotate(n=Count("visits"))
    supervisor = access.is_supervisor(user)
    overdue = selectors.overdue_feedback(visits.filter(plan__in=plans), today).select_related("group", "session")[:50] \
        if supervisor else []
    group_visits = visits.filter(group_id__in=managed, cancelled=False).select_related("group", "session", "plan__unit")
    rects = access.rectifications_visible(user)
    form = PlanForm(initial={"year": today.year})
    form.fields["unit"].choices = [(u.pk, u.name) for u in access.supervising_units(user)]
    return render(request, "supervision/index.html", {
        "supervisor": supervisor, "plans": plans, "mine": mine.select_related("group", "session", "plan__unit"),
        "overdue": overdue, "group_visits": group_visits, "managed": managed,
        "rect_counts": selectors.rect_buckets(rects, today), "plan_form": form, "today": today,
    })


@login_required
@require_POST
def plan_create(request):
    form = PlanForm(request.POST)
    form.fields["unit"].choices = [(u.pk, u.name) for u in access.supervising_units(request.user)]
    if not access.is_supervisor(request.user):
        raise Http404()
    if form.is_valid():
        unit = access.get_unit_for_supervisor(request.user, form.cleaned_data["unit"])
        try:
            plan = services.plan_create(unit=unit, year=form.cleaned_data["year"],
                                        coverage_years=form.cleaned_data["coverage_years"],
                                        note=form.cleaned_data["note"], by=request.user)
        except ValidationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "巡听旁听计划已建立")
            return redirect("supervision:plan", pk=plan.pk)
    else:
        _form_errors(request, form)
    return redirect("supervision:index")


# ---- the observer pool ------------------------------------------------------------------------

@login_required
def pool(request):
    user = request.user
    if not access.is_supervisor(user):
        raise Http404()
    today = _today()
    observers = (access.observers_for(user).select_related("person__unit", "pool_unit")
                 .prefetch_related("absences").annotate(n=Count("visits")).order_by("pool_unit__path", "person__name"))
    form = PoolAddForm(request.POST or None)
    form.fields["unit"].choices = [(u.pk, u.name) for u in access.supervising_units(user)]
    if request.method == "POST":
        if form.is_valid():
            unit = access.get_unit_for_supervisor(user, form.cleaned_data["unit"])
            person = org_access.people_visible(user).filter(pk=form.cleaned_data["person"]).first()
            if person is None:
                messages.error(request, "没有找到这个人员（请填写“人员”页面上的编号）")
            else:
                services.pool_add(unit=unit, person=person, by=user, note=form.cleaned_data["note"])
                messages.success(request, f"已将{person.name}加入巡听人员库")
                return redirect("supervision:pool")
        else:
            _form_errors(request, form)
    rows = []
    for o in observers:
        away = [a for a in o.absences.all() if a.end >= today]
        rows.append({"o": o, "away": away, "available": o.active and not any(a.start <= today for a in away)})
    return render(request, "supervision/pool.html", {"rows": rows, "form": form, "absence_form": AbsenceForm()},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def absence_add(request, pk):
    observer = access.get_observer_for(request.user, pk)
    return _act(request, AbsenceForm(request.POST),
                lambda d: services.absence_add(observer=observer, by=request.user, **d),
                "已登记不可派出时段", reverse("supervision:pool"))


# ---- plans ---------------------------------------------------------------------------------

GROUP_SUGGESTIONS = 20
VISITS_PAGE = 100
NAME_SEPARATORS = re.compile(r"[\n\r、,，;；]+")


def _resolve_group(plan, text):
    """The group a supervisor typed: its exact name (or its unit's name) within the plan's subtree.

    A number is taken as the group's id (the API and older forms post ids); whether that group lies in the
    subtree is the service's check, which says so in Chinese."""
    text = (text or "").strip()
    if text.isdigit():
        group = StudyGroup.objects.filter(pk=int(text)).select_related("unit").first()
        if group is None:
            raise ValidationError("没有找到这个中心组")
        return group
    groups = access.subtree_groups(plan.unit).select_related("unit")
    matches = list(groups.filter(name=text)[:2]) or list(groups.filter(unit__name=text)[:2])
    if not matches:
        raise ValidationError(f"{plan.unit.name}督导范围内没有名为“{text}”的中心组，请输入名称中的字词后从提示中选择")
    if len(matches) > 1:
        raise ValidationError(f"有不止一个中心组名为“{text}”，请输入完整的中心组名称")
    return matches[0]


def _resolve_groups(plan, text):
    """Several names, one per line (or separated by 、，；); every unknown name is reported at once."""
    found, errors = [], []
    for name in dict.fromkeys(n.strip() for n in NAME_SEPARATORS.split(text or "") if n.strip()):
        try:
            found.append(_resolve_group(plan, name))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return found


def _group_attrs(plan):
    return {"hx-get": reverse("supervision:plan_groups", args=[plan.pk]), "hx-trigger": "input changed delay:250ms",
            "hx-target": "#plan-groups", "hx-swap": "innerHTML"}


@login_required
def plan_groups(request, pk):
    """Suggestions for the plan page's group inputs: at most GROUP_SUGGESTIONS groups of the subtree whose name
    or unit's name contains what was typed, as <option>s for the page's <datalist>."""
    plan = access.get_plan_for(request.user, pk)
    q = (request.GET.get("group") or request.GET.get("q") or "").strip()[:60]
    groups = []
    if q:
        groups = (access.subtree_groups(plan.unit).filter(Q(name__icontains=q) | Q(unit__name__icontains=q))
                  .select_related("unit").order_by("name")[:GROUP_SUGGESTIONS])
    return render(request, "supervision/_group_options.html", {"groups": groups})


@login_required
def plan(request, pk):
    plan = access.get_plan_for(request.user, pk)
    today = _today()
    visits = (plan.visits.filter(cancelled=False).select_related("group__unit", "session", "draw")
              .prefetch_related("observers__observer__person").order_by("planned_month", "kind", "group__unit__path"))
    visit_form, focus_form, draw_form = VisitAddForm(), FocusForm(), DrawForm()
    for form in (visit_form, focus_form):
        form.fields["group"].widget.attrs.update(_group_attrs(plan))
    focus = selectors.focus_candidates(plan)
    # A province plan holds thousands of visits: a page of them at a time (the .xlsx export has all).
    page = Paginator(visits, VISITS_PAGE).get_page(request.GET.get("page"))
    return render(request, "supervision/plan.html", {
        "plan": plan, "coverage": selectors.coverage(plan), "visits": page, "visit_count": page.paginator.count,
        "totals": selectors.visit_totals([v.pk for v in page]), "focus": focus,
        "focus_names": dict(StudyGroup.objects.filter(pk__in=[c.group_id for c in focus]).values_list("pk", "name")),
        "draws": plan.draws.all()[:20], "uncovered": selectors.uncovered_groups(plan, 30),
        "overdue": selectors.overdue_feedback(plan.visits.all(), today).select_related("group", "session")[:50],
        "visit_form": visit_form, "focus_form": focus_form, "draw_form": draw_form,
        "focus_visits_form": FocusVisitsForm(), "today": today,
    })


@login_required
@require_POST
def plan_visit_add(request, pk):
    plan = access.get_plan_for(request.user, pk)
    form = VisitAddForm(request.POST)
    return _act(request, form, lambda d: services.visit_add(
        plan=plan, group=_resolve_group(plan, d["group"]), kind=d["kind"], planned_month=d["planned_month"],
        by=request.user), "已安排旁听", reverse("supervision:plan", args=[plan.pk]))


@login_required
@require_POST
def plan_focus_add(request, pk):
    plan = access.get_plan_for(request.user, pk)
    form = FocusForm(request.POST)
    return _act(request, form, lambda d: services.focus_add(plan=plan, group=_resolve_group(plan, d["group"]),
                                                            reason=d["reason"], by=request.user),
                "已列为重点对象", reverse("supervision:plan", args=[plan.pk]))


@login_required
@require_POST
def plan_draw(request, pk):
    plan = access.get_plan_for(request.user, pk)
    form = DrawForm(request.POST)
    back = reverse("supervision:plan", args=[plan.pk])
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    d = form.cleaned_data
    reason = (d["exclude_reason"] or "人工排除").strip()
    try:
        excluded = _resolve_groups(plan, d["exclude"])
        draw = services.draw_random(plan=plan, count=d["count"], exclusions={g.pk: reason for g in excluded},
                                    by=request.user)
    except ValidationError as exc:
        _fail(request, exc)
        return redirect(back)
    messages.success(request, f"已随机抽取 {len(draw.picked)} 个中心组（种子 {draw.seed}）")
    return redirect("supervision:draw", pk=draw.pk)


@login_required
@require_POST
def plan_focus_visits(request, pk):
    plan = access.get_plan_for(request.user, pk)
    return _act(request, FocusVisitsForm(request.POST),
                lambda d: services.focus_visits_create(plan=plan, per_group=d["per_group"], by=request.user),
                "已为重点对象安排旁听", reverse("supervision:plan", args=[plan.pk]))


@login_required
def plan_export(request, pk):
    plan = access.get_plan_for(request.user, pk)
    return xlsx_response(f"{plan.year}年巡听旁听计划-{plan.unit.name}.xlsx", exports.plan_workbook(plan))


@login_required
def scores_export(request, pk):
    plan = access.get_plan_for(request.user, pk)
    return xlsx_response(f"{plan.year}年巡听评分-{plan.unit.name}.xlsx", exports.scores_workbook(plan))


@login_required
def checklist(request, pk):
    plan = access.get_plan_for(request.user, pk)
    form = ItemForm(request.POST or None)
    if request.method == "POST":
        if plan.visits.filter(scores__isnull=False).exists():
            messages.error(request, "本计划已有评分，评分表不能再增加评分项（请在下一年度计划中调整）")
        elif form.is_valid():
            try:
                services.checklist_item_add(checklist=plan.checklist, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _fail(request, exc)
            else:
                messages.success(request, "已增加评分项")
                return redirect("supervision:checklist", pk=plan.pk)
        else:
            _form_errors(request, form)
    return render(request, "supervision/checklist.html", {"plan": plan, "items": plan.checklist.items.all(),
                                                          "form": form})


@login_required
def draw(request, pk):
    """重新抽取验证: re-run the stored draw and compare (the supervisors and the audit administrator)."""
    draw = access.get_draw_for(request.user, pk)
    same, again = services.draw_verify(draw)
    names = dict(StudyGroup.objects.filter(pk__in=set(draw.picked) | set(again)).values_list("pk", "name"))
    excluded = dict(StudyGroup.objects.filter(pk__in=[int(k) for k in draw.exclusions]).values_list("pk", "name"))
    return render(request, "supervision/draw.html", {
        "draw": draw, "same": same, "picked": [(g, names.get(g, g)) for g in draw.picked],
        "again": [(g, names.get(g, g)) for g in again],
        "exclusions": [(excluded.get(int(k), k), v) for k, v in draw.exclusions.items()],
        "weights": sorted({w for w in draw.weights}), "auditor": access.is_auditor(request.user),
    })


# ---- visits --------------------------------------------------------------------------------

def _observer_choices(user, visit):
    pools = access.observers_for(user).filter(active=True).select_related("person__unit", "pool_unit")
    return [(o.pk, f"{o.person.name}（{o.person.unit.name}{' · ' + o.person.post if o.person.post else ''}）")
            for o in pools.order_by("person__name")[:500]]


@login_required
def visit(request, pk):
    user = request.user
    visit = access.get_visit_for(user, pk)
    roles = visit.roles
    if roles == {"group"} and not visit.feedback_at:
        scores = []  # the group sees scores and feedback once they are sent
    else:
        scores = list(visit.scores.select_related("item"))
    ctx = {"v": visit, "roles": roles, "scores": scores, "total": sum(s.score for s in scores),
           "observers": visit.observers.select_related("observer__person__unit"),
           "rects": visit.rectifications.select_related("responsible"), "today": _today(),
           "attachments": visit.session.attachments.all() if visit.session_id else [],
           "filing_deadline": services.filing_deadline(visit.session.day) if visit.session_id else None}
    if "supervisor" in roles:
        form = AssignForm()
        form.fields["observer"].choices = _observer_choices(user, visit)
        ctx["assign_form"] = form
    if "group" in roles:
        file_form = FileForm()
        file_form.fields["session"].choices = _upcoming_sessions(visit.group)
        ctx["file_form"] = file_form
        if visit.feedback_at:
            rect_form = RectForm(initial={"due": services.default_rect_due()})
            rect_form.fields["responsible"].choices = _members(visit.group)
            ctx["rect_form"] = rect_form
    ctx["done_form"], ctx["decide_form"] = RectDoneForm(), DecideForm()
    ctx["group_side"], ctx["supervisor_side"] = "group" in roles, "supervisor" in roles
    return render(request, "supervision/visit.html", ctx)


def _upcoming_sessions(group):
    today = _today()
    return [(s.pk, f"{s.day:%Y-%m-%d} {s.title}") for s in
            StudySession.objects.filter(group=group, status=SessionStatus.SCHEDULED, day__gte=today).order_by("day")]


def _members(group):
    people = Person.objects.filter(pk__in=Membership.objects.on(_today()).filter(group=group).values("person_id"))
    return [(p.pk, p.name) for p in people.order_by("name")]


def _group_session(visit_or_group, sid):
    group = visit_or_group.group if hasattr(visit_or_group, "group") else visit_or_group
    session = StudySession.objects.filter(pk=sid, group=group).first()
    if session is None:
        raise ValidationError("只能备案本组主办的集体学习")
    return session


@login_required
@require_POST
def visit_file(request, pk):
    visit = access.get_visit_for(request.user, pk, need="group")
    form = FileForm(request.POST)
    form.fields["session"].choices = _upcoming_sessions(visit.group)
    return _act(request, form, lambda d: services.visit_file(
        visit=visit, session=_group_session(visit, d["session"]), note=d["note"], by=request.user),
        "已向督导单位备案", reverse("supervision:visit", args=[visit.pk]))


@login_required
def invite(request):
    """应邀: the group's managers file a session and invite the supervisor's observers."""
    managed = org_access.managed_group_ids(request.user)
    if not managed:
        raise Http404()
    group = StudyGroup.objects.select_related("unit").get(pk=managed[0])
    form = InviteForm(request.POST or None)
    form.fields["session"].choices = _upcoming_sessions(group)
    form.fields["plan"].choices = [(p.pk, f"{p.unit.name} {p.year}年") for p in selectors.groups_with_plans(group)]
    if request.method == "POST":
        if form.is_valid():
            plan = selectors.groups_with_plans(group).get(pk=form.cleaned_data["plan"])
            try:
                v = services.visit_invite(plan=plan, session=_group_session(group, form.cleaned_data["session"]),
                                          note=form.cleaned_data["note"], by=request.user)
            except ValidationError as exc:
                _fail(request, exc)
            else:
                messages.success(request, "已邀请督导单位列席旁听")
                return redirect("supervision:visit", pk=v.pk)
        else:
            _form_errors(request, form)
    return render(request, "supervision/invite.html", {"form": form, "group": group},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def visit_assign(request, pk):
    visit = access.get_visit_for(request.user, pk, need="supervisor")
    form = AssignForm(request.POST)
    form.fields["observer"].choices = _observer_choices(request.user, visit)
    return _act(request, form, lambda d: services.visit_assign(
        visit=visit, observer=access.get_observer_for(request.user, d["observer"]), by=request.user),
        "已派出巡听员并通知", reverse("supervision:visit", args=[visit.pk]))


@login_required
@require_POST
def visit_cancel(request, pk):
    visit = access.get_visit_for(request.user, pk, need="supervisor")
    return _act(request, CancelForm(request.POST), lambda d: services.visit_cancel(visit=visit, reason=d["reason"],
                                                                                   by=request.user),
                "已撤销这次旁听", reverse("supervision:plan", args=[visit.plan_id]))


@login_required
def visit_score(request, pk):
    """The observer's scoring form: one block per item, usable on a phone."""
    visit = access.get_visit_for(request.user, pk, need="observer")
    items = list(visit.plan.checklist.items.all())
    saved = {s.item_id: s for s in VisitScore.objects.filter(visit=visit)}
    status, errors = 200, []
    feedback = visit.feedback
    if request.method == "POST":
        feedback = request.POST.get("feedback", "")
        scores = {i.pk: (request.POST.get(f"score_{i.pk}", "").strip(), request.POST.get(f"comment_{i.pk}", ""))
                  for i in items}
        try:
            services.visit_score(visit=visit, scores=scores, feedback=feedback, by=request.user,
                                 submit=request.POST.get("submit") == "1")
        except ValidationError as exc:
            errors, status = exc.messages, 400
            for i in items:  # show what was typed, not what is stored
                saved[i.pk] = type("Typed", (), {"score": scores[i.pk][0], "comment": scores[i.pk][1]})()
        else:
            messages.success(request, "反馈已提交" if request.POST.get("submit") == "1" else "评分已保存")
            return redirect("supervision:visit", pk=visit.pk)
    rows = [(i, saved.get(i.pk)) for i in items]
    return render(request, "supervision/score.html", {
        "v": visit, "rows": rows, "feedback": feedback, "errors": errors,
        "limit": services.feedback_max_chars(), "due": visit.feedback_due or services.feedback_due(visit.session.day)
        if visit.session_id else None}, status=status)


@login_required
def visit_docx(request, pk):
    from . import documents  # python-docx only where a document is made (lean workers)
    visit = access.get_visit_for(request.user, pk)
    if not visit.feedback_at and "observer" not in visit.roles and "supervisor" not in visit.roles:
        raise Http404()
    return docx_response(f"巡听旁听反馈-{visit.group.name}.docx", documents.feedback_docx(visit))


# ---- 整改 ----------------------------------------------------------------------------------------

@login_required
@require_POST
def rect_add(request, pk):
    visit = access.get_visit_for(request.user, pk, need="group")
    form = RectForm(request.POST)
    form.fields["responsible"].choices = _members(visit.group)
    return _act(request, form, lambda d: services.rect_add(
        group=visit.group, visit=visit, problem=d["problem"], measure=d["measure"], due=d["due"],
        responsible=Person.objects.get(pk=d["responsible"]), by=request.user),
        "已填报整改事项", reverse("supervision:visit", args=[visit.pk]))


@login_required
@require_POST
def target_rect_add(request, pk):
    """The inspected group answers the campaign's findings with 整改 items."""
    target = access.get_target_for(request.user, pk)
    if target.group_id not in org_access.managed_group_ids(request.user):
        raise PermissionDenied("只有本组的组长、副组长或学习秘书可以填报整改")
    form = RectForm(request.POST)
    form.fields["responsible"].choices = _members(target.group)
    return _act(request, form, lambda d: services.rect_add(
        group=target.group, target=target, problem=d["problem"], measure=d["measure"], due=d["due"],
        responsible=Person.objects.get(pk=d["responsible"]), by=request.user),
        "已填报整改事项", reverse("supervision:target", args=[target.pk]))


def _rect_back(rect):
    if rect.visit_id:
        return reverse("supervision:visit", args=[rect.visit_id])
    return reverse("supervision:target", args=[rect.target_id])


@login_required
@require_POST
def rect_done(request, pk):
    rect = access.get_rectification_for(request.user, pk, need="group")
    form = RectDoneForm(request.POST, request.FILES)
    return _act(request, form, lambda d: services.rect_done(rect=rect, evidence_text=d["evidence_text"],
                                                           upload=d["evidence_file"], by=request.user),
                "整改情况已提交，等待督导单位验收", _rect_back(rect))


@login_required
@require_POST
def rect_decide(request, pk):
    rect = access.get_rectification_for(request.user, pk, need="supervisor")
    return _act(request, DecideForm(request.POST), lambda d: services.rect_decide(
        rect=rect, accept=d["accept"] == "1", note=d["note"], by=request.user),
        "已验收" if request.POST.get("accept") == "1" else "已退回", _rect_back(rect))


@login_required
def rect_file(request, pk):
    rect = access.get_rectification_for(request.user, pk)
    if not rect.evidence_file:
        raise Http404()
    return FileResponse(rect.evidence_file.open("rb"), as_attachment=True, filename=rect.evidence_name or "佐证材料")


@login_required
def rects(request):
    user, today = request.user, _today()
    if org_access.is_admin_role(user):
        raise Http404()
    qs = access.rectifications_visible(user).select_related("group", "responsible", "visit", "target__inspection")
    show = request.GET.get("show", "open")
    if show == "open":
        qs = qs.filter(status__in=OPEN_RECT)
    elif show == "overdue":
        qs = qs.filter(status__in=OPEN_RECT, due__lt=today)
    return render(request, "supervision/rects.html", {"rects": qs[:500], "show": show, "today": today,
                                                      "counts": selectors.rect_buckets(
                                                          access.rectifications_visible(user), today),
                                                      "decide_form": DecideForm()})


@login_required
def rects_export(request):
    if org_access.is_admin_role(request.user):
        raise Http404()
    qs = access.rectifications_visible(request.user)
    return xlsx_response("整改台账.xlsx", exports.rects_workbook(qs, _today()))


# ---- 外请辅导 --------------------------------------------------------------------------------------

@login_required
def speakers(request):
    user = request.user
    if org_access.is_admin_role(user):
        raise Http404()
    managed = org_access.managed_group_ids(user)
    form = None
    if managed:
        group = StudyGroup.objects.get(pk=managed[0])
        form = SpeakerForm(request.POST or None)
        form.fields["session"].choices = _upcoming_sessions(group)
        if request.method == "POST":
            if form.is_valid():
                d = dict(form.cleaned_data)
                session = StudySession.objects.filter(pk=d.pop("session"), group_id__in=managed).first()
                try:
                    if session is None:
                        raise ValidationError("只能为本组主办的集体学习报备")
                    services.speaker_file(session=session, by=user, **d)
                except ValidationError as exc:
                    _fail(request, exc)
                else:
                    messages.success(request, "外请辅导已报上级督导单位政治把关")
                    return redirect("supervision:speakers")
            else:
                _form_errors(request, form)
    elif request.method == "POST":
        raise PermissionDenied("只有中心组的组长、副组长或学习秘书可以报备外请辅导")
    filings = access.speakers_visible(user).select_related("group", "session", "decided_by")
    rows = [(f, access.can_decide_speaker(user, f.group)) for f in filings[:300]]
    return render(request, "supervision/speakers.html", {"rows": rows, "form": form,
                                                         "decide_form": SpeakerDecideForm()},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def speaker_decide(request, pk):
    filing = access.get_speaker_for(request.user, pk, decide=True)
    return _act(request, SpeakerDecideForm(request.POST), lambda d: services.speaker_decide(
        filing=filing, approve=d["approve"] == "1", note=d["note"], by=request.user),
        "已记录政治把关意见", reverse("supervision:speakers"))


# ---- 专题督查 --------------------------------------------------------------------------------------

@login_required
def campaigns(request):
    user = request.user
    if org_access.is_admin_role(user):
        raise Http404()
    items = access.inspections_visible(user).select_related("unit").annotate(
        n=Count("targets", distinct=True), done=Count("targets", filter=Q(targets__done_at__isnull=False),
                                                      distinct=True))
    form = None
    if access.is_supervisor(user):
        form = InspectionForm(request.POST or None, initial={"year": _today().year,
                                                             "due": _today() + dt.timedelta(days=30)})
        form.fields["unit"].choices = [(u.pk, u.name) for u in access.supervising_units(user)]
        if request.method == "POST":
            if form.is_valid():
                d = form.cleaned_data
                unit = access.get_unit_for_supervisor(user, d["unit"])
                groups = access.subtree_groups(unit).select_related("unit")
                if d["level"] == "township":
                    groups = groups.filter(unit__level=UnitLevel.TOWNSHIP)
                try:
                    inspection = services.inspection_create(unit=unit, title=d["title"], year=d["year"], due=d["due"],
                                                            groups=groups, by=user)
                except ValidationError as exc:
                    _fail(request, exc)
                else:
                    messages.success(request, f"已建立专题督查，对象 {inspection.targets.count()} 个")
                    return redirect("supervision:campaign", pk=inspection.pk)
            else:
                _form_errors(request, form)
    elif request.method == "POST":
        raise Http404()
    return render(request, "supervision/campaigns.html", {"items": items, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
def campaign(request, pk):
    inspection = access.get_inspection_for(request.user, pk)
    manage = access.can_supervise_unit(request.user, inspection.unit)
    items, rows = selectors.inspection_summary(inspection)
    if not manage:
        mine = set(inspection.targets.filter(inspector_id__in=access.my_observer_ids(request.user))
                   .values_list("pk", flat=True))
        rows = [r for r in rows if r.target_id in mine]
    form = None
    if manage:
        form = InspectorForm()
        form.fields["inspector"].choices = [(o.pk, f"{o.person.name}（{o.person.unit.name}）") for o in
                                            access.observers_for(request.user).select_related("person__unit")[:500]]
    return render(request, "supervision/campaign.html", {"c": inspection, "items": items, "rows": rows,
                                                         "manage": manage, "form": form})


@login_required
def campaign_export(request, pk):
    inspection = access.get_inspection_for(request.user, pk, manage=True)
    return xlsx_response(f"专题督查汇总-{inspection.title}.xlsx", exports.campaign_workbook(inspection))


@login_required
@require_POST
def target_assign(request, pk):
    target = access.get_target_for(request.user, pk)
    access.get_inspection_for(request.user, target.inspection_id, manage=True)
    form = InspectorForm(request.POST)
    form.fields["inspector"].choices = [(o.pk, "") for o in access.observers_for(request.user)]
    return _act(request, form, lambda d: services.inspection_assign(
        target=target, inspector=access.get_observer_for(request.user, d["inspector"]), by=request.user),
        "已指派督查人员", reverse("supervision:campaign", args=[target.inspection_id]))


@login_required
def target(request, pk):
    target = access.get_target_for(request.user, pk)
    items = list(target.inspection.checklist.items.all())
    saved = {r.item_id: r for r in InspectionResult.objects.filter(target=target)}
    status, errors = 200, []
    if request.method == "POST":
        target = access.get_target_for(request.user, pk, write=True)
        results = {i.pk: (request.POST.get(f"score_{i.pk}", "").strip(), request.POST.get(f"problem_{i.pk}", ""))
                   for i in items}
        try:
            services.inspection_record(target=target, results=results, by=request.user)
        except ValidationError as exc:
            errors, status = exc.messages, 400
        else:
            messages.success(request, "督查结果已保存")
            return redirect("supervision:target", pk=target.pk)
    rect_form = None
    if target.group_id in org_access.managed_group_ids(request.user):
        rect_form = RectForm(initial={"due": services.default_rect_due()})
        rect_form.fields["responsible"].choices = _members(target.group)
    can_write = access.can_supervise_unit(request.user, target.inspection.unit) or (
        target.inspector_id in access.my_observer_ids(request.user))
    return render(request, "supervision/target.html", {
        "t": target, "rows": [(i, saved.get(i.pk)) for i in items], "errors": errors, "can_write": can_write,
        "rects": target.rectifications.select_related("responsible"), "rect_form": rect_form,
        "done_form": RectDoneForm(), "decide_form": DecideForm(), "today": _today(),
        "supervisor": access.can_supervise_unit(request.user, target.inspection.unit)}, status=status)

