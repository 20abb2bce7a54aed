from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.htmx import is_htmx
from core.idempotency import idempotent
from core.pagecache import cached_page
from orgs import access as org_access
from orgs.forms import apply_errors
from orgs.models import Unit

from . import access, files, search, selectors, services
from .forms import AttachmentForm, FirstItemForm, MaterialForm, ReadingListAddForm, ReadingListForm
from .models import FirstItemMaterial, MaterialKind, Tag

PAGE = 20


def _no_admins(user):
    if org_access.is_admin_role(user):
        raise Http404()


def _page_number(request):
    try:
        return max(1, min(int(request.GET.get("page") or 1), 500))
    except ValueError:
        return 1


@login_required
@cached_page("materials.library")
def library(request):
    _no_admins(request.user)
    visible = access.materials_visible(request.user)
    kind = request.GET.get("kind") or ""
    tag = (request.GET.get("tag") or "").strip()[:30]
    important = request.GET.get("important") == "1"
    if kind in MaterialKind.values:
        visible = visible.filter(kind=kind)
    if tag:
        visible = visible.filter(tags__name=tag)
    if important:
        visible = visible.filter(important=True)
    q = (request.GET.get("q") or "").strip()[: search.MAX_QUERY_CHARS]
    page = _page_number(request)
    context = {"q": q, "kind": kind, "tag": tag, "important": important, "page": page, "error": ""}
    status = 200
    if q:
        try:
            results = search.search(visible, q, limit=PAGE, offset=(page - 1) * PAGE)
            context.update(hits=results.hits, total=results.total)
        except ValidationError as exc:
            context.update(hits=[], total=0, error="；".join(exc.messages))
            status = 400
    else:
        qs = visible.select_related("owner_unit").order_by("-published_on", "-id")
        total = qs.count()
        context.update(hits=[search.Hit(m, 0.0, search.snippet(m.text, [])) for m in
                             qs[(page - 1) * PAGE: page * PAGE]], total=total)
    context["has_next"] = context["total"] > page * PAGE
    if is_htmx(request):
        # Live search swaps in the results only; htmx 2 does not swap a 4xx answer, so the message comes as 200.
        return render(request, "materials/_results.html", context)
    context.update(kinds=MaterialKind.choices, can_publish=access.publishing_units(request.user).exists(),
                   tags=Tag.objects.filter(materials__in=access.materials_visible(request.user)).distinct()[:30])
    return render(request, "materials/library.html", context, status=status)


@login_required
def detail(request, pk):
    material = access.get_material_for(request.user, pk)
    q = (request.GET.get("q") or "").strip()[: search.MAX_QUERY_CHARS]
    terms = search.query_terms(q) if q else []
    studies = (FirstItemMaterial.objects.filter(material=material, group__in=org_access.groups_visible(request.user))
               .select_related("group").order_by("meeting_date")[:50])
    return render(request, "materials/detail.html", {
        "material": material, "q": q, "terms": terms, "body": search.highlight(material.text, terms),
        "title_html": search.highlight(material.title, terms),
        "hit_count": search.count_hits(material.text, terms),
        "attachments": material.attachments.all(), "tags": material.tags.all(),
        "can_edit": access.can_publish(request.user, material.owner_unit),
        "studies": [(s, (s.meeting_date - material.published_on).days) for s in studies],
        "attachment_form": AttachmentForm(),
        "reading_lists": material.reading_lists.filter(pk__in=access.reading_lists_visible(request.user)),
    })


def _material_form_context(form, material=None):
    return {"form": form, "material": material, "title": f"修改资料 · {material.title}" if material else "新增学习资料"}


def _chosen(units, pk):
    # The form offers only these units, so the chosen one is already in hand.
    return next(u for u in units if u.pk == pk)


@login_required
@idempotent("material.create")
def create(request):
    _no_admins(request.user)
    units = list(access.publishing_units(request.user).order_by("path"))
    if not units:
        raise Http404("您没有可发布资料的单位")
    form = MaterialForm(units=units, initial={"published_on": timezone.localdate(), "owner_unit": units[0].pk})
    if request.method == "POST":
        form = MaterialForm(request.POST, request.FILES, units=units)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    material = services.material_create(
                        owner_unit=_chosen(units, d["owner_unit"]), title=d["title"], kind=d["kind"],
                        published_on=d["published_on"], source=d["source"], text=d["text"], important=d["important"],
                        tags=d["tags"], by=request.user)
                    upload = d.get("file")
                    if upload:
                        services.attachment_add(material=material, name=upload.name, data=files.read_upload(upload),
                                                by=request.user)
                messages.success(request, "资料已保存")
                return redirect("materials:detail", pk=material.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        return render(request, "materials/form.html", _material_form_context(form), status=400)
    return render(request, "materials/form.html", _material_form_context(form))


@login_required
def edit(request, pk):
    material = access.get_material_for(request.user, pk, write=True)
    units = [material.owner_unit]
    initial = {"owner_unit": material.owner_unit_id, "title": material.title, "kind": material.kind,
               "published_on": material.published_on, "source": material.source, "important": material.important,
               "tags": "，".join(t.name for t in material.tags.all()), "text": material.text,
               "version": material.version}
    form = MaterialForm(initial=initial, units=units)
    form.fields.pop("file")
    if request.method == "POST":
        form = MaterialForm(request.POST, units=units)
        form.fields.pop("file")
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.material_update(material=material, title=d["title"], kind=d["kind"],
                                         published_on=d["published_on"], source=d["source"], text=d["text"],
                                         important=d["important"], tags=d["tags"], version=d["version"],
                                         by=request.user)
                messages.success(request, "资料已保存")
                return redirect("materials:detail", pk=material.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        return render(request, "materials/form.html", _material_form_context(form, material), status=400)
    return render(request, "materials/form.html", _material_form_context(form, material))


@login_required
@require_POST
def attachment_add(request, pk):
    material = access.get_material_for(request.user, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment = services.attachment_add(material=material, name=upload.name, data=files.read_upload(upload),
                                                 by=request.user)
            if attachment.text_chars:
                messages.success(request, f"已上传“{attachment.original_name}”，提取文字 {attachment.text_chars} 字")
            else:
                messages.warning(request, f"已上传“{attachment.original_name}”，但未能提取到文字（可能是扫描件）")
            return redirect("materials:detail", pk=material.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "materials/attachment_error.html", {"material": material, "form": form}, status=400)


@login_required
def attachment(request, pk):
    item = access.get_attachment_for(request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件文件不存在") from None
    return FileResponse(handle, as_attachment=True, filename=item.original_name)


# ---- 必学书目 ---------------------------------------------------------------------------------------

@login_required
def reading_lists(request):
    _no_admins(request.user)
    units = list(access.publishing_units(request.user).order_by("path"))
    form = ReadingListForm(units=units, initial={"year": timezone.localdate().year})
    status = 200
    if request.method == "POST":
        if not units:
            raise PermissionDenied("您没有可发布书目的单位")
        form = ReadingListForm(request.POST, units=units)
        if form.is_valid():
            d = form.cleaned_data
            try:
                reading_list = services.reading_list_create(owner_unit=_chosen(units, d["owner_unit"]),
                                                            title=d["title"], year=d["year"],
                                                            description=d["description"], by=request.user)
                messages.success(request, "书目已创建")
                return redirect("materials:reading_list", pk=reading_list.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    lists = access.reading_lists_visible(request.user).select_related("owner_unit").annotate(item_count=Count("items"))
    return render(request, "materials/reading_lists.html", {"lists": lists, "form": form, "can_create": bool(units)},
                  status=status)


@login_required
def reading_list(request, pk):
    reading_list = access.get_reading_list_for(request.user, pk)
    can_edit = access.can_publish(request.user, reading_list.owner_unit)
    form = ReadingListAddForm()
    status = 200
    if request.method == "POST":
        reading_list = access.get_reading_list_for(request.user, pk, write=True)
        form = ReadingListAddForm(request.POST)
        if form.is_valid():
            try:
                material = access.get_material_for(request.user, form.cleaned_data["material"])
                services.reading_list_add(reading_list=reading_list, material=material,
                                          note=form.cleaned_data["note"], by=request.user)
                messages.success(request, f"已加入《{material.title}》")
                return redirect("materials:reading_list", pk=reading_list.pk)
            except Http404:
                form.add_error("material", "没有找到这份资料")
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    items = reading_list.items.select_related("material")
    candidates = []
    if can_edit:
        in_list = items.values("material_id")
        candidates = (access.materials_visible(request.user).filter(access.line_q(reading_list.owner_unit))
                      .exclude(pk__in=in_list).order_by("-published_on")[:200])
    return render(request, "materials/reading_list.html", {"reading_list": reading_list, "items": items,
                                                           "can_edit": can_edit, "form": form,
                                                           "candidates": candidates}, status=status)


# ---- 第一议题 ---------------------------------------------------------------------------------------

@login_required
def first_items(request):
    """Entry point: the groups whose 第一议题 records this user keeps or reads."""
    _no_admins(request.user)
    groups = org_access.groups_visible(request.user).select_related("unit")
    managed_ids = org_access.managed_group_ids(request.user)
    managed = list(groups.filter(pk__in=managed_ids))
    if len(managed) == 1:
        return redirect("materials:group_first_items", pk=managed[0].pk)
    supervises = bool(org_access.supervised_roots(request.user))
    others = [] if supervises else list(groups.exclude(pk__in=managed_ids)[:50])
    return render(request, "materials/first_items.html", {"managed": managed, "groups": others,
                                                          "supervises": supervises})


def _first_item_topic_choices(group):
    """The group's approved plan topics and the 参考议题 sent to it, this year and last."""
    from plans.models import Status as PlanStatus
    from plans.models import Topic
    from plans.services import references_for

    year = timezone.localdate().year
    topics = list(Topic.objects.filter(plan__group=group, plan__status=PlanStatus.APPROVED,
                                       plan__year__in=(year - 1, year)).select_related("plan")
                  .order_by("-plan__year", "pk")[:200])
    references = list(references_for(group, year)[:100]) + list(references_for(group, year - 1)[:100])
    return topics, references


def _by_pk(label, pk, field):
    """The object for a posted id; an id that names nothing is refused in Chinese (the service checks the rest)."""
    if pk is None:
        return None
    from django.apps import apps

    obj = apps.get_model(label).objects.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: "没有找到所选的议题"})
    return obj


@login_required
def group_first_items(request, pk):
    group = org_access.get_group_for(request.user, pk)
    can_manage = org_access.can_manage_group(request.user, group)
    candidates = list(access.materials_visible(request.user).filter(access.group_q(group))
                      .order_by("-important", "-published_on", "-id")[:200])
    topics, references = _first_item_topic_choices(group)
    form = FirstItemForm(materials=candidates, topics=topics, references=references,
                         initial={"meeting_date": timezone.localdate()})
    status = 200
    if request.method == "POST":
        group = org_access.get_group_for(request.user, pk, write=True)
        form = FirstItemForm(request.POST, materials=candidates, topics=topics, references=references)
        if form.is_valid():
            d = form.cleaned_data
            chosen = [m for m in candidates if m.pk in set(d["materials"])]
            try:
                services.first_item_record(group=group, meeting_date=d["meeting_date"],
                                           meeting_title=d["meeting_title"], materials=chosen, note=d["note"],
                                           plan_topic=_by_pk("plans.Topic", d["plan_topic"], "plan_topic"),
                                           reference_topic=_by_pk("plans.ReferenceTopic", d["reference_topic"],
                                                                  "reference_topic"),
                                           by=request.user)
                messages.success(request, "第一议题学习情况已记录")
                return redirect("materials:group_first_items", pk=group.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "materials/group_first_items.html", {
        "group": group, "can_manage": can_manage, "form": form, "rows": selectors.group_first_items(group),
    }, status=status)


@login_required
def timeliness(request):
    """第一时间: for one important material, which groups under a supervised unit studied it, and how soon."""
    roots = org_access.supervised_roots(request.user)
    if not roots or org_access.is_admin_role(request.user):
        raise Http404()
    unit = roots[0]
    if request.GET.get("unit"):
        try:
            unit = org_access.get_unit_for(request.user, int(request.GET["unit"]))
        except ValueError:
            raise Http404() from None
        if not org_access.can_supervise(request.user, unit):
            raise Http404()
    visible = access.materials_visible(request.user).filter(access.line_q(unit))
    important = selectors.important_materials(visible, limit=60)
    material = None
    if request.GET.get("material"):
        try:
            material = next((m for m in important if m.pk == int(request.GET["material"])), None) or \
                visible.filter(important=True, pk=int(request.GET["material"])).first()
        except ValueError:
            material = None
        if material is None:
            raise Http404("没有找到这份资料")
    elif important:
        # Prefer what the whole scope must study (issued at or above the unit) over a lower unit's own.
        own_line = set(unit.ancestor_ids() + [unit.pk])
        material = next((m for m in important if m.owner_unit_id in own_line), important[0])
    report, overview = None, []
    if material:  # there is one whenever the scope has important materials
        groups = selectors.open_groups(unit.path)  # both reports count the same groups: read them once
        report = selectors.timeliness(material=material, unit=unit, groups=groups)
        overview = selectors.coverage_overview(unit=unit, materials=important[:8], groups=groups)
    return render(request, "materials/timeliness.html", {
        "unit": unit, "roots": roots, "children": Unit.objects.filter(parent=unit, closed_on__isnull=True)[:200],
        "important": important, "material": material, "report": report, "overview": overview,
        "parent": unit.parent if unit.parent_id and org_access.can_supervise(request.user, unit.parent) else None,
        "show": 300,
    })
