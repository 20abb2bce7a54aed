"""Every write to sessions and their records. Atomic, keyword-only, audited, errors in Chinese."""

import datetime as dt
import random
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from core import audit
from core.uploads import over_limit
from core.versions import check_version
from notices import services as notices
from orgs import selectors as org_selectors
from orgs.models import Membership, Person, StudyGroup

from .access import PRESIDING_ROLES
from .counts import membership_stamps, with_live_counts
from .models import (
    ATTENDED,
    Attachment,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    CallOnDraw,
    Correction,
    Leave,
    LeaveStatus,
    MakeUp,
    MakeUpStatus,
    Notice,
    Participation,
    Preparation,
    SessionForm,
    SessionStatus,
    StudySession,
    TopicSource,
    parse_attendance_field,
)

SESSION_FIELDS = ["group_id", "title", "topic_source", "plan_topic_id", "reference_topic_id", "material_ids", "form",
                  "starts_at", "ends_at", "place", "agenda", "pre_reading", "lead_reader_id", "outside_speaker",
                  "status", "late_record"]
RECORD_FIELDS = {"title": "学习主题", "place": "地点", "agenda": "议程", "minutes": "会议纪要", "summary": "学习小结",
                 "briefing": "学习简报"}
CHECKIN_SALT = "meetings.checkin"
CHECKIN_WINDOW = 30  # seconds: the projector shows a new code every window
LATE_ARRIVAL_MINUTES = 15
CHECKIN_EARLY_MINUTES = 60  # check-in opens this long before the start and closes this long after the end
PHOTO_TYPES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
FILE_TYPES = {
    ".pdf": (b"%PDF",), ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",), ".pptx": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": (b"\xd0\xcf\x11\xe0",), ".wps": (b"\xd0\xcf\x11\xe0",),
}


def late_record_days():
    return getattr(settings, "MEETINGS_LATE_RECORD_DAYS", 7)


def members_on_day(group, day):
    """Person id -> role for everyone in the group on that day, 列席 included."""
    return dict(Membership.objects.on(day).filter(group=group).values_list("person_id", "role"))


def _notify(person_ids, session, text):
    person_ids = set(person_ids)
    Notice.objects.bulk_create([Notice(person_id=pid, session=session, text=text[:300]) for pid in person_ids])
    _email(person_ids, text, session.group if session else None)
    _webhook(text, session.group if session else None)


def _email(person_ids, text, group=None):
    """E-mail copies of the notice, when MEETINGS_EMAIL_NOTICES is on and people have an address.
    The task worker sends them (notices/), never the request."""
    if not getattr(settings, "MEETINGS_EMAIL_NOTICES", False) or not person_ids:
        return
    from django.contrib.auth import get_user_model

    addresses = list(get_user_model().objects.filter(person_id__in=person_ids, is_active=True)
                     .exclude(email="").values_list("email", flat=True))
    notices.email_queue(addresses=addresses, subject="【中心组学习】" + text[:60], text=text, group=group)


def _webhook(text, group=None):
    """钉钉/企业微信 group bots: a no-op unless MEETINGS_WEBHOOK_URL is set. Sent, and retried, by the task
    worker; a bot that is down never slows or breaks the write, and its failure shows in the delivery log."""
    notices.webhook_queue(text=text, group=group)


def _check_not_archived(session):
    if session.status == SessionStatus.ARCHIVED:
        raise ValidationError("这次学习已归档，不能直接修改；如需更正，请提交更正记录并说明理由")
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError("这次学习已取消")


def _lock(session):
    return StudySession.objects.select_for_update().get(pk=session.pk)


def _flag_late(session, what, when=None):
    """A record entered long after the session's day is marked 补录, everywhere, for good."""
    when = when or timezone.now()
    days = (timezone.localdate(when) - session.day).days
    if days > late_record_days() and not session.late_record:
        session.late_record = True
        session.late_reason = f"{what}于会后 {days} 天录入"
        StudySession.objects.filter(pk=session.pk).update(late_record=True, late_reason=session.late_reason)


def _clean_session_fields(*, group, title, form, starts_at, ends_at, place, topic_source, lead_reader, speakers,
                          joint_groups):
    errors = {}
    title = (title or "").strip()
    place = (place or "").strip()
    if not title:
        errors["title"] = "请填写学习主题"
    if form not in SessionForm.values:
        errors["form"] = "学习形式不正确"
    if topic_source not in TopicSource.values:
        errors["topic_source"] = "议题来源不正确"
    if starts_at is None:
        errors["starts_at"] = "请填写开始时间"
    if ends_at is None:
        errors["ends_at"] = "请填写结束时间"
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "结束时间必须晚于开始时间"
    if not place:
        errors["place"] = "请填写学习地点"
    if starts_at is not None and "ends_at" not in errors:
        day = timezone.localdate(starts_at)
        members = members_on_day(group, day)
        if lead_reader is not None and lead_reader.pk not in members:
            errors["lead_reader"] = f"领学人{lead_reader.name}在{day:%Y年%-m月%-d日}不是本组成员"
        outsiders = [p.name for p in speakers if p.pk not in members]
        if outsiders:
            errors["speakers"] = "中心发言人须为本组成员：" + "、".join(outsiders)
    if joint_groups and form != SessionForm.JOINT:
        errors["form"] = "有其他中心组参加时，学习形式应为“联学”"
    if any(g.pk == group.pk for g in joint_groups):
        errors["joint_groups"] = "参学中心组不能包括主办中心组本身"
    if errors:
        raise ValidationError(errors)
    return title, place


@transaction.atomic
def session_schedule(*, group, by, title, form, starts_at, ends_at, place, topic_source=TopicSource.OTHER,
                     plan_topic_id=None, reference_topic_id=None, material_ids=(), agenda="", pre_reading="",
                     lead_reader=None, speakers=(), outside_speaker="", joint_groups=(), venues=None):
    speakers, joint_groups = list(speakers), list(joint_groups)
    title, place = _clean_session_fields(group=group, title=title, form=form, starts_at=starts_at, ends_at=ends_at,
                                         place=place, topic_source=topic_source, lead_reader=lead_reader,
                                         speakers=speakers, joint_groups=joint_groups)
    session = StudySession.objects.create(
        group=group, title=title, form=form, starts_at=starts_at, ends_at=ends_at, place=place,
        topic_source=topic_source, plan_topic_id=plan_topic_id, reference_topic_id=reference_topic_id,
        material_ids=[int(m) for m in material_ids], agenda=(agenda or "").strip(),
        pre_reading=(pre_reading or "").strip(), lead_reader=lead_reader,
        outside_speaker=(outside_speaker or "").strip(), created_by=audit.account(by),
    )
    session.speakers.set(speakers)
    venues = venues or {}
    Participation.objects.create(session=session, group=group, is_host=True)
    for g in joint_groups:
        Participation.objects.create(session=session, group=g, venue=(venues.get(g.pk) or "").strip()[:200])
    _flag_late(session, "学习记录", session.created)
    participation_counts_refresh(participations=session.participations.all())
    audit.record(action="session.schedule", by=by, obj=session, after=audit.snapshot(session, SESSION_FIELDS)
                 | {"joint_groups": [g.pk for g in joint_groups]})
    day = session.day
    people = set()
    for g in [group, *joint_groups]:
        people |= set(members_on_day(g, day))
    when = timezone.localtime(starts_at)
    _notify(people, session, f"学习安排：{when:%-m月%-d日 %H:%M} 在{place}，{session.get_form_display()}“{title}”")
    return session


@transaction.atomic
def session_update(*, session, by, version=None, **fields):
    session = _lock(session)
    _check_not_archived(session)
    check_version(session, version)
    before = audit.snapshot(session, SESSION_FIELDS)
    before_start = session.starts_at
    joint = [p.group for p in session.participations.select_related("group") if not p.is_host]
    speakers = list(fields.pop("speakers", session.speakers.all()))
    merged = {k: fields.get(k, getattr(session, k)) for k in
              ("title", "form", "starts_at", "ends_at", "place", "topic_source", "lead_reader")}
    title, place = _clean_session_fields(group=session.group, speakers=speakers, joint_groups=joint, **merged)
    for key in ("form", "starts_at", "ends_at", "topic_source", "lead_reader", "agenda", "pre_reading",
                "outside_speaker", "plan_topic_id", "reference_topic_id", "material_ids"):
        if key in fields:
            setattr(session, key, fields[key])
    if "outside_speaker" in fields and fields["outside_speaker"] != before["outside_speaker"]:
        session.speaker_approved_at = None  # a new speaker needs a new approval
    session.title, session.place = title, place
    session.version += 1
    session.save()
    session.speakers.set(speakers)
    if session.starts_at != before_start:
        # Moving a session into the past is backdating too: flag it as if it had been recorded now.
        _flag_late(session, "学习时间改动后")
        # Another day may mean other members: recount every participating group.
        participation_counts_refresh(participations=session.participations.all())
    audit.record(action="session.update", by=by, obj=session, before=before,
                 after=audit.snapshot(session, SESSION_FIELDS))
    return session


@transaction.atomic
def session_approve_speaker(*, session, by, note):
    """政治把关/备案 of an outside speaker, recorded before the session can be held."""
    session = _lock(session)
    _check_not_archived(session)
    note = (note or "").strip()
    if not session.outside_speaker:
        raise ValidationError("这次学习没有外请辅导人，无需把关备案")
    if not note:
        raise ValidationError({"note": "请填写把关/备案情况（如审核人、备案文号）"})
    session.speaker_approved_at = timezone.now()
    session.speaker_approved_by = by
    session.speaker_approval_note = note[:200]
    session.save(update_fields=["speaker_approved_at", "speaker_approved_by", "speaker_approval_note"])
    audit.record(action="session.speaker_approve", by=by, obj=session,
                 after={"speaker": session.outside_speaker, "note": session.speaker_approval_note})
    return session


def participation_counts_refresh(*, participations):
    """Recount the stored overview counts of these participations (a queryset) in the database.

    No audit entry: the counts are derived from audited records and can be recounted at any time."""
    group_ids = set(participations.values_list("group_id", flat=True))
    if not group_ids:
        return 0
    stamps = membership_stamps(Q(group_id__in=group_ids))
    rows = []
    for pk, gid, expected, attended in with_live_counts(participations.order_by()).values_list(
            "pk", "group_id", "live_expected", "live_attended"):
        rows.append(Participation(pk=pk, expected=expected, attended=attended, counts_stamp=stamps.get(gid, "")))
    Participation.objects.bulk_update(rows, ["expected", "attended", "counts_stamp"], batch_size=1000)
    return len(rows)


def participation_counts_refresh_all(*, chunk=500):
    """Recount every participation, a chunk of groups at a time (after a seed or an import of memberships)."""
    group_ids = sorted(set(Participation.objects.values_list("group_id", flat=True).distinct()))
    total = 0
    for i in range(0, len(group_ids), chunk):
        with transaction.atomic():
            total += participation_counts_refresh(
                participations=Participation.objects.filter(group_id__in=group_ids[i:i + chunk]))
    return total


def _participation(session, group):
    p = Participation.objects.filter(session=session, group=group).first()
    if p is None:
        raise ValidationError(f"{group.name}没有参加这次学习")
    return p


def _check_held(session, now=None):
    if session.needs_speaker_approval:
        raise ValidationError(f"外请辅导人“{session.outside_speaker}”尚未完成政治把关/备案，这次学习不能举行")
    if timezone.localdate(now or timezone.now()) < session.day:
        raise ValidationError("学习尚未举行，不能登记出席情况")


@transaction.atomic
def attendance_record(*, session, group, person, status, by, note=""):
    """Record (or change) one person's attendance in one participating group. Idempotent."""
    session = _lock(session)
    _check_not_archived(session)
    _participation(session, group)
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": "考勤状态不正确"})
    members = members_on_day(group, session.day)
    if person.pk not in members:
        raise ValidationError({"person": f"{person.name}在{session.day:%Y年%-m月%-d日}不是{group.name}的成员，不能登记考勤"})
    if status != AttendanceStatus.LEAVE:
        _check_held(session)
    if status == AttendanceStatus.ATTENDEE and members[person.pk] != "attendee":
        raise ValidationError({"status": f"{person.name}是本组成员，不能登记为“列席”"})
    existing = Attendance.objects.filter(session=session, group=group, person=person).first()
    if existing is not None and existing.status == status and existing.note == (note or ""):
        return existing
    if not Attendance.objects.filter(session=session).exists():
        _flag_late(session, "考勤")
    before = {"status": existing.status} if existing else None
    row, _ = Attendance.objects.update_or_create(
        session=session, group=group, person=person,
        defaults={"status": status, "note": (note or "")[:200], "recorded_by": by, "recorded_at": timezone.now(),
                  "source": "secretary"},
    )
    participation_counts_refresh(participations=Participation.objects.filter(session=session, group=group))
    audit.record(action="attendance.record", by=by, obj=row, before=before,
                 after={"session": session.pk, "group": group.pk, "person": person.pk, "status": status})
    return row


@transaction.atomic
def attendance_bulk(*, session, group, marks, by):
    """marks: {person_id: status}. All or nothing: one bad mark and none are saved."""
    people = {p.pk: p for p in Person.objects.filter(pk__in=list(marks))}
    errors = []
    rows = []
    for pid, status in marks.items():
        person = people.get(pid)
        if person is None:
            errors.append(f"人员编号 {pid} 不存在")
            continue
        try:
            with transaction.atomic():
                rows.append(attendance_record(session=session, group=group, person=person, status=status, by=by))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return rows


# ---- QR check-in ----------------------------------------------------------------------------------

def _window(now=None):
    return int((now or timezone.now()).timestamp()) // CHECKIN_WINDOW


def checkin_token(session, now=None):
    # "<session>.<window>:<signature>": short, so the projected code stays coarse enough to scan from the back row.
    return signing.Signer(salt=CHECKIN_SALT).sign(f"{session.pk}.{_window(now)}")


def checkin_is_open(session, now=None):
    now = now or timezone.now()
    margin = dt.timedelta(minutes=CHECKIN_EARLY_MINUTES)
    return (session.status == SessionStatus.SCHEDULED and not session.needs_speaker_approval
            and session.starts_at - margin <= now <= session.ends_at + margin)


def checkin_verify(session, token, now=None):
    """Raise ValidationError unless the token is genuine, for this session, and from the current window.

    The window before the current one is accepted too, so a code scanned just as it changes still works;
    a token therefore lives 30–60 seconds.
    """
    try:
        session_id, window = (int(x) for x in signing.Signer(salt=CHECKIN_SALT).unsign(token or "").split("."))
    except (signing.BadSignature, ValueError) as exc:
        raise ValidationError("签到码无效，请扫描会场屏幕上的二维码") from exc
    if session_id != session.pk:
        raise ValidationError("签到码不属于这次学习")
    if _window(now) - window not in (0, 1):
        raise ValidationError("签到码已过期，请重新扫描屏幕上的最新二维码")
    if session.status == SessionStatus.ARCHIVED:
        raise ValidationError("这次学习已归档，不能再签到")
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError("这次学习已取消")
    now = now or timezone.now()
    if now < session.starts_at - dt.timedelta(minutes=CHECKIN_EARLY_MINUTES):
        raise ValidationError("签到尚未开始")
    if not checkin_is_open(session, now):
        raise ValidationError("签到已结束，请联系学习秘书登记")


@transaction.atomic
def checkin(*, session, token, by, now=None):
    """Self check-in by QR code (a convenience, never required). Returns (rows, created).

    The hot path of a 联学 with hundreds of people scanning at once: the member's roles in the participating
    groups come from one query, rather than loading every group's member list."""
    now = now or timezone.now()
    session = StudySession.objects.get(pk=session.pk)
    checkin_verify(session, token, now)
    if not by.person_id:
        raise ValidationError("您的账号没有关联人员，不能签到")
    roles = dict(Membership.objects.on(session.day).filter(
        person_id=by.person_id, group_id__in=Participation.objects.filter(session=session).values("group_id"))
        .order_by("group_id", "start", "id").values_list("group_id", "role"))
    if not roles:
        raise ValidationError("您不是这次学习参学中心组的成员，无需签到")
    status = AttendanceStatus.LATE if now > session.starts_at + dt.timedelta(
        minutes=LATE_ARRIVAL_MINUTES) else AttendanceStatus.PRESENT
    rows, created_any = [], False
    for group_id, role in sorted(roles.items()):
        row_status = AttendanceStatus.ATTENDEE if role == "attendee" else status
        try:
            with transaction.atomic():
                row = Attendance.objects.create(session=session, group_id=group_id, person_id=by.person_id,
                                                status=row_status, source="qr", checked_in_at=now, recorded_by=by)
        except IntegrityError:
            # A replayed token or a second scan: the unique constraint keeps one row; nothing changes.
            rows.append(Attendance.objects.get(session=session, group_id=group_id, person_id=by.person_id))
            continue
        created_any = True
        if row_status in ATTENDED:
            # A new row of a member present or late: one more attended, unless the counts are not yet stored.
            Participation.objects.filter(session=session, group_id=group_id, expected__isnull=False).update(
                attended=F("attended") + 1)
        audit.record(action="attendance.checkin", by=by, obj=row,
                     after={"session": session.pk, "group": group_id, "status": row_status})
        rows.append(row)
    return rows, created_any


# ---- Leave and 补学 ---------------------------------------------------------------------------------

@transaction.atomic
def leave_request(*, session, person, reason, by, now=None):
    now = now or timezone.now()
    session = _lock(session)
    _check_not_archived(session)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写请假事由"})
    if now >= session.starts_at:
        raise ValidationError("学习已经开始，不能再请假；如有特殊情况请联系学习秘书")
    groups = [p.group for p in session.participations.select_related("group")
              if person.pk in members_on_day(p.group, session.day)]
    if not groups:
        raise ValidationError(f"{person.name}不是这次学习参学中心组的成员")
    if Leave.objects.filter(session=session, person=person).exclude(status=LeaveStatus.REFUSED).exists():
        raise ValidationError("您已提交过这次学习的请假申请")
    leave = Leave.objects.create(session=session, group=groups[0], person=person, reason=reason[:200])
    audit.record(action="leave.request", by=by, obj=leave, after={"session": session.pk, "person": person.pk,
                                                                    "reason": leave.reason})
    leaders = Membership.objects.on(session.day).filter(group=groups[0], role__in=PRESIDING_ROLES)
    _notify(leaders.values_list("person_id", flat=True), session, f"{person.name}申请请假：{session.title}")
    return leave


@transaction.atomic
def leave_decide(*, leave, approve, by, note=""):
    leave = Leave.objects.select_for_update().select_related("session", "person", "group").get(pk=leave.pk)
    _check_not_archived(leave.session)
    if leave.status != LeaveStatus.PENDING:
        raise ValidationError("这份请假申请已经审批过")
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED
    leave.decided_by, leave.decided_at, leave.decision_note = by, timezone.now(), (note or "")[:200]
    leave.save()
    if approve:
        Attendance.objects.update_or_create(
            session=leave.session, group=leave.group, person=leave.person,
            defaults={"status": AttendanceStatus.LEAVE, "source": "leave", "recorded_by": by,
                      "recorded_at": timezone.now(), "note": leave.reason})
        participation_counts_refresh(participations=Participation.objects.filter(session=leave.session,
                                                                                 group=leave.group))
    audit.record(action="leave.decide", by=by, obj=leave, after={"status": leave.status, "note": leave.decision_note})
    _notify([leave.person_id], leave.session,
            f"请假申请{'已批准' if approve else '未批准'}：{leave.session.title}")
    return leave


def _default_due(session):
    return session.day + dt.timedelta(days=getattr(settings, "MEETINGS_MAKEUP_DAYS", 14))


@transaction.atomic
def makeup_assign_absentees(*, session, by, due=None):
    """Every member who missed the session (absent or on leave) gets a 补学 task. Idempotent."""
    due = due or _default_due(session)
    made = []
    missed = Attendance.objects.filter(session=session,
                                       status__in=(AttendanceStatus.ABSENT, AttendanceStatus.LEAVE))
    for row in missed:
        makeup, created = MakeUp.objects.get_or_create(session=session, group_id=row.group_id, person_id=row.person_id,
                                                       defaults={"due": due})
        if created:
            made.append(makeup)
    if made:
        audit.record(action="makeup.assign", by=by, obj=session, after={"people": [m.person_id for m in made],
                                                                       "due": due})
        _notify([m.person_id for m in made], session, f"补学任务：{session.title}，请于{due:%-m月%-d日}前提交体会")
    return made


@transaction.atomic
def makeup_submit(*, makeup, reflection, by):
    makeup = MakeUp.objects.select_for_update().get(pk=makeup.pk)
    reflection = (reflection or "").strip()
    if len(reflection) < 20:
        raise ValidationError({"reflection": "补学体会不少于 20 字"})
    if makeup.status == MakeUpStatus.REPORTED:
        raise ValidationError("补学情况已在会上通报，不能再修改")
    makeup.reflection = reflection
    makeup.status = MakeUpStatus.SUBMITTED
    makeup.submitted_at = timezone.now()
    makeup.save()
    audit.record(action="makeup.submit", by=by, obj=makeup, after={"chars": len(reflection)})
    return makeup


@transaction.atomic
def makeup_report(*, session, by):
    """Report, at this session, the 补学 finished since the group's earlier sessions."""
    session = _lock(session)
    _check_not_archived(session)
    pending = MakeUp.objects.filter(group=session.group, status=MakeUpStatus.SUBMITTED,
                                    session__starts_at__lt=session.starts_at)
    ids = list(pending.values_list("pk", flat=True))
    if not ids:
        raise ValidationError("没有待通报的补学情况")
    MakeUp.objects.filter(pk__in=ids).update(status=MakeUpStatus.REPORTED, reported_in=session)
    audit.record(action="makeup.report", by=by, obj=session, after={"makeups": ids})
    return len(ids)


# ---- Preparation, random call-on ------------------------------------------------------------------

@transaction.atomic
def preparation_submit(*, session, person, text, by):
    session = StudySession.objects.get(pk=session.pk)
    _check_not_archived(session)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写研讨发言材料"})
    if len(text) > 20000:
        raise ValidationError({"text": "发言材料不超过 20000 字"})
    prep, created = Preparation.objects.update_or_create(session=session, person=person,
                                                         defaults={"text": text, "submitted_at": timezone.now()})
    audit.record(action="preparation.submit", by=by, obj=prep, after={"session": session.pk, "chars": len(text)})
    return prep


def _pick(seed, candidates, weights):
    """The draw itself: deterministic in (seed, candidates, weights), so it can be re-checked."""
    return random.Random(f"{seed}").choices(candidates, weights=weights, k=1)[0]


def draw_candidates(session, *, favour_less_called=True):
    """Present members who have not yet been called on in this session, with their weights."""
    called = set(CallOnDraw.objects.filter(session=session).values_list("picked_id", flat=True))
    present = sorted(set(Attendance.objects.filter(session=session, status__in=ATTENDED)
                         .values_list("person_id", flat=True)) - called)
    if not favour_less_called:
        return present, [1.0] * len(present)
    year_start = session.day.replace(month=1, day=1)
    counts = dict(CallOnDraw.objects.filter(picked_id__in=present, drawn_at__date__gte=year_start)
                  .values_list("picked_id").annotate(n=Count("id")).values_list("picked_id", "n"))
    # Someone called on twice this year is a third as likely as someone never called on.
    return present, [round(1.0 / (1 + counts.get(pid, 0)), 6) for pid in present]


@transaction.atomic
def draw_speaker(*, session, by, seed=None, favour_less_called=True):
    session = _lock(session)
    _check_not_archived(session)
    candidates, weights = draw_candidates(session, favour_less_called=favour_less_called)
    if not candidates:
        raise ValidationError("没有可点名的人员：请先登记出席情况，或出席人员都已发过言")
    seed = seed or secrets.token_hex(8)
    picked = _pick(seed, candidates, weights)
    draw = CallOnDraw.objects.create(session=session, seed=seed, candidates=candidates, weights=weights,
                                     picked_id=picked, drawn_by=by)
    audit.record(action="session.draw", by=by, obj=draw, after={"session": session.pk, "seed": seed,
                                                                 "candidates": candidates, "weights": weights,
                                                                 "picked": picked})
    return draw


def draw_verify(draw):
    """True when re-running the recorded draw picks the same person."""
    return _pick(draw.seed, draw.candidates, draw.weights) == draw.picked_id


# ---- Records, attachments, archive, corrections ---------------------------------------------------

@transaction.atomic
def record_save(*, session, by, minutes=None, summary=None, briefing=None, version=None):
    session = _lock(session)
    _check_not_archived(session)
    check_version(session, version)
    before = {"minutes": session.minutes, "summary": session.summary, "briefing": session.briefing}
    for key, value in (("minutes", minutes), ("summary", summary), ("briefing", briefing)):
        if value is not None:
            setattr(session, key, value.strip())
    if before == {"minutes": session.minutes, "summary": session.summary, "briefing": session.briefing}:
        return session
    session.version += 1
    session.save(update_fields=["minutes", "summary", "briefing", "version"])
    audit.record(action="session.record", by=by, obj=session,
                 before={k: len(v) for k, v in before.items()},
                 after={"minutes": len(session.minutes), "summary": len(session.summary),
                        "briefing": len(session.briefing)})
    return session


def _sniff(upload, head, kind):
    name = upload.name or ""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if kind == AttachmentKind.PHOTO:
        for ctype, magics in PHOTO_TYPES.items():
            if head.startswith(magics):
                return ctype
        raise ValidationError({"file": "照片只能是 JPG 或 PNG 格式"})
    magics = FILE_TYPES.get(ext)
    if magics is None:
        raise ValidationError({"file": "文件类型不支持：只能上传 PDF、Word、Excel、PPT、WPS 文档或 JPG/PNG 图片"})
    if not head.startswith(magics):
        raise ValidationError({"file": f"文件内容与扩展名“{ext}”不符，请检查文件"})
    return {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
            ".png": "image/png"}.get(ext, "application/octet-stream")


@transaction.atomic
def attachment_add(*, session, kind, upload, by):
    session = StudySession.objects.get(pk=session.pk)
    _check_not_archived(session)
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": "附件类别不正确"})
    if upload is None:
        raise ValidationError({"file": "请选择文件"})
    if limit := over_limit(upload.size):
        raise ValidationError({"file": f"文件过大（{upload.size / 1024 / 1024:.1f} MB）：{limit}"})
    if Attachment.objects.filter(session=session).count() >= 50:
        raise ValidationError({"file": "每次学习最多上传 50 个附件"})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ctype = _sniff(upload, head, kind)
    name = (upload.name or "附件").replace("/", "_").replace("\\", "_")[-200:]
    att = Attachment(session=session, kind=kind, name=name, size=upload.size, content_type=ctype, uploaded_by=by)
    att.file.save(name, upload, save=False)
    att.save()
    audit.record(action="attachment.add", by=by, obj=att, after={"session": session.pk, "kind": kind, "name": name,
                                                                  "size": upload.size})
    return att


def five_checks(session, now=None):
    """五落实: [(label, ok, detail)] — 时间、地点、人员、内容、效果."""
    now = now or timezone.now()
    held = session.starts_at <= now
    marked = set(Attendance.objects.filter(session=session).values_list("group_id", "person_id"))
    missing = 0
    for p in session.participations.select_related("group"):
        missing += sum(1 for pid in org_selectors.members_on(p.group, session.day) if (p.group_id, pid) not in marked)
    content = bool(session.title and (session.agenda or session.pre_reading or session.material_ids
                                      or session.plan_topic_id or session.reference_topic_id))
    effect = bool(session.summary or session.minutes) or session.attachments.filter(
        kind__in=(AttachmentKind.MINUTES, AttachmentKind.SUMMARY, AttachmentKind.BRIEFING)).exists()
    return [
        ("时间", held, f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}" if held else "学习尚未举行"),
        ("地点", bool(session.place), session.place or "未填写地点"),
        ("人员", bool(marked) and missing == 0,
         "考勤已全部登记" if marked and not missing else f"还有 {missing} 人未登记考勤" if marked else "尚未登记考勤"),
        ("内容", content, "主题与议程/学习材料已填写" if content else "请填写议程或会前学习材料"),
        ("效果", effect, "纪要或学习小结已填写" if effect else "请填写会议纪要或学习小结"),
    ]


@transaction.atomic
def session_archive(*, session, by):
    session = _lock(session)
    _check_not_archived(session)
    missing = [label for label, ok, _ in five_checks(session) if not ok]
    if missing:
        raise ValidationError("五落实尚未完成，不能归档：缺少" + "、".join(missing))
    if session.needs_speaker_approval:
        raise ValidationError("外请辅导人尚未完成政治把关/备案，不能归档")
    makeup_assign_absentees(session=session, by=by)
    session.status = SessionStatus.ARCHIVED
    session.archived_at = timezone.now()
    session.archived_by = by
    session.version += 1
    session.save(update_fields=["status", "archived_at", "archived_by", "version"])
    audit.record(action="session.archive", by=by, obj=session, after=audit.snapshot(session, SESSION_FIELDS))
    return session


@transaction.atomic
def session_cancel(*, session, reason, by):
    """Call off a session that has not been held; everyone taking part is told. Nothing is deleted."""
    session = _lock(session)
    _check_not_archived(session)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请填写取消原因"})
    if Attendance.objects.filter(session=session).exclude(source="leave").exists():  # approved leave is not a sign it was held
        raise ValidationError("这次学习已登记考勤，说明已经举行，不能取消；如记录有误，请修改后归档")
    before = audit.snapshot(session, SESSION_FIELDS)
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason[:200]
    session.version += 1
    session.save(update_fields=["status", "cancel_reason", "version"])
    people = set()
    for p in session.participations.select_related("group"):
        people |= set(members_on_day(p.group, session.day))
    when = timezone.localtime(session.starts_at)
    _notify(people, session, f"学习取消：原定{when:%-m月%-d日 %H:%M}的“{session.title}”已取消。原因：{reason[:60]}")
    audit.record(action="session.cancel", by=by, obj=session, before=before,
                 after=audit.snapshot(session, SESSION_FIELDS) | {"cancel_reason": session.cancel_reason})
    return session


@transaction.atomic
def correction_add(*, session, field, new_value, reason, by):
    """The only way to change an archived session: a new record beside the original, with a reason."""
    session = _lock(session)
    if session.status != SessionStatus.ARCHIVED:
        raise ValidationError("这次学习尚未归档，请直接修改")
    reason = (reason or "").strip()
    new_value = (new_value or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请说明更正理由（不少于 4 个字）"})
    if not new_value:
        raise ValidationError({"new_value": "请填写更正后的内容"})
    if field in RECORD_FIELDS:
        label = RECORD_FIELDS[field]
        old = effective_value(session, field)
    elif field.startswith("attendance:"):
        try:
            group_id, person_id = parse_attendance_field(field)
        except ValueError as exc:
            raise ValidationError({"field": "更正项目不正确"}) from exc
        if new_value not in AttendanceStatus.values:
            raise ValidationError({"new_value": "考勤状态不正确"})
        group = StudyGroup.objects.filter(pk=group_id, session_participations__session=session).first()
        if group is None or person_id not in members_on_day(group, session.day):
            raise ValidationError({"field": "此人在会议当天不是参学中心组成员"})
        person = Person.objects.get(pk=person_id)
        label = f"考勤：{person.name}"
        old = effective_value(session, field)
        new_value = AttendanceStatus(new_value).label
    else:
        raise ValidationError({"field": "更正项目不正确"})
    if old == new_value:
        raise ValidationError({"new_value": "更正后的内容与现有内容相同"})
    correction = Correction.objects.create(session=session, field=field, label=label, old_value=old,
                                           new_value=new_value, reason=reason[:300], by=by)
    audit.record(action="session.correct", by=by, obj=session,
                 after={"field": field, "old": old[:200], "new": new_value[:200], "reason": correction.reason})
    return correction


def effective_value(session, field):
    last = Correction.objects.filter(session=session, field=field).order_by("-at", "-id").first()
    if last is not None:
        return last.new_value
    if field.startswith("attendance:"):
        group_id, person_id = parse_attendance_field(field)
        row = Attendance.objects.filter(session=session, group_id=group_id, person_id=person_id).first()
        return row.get_status_display() if row else "未登记"
    return getattr(session, field)


@transaction.atomic
def notices_mark_read(*, person, by):
    n = Notice.objects.filter(person=person, read_at__isnull=True).update(read_at=timezone.now())
    return n
