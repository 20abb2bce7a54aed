from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core.downloads import docx_response
from core.htmx import is_htmx
from core.idempotency import idempotent
from core.pagecache import cached_page
from core.xlsx import xlsx_response
from core.years import requested_year, year_choices
from integrity import devices as integrity_devices
from integrity import selectors as integrity_selectors
from orgs import access as org_access
from orgs import selectors as org_selectors
from orgs.forms import apply_errors
from orgs.models import Person, Unit
from stats import selectors as stats_selectors

from . import access, feeds, selectors, services
from .forms import (
    AttachmentForm,
    CorrectionForm,
    LeaveDecisionForm,
    LeaveForm,
    MakeUpForm,
    PreparationForm,
    RecordForm,
    SessionScheduleForm,
    SpeakerApprovalForm,
)
from .models import Attachment, Attendance, Leave, MakeUp, Notice, SessionStatus, attendance_field


def _year(request):
    return requested_year(request, first=2000, last=2100)


def _years():
    return year_choices(first=2020, last=timezone.localdate().year)


def _error_text(exc):
    return "；".join(exc.messages)


@login_required
def index(request):
    """Where “集体学习” in the sidebar leads: your own group, or the overview if you supervise."""
    user = request.user
    roles = org_access.roles_today(user)
    if roles:
        return redirect("meetings:group", pk=roles[0][0])
    if org_access.supervised_roots(user):
        return redirect("meetings:overview")
    group = org_access.groups_visible(user).order_by("pk").first()
    if group is None:
        raise Http404("您没有可查看的中心组")
    return redirect("meetings:group", pk=group.pk)


@login_required
def group_sessions(request, pk):
    group = org_access.get_group_for(request.user, pk)
    year = _year(request)
    months = selectors.group_sessions(group, year=year)
    return render(request, "meetings/group_sessions.html", {
        "group": group, "year": year, "months": months, "years": _years(),
        "can_manage": org_access.can_manage_group(request.user, group),
        "breadcrumb": org_selectors.unit_breadcrumb(group.unit),
    })


@login_required
def group_export(request, pk):
    from . import documents  # python-docx only where a document is made (lean workers)
    group = org_access.get_group_for(request.user, pk)
    year = _year(request)
    content = documents.group_year_xlsx(group, selectors.group_sessions(group, year=year))
    return xlsx_response(f"{group.unit.name}-{year}年集体学习考勤.xlsx", content)


def _chosen_people(data, members):
    """The form's 领学人 and 中心发言人 as people, taken from the group's members only."""
    people = {p.pk: p for p in Person.objects.filter(pk__in=[m.person_id for m in members])}
    return {"lead_reader": people.get(data["lead_reader"]) if data["lead_reader"] else None,
            "speakers": [people[i] for i in data["speakers"] if i in people]}


def _topic_of(group, raw):
    """The plan topic a scheduling form names (?plan_topic= or the posted hidden field), when it is one of this
    group's approved plan topics; (topic, error message)."""
    if not (raw or "").isdigit():
        return None, ""
    try:
        topic, _, _ = services.resolve_links(group=group, starts_at=timezone.now(), plan_topic=int(raw))
    except ValidationError as exc:
        return None, _error_text(exc)
    return topic, ""


def _topic_initial(topic, members):
    """安排学习 from a plan topic: its title, its library materials and its 领学 (when the name is a member's)."""
    initial = {"title": topic.title, "topic_source": "plan", "plan_topic": topic.pk,
               "materials": [m.pk for m in topic.library_materials.all()],
               "pre_reading": topic.materials, "agenda": topic.notes}
    if topic.format == "joint":
        initial["form"] = "joint"
    lead = next((m.person_id for m in members if topic.lead and m.name == topic.lead.strip()), None)
    if lead:
        initial["lead_reader"] = lead
    return initial


@login_required
@idempotent("session.schedule")
def schedule(request, pk):
    group = org_access.get_group_for(request.user, pk, write=True)
    members = org_selectors.group_members(group)
    joint = list(access.joint_partners(group))
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timezone.timedelta(days=7)
    initial = {"starts_at": start, "ends_at": start + timezone.timedelta(hours=2), "form": "seminar",
               "title": (request.GET.get("title") or "")[:200]}
    if (request.GET.get("reference_topic") or "").isdigit():
        initial["reference_topic"] = int(request.GET["reference_topic"])
    if request.GET.get("source") in ("plan", "reference", "first_item", "other"):
        initial["topic_source"] = request.GET["source"]
    topic, topic_error = _topic_of(group, request.POST.get("plan_topic") if request.method == "POST"
                                   else request.GET.get("plan_topic"))
    if topic is not None and request.method != "POST":
        initial.update(_topic_initial(topic, members))
    materials = list(topic.library_materials.all()) if topic else []
    form = SessionScheduleForm(initial=initial, members=members, groups=joint, materials=materials)
    status = 200
    if topic_error:
        messages.error(request, topic_error)
    if request.method == "POST":
        form = SessionScheduleForm(request.POST, members=members, groups=joint, materials=materials)
        if form.is_valid():
            d = form.cleaned_data
            try:
                session = services.session_schedule(
                    group=group, by=request.user, title=d["title"], form=d["form"], starts_at=d["starts_at"],
                    ends_at=d["ends_at"], place=d["place"], topic_source=d["topic_source"],
                    plan_topic=d["plan_topic"], reference_topic=d["reference_topic"],
                    materials=d.get("materials") or (),
                    agenda=d["agenda"], pre_reading=d["pre_reading"], outside_speaker=d["outside_speaker"],
                    **_chosen_people(d, members),
                    joint_groups=[g for g in joint if g.pk in set(d["joint_groups"])],
                    venues={int(k[6:]): v for k, v in request.POST.items() if k.startswith("venue_") and k[6:].isdigit()},
                )
                messages.success(request, "已安排学习，并已通知本组人员" + ("；联学邀请已发给受邀中心组，待其确认" if d["joint_groups"] else ""))
                return redirect("meetings:detail", pk=session.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "meetings/schedule.html", {"group": group, "form": form, "joint": joint, "topic": topic,
                                                      "breadcrumb": org_selectors.unit_breadcrumb(group.unit)},
                  status=status)


def _session_material_choices(session):
    chosen = list(session.materials.all())
    if session.plan_topic_id:
        chosen += [m for m in session.plan_topic.library_materials.all() if m not in chosen]
    return chosen


def _detail_context(request, session):
    detail = selectors.session_detail(session)
    user = request.user
    # From the participations already read, not asked again per group (a 联学 has 20).
    taking_part = {p.group_id for p in detail.participations}
    my_groups = [gid for gid, _ in org_access.roles_today(user) if gid in taking_part]
    person_id = user.person_id
    return {
        "s": session, "d": detail,
        "can_write": org_access.can_manage_group(user, session.group),
        "can_mark": any(org_access.can_manage_group(user, p.group) for p in detail.participations),
        "can_preside": access.can_preside(user, session.group),
        "presiding_groups": {p.group_id for p in detail.participations if access.can_preside(user, p.group)},
        "is_member": bool(my_groups),
        "deciding": [p for p in access.deciding_groups(user, session, detail.participations) if p.state == "invited"],
        "partner_managed": {g.pk for g in access.managed_groups(user, session, detail.participations)
                            if g.pk != session.group_id},
        "my_leave": next((lv for lv in detail.leaves if lv.person_id == person_id and lv.status != "refused"), None),
        "my_prep": next((p for p in detail.preparations if p.person_id == person_id), None),
        "my_makeup": next((m for m in detail.makeups if m.person_id == person_id), None),
        "started": session.starts_at <= timezone.now(),
        "record_form": RecordForm(initial={"minutes": session.minutes, "summary": session.summary,
                                           "briefing": session.briefing, "version": session.version}),
        "attach_form": AttachmentForm(),
        "breadcrumb": org_selectors.unit_breadcrumb(session.group.unit),
        "records": [(f, services.RECORD_FIELDS[f], getattr(session, f)) for f in ("minutes", "summary", "briefing")],
    }


def _render_detail(request, session, status=200, **extra):
    context = _detail_context(request, session)
    context.update(extra)
    return render(request, "meetings/detail.html", context, status=status)


@login_required
@cached_page("meetings.detail")
def detail(request, pk):
    session = access.get_session_for(request.user, pk)
    return _render_detail(request, session)


@login_required
def edit(request, pk):
    session = access.get_session_for(request.user, pk, write=True)
    group = session.group
    members = org_selectors.group_members(group, session.day)
    form = SessionScheduleForm(initial={
        "title": session.title, "topic_source": session.topic_source, "form": session.form,
        "starts_at": timezone.localtime(session.starts_at), "ends_at": timezone.localtime(session.ends_at),
        "place": session.place, "agenda": session.agenda, "pre_reading": session.pre_reading,
        "lead_reader": session.lead_reader_id, "speakers": [p.pk for p in session.speakers.all()],
        "outside_speaker": session.outside_speaker, "plan_topic": session.plan_topic_id,
        "reference_topic": session.reference_topic_id, "materials": [m.pk for m in session.materials.all()],
    }, members=members, materials=_session_material_choices(session))
    del form.fields["joint_groups"]
    status = 200
    if request.method == "POST":
        form = SessionScheduleForm(request.POST, members=members, materials=_session_material_choices(session))
        del form.fields["joint_groups"]
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.session_update(
                    session=session, by=request.user, version=request.POST.get("version"), title=d["title"],
                    form=d["form"], starts_at=d["starts_at"], ends_at=d["ends_at"], place=d["place"],
                    topic_source=d["topic_source"], agenda=d["agenda"], pre_reading=d["pre_reading"],
                    outside_speaker=d["outside_speaker"], plan_topic=d["plan_topic"],
                    reference_topic=d["reference_topic"],
                    **({"materials": d["materials"]} if "materials" in d else {}), **_chosen_people(d, members))
                messages.success(request, "已保存")
                return redirect("meetings:detail", pk=session.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "meetings/edit.html", {"s": session, "form": form, "group": group,
                                                  "breadcrumb": org_selectors.unit_breadcrumb(group.unit)},
                  status=status)


def _post_action(request, session, form, action, success):
    """Validate a small form, call the service, and show errors on the detail page with 400."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
            messages.success(request, success)
            return redirect("meetings:detail", pk=session.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    errors = [e for field_errors in form.errors.values() for e in field_errors]
    return _render_detail(request, session, status=400, action_errors=errors or ["请检查填写的内容"])


@login_required
@require_POST
def speaker_approve(request, pk):
    session = access.get_session_for(request.user, pk, write=True)
    return _post_action(request, session, SpeakerApprovalForm(request.POST),
                        lambda d: services.session_approve_speaker(session=session, by=request.user, note=d["note"]),
                        "已记录政治把关/备案情况")


def _attendance_blocked(session):
    """Why nothing can be marked yet (an outside speaker not yet approved, a session not yet held): said once at
    the top of the phone page rather than on every row."""
    if session.is_archived:
        return ""
    try:
        services.check_held(session)
    except ValidationError as exc:
        return _error_text(exc)
    return ""


def _attendance_page(request, session, allowed, *, error=None, notice=None, status=200):
    sheets = [g for g in selectors.session_attendance(session) if g.group_id in allowed]
    return render(request, "meetings/attendance.html", {
        "s": session, "sheets": sheets, "error": error, "notice": notice, "choices": selectors.ATTENDANCE_CHOICES,
        "blocked": _attendance_blocked(session),
    }, status=status)


@login_required
def attendance(request, pk):
    """The phone page: 全部出席 first, then one row per member for the exceptions; each tap saves that row
    (htmx swaps it in place and the group's 参学率 header out of band; without scripts the row's form posts
    and the page reloads)."""
    session = access.get_session_for(request.user, pk)
    allowed = {g.pk: g for g in access.require_attendance_writer(request.user, session)}
    if request.method != "POST":
        return _attendance_page(request, session, allowed)
    try:
        gid = int(request.POST.get("group") or 0)
        pid = int(request.POST.get("person") or 0)
    except ValueError:
        raise Http404() from None
    if gid not in allowed:
        if not gid:
            return _attendance_page(request, session, allowed, error="请点选成员的考勤状态", status=400)
        raise PermissionDenied("您不能登记其他中心组的考勤")
    group = allowed[gid]
    if request.POST.get("all_present"):
        try:
            done, skipped = services.attendance_all_present(session=session, group=group, by=request.user)
        except ValidationError as exc:
            return _attendance_page(request, session, allowed, error=_error_text(exc), status=400)
        notice = f"已将 {done} 人登记为出席（列席人员登记为列席）。请再逐一改正请假、缺席、迟到的人员。"
        if skipped:
            notice += "未登记：" + "；".join(skipped)
        messages.success(request, notice)
        return redirect("meetings:attendance", pk=session.pk)
    if not pid:
        return _attendance_page(request, session, allowed, error="请点选成员的考勤状态", status=400)
    # Through the access module: a made-up id must not reveal whose it is in the error message.
    person = org_access.people_visible(request.user).filter(pk=pid).first()
    error, clash, status = None, False, 200
    try:
        if person is None:
            raise ValidationError("没有找到这个人员")
        services.attendance_record(session=session, group=group, person=person,
                                   status=request.POST.get("status", ""), by=request.user,
                                   withdraw_leave=request.POST.get("withdraw_leave") == "1")
        if not is_htmx(request):
            return redirect("meetings:attendance", pk=session.pk)
    except services.LeaveClash as exc:
        error, clash, status = _error_text(exc), True, 400
    except ValidationError as exc:
        error, status = _error_text(exc), 400
    if not is_htmx(request):
        return _attendance_page(request, session, allowed, error=error, status=status)
    ga = next(g for g in selectors.session_attendance(session) if g.group_id == gid)
    line = next((x for x in ga.lines if x.person_id == pid), None)
    if line is None:
        return HttpResponse(format_html('<div class="alert alert-danger py-1 small">{}</div>', error), status=400)
    return render(request, "meetings/_att_row.html", {
        "line": line, "g": ga, "s": session, "row_error": error, "leave_clash": clash,
        "tapped": request.POST.get("status", ""), "choices": selectors.ATTENDANCE_CHOICES, "oob_rate": True,
        "blocked": _attendance_blocked(session),
    }, status=status)


@login_required
@require_POST
def partner(request, pk, gid, action):
    """联学 partners: the invited group's 组长/学习秘书 accept or decline; a partner's managers leave; the host
    removes a partner or records why its attendance lines are missing."""
    session = access.get_session_for(request.user, pk)
    p = session.participations.filter(group_id=gid, is_host=False).select_related("group").first()
    if p is None:
        raise Http404("没有这个参学中心组")
    note = request.POST.get("reason", "")
    host = org_access.can_manage_group(request.user, session.group)
    try:
        if action in ("accept", "decline"):
            if p not in access.deciding_groups(request.user, session):
                raise PermissionDenied(f"只有{p.group.name}的组长或学习秘书可以答复联学邀请")
            services.partner_decide(session=session, group=p.group, accept=action == "accept", by=request.user,
                                    note=note)
            done = "已接受联学邀请，本组成员已收到学习安排" if action == "accept" else "已谢绝联学邀请"
        elif action == "leave":
            if p.group not in access.managed_groups(request.user, session):
                raise PermissionDenied("只有本组的组长、副组长或学习秘书可以退出联学")
            services.partner_withdraw(session=session, group=p.group, by=request.user, reason=note)
            done = "本组已退出这次联学"
        elif action == "remove":
            if not host:
                raise PermissionDenied("只有主办中心组可以移出参学中心组")
            services.partner_withdraw(session=session, group=p.group, by=request.user, reason=note, remove=True)
            done = f"已将{p.group.name}移出这次联学"
        elif action == "missing":
            if not host:
                raise PermissionDenied("只有主办中心组可以说明未登记原因")
            services.partner_missing_reason(session=session, group=p.group, reason=note, by=request.user)
            done = f"已记录{p.group.name}未登记考勤的原因"
        else:
            raise Http404()
    except ValidationError as exc:
        return _render_detail(request, session, status=400, action_errors=exc.messages)
    messages.success(request, done)
    if action in ("decline", "leave"):
        return redirect("meetings:index")
    return redirect("meetings:detail", pk=session.pk)


@login_required
def projector(request, pk):
    session = access.get_session_for(request.user, pk)
    access.require_attendance_writer(request.user, session)
    return render(request, "meetings/projector.html", {"s": session})


@login_required
def qr(request, pk):
    """The fragment the projector page swaps in every 30 seconds: a fresh signed code."""
    import segno

    session = access.get_session_for(request.user, pk)
    access.require_attendance_writer(request.user, session)
    is_open = services.checkin_is_open(session)
    svg = url = ""
    if is_open:
        url = request.build_absolute_uri(reverse("meetings:checkin", args=[session.pk])) + "?t=" + quote(
            services.checkin_token(session))
        svg = segno.make(url, error="m").svg_inline(scale=8, border=2, omitsize=True)
    count = Attendance.objects.filter(session=session, source="qr").count()
    return render(request, "meetings/_qr.html", {"s": session, "svg": svg, "url": url, "is_open": is_open,
                                                 "count": count})


@login_required
def checkin(request, pk):
    session, roles = access.get_session_as_member(request.user, pk)
    token = request.POST.get("t") if request.method == "POST" else request.GET.get("t", "")
    error, rows, created, status = None, None, False, 200
    device = integrity_devices.device_mark(request)  # 真学真记: the phone's own mark, never its address
    try:
        services.checkin_verify(session, token)
        if request.method == "POST":
            # A replay or a second scan is answered from what is stored, without taking the write lock.
            rows = services.checkin_done(session=session, by=request.user, group_ids={g for g, _, _ in roles})
            if rows is None:
                rows, created = services.checkin(session=session, token=token, by=request.user, device=device,
                                                 roles=roles)
    except ValidationError as exc:
        error, status = _error_text(exc), 400
    except OperationalError:
        # SQLite under a burst of scans (hundreds at once in a 联学) may wait past its busy timeout for the
        # write lock. Nothing was written: say so and let the member scan again, instead of a server error.
        error, status = "签到人数较多，系统繁忙，请稍后再扫一次二维码", 503
    # The phone page alone, rendered without the request so no context processor (sidebar, notices) runs.
    html = get_template("meetings/checkin.html").render({
        "s": session, "t": token, "error": error, "rows": rows, "created": created, "csrf_token": get_token(request)})
    response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = "2"
    return integrity_devices.remember(request, response, device)


@login_required
@require_POST
def leave_request(request, pk):
    session = access.get_session_for(request.user, pk)
    access.require_member(request.user, session)
    person = request.user.person
    return _post_action(request, session, LeaveForm(request.POST),
                        lambda d: services.leave_request(session=session, person=person, reason=d["reason"],
                                                         by=request.user),
                        "请假申请已提交，等待组长审批")


@login_required
@require_POST
def leave_decide(request, pk, leave_pk):
    session = access.get_session_for(request.user, pk)
    leave = Leave.objects.filter(session=session, pk=leave_pk).select_related("group").first()
    if leave is None:
        raise Http404()
    # In a 联学 each group's own 组长 decides their members' leave.
    if not access.can_preside(request.user, leave.group):
        raise PermissionDenied("只有请假人所在中心组的组长（或副组长）可以审批")
    return _post_action(request, session, LeaveDecisionForm(request.POST),
                        lambda d: services.leave_decide(leave=leave, approve=d["approve"], note=d["note"],
                                                        by=request.user),
                        "已审批请假申请")


@login_required
@require_POST
def draw(request, pk):
    session = access.get_session_for(request.user, pk)
    access.require_presiding(request.user, session)
    favour = request.POST.get("favour")
    if favour not in ("0", "1"):
        return _render_detail(request, session, status=400, action_errors=["请求有误，请在页面上点击“随机点名”"])
    try:
        d = services.draw_speaker(session=session, by=request.user, favour_less_called=favour == "1")
        messages.success(request, f"随机点名：请 {d.picked.name} 发言")
        return redirect(reverse("meetings:detail", args=[session.pk]) + "#draws")
    except ValidationError as exc:
        return _render_detail(request, session, status=400, action_errors=exc.messages)


@login_required
@require_POST
def record(request, pk):
    session = access.get_session_for(request.user, pk, write=True)
    form = RecordForm(request.POST)
    return _post_action(request, session, form,
                        lambda d: services.record_save(session=session, by=request.user, minutes=d["minutes"],
                                                       summary=d["summary"], briefing=d["briefing"],
                                                       version=d["version"]),
                        "纪要和小结已保存")


@login_required
@require_POST
def attach(request, pk):
    session = access.get_session_for(request.user, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    return _post_action(request, session, form,
                        lambda d: services.attachment_add(session=session, kind=d["kind"], upload=d["file"],
                                                          by=request.user),
                        "附件已上传")


@login_required
def attachment(request, pk, att_pk):
    session = access.get_session_for(request.user, pk)
    att = Attachment.objects.filter(session=session, pk=att_pk).first()
    if att is None:
        raise Http404()
    try:
        handle = att.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已不存在") from None
    inline = att.content_type.startswith("image/") or att.content_type == "application/pdf"
    response = FileResponse(handle, content_type=att.content_type, as_attachment=not inline, filename=att.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def prepare(request, pk):
    session = access.get_session_for(request.user, pk)
    access.require_member(request.user, session)
    from writings.models import Kind, Writing

    mine = Writing.objects.filter(session=session, person_id=request.user.person_id, kind=Kind.STATEMENT).first()
    form = PreparationForm(initial={"text": mine.text if mine else ""})
    status = 200
    if request.method == "POST":
        form = PreparationForm(request.POST)
        if form.is_valid():
            try:
                services.preparation_submit(session=session, person=request.user.person, text=form.cleaned_data["text"],
                                            by=request.user)
                messages.success(request, "研讨发言材料已提交")
                return redirect("meetings:detail", pk=session.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "meetings/prepare.html", {"s": session, "form": form, "mine": mine}, status=status)


@login_required
@require_POST
def archive(request, pk):
    session = access.get_session_for(request.user, pk, write=True)
    # Not named "confirm": a form input of that name shadows the browser's confirm() inside the form.
    if request.POST.get("archive_confirmed") != "1":
        return _render_detail(request, session, status=400, action_errors=["请在页面上确认归档"])
    try:
        services.session_archive(session=session, by=request.user)
        messages.success(request, "已归档。归档后的记录不能直接修改，如需更正请提交更正记录")
        return redirect("meetings:detail", pk=session.pk)
    except ValidationError as exc:
        return _render_detail(request, session, status=400, action_errors=exc.messages)


@login_required
@require_POST
def cancel(request, pk):
    session = access.get_session_for(request.user, pk, write=True)
    try:
        services.session_cancel(session=session, reason=request.POST.get("reason", ""), by=request.user)
        messages.success(request, "已取消这次学习，并已通知参学人员")
        return redirect("meetings:detail", pk=session.pk)
    except ValidationError as exc:
        return _render_detail(request, session, status=400, action_errors=exc.messages)


@login_required
def correct(request, pk):
    session = access.get_session_for(request.user, pk, write=True)
    if session.status != SessionStatus.ARCHIVED:
        messages.info(request, "这次学习尚未归档，可以直接修改")
        return redirect("meetings:detail", pk=session.pk)
    choices = list(services.RECORD_FIELDS.items())
    for g in selectors.session_attendance(session):
        for line in g.lines:
            choices.append((attendance_field(g.group_id, line.person_id), f"考勤：{line.name}（{g.group_name}）"))
    form = CorrectionForm(choices=choices, initial={"field": request.GET.get("field", "")})
    status = 200
    if request.method == "POST":
        form = CorrectionForm(request.POST, choices=choices)
        if form.is_valid():
            d = form.cleaned_data  # CorrectionForm has already turned a status's label into its value
            try:
                services.correction_add(session=session, field=d["field"], new_value=d["new_value"],
                                        reason=d["reason"], by=request.user)
                messages.success(request, "更正记录已保存，原记录保留")
                return redirect("meetings:detail", pk=session.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "meetings/correct.html", {"s": session, "form": form}, status=status)


@login_required
@require_POST
def makeup_report(request, pk):
    session = access.get_session_for(request.user, pk, write=True)
    try:
        n = services.makeup_report(session=session, by=request.user)
        messages.success(request, f"已在本次学习通报 {n} 人的补学情况")
        return redirect("meetings:detail", pk=session.pk)
    except ValidationError as exc:
        return _render_detail(request, session, status=400, action_errors=exc.messages)


@login_required
def makeups(request):
    items = []
    if request.user.person_id:
        items = list(MakeUp.objects.filter(person_id=request.user.person_id).select_related("session", "group")
                     .order_by("status", "due", "id"))
    return render(request, "meetings/makeups.html", {"items": items, "today": timezone.localdate()})


@login_required
def makeup(request, pk):
    item = MakeUp.objects.filter(pk=pk, person_id=request.user.person_id or -1).select_related("session").first()
    if item is None or not request.user.person_id:
        raise Http404("没有找到这项补学任务")
    from writings.models import Writing

    writing = Writing.objects.filter(makeup=item).first()  # the 体会 is a writing (writings/)
    form = MakeUpForm(initial={"reflection": writing.text if writing else ""})
    status = 200
    if request.method == "POST":
        form = MakeUpForm(request.POST)
        if form.is_valid():
            try:
                services.makeup_submit(makeup=item, reflection=form.cleaned_data["reflection"], by=request.user)
                messages.success(request, "补学体会已提交")
                return redirect("meetings:makeups")
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    return render(request, "meetings/makeup.html", {"item": item, "s": item.session, "form": form,
                                                    "writing": writing}, status=status)


@login_required
def export_docx(request, pk):
    from . import documents  # python-docx only where a document is made (lean workers)
    session = access.get_session_for(request.user, pk)
    content = documents.session_docx(selectors.session_detail(session))
    return docx_response(f"学习记录-{session.day:%Y%m%d}-{session.title[:30]}.docx", content)


@login_required
def export_xlsx(request, pk):
    from . import documents  # python-docx only where a document is made (lean workers)
    session = access.get_session_for(request.user, pk)
    content = documents.attendance_xlsx(session, selectors.session_attendance(session))
    return xlsx_response(f"考勤表-{session.day:%Y%m%d}-{session.title[:30]}.xlsx", content)


def _require_person(request):
    if not request.user.person_id or org_access.is_admin_role(request.user):
        raise Http404("您的账号没有关联人员")
    return request.user.person


@login_required
def my_year(request):
    person = _require_person(request)
    year = _year(request)
    rows, rate = selectors.member_year(person, year)
    return render(request, "meetings/my_year.html", {"rows": rows, "rate": rate, "year": year, "person": person,
                                                     "years": _years()})


@login_required
def calendar(request):
    person = _require_person(request)
    if request.method == "POST":
        if request.POST.get("read") != "1":
            return HttpResponse("请求有误", status=400)
        services.notices_mark_read(person=person, by=request.user)
        return redirect("meetings:calendar")
    feed = request.build_absolute_uri(reverse("meetings:ics", args=[feeds.feed_token(request.user)]))
    upcoming = selectors.upcoming_for_person(person, since=timezone.now() - timezone.timedelta(hours=3))[:20]
    notices = Notice.objects.filter(person=person).select_related("session")[:30]
    return render(request, "meetings/calendar.html", {"feed": feed, "upcoming": upcoming, "notices": notices})


def ics(request, token):
    """The feed a calendar app subscribes to: it cannot log in, so the address itself is the key."""
    user = feeds.feed_user(token)
    if user is None:
        raise Http404()
    sessions = selectors.upcoming_for_person(user.person, since=timezone.now() - timezone.timedelta(days=180))
    response = HttpResponse(feeds.ics_feed(sessions, request.get_host().split(":")[0]),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="study.ics"'
    return response


@login_required
@cached_page("meetings.overview")
def overview(request):
    roots = org_access.supervised_roots(request.user)
    if not roots:
        raise Http404("您没有督导范围")
    year = _year(request)
    try:
        threshold = float(request.GET.get("threshold") or 90)
    except ValueError:
        threshold = 90.0
    groups = org_access.groups_visible(request.user).filter(unit__closed_on__isnull=True)
    unit_id = request.GET.get("unit")
    scope = None
    if unit_id and unit_id.isdigit():
        scope = org_access.get_unit_for(request.user, int(unit_id))
        groups = groups.filter(unit__path__startswith=scope.path)
    only = request.GET.get("only") or ""
    page = request.GET.get("page") or "1"
    page = int(page) if page.isdigit() else 1
    # From the maintained figures (stats app): a page of groups, the summary of all, and one line per unit below.
    parents = [scope] if scope else roots
    units = Unit.objects.filter(parent__in=parents, closed_on__isnull=True).order_by("sort", "path") \
        if len(parents) == 1 else parents
    view = stats_selectors.overview(groups, year=year, threshold=threshold, only=only, page=page, units=units,
                                    key=f"{request.user.pk}:{scope.pk if scope else '-'}")
    pages = max(1, -(-view.count // stats_selectors.PER_PAGE))
    return render(request, "meetings/overview.html", {
        "rows": view.rows, "summary": view.summary, "units": view.units, "computed_at": view.computed_at,
        "left_stale": view.left_stale, "summed_at": view.summed_at, "page": min(page, pages), "pages": pages, "year": year,
        "threshold": threshold, "roots": roots, "scope": scope, "only": only, "years": _years(),
        "signal_counts": integrity_selectors.signal_counts([r.group_id for r in view.rows], year),  # 真学真记
    })
