from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.downloads import docx_response
from core.idempotency import idempotent
from core.pagecache import cached_page
from core.xlsx import xlsx_response
from core.years import requested_year, year_choices
from orgs import access as org_access
from orgs.forms import apply_errors
from orgs.selectors import group_members

from . import selectors, services
from .access import get_flag_for, get_plan_for, get_supervised_unit, is_leader
from .forms import (
    CreatePlanForm,
    GuidanceForm,
    PlanForm,
    ReferenceForm,
    ReturnForm,
    ReviseForm,
    SubmitForm,
    TopicFormSet,
)
from .models import Guidance, ReferenceTopic


def _year(request):
    first, last = services.year_range()
    return requested_year(request, first=first, last=last)


def _years():
    y = timezone.localdate().year
    return year_choices(first=y - 2, last=y + 1)


@login_required
def index(request):
    if org_access.is_admin_role(request.user):
        raise Http404()
    ids = [gid for gid, _ in org_access.roles_today(request.user)]
    groups = list(org_access.groups_visible(request.user).filter(id__in=ids).select_related("unit")) if ids else []
    return render(request, "plans/index.html", {"groups": groups, "roots": selectors.supervised_roots(request.user)})


# ---- a group's plans -------------------------------------------------------------------------------------

def _group_page(request, group, year, *, form=None, status=200, error=None):
    if error:
        messages.error(request, error)
    return render(request, "plans/group.html", {
        "group": group, "o": selectors.group_overview(group, year), "years": _years(),
        "can_manage": org_access.can_manage_group(request.user, group),
        "form": form or CreatePlanForm(initial={"year": year}),
    }, status=status)


@login_required
@idempotent("plans.plan.create")
def group_plans(request, pk):
    group = org_access.get_group_for(request.user, pk)
    year = _year(request)
    if request.method != "POST":
        return _group_page(request, group, year)
    group = org_access.get_group_for(request.user, pk, write=True)
    form = CreatePlanForm(request.POST)
    if form.is_valid():
        try:
            plan = services.plan_create(group=group, year=form.cleaned_data["year"], by=request.user)
            messages.success(request, f"已新建{plan.year}年度学习计划草稿")
            return redirect("plans:edit", pk=plan.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return _group_page(request, group, year, form=form, status=400)


@login_required
@require_POST
def adopt(request, pk, ref):
    group = org_access.get_group_for(request.user, pk, write=True)
    reference = ReferenceTopic.objects.filter(pk=ref, unit_id__in=services.ancestor_unit_ids(group)).first()
    if reference is None:
        raise Http404("没有找到这个参考议题")
    if request.POST.get("confirm") != "1":
        return _group_page(request, group, reference.year, status=400, error="请在参考议题收件箱中点击“采纳”")
    try:
        plan = services.reference_adopt(reference=reference, group=group, by=request.user)
    except ValidationError as exc:
        return _group_page(request, group, reference.year, status=400, error="；".join(exc.messages))
    messages.success(request, f"已将参考议题“{reference.title}”采纳到{plan.year}年度计划（第{plan.number}版）")
    return redirect("plans:edit", pk=plan.pk)


# ---- one plan --------------------------------------------------------------------------------------------

def _plan_page(request, plan, *, status=200, error=None, return_form=None, revise_form=None):
    if error:
        messages.error(request, error)
    return render(request, "plans/plan.html", {
        "plan": plan, "doc": selectors.plan_document(plan, request.user, with_progress=True), "group": plan.group,
        "can_manage": org_access.can_manage_group(request.user, plan.group),
        "is_leader": is_leader(request.user, plan.group),
        "return_form": return_form or ReturnForm(initial={"version": plan.version}),
        "revise_form": revise_form or ReviseForm(),
    }, status=status)


@login_required
@cached_page("plans.plan")
def plan_detail(request, pk):
    plan = get_plan_for(request.user, pk)
    return _plan_page(request, plan)


def _topic_initial(topics):
    return [{"title": t.title, "kind": t.kind, "month": t.month, "planned_on": t.planned_on, "format": t.format,
             "lead": t.lead, "materials": t.materials, "notes": t.notes, "mandated_id": t.mandated_id,
             "reference_id": t.reference_id, "line": t.line} for t in topics]


@login_required
def plan_edit(request, pk):
    plan = get_plan_for(request.user, pk, write=True)
    if request.method != "POST" and not plan.is_editable:
        messages.info(request, "该版本已提交或已审定，不能直接修改" + ("；如需调整请发起修订" if plan.is_locked else ""))
        return redirect("plans:plan", pk=plan.pk)
    mandated = list(services.mandated_for(plan.group, plan.year))
    status = 200
    if request.method == "POST":
        form = PlanForm(request.POST)
        formset = TopicFormSet(request.POST, prefix="t", form_kwargs={"mandated": mandated})
        if form.is_valid() and formset.is_valid():
            # Deleted rows stay as empty lines so that "第 N 个专题" matches the number on the screen.
            topics = [{} if f.cleaned_data.get("DELETE") else f.cleaned_data for f in formset.forms]
            d = form.cleaned_data
            submit = request.POST.get("action") == "submit"
            try:
                # 保存并提交 is one step: a refused submit also undoes the save, so the page's version number
                # stays right and the next 保存 is not refused as someone else's change.
                with transaction.atomic():
                    saved_plan = services.plan_save(plan=plan, topics=topics, preamble=d["preamble"],
                                                    requirements=d["requirements"], title=d["title"],
                                                    version=d["version"], by=request.user)
                    if submit:
                        services.plan_submit(plan=saved_plan, version=saved_plan.version, by=request.user)
                messages.success(request, "计划已提交组长审定" if submit else "草稿已保存")
                return redirect("plans:plan" if submit else "plans:edit", pk=plan.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    saved = list(plan.topics.all())
    if request.method != "POST":
        form = PlanForm(initial={"title": plan.title, "preamble": plan.preamble, "requirements": plan.requirements,
                                 "version": plan.version})
        formset = TopicFormSet(initial=_topic_initial(saved), prefix="t", form_kwargs={"mandated": mandated})
    return render(request, "plans/edit.html", {
        "plan": plan, "group": plan.group, "form": form, "formset": formset,
        "uncovered": selectors.uncovered_mandated(mandated, saved),
        "leads": [m.name for m in group_members(plan.group)],
    }, status=status)


def _action(request, pk, run, done):
    plan = get_plan_for(request.user, pk, write=True)
    form = SubmitForm(request.POST)
    if not form.is_valid() or form.cleaned_data.get("version") is None:
        return _plan_page(request, plan, status=400, error="请求无效，请刷新页面后重试")
    try:
        run(plan, form.cleaned_data["version"])
    except ValidationError as exc:
        return _plan_page(request, plan, status=400, error="；".join(exc.messages))
    messages.success(request, done)
    return redirect("plans:plan", pk=plan.pk)


@login_required
@require_POST
def plan_submit(request, pk):
    return _action(request, pk, lambda p, v: services.plan_submit(plan=p, version=v, by=request.user),
                   "计划已提交组长审定")


@login_required
@require_POST
def plan_approve(request, pk):
    return _action(request, pk, lambda p, v: services.plan_approve(plan=p, version=v, by=request.user),
                   "计划已审定，本版本已锁定")


@login_required
@require_POST
def plan_report(request, pk):
    return _action(request, pk, lambda p, v: services.plan_report(plan=p, by=request.user), "计划已报送上级")


@login_required
@require_POST
def plan_return(request, pk):
    plan = get_plan_for(request.user, pk, write=True)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.plan_return(plan=plan, comment=form.cleaned_data["comment"],
                                 version=form.cleaned_data["version"], by=request.user)
            messages.success(request, "计划已退回学习秘书修改")
            return redirect("plans:plan", pk=plan.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return _plan_page(request, plan, status=400, return_form=form,
                      error="；".join(e for errs in form.errors.values() for e in errs))


@login_required
@require_POST
def plan_revise(request, pk):
    plan = get_plan_for(request.user, pk, write=True)
    form = ReviseForm(request.POST)
    if form.is_valid():
        try:
            new = services.plan_revise(plan=plan, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, f"已生成第{new.number}版草稿，原审定版本保持不变")
            return redirect("plans:edit", pk=new.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return _plan_page(request, plan, status=400, revise_form=form,
                      error="；".join(e for errs in form.errors.values() for e in errs))


@login_required
def plan_docx(request, pk):
    from . import documents  # python-docx only where a document is made (lean workers)
    plan = get_plan_for(request.user, pk)
    doc = selectors.plan_document(plan)
    return docx_response(f"{doc.title}（第{doc.number}版）.docx", documents.plan_docx(doc))


@login_required
def plan_xlsx(request, pk):
    from . import documents  # python-docx only where a document is made (lean workers)
    plan = get_plan_for(request.user, pk)
    doc = selectors.plan_document(plan)
    return xlsx_response(f"{doc.title}（第{doc.number}版）.xlsx", documents.plan_xlsx(doc))


@login_required
def flag_detail(request, pk):
    row = selectors.flag_rows([get_flag_for(request.user, pk)], request.user)[0]
    return render(request, "plans/flag.html", {"row": row})


# ---- supervision -----------------------------------------------------------------------------------------

@login_required
def supervise(request):
    roots = selectors.supervised_roots(request.user) if not org_access.is_admin_role(request.user) else []
    if not roots:
        raise Http404("您没有督导范围")
    try:
        unit = get_supervised_unit(request.user, int(request.GET.get("unit") or roots[0].pk))
    except ValueError as exc:
        raise Http404() from exc
    year = _year(request)
    only = request.GET.get("only") or None
    try:
        offset = max(int(request.GET.get("offset") or 0), 0)
    except ValueError:
        offset = 0
    s = selectors.supervision(request.user, unit, year, only=only, offset=offset)
    return render(request, "plans/supervise.html", {
        "s": s, "units": selectors.unit_choices(roots), "years": _years(), "only": only, "offset": offset,
        "next_offset": offset + 200 if offset + 200 < s.total else None,
    })


def _supervise_url(unit, year):
    return f"{reverse('plans:supervise')}?unit={unit.pk}&year={year}"


@login_required
def guidance(request, unit, year):
    unit = get_supervised_unit(request.user, unit)
    if not services.year_in_range(year):
        raise Http404()
    existing = Guidance.objects.filter(unit=unit, year=year).first()
    status = 200
    if request.method == "POST":
        form = GuidanceForm(request.POST)
        if existing is not None and existing.is_published:
            form.is_valid()
            form.add_error(None, "该年度学习安排已经发布，规定专题不能再修改")
        elif form.is_valid():
            d = form.cleaned_data
            try:
                g = services.guidance_save(unit=unit, year=year, title=d["title"], topics=form.topic_list(),
                                           report_deadline=d["report_deadline"], by=request.user)
                if request.POST.get("action") == "publish":
                    services.guidance_publish(guidance=g, by=request.user)
                    messages.success(request, f"已向{unit.name}及所属单位发布 {g.topics.count()} 个规定专题")
                    return redirect(_supervise_url(unit, year))
                messages.success(request, "已保存，尚未发布")
                return redirect("plans:guidance", unit=unit.pk, year=year)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    else:
        initial = {"report_deadline": Guidance.default_deadline(year),
                   "title": f"{unit.name}{year}年理论学习中心组学习安排"}
        if existing is not None:
            lines = [("选学：" if t.kind == "optional" else "") + t.title for t in existing.topics.all()]
            initial = {"report_deadline": existing.report_deadline, "title": existing.title, "topics": "\n".join(lines)}
        form = GuidanceForm(initial=initial)
    return render(request, "plans/guidance.html", {"unit": unit, "year": year, "form": form, "existing": existing},
                  status=status)


@login_required
def reference_send(request, unit, year):
    unit = get_supervised_unit(request.user, unit)
    if not services.year_in_range(year):
        raise Http404()
    status = 200
    form = ReferenceForm()
    if request.method == "POST":
        form = ReferenceForm(request.POST)
        if form.is_valid():
            try:
                ref = services.reference_send(unit=unit, year=year, by=request.user, **form.cleaned_data)
                messages.success(request, f"参考议题“{ref.title}”已下发到{unit.name}及所属单位")
                return redirect(_supervise_url(unit, year))
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "plans/reference_form.html", {"unit": unit, "year": year, "form": form}, status=status)
