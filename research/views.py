from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.downloads import docx_response
from core.years import requested_year, year_choices
from orgs import access as org_access
from orgs.forms import apply_errors
from writings.access import author_groups
from writings.models import Kind as WritingKind
from writings.models import Writing

from . import access, selectors, services
from .forms import LectureForm, OutcomeForm, TopicForm

FIRST_YEAR = 2018


def _no_admins(user):
    if org_access.is_admin_role(user):
        raise Http404()


def _year(request):
    return requested_year(request, first=FIRST_YEAR, last=timezone.localdate().year)


def _managed(user):
    return [g for g in author_groups(user) if org_access.can_manage_group(user, g)]


@login_required
def index(request):
    _no_admins(request.user)
    year = _year(request)
    groups = author_groups(request.user)
    topics = access.topics_visible(request.user).filter(group__in=groups, year=year)
    mine = selectors.lecture_lines([request.user.person_id], year)[0] if request.user.person_id else None
    return render(request, "research/index.html", {
        "year": year, "years": year_choices(first=FIRST_YEAR, last=timezone.localdate().year),
        "topics": topics.prefetch_related("claimants").select_related("group"), "groups": groups,
        "managed": _managed(request.user), "mine": mine, "supervises": bool(org_access.supervised_roots(request.user)),
        "lectures": access.lectures_visible(request.user).filter(person_id=request.user.person_id or -1, year=year),
    })


@login_required
def topic_create(request):
    _no_admins(request.user)
    groups = _managed(request.user)
    if not groups:
        raise Http404()
    form = TopicForm(groups=groups)
    status = 200
    if request.method == "POST":
        form = TopicForm(request.POST, groups=groups)
        if form.is_valid():
            d = form.cleaned_data
            try:
                topic = services.topic_create(group=next(g for g in groups if g.pk == d["group"]), title=d["title"],
                                              description=d["description"], by=request.user)
                return redirect("research:topic_detail", pk=topic.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "research/form.html", {"form": form, "title": "列出调研课题"}, status=status)


def _topic_context(request, topic, **extra):
    reports = Writing.objects.filter(kind=WritingKind.REPORT, group=topic.group, person__in=topic.claimants.all(),
                                     status__in=("submitted", "returned", "accepted"))
    return {"t": topic, "can_manage": org_access.can_manage_group(request.user, topic.group),
            "is_member": access.is_member(request.user, topic.group),
            "claimed": topic.claimants.filter(pk=request.user.person_id or -1).exists(),
            "reports": reports, "outcome_form": OutcomeForm(), "errors": [], **extra}


@login_required
def topic_detail(request, pk):
    _no_admins(request.user)
    topic = access.get_topic_for(request.user, pk)
    return render(request, "research/topic.html", _topic_context(request, topic))


@login_required
@require_POST
def topic_claim(request, pk):
    topic = access.get_topic_for(request.user, pk)
    if not request.user.person_id or not access.is_member(request.user, topic.group):
        raise PermissionDenied("只有本组成员可以认领调研课题")
    try:
        services.topic_claim(topic=topic, person=request.user.person, by=request.user)
        messages.success(request, "已认领")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("research:topic_detail", pk=topic.pk)


@login_required
@require_POST
def topic_advance(request, pk):
    topic = access.get_topic_for(request.user, pk, write=True)
    report = None
    if (rid := request.POST.get("report", "")).isdigit():
        report = Writing.objects.filter(pk=rid, group=topic.group).first()
    try:
        services.topic_advance(topic=topic, report=report, by=request.user)
        messages.success(request, "课题已进入下一阶段")
        return redirect("research:topic_detail", pk=topic.pk)
    except ValidationError as exc:
        return render(request, "research/topic.html", _topic_context(request, topic, errors=exc.messages), status=400)


@login_required
@require_POST
def outcome_add(request, pk):
    topic = access.get_topic_for(request.user, pk, write=True)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.outcome_add(topic=topic, by=request.user, **form.cleaned_data)
            messages.success(request, "成果转化已登记")
            return redirect("research:topic_detail", pk=topic.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "research/topic.html", _topic_context(request, topic, outcome_form=form), status=400)


@login_required
def lecture_create(request):
    _no_admins(request.user)
    groups = author_groups(request.user)
    if not groups:
        raise Http404()
    form = LectureForm(groups=groups, initial={"day": timezone.localdate()})
    status = 200
    if request.method == "POST":
        form = LectureForm(request.POST, groups=groups)
        if form.is_valid():
            d = dict(form.cleaned_data)
            group = next(g for g in groups if g.pk == d.pop("group"))
            try:
                services.lecture_record(person=request.user.person, group=group, by=request.user, **d)
                messages.success(request, "宣讲已登记")
                return redirect("research:index")
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "research/form.html", {"form": form, "title": "登记宣讲、党课"}, status=status)


@login_required
def group_lectures(request, pk):
    _no_admins(request.user)
    group = org_access.get_group_for(request.user, pk)
    if not (org_access.can_manage_group(request.user, group) or org_access.can_supervise(request.user, group.unit)):
        raise PermissionDenied("只有本组的组长、副组长、学习秘书或上级督导人员可以查看")
    year = _year(request)
    return render(request, "research/group_lectures.html", {
        "g": selectors.group_lectures(group, year, timezone.localdate()), "req": selectors.requirements(),
        "years": year_choices(first=FIRST_YEAR, last=timezone.localdate().year)})


@login_required
def overview(request):
    _no_admins(request.user)
    roots = org_access.supervised_roots(request.user)
    if not roots:
        raise Http404()
    year = _year(request)
    topics = access.topics_visible(request.user).filter(
        org_access.subtree_q([u.path for u in roots], "unit__path"), year=year)
    return render(request, "research/overview.html", {
        "units": selectors.topics_by_unit(topics), "year": year,
        "years": year_choices(first=FIRST_YEAR, last=timezone.localdate().year)})


def _own_file(request):
    _no_admins(request.user)
    if not request.user.person_id:
        raise Http404("只有中心组成员有个人学习档案")
    return selectors.personal_file(request.user.person, _year(request))


@login_required
def profile(request):
    pf = _own_file(request)
    return render(request, "research/profile.html", {
        "pf": pf, "years": year_choices(first=FIRST_YEAR, last=timezone.localdate().year)})


@login_required
def profile_docx(request):
    from . import documents  # python-docx only where a document is made (lean workers)
    pf = _own_file(request)
    return docx_response(f"{pf.person.name}{pf.year}年个人学习档案.docx", documents.personal_file_docx(pf))
