from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.htmx import pick_template
from core.idempotency import idempotent
from core.models import ImportBatch
from core.uploads import over_limit
from core.xlsx import xlsx_response

from . import access, importing, selectors, services
from .forms import (
    CloseForm,
    MemberAddForm,
    MembershipEndForm,
    MoveForm,
    ObserverForm,
    PersonForm,
    RenameForm,
    SupervisorForm,
    UnitForm,
    UploadForm,
    apply_errors,
)
from .models import Membership, Unit, UnitEvent, UnitLevel


def _read_upload(request, form):
    upload = form.cleaned_data["file"]
    if limit := over_limit(upload.size):
        return None, f"文件过大：{limit}"
    return upload.read(), None


def _level_below(level):
    order = [choice for choice, _ in UnitLevel.choices]
    return order[min(order.index(level) + 1, len(order) - 1)]


def _user_named(username):
    from accounts.models import User

    user = User.objects.filter(username=username.strip()).first()
    if user is None:
        raise ValidationError({"username": f"没有找到账号“{username}”"})
    return user  # supervisor_scope_add refuses the three administrators (三员分立)


@login_required
def unit_tree(request):
    roots = selectors.tree_roots(request.user)
    if not roots:
        raise Http404("您没有可查看的单位")
    # Open the first level below a single root, so a supervisor sees their counties at once.
    expanded = {}
    if len(roots) == 1:
        expanded[roots[0].id] = selectors.tree_children(request.user, Unit(pk=roots[0].id))
    return render(request, "orgs/unit_tree.html", {"roots": roots, "expanded": expanded,
                                                   "can_edit": access.is_sysadmin(request.user)})


@login_required
def unit_children(request, pk):
    unit = access.get_unit_for(request.user, pk)
    nodes = selectors.tree_children(request.user, unit)
    return render(request, "orgs/_tree_nodes.html", {"nodes": nodes})


@login_required
def unit_detail(request, pk):
    unit = access.get_unit_for(request.user, pk)
    can_edit = access.is_sysadmin(request.user)
    forms = {
        "rename": RenameForm(initial={"name": unit.name, "version": unit.version}, prefix="rename"),
        "move": MoveForm(initial={"parent": unit.parent_id, "version": unit.version}, prefix="move"),
        "close": CloseForm(initial={"on": timezone.localdate()}, prefix="close"),
        "child": UnitForm(prefix="child", initial={"level": _level_below(unit.level)}),
        "scope": SupervisorForm(initial={"start": timezone.localdate()}, prefix="scope"),
        "observer": ObserverForm(prefix="observer"),
    }
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有系统管理员可以调整单位")
        action = request.POST.get("action")
        form = {"rename": RenameForm, "move": MoveForm, "close": CloseForm, "child": UnitForm,
                "scope": SupervisorForm, "observer": ObserverForm}.get(action)
        if form is None:
            raise Http404()
        form = form(request.POST, prefix=action)
        forms[action] = form
        if form.is_valid():
            d = form.cleaned_data
            try:
                if action == "rename":
                    services.unit_rename(unit=unit, name=d["name"], on=d["on"], note=d["note"], version=d["version"],
                                         by=request.user)
                elif action == "move":
                    parent = access.get_unit_for(request.user, d["parent"])
                    services.unit_move(unit=unit, new_parent=parent, on=d["on"], note=d["note"],
                                       version=d["version"], by=request.user)
                elif action == "close":
                    services.unit_close(unit=unit, on=d["on"], note=d["note"], by=request.user)
                elif action == "scope":
                    scope = services.supervisor_scope_add(user=_user_named(d["username"]), unit=unit,
                                                          kind=d["kind"], start=d["start"], by=request.user)
                    if scope.pending:
                        messages.info(request, "督导范围已提交安全管理员审批，批准后生效")
                elif action == "observer":
                    services.observer_add(person=access.get_person_for(request.user, d["person"]), pool_unit=unit,
                                          note=d["note"], by=request.user)
                else:
                    services.unit_create(name=d["name"], parent=unit, kind=d["kind"], level=d["level"],
                                         by=request.user)
                messages.success(request, "已保存")
                return redirect("orgs:unit", pk=unit.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
            except Http404:
                form.add_error(None, "没有找到这个单位或人员")
    context = {
        "unit": unit, "can_edit": can_edit, "forms": forms,
        "breadcrumb": selectors.unit_breadcrumb(unit),
        "children": selectors.tree_children(request.user, unit),
        "events": UnitEvent.objects.filter(unit=unit).select_related("old_parent", "new_parent"),
        "group": getattr(unit, "group", None),
        "scopes": unit.supervisor_scopes.select_related("user__person").order_by("start", "id"),
        "observers": unit.observer_pool.select_related("person__unit").order_by("id"),
    }
    return render(request, "orgs/unit_detail.html", context, status=400 if request.method == "POST" else 200)


@login_required
@idempotent("member.add")
def group_detail(request, pk):
    group = access.get_group_for(request.user, pk, study_records=False)
    can_manage = access.can_manage_group(request.user, group, study_records=False)
    show_past = request.GET.get("past") == "1"
    form = MemberAddForm(initial={"start": timezone.localdate()})
    status = 200
    if request.method == "POST":
        group = access.get_group_for(request.user, pk, write=True, study_records=False)
        form = MemberAddForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                from django.db import transaction

                with transaction.atomic():
                    person = services.person_create(unit=group.unit, name=d["name"], gender=d["gender"],
                                                    post=d["post"], rank=d["rank"], phone=d["phone"],
                                                    by=request.user)
                    services.membership_add(group=group, person=person, role=d["role"], start=d["start"],
                                            by=request.user)
                messages.success(request, f"已添加成员：{person.name}")
                return redirect("orgs:group", pk=group.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    members = selectors.group_members(group, include_past=show_past, viewer=request.user)
    return render(request, "orgs/group_detail.html", {
        "group": group, "unit": group.unit, "members": members, "can_manage": can_manage, "form": form,
        "show_past": show_past, "breadcrumb": selectors.unit_breadcrumb(group.unit),
        "end_form": MembershipEndForm(initial={"end": timezone.localdate()}),
    }, status=status)


@login_required
@require_POST
def membership_end(request, pk, membership_pk):
    group = access.get_group_for(request.user, pk, write=True, study_records=False)
    membership = Membership.objects.filter(group=group, pk=membership_pk).select_related("person").first()
    if membership is None:
        raise Http404()
    form = MembershipEndForm(request.POST)
    if form.is_valid():
        try:
            services.membership_end(membership=membership, end=form.cleaned_data["end"],
                                    note=form.cleaned_data["note"], by=request.user)
            messages.success(request, f"{membership.person.name} 已办理离组")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "请填写有效的离开日期")
    return redirect("orgs:group", pk=group.pk)


@login_required
def group_export(request, pk):
    group = access.get_group_for(request.user, pk, study_records=False)
    return xlsx_response(f"{group.unit.name}-中心组成员.xlsx", importing.export_members(group, viewer=request.user))


@login_required
def member_template(request, pk):
    access.get_group_for(request.user, pk, study_records=False)
    return xlsx_response("中心组成员导入模板.xlsx", importing.member_template())


@login_required
def group_import(request, pk):
    group = access.get_group_for(request.user, pk, write=True, study_records=False)
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data, error = _read_upload(request, form)
            if error:
                form.add_error("file", error)
            else:
                batch = importing.stage(
                    kind="members", user=request.user, filename=form.cleaned_data["file"].name, data=data,
                    target=group, check=lambda d: importing.check_members(group=group, data=d, user=request.user),
                )
                return redirect("orgs:group_import_preview", pk=group.pk, batch=batch.pk)
    return render(request, "orgs/import_upload.html", {
        "group": group, "form": form, "title": f"导入成员 · {group.unit.name}",
        "template_url": "orgs:member_template", "template_args": [group.pk],
    }, status=400 if request.method == "POST" else 200)


def _batch_for(request, batch_pk, kind, target_id):
    batch = ImportBatch.objects.filter(pk=batch_pk, kind=kind, target_id=target_id, created_by=request.user).first()
    if batch is None:
        raise Http404("没有找到这批导入数据")
    return batch


@login_required
def group_import_preview(request, pk, batch):
    group = access.get_group_for(request.user, pk, write=True, study_records=False)
    batch = _batch_for(request, batch, "members", group.pk)
    if request.method == "POST":
        try:
            count = importing.apply_members(batch=batch, group=group, by=request.user)
            messages.success(request, f"已导入 {count} 名成员")
            return redirect("orgs:group", pk=group.pk)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            batch.refresh_from_db()
    return render(request, "orgs/import_preview.html", {
        "group": group, "batch": batch, "title": f"导入预览 · {group.unit.name}",
        "columns": [("name", "姓名"), ("unit", "所在单位"), ("post", "职务"), ("rank", "职级"),
                    ("role_label", "角色"), ("start", "加入日期")],
        "retry_url": "orgs:group_import", "retry_args": [group.pk],
    })


@login_required
def unit_import(request):
    if not access.is_sysadmin(request.user):
        raise Http404()
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data, error = _read_upload(request, form)
            if error:
                form.add_error("file", error)
            else:
                batch = importing.stage(kind="units", user=request.user, filename=form.cleaned_data["file"].name,
                                        data=data, check=lambda d: importing.check_units(data=d, user=request.user))
                return redirect("orgs:unit_import_preview", batch=batch.pk)
    return render(request, "orgs/import_upload.html", {
        "form": form, "title": "导入单位", "template_url": "orgs:unit_template", "template_args": [],
    }, status=400 if request.method == "POST" else 200)


@login_required
def unit_import_preview(request, batch):
    if not access.is_sysadmin(request.user):
        raise Http404()
    batch = _batch_for(request, batch, "units", None)
    if request.method == "POST":
        try:
            count = importing.apply_units(batch=batch, by=request.user)
            messages.success(request, f"已导入 {count} 个单位")
            return redirect("orgs:tree")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            batch.refresh_from_db()
    return render(request, "orgs/import_preview.html", {
        "batch": batch, "title": "单位导入预览",
        "columns": [("name", "单位名称"), ("parent", "上级单位"), ("kind_label", "组织类型"), ("level_label", "层级")],
        "retry_url": "orgs:unit_import", "retry_args": [],
    })


@login_required
def unit_template(request):
    if not access.is_sysadmin(request.user):
        raise Http404()
    return xlsx_response("单位导入模板.xlsx", importing.unit_template())


@login_required
def unit_export(request, pk):
    unit = access.get_unit_for(request.user, pk)
    units = access.units_visible(request.user).filter(path__startswith=unit.path)
    return xlsx_response(f"{unit.name}-单位名单.xlsx", importing.export_units(units))


@login_required
def people(request):
    if access.is_admin_role(request.user) and not access.is_sysadmin(request.user):
        raise Http404()
    qs = access.people_visible(request.user).select_related("unit")
    q = (request.GET.get("q") or "").strip()[:40]
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(unit__name__contains=q) | Q(post__contains=q))
    page = Paginator(qs.order_by("unit__path", "name", "id"), 50).get_page(request.GET.get("page"))
    for person in page:
        person.details_visible = access.can_see_person_details(request.user, person)
    template = pick_template(request, "orgs/people.html", "orgs/_people_rows.html")
    return render(request, template, {"page": page, "q": q})


@login_required
def person_detail(request, pk):
    person = access.get_person_for(request.user, pk)
    can_edit = access.can_edit_person(request.user, person)
    form = PersonForm(initial={"name": person.name, "gender": person.gender, "post": person.post,
                               "rank": person.rank, "phone": ""})
    status = 200
    if request.method == "POST":
        person = access.get_person_for(request.user, pk, write=True)
        form = PersonForm(request.POST)
        if form.is_valid():
            d = dict(form.cleaned_data)
            if not d["phone"]:
                d.pop("phone")  # blank means "keep": the stored number is never sent back to the browser
            try:
                services.person_update(person=person, by=request.user, version=request.POST.get("version"), **d)
                messages.success(request, "已保存")
                return redirect("orgs:person", pk=person.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    groups = access.groups_visible(request.user, study_records=False)
    memberships = Membership.objects.filter(person=person, group__in=groups).select_related("group__unit")
    return render(request, "orgs/person_detail.html", {
        "person": person, "form": form, "can_edit": can_edit, "memberships": memberships,
        "details_visible": access.can_see_person_details(request.user, person),
        "can_export": can_edit or person.pk == request.user.person_id,
        "can_anonymise": can_edit and not person.name.startswith(services.ANONYMISED),
    }, status=status)


@login_required
def person_export(request, pk):
    """A person's own data, for them (PIPL): the person themself or whoever keeps their roster."""
    import json

    from django.http import HttpResponse

    from . import personal_data

    person = access.get_person_for(request.user, pk)
    if person.pk != request.user.person_id and not access.can_edit_person(request.user, person):
        raise PermissionDenied("只能导出本人的数据，或由本组组长、副组长、学习秘书代为导出")
    data = personal_data.export(person=person, by=request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
    return response


@login_required
@require_POST
def person_anonymise(request, pk):
    person = access.get_person_for(request.user, pk, write=True)
    if request.POST.get("confirm") != "1":
        messages.error(request, "请勾选确认后再匿名化")
        return redirect("orgs:person", pk=person.pk)
    try:
        services.person_anonymise(person=person, by=request.user)
        messages.success(request, "已匿名化；相关学习与考勤记录保留")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("orgs:person", pk=person.pk)
