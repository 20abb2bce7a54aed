from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.years import requested_year, year_choices
from orgs import access as org_access
from orgs.forms import apply_errors

from . import access, search, selectors, services
from . import reuse as writing_reuse
from .forms import ReviewForm, WritingForm
from .models import Kind, Status

PAGE = 20
FIRST_YEAR = 2018


def _no_admins(user):
    if org_access.is_admin_role(user):
        raise Http404()


def _links(groups):
    """(value, label) of what a writing may answer in these groups: plan topics, sessions, recent materials."""
    from materials.access import group_q
    from materials.models import Material
    from meetings.models import TAKING_PART, Participation
    from plans.models import Topic

    year = timezone.localdate().year
    ids = [g.pk for g in groups]
    out = [(f"t:{t.pk}", f"计划专题 · {t.title}") for t in
           Topic.objects.filter(plan__group_id__in=ids, plan__year=year).order_by("plan__group_id", "sort", "pk")[:80]]
    sessions = (Participation.objects.filter(group_id__in=ids, state__in=TAKING_PART, session__day__year=year)
                .select_related("session").order_by("-session__starts_at")[:60])
    out += [(f"s:{p.session_id}", f"集体学习 · {p.session.day:%m-%d} {p.session.title}") for p in sessions]
    materials = Material.objects.none()
    for g in groups:
        materials = materials | Material.objects.filter(group_q(g))
    out += [(f"m:{m.pk}", f"学习资料 · {m.title}") for m in materials.distinct().order_by("-published_on", "-id")[:60]]
    return out


def _resolve_link(value, groups):
    """The (plan_topic, session, material) a link value names; unknown or foreign values are refused."""
    from materials.models import Material
    from meetings.models import StudySession
    from plans.models import Topic

    if not value:
        return {}
    prefix, _, pk = value.partition(":")
    model, key = {"t": (Topic, "plan_topic"), "s": (StudySession, "session"), "m": (Material, "material")}.get(
        prefix, (None, None))
    obj = model.objects.filter(pk=pk).first() if model and pk.isdigit() else None
    if obj is None:
        raise ValidationError({"link": "所选关联不存在，请重新选择"})
    return {key: obj}


def _text_of(form):
    """(text, source name) from the textarea or the uploaded file."""
    upload = form.cleaned_data.get("file")
    if upload:
        return services.text_from_upload(upload)[::-1]
    return form.cleaned_data.get("text") or "", None


@login_required
def index(request):
    _no_admins(request.user)
    year = requested_year(request, first=FIRST_YEAR, last=timezone.localdate().year)
    kind = request.GET.get("kind") or ""
    items = list(selectors.my_writings(request.user, year=year, kind=kind))
    return render(request, "writings/index.html", {
        "items": items, "year": year, "years": year_choices(first=FIRST_YEAR, last=timezone.localdate().year),
        "kind": kind, "kinds": Kind.choices, "counts": selectors.my_counts(request.user, year),
        "can_write": bool(access.author_groups(request.user)),
        "reviews": selectors.review_queue(request.user).count() if access.reader_group_ids(request.user) else 0,
    })


@login_required
def create(request):
    _no_admins(request.user)
    groups = access.author_groups(request.user)
    if not groups:
        raise Http404("只有中心组成员可以撰写学习材料")
    links = _links(groups)
    form = WritingForm(groups=groups, links=links, initial={"kind": request.GET.get("kind") or Kind.REFLECTION})
    status = 200
    if request.method == "POST":
        form = WritingForm(request.POST, request.FILES, groups=groups, links=links)
        if form.is_valid():
            d = form.cleaned_data
            try:
                group = next(g for g in groups if g.pk == d["group"])
                text, source = _text_of(form)
                writing = services.writing_create(
                    person=request.user.person, group=group, kind=d["kind"], title=d["title"], text=text,
                    ai_assisted=d["ai_assisted"], source_name=source or "", submit="submit" in request.POST,
                    by=request.user, **_resolve_link(d.get("link"), groups))
                messages.success(request, "已提交" if writing.is_submitted else "草稿已保存，仅您本人可见")
                return redirect("writings:detail", pk=writing.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "writings/form.html", {"form": form, "writing": None}, status=status)


@login_required
def detail(request, pk):
    _no_admins(request.user)
    writing = access.get_writing_for(request.user, pk)
    return render(request, "writings/detail.html", {
        "w": writing, "is_author": writing.person_id == request.user.person_id,
        "can_review": access.can_review(request.user, writing) and writing.status == Status.SUBMITTED,
        "review_form": ReviewForm(), "reuse": writing_reuse.report(request.user, writing),
    })


@login_required
def edit(request, pk):
    _no_admins(request.user)
    writing = access.get_writing_for(request.user, pk, write=True)
    form = WritingForm(editing=True, initial={"title": writing.title, "text": writing.text,
                                              "ai_assisted": writing.ai_assisted, "version": writing.version})
    status = 200
    if request.method == "POST":
        form = WritingForm(request.POST, request.FILES, editing=True)
        if form.is_valid():
            d = form.cleaned_data
            try:
                text, source = _text_of(form)
                writing = services.writing_update(writing=writing, title=d["title"], text=text,
                                                  ai_assisted=d["ai_assisted"], version=d["version"],
                                                  source_name=source, submit="submit" in request.POST,
                                                  by=request.user)
                messages.success(request, "已保存" + ("并提交" if "submit" in request.POST else ""))
                return redirect("writings:detail", pk=writing.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "writings/form.html", {"form": form, "writing": writing}, status=status)


@login_required
@require_POST
def submit(request, pk):
    writing = access.get_writing_for(request.user, pk, write=True)
    try:
        services.writing_submit(writing=writing, by=request.user)
        messages.success(request, "已提交，本组组长和学习秘书可以阅看")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("writings:detail", pk=writing.pk)


@login_required
def history(request, pk):
    _no_admins(request.user)
    writing = access.get_writing_for(request.user, pk)
    return render(request, "writings/history.html", {"w": writing, "lines": selectors.history(writing)})


@login_required
def download(request, pk):
    from . import documents  # python-docx only where a document is made (lean workers)
    _no_admins(request.user)
    writing = access.get_writing_for(request.user, pk)
    return documents.writing_docx_response(writing)


@login_required
@require_POST
def review(request, pk):
    writing = access.get_writing_for(request.user, pk)
    access.require_review(request.user, writing)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accept":
                services.writing_accept(writing=writing, comment=form.cleaned_data["comment"], by=request.user)
                messages.success(request, "已认可")
            else:
                services.writing_return(writing=writing, comment=form.cleaned_data["comment"], by=request.user)
                messages.success(request, "已退回，作者修改后可重新提交")
            return redirect("writings:reviews")
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "writings/detail.html", {"w": writing, "is_author": False, "can_review": True,
                                                    "review_form": form,
                                                    "reuse": writing_reuse.report(request.user, writing)},
                  status=400)


@login_required
def reviews(request):
    _no_admins(request.user)
    if not access.reader_group_ids(request.user):
        raise Http404()
    show = request.GET.get("status") or Status.SUBMITTED
    status = show if show in Status.values and show != Status.DRAFT else ""
    return render(request, "writings/reviews.html", {
        "items": list(selectors.review_queue(request.user, status=status)), "status": status,
        "statuses": [(s, label) for s, label in Status.choices if s != Status.DRAFT]})


@login_required
def shared(request):
    _no_admins(request.user)
    year = requested_year(request, first=FIRST_YEAR, last=timezone.localdate().year)
    items = selectors.shared_with_me(request.user, year=year)
    page = _page(request)
    rows = list(items[(page - 1) * PAGE: page * PAGE + 1])
    return render(request, "writings/shared.html", {
        "items": rows[:PAGE], "has_next": len(rows) > PAGE, "page": page, "year": year,
        "years": year_choices(first=FIRST_YEAR, last=timezone.localdate().year)})


def _page(request):
    try:
        return max(1, min(int(request.GET.get("page") or 1), 500))
    except ValueError:
        return 1


def search_filters(request):
    """The search page's filters, each checked: unknown values are ignored, never passed on."""
    g = request.GET
    out = {"source": g.get("source") if g.get("source") in ("materials", "writings") else "",
           "kind": g.get("kind") if g.get("kind") in Kind.values else ""}
    for key in ("unit", "person", "year"):
        value = (g.get(key) or "").strip()
        out[key] = int(value) if value.isdigit() and len(value) < 10 else None
    return out


def filtered_sources(user, f):
    """The user's visible materials and writings with the filters applied (None = source left out)."""
    from materials.access import materials_visible
    from orgs.models import Unit

    materials = materials_visible(user) if f["source"] != "writings" and not f["kind"] and not f["person"] else None
    writings = access.writings_visible(user) if f["source"] != "materials" else None
    if f["unit"]:
        unit = Unit.objects.filter(pk=f["unit"]).first()
        path = unit.path if unit else "/-/"
        if materials is not None:
            materials = materials.filter(owner_unit__path__startswith=path)
        if writings is not None:
            writings = writings.filter(unit__path__startswith=path)
    if f["year"]:
        if materials is not None:
            materials = materials.filter(published_on__year=f["year"])
        if writings is not None:
            writings = writings.filter(year=f["year"])
    if writings is not None:
        if f["kind"]:
            writings = writings.filter(kind=f["kind"])
        if f["person"]:
            writings = writings.filter(person_id=f["person"])
    return materials, writings


def _author_choices(user):
    """People to filter by: the members of the groups this user reads as 组长/学习秘书 (a supervisor filters by
    unit; listing a whole subtree's people here would be long and slow)."""
    from orgs.models import Membership, Person

    ids = set(Membership.objects.filter(group_id__in=access.reader_group_ids(user)).values_list("person_id", flat=True))
    if user.person_id:
        ids.add(user.person_id)
    return list(Person.objects.filter(pk__in=ids).order_by("name", "pk").values_list("pk", "name")[:300])


@login_required
def search_page(request):
    _no_admins(request.user)
    q = (request.GET.get("q") or "").strip()[: search.MAX_QUERY_CHARS]
    f = search_filters(request)
    page = _page(request)
    context = {"q": q, "f": f, "page": page, "error": "", "hits": [], "total": 0, "kinds": Kind.choices,
               "count_cap": search.COUNT_CAP, "people": _author_choices(request.user),
               "units": org_access.units_visible(request.user).order_by("path")[:300],
               "years": year_choices(first=FIRST_YEAR, last=timezone.localdate().year)}
    status = 200
    if q:
        materials, writings = filtered_sources(request.user, f)
        try:
            results = search.search(q, materials=materials, writings=writings, limit=PAGE + 1,
                                    offset=(page - 1) * PAGE)
            context.update(hits=results.hits[:PAGE], total=results.total, has_next=len(results.hits) > PAGE)
        except ValidationError as exc:
            context["error"] = "；".join(exc.messages)
            status = 400
    return render(request, "writings/search.html", context, status=status)

