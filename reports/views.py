

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.downloads import docx_response, download
from core.xlsx import write_workbook, xlsx_response
from core.years import requested_year, year_choices
from orgs import access as org_access
from orgs.models import StudyGroup

from . import selectors, services
from .forms import QUARTERS, BulletinForm, OfficeForm, SubmissionForm, TaskForm
from .models import ArchiveBuild, Bulletin, Office, ReportTask


def _error(exc):
    return "；".join(exc.messages)


def _quarter(request):
    q = request.GET.get("quarter") or ""
    return int(q) if q in ("1", "2", "3", "4") else None


def _office_for(user, unit):
    """The office of the user's supervised root that contains `unit` (the nearest one)."""
    roots = [r for r in org_access.supervised_roots(user) if unit.path.startswith(r.path)]
    for root in sorted(roots, key=lambda r: -len(r.path)):
        office = Office.objects.filter(unit=root).first()
        if office:
            return office, root
    return None, (max(roots, key=lambda r: len(r.path)) if roots else None)


@login_required
def index(request):
    roots = org_access.supervised_roots(request.user)
    managed = StudyGroup.objects.filter(pk__in=org_access.managed_group_ids(request.user)).select_related("unit")
    member_ids = [gid for gid, _ in org_access.roles_today(request.user)]
    tasks = selectors.tasks_for_group_ids(member_ids).order_by("deadline") if member_ids else []
    if not roots and not member_ids:
        raise Http404("没有可查看的通报与报送")
    return render(request, "reports/index.html", {"roots": roots, "managed": managed, "tasks": tasks,
                                                  "member_groups": StudyGroup.objects.filter(pk__in=member_ids)})


def _dashboard_context(request, unit, year, quarter):
    figures = selectors.period_figures(unit, year, quarter)
    office, root = _office_for(request.user, unit)
    chart = {
        "months": selectors.months_held(unit, year),
        "groups": [r.name for r in figures.rows],
        "rates": [r.percent for r in figures.rows],
        "seminars": [[q, i, n] for i, r in enumerate(figures.rows) for q, n in enumerate(r.seminars)],
        "quarters": selectors.SEMINAR_NAMES[:quarter or 4],
        "late": [r.late for r in figures.rows],
    }
    chart["delay_labels"], chart["delays"] = selectors.first_item_delays(unit, year)
    supervision = selectors.supervision_summary(unit, year)
    chart["rect_labels"], chart["rects"] = supervision.rect_labels, supervision.rect_counts
    coverage = selectors.mandated_coverage(unit, year)
    chart["coverage"] = {"topics": coverage.topics, "groups": coverage.groups, "cells": coverage.cells}
    return {"unit": unit, "figures": figures, "table": figures.as_table(), "headers": selectors.TABLE_HEADERS,
            "judgement": selectors.judge(figures), "coverage": coverage, "supervision": supervision, "office": office, "office_root": root, "chart": chart,
            "year": year, "quarter": quarter, "years": year_choices(first=2020, last=timezone.localdate().year),
            "quarters": QUARTERS, "bulletin_form": BulletinForm(initial={"year": year, "quarter": quarter or ""}),
            "bulletins": Bulletin.objects.filter(unit=unit).select_related("office")[:20],
            "tasks": ReportTask.objects.filter(unit__path__startswith=unit.path)[:20],
            "task_form": TaskForm()}


@login_required
def unit_dashboard(request, pk):
    unit = selectors.supervised_unit_for(request.user, pk)
    year = requested_year(request, first=2000, last=timezone.localdate().year)
    return render(request, "reports/unit.html", _dashboard_context(request, unit, year, _quarter(request)))


@login_required
def office(request, pk):
    unit = selectors.supervised_unit_for(request.user, pk)
    instance = Office.objects.filter(unit=unit).first()
    form = OfficeForm(request.POST or None, request.FILES or None, instance=instance)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data.get("template_file")
            try:
                services.office_save(unit=unit, by=request.user, data=form.cleaned_data,
                                     template=upload.read() if upload else None,
                                     template_name=upload.name if upload else "",
                                     clear_template=form.cleaned_data.get("clear_template"))
            except ValidationError as exc:
                form.add_error(None, _error(exc))
            else:
                messages.success(request, "发文机关设置已保存")
                return redirect("reports:unit", unit.pk)
        status = 400
    return render(request, "reports/office.html", {"unit": unit, "form": form, "office": instance}, status=status)


@login_required
@require_POST
def bulletin_new(request, pk):
    unit = selectors.supervised_unit_for(request.user, pk)
    form = BulletinForm(request.POST)
    error = None
    if not form.is_valid():
        error = "；".join(e for errs in form.errors.values() for e in errs)
    else:
        office, _ = _office_for(request.user, unit)
        if office is None:
            error = "请先设置发文机关（红头、发文字号前缀、印发机关），再生成通报"
        else:
            try:
                bulletin = services.bulletin_generate(office=office, unit=unit, year=form.cleaned_data["year"],
                                                      quarter=form.cleaned_data["quarter"], by=request.user)
            except ValidationError as exc:
                error = _error(exc)
            else:
                messages.success(request, f"已生成通报 {bulletin.doc_number}")
                return redirect(f"{reverse('reports:unit', args=[unit.pk])}?year={bulletin.year}"
                                f"&quarter={bulletin.quarter or ''}#bulletins")
    year = form.cleaned_data.get("year") if form.is_valid() else timezone.localdate().year
    context = _dashboard_context(request, unit, year or timezone.localdate().year, None)
    context["bulletin_error"] = error
    context["bulletin_form"] = form
    return render(request, "reports/unit.html", context, status=400)


def _bulletin_for(user, pk):
    bulletin = Bulletin.objects.select_related("unit", "office__unit").filter(pk=pk).first()
    if bulletin is None or not org_access.can_supervise(user, bulletin.unit) or not org_access.can_supervise(
            user, bulletin.office.unit):
        raise Http404("没有找到这份通报")
    return bulletin


@login_required
def bulletin_docx(request, pk):
    b = _bulletin_for(request.user, pk)
    return docx_response(f"{b.doc_number}{b.title}.docx", bytes(b.docx))


@login_required
def bulletin_pdf(request, pk):
    b = _bulletin_for(request.user, pk)
    if not b.pdf:
        raise Http404("这份通报没有 PDF（服务器未安装 LibreOffice），请下载 .docx")
    return download(bytes(b.pdf), f"{b.doc_number}{b.title}.pdf", "application/pdf")


@login_required
@require_POST
def task_new(request, pk):
    unit = selectors.supervised_unit_for(request.user, pk)
    form = TaskForm(request.POST)
    error = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            task = services.task_create(unit=unit, by=request.user, kind=d["kind"], title=d["title"], year=d["year"],
                                        deadline=d["deadline"], workdays=d["workdays"],
                                        instructions=d["instructions"])
        except ValidationError as exc:
            error = _error(exc)
        else:
            messages.success(request, f"已下发报送任务：{task.title}，截止 {task.deadline:%Y-%m-%d}")
            return redirect("reports:task", task.pk)
    else:
        error = "；".join(e for errs in form.errors.values() for e in errs)
    context = _dashboard_context(request, unit, timezone.localdate().year, None)
    context["task_form"], context["task_error"] = form, error
    return render(request, "reports/unit.html", context, status=400)


def _task_for(user, pk):
    """A task is visible to supervisors of its unit and to the groups it is addressed to."""
    task = ReportTask.objects.select_related("unit").filter(pk=pk).first()
    if task is None:
        raise Http404("没有找到这项报送任务")
    if org_access.can_supervise(user, task.unit):
        return task, True
    member_ids = [gid for gid, _ in org_access.roles_today(user)]
    if member_ids and selectors.tasks_for_group_ids(member_ids).filter(pk=pk).exists():
        return task, False
    raise Http404("没有找到这项报送任务")


@login_required
def task_detail(request, pk):
    task, supervising = _task_for(request.user, pk)
    context = {"task": task, "supervising": supervising, "managed": set(org_access.managed_group_ids(request.user))}
    if supervising:
        # A province's task reaches 10,000 groups: counted by the database, listed 50 at a time, filtered by state.
        state = request.GET.get("state") if request.GET.get("state") in selectors.TASK_STATES else ""
        page = Paginator(selectors.task_groups(task, state or None), 50).get_page(request.GET.get("page"))
        context.update(state=state, page=page, rows=selectors.task_status(task, page.object_list),
                       counts=selectors.task_counts(task))
    else:
        member_ids = [gid for gid, _ in org_access.roles_today(request.user)]
        context["mine"] = selectors.task_status(task, selectors.task_groups(task).filter(pk__in=member_ids))
    return render(request, "reports/task.html", context)


@login_required
def task_export(request, pk):
    task, supervising = _task_for(request.user, pk)
    if not supervising:
        raise PermissionDenied("只有下发单位可以导出报送情况")
    rows = [[g.unit.name, g.name, state,
             timezone.localtime(sub.submitted_at).strftime("%Y-%m-%d %H:%M") if sub else "",
             sub.text if sub else ""] for g, sub, state in selectors.task_status(task)]
    content = write_workbook("报送情况", ["单位", "中心组", "状态", "报送时间", "报送内容"], rows,
                             widths={1: 30, 2: 44, 5: 60},
                             notes=[task.title, f"截止日期：{task.deadline:%Y-%m-%d}"])
    return xlsx_response(f"{task.title}-报送情况.xlsx", content)


@login_required
def task_submit(request, pk, group_pk):
    task, _ = _task_for(request.user, pk)
    group = org_access.get_group_for(request.user, group_pk)
    if not selectors.task_addressed(task, group):
        raise Http404("这项报送任务不是下发给本中心组的")
    if not org_access.can_manage_group(request.user, group):
        raise PermissionDenied("只有本组的组长、副组长或学习秘书可以报送")
    existing = task.submissions.filter(group=group).first()
    prefill = selectors.task_prefill(task, group)
    form = SubmissionForm(request.POST or None, initial={"text": _draft(task, group, prefill)})
    status = 200
    if request.method == "POST" and existing is None:
        if form.is_valid():
            try:
                services.submission_submit(task=task, group=group, by=request.user, text=form.cleaned_data["text"])
            except ValidationError as exc:
                form.add_error(None, _error(exc))
            else:
                messages.success(request, "已报送")
                return redirect("reports:task_submit", task.pk, group.pk)
        status = 400
    elif request.method == "POST":
        messages.error(request, "本中心组已经报送过这项任务")
        status = 400
    return render(request, "reports/submit.html", {"task": task, "group": group, "form": form,
                                                   "existing": existing, "prefill": prefill}, status=status)


def _draft(task, group, prefill):
    """The text box starts from what the system holds, so the unit only adds what it alone knows."""
    lines = [f"{group.name}{task.title}", ""]
    if "plan" in prefill:
        lines.append(f"年度学习计划：{prefill['plan']}")
        lines += [f"  {i}. {t}" for i, t in enumerate(prefill.get("topics", []), 1)]
        lines.append(f"中心组成员（{len(prefill.get('members', []))}人）：" + "；".join(prefill.get("members", [])))
    for key, value in prefill.get("figures", {}).items():
        lines.append(f"{key}：{value}")
    return "\n".join(lines)


@login_required
def group_dashboard(request, pk):
    group = org_access.get_group_for(request.user, pk)
    year = requested_year(request, first=2000, last=timezone.localdate().year)
    figures = selectors.period_figures(group.unit, year)
    row = next((r for r in figures.rows if r.group_id == group.pk), None)
    chart = {"months": selectors.months_held(group.unit, year, groups=StudyGroup.objects.filter(pk=group.pk)),
             "planned": _planned_months(group, year)}
    return render(request, "reports/group.html", {
        "group": group, "row": row, "year": year, "chart": chart,
        "years": year_choices(first=2020, last=timezone.localdate().year),
        "can_archive": org_access.can_manage_group(request.user, group) or org_access.can_supervise(
            request.user, group.unit)})


def _planned_months(group, year):
    from plans.selectors import approved_topics

    months = [0] * 12
    for m in approved_topics(StudyGroup.objects.filter(pk=group.pk), year).values_list("month", flat=True):
        if m:
            months[m - 1] += 1
    return months


def _archive_group(user, pk):
    group = org_access.get_group_for(user, pk)
    if not (org_access.can_manage_group(user, group) or org_access.can_supervise(user, group.unit)):
        raise PermissionDenied("只有本组的组长、副组长、学习秘书或上级督导可以生成档案专卷")
    return group


@login_required
def archive(request, pk):
    group = _archive_group(request.user, pk)
    year = requested_year(request, first=2000, last=timezone.localdate().year)
    status = 200
    if request.method == "POST":
        try:
            year = int(request.POST.get("year", ""))
            build = services.archive_request(group=group, year=year, by=request.user)
        except (ValueError, ValidationError) as exc:
            messages.error(request, _error(exc) if isinstance(exc, ValidationError) else "年度不正确")
            status = 400
        else:
            return redirect(f"{reverse('reports:archive', args=[group.pk])}?year={build.year}")
    builds = ArchiveBuild.objects.filter(group=group).defer("content")[:10]
    return render(request, "reports/archive.html", {"group": group, "year": year, "builds": builds,
                                                    "years": year_choices(first=2020,
                                                                          last=timezone.localdate().year)},
                  status=status)


def _build_for(user, pk):
    build = ArchiveBuild.objects.defer("content").filter(pk=pk).first()
    if build is None:
        raise Http404("没有找到这份档案")
    _archive_group(user, build.group_id)
    return build


@login_required
def archive_status(request, pk):
    b = _build_for(request.user, pk)
    return JsonResponse({"status": b.status, "label": b.get_status_display(), "percent": b.percent,
                         "error": b.error, "download": reverse("reports:archive_download", args=[b.pk])
                         if b.status == "done" else ""})


@login_required
def archive_download(request, pk):
    b = _build_for(request.user, pk)
    content = ArchiveBuild.objects.filter(pk=b.pk).values_list("content", flat=True).first()
    if not content:
        raise Http404("档案专卷尚未生成完成")
    return download(bytes(content), f"{b.group.name}{b.year}年度学习档案专卷.zip", "application/zip")


