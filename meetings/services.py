"""Every write to sessions and their records. Atomic, keyword-only, audited, errors in Chinese."""

import datetime as dt
import random
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from core import audit, sql
from core.uploads import over_limit
from core.versions import check_version
from integrity import services as integrity  # 真学真记: signals computed as records are written
from notices import services as notices
from orgs.models import Membership, Person, StudyGroup
from stats import services as stats_services

from .access import PRESIDING_ROLES, checkin_roles
from .counts import membership_stamps, with_live_counts
from .models import (
    ATTENDED,
    TAKING_PART,
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
    PartnerState,
    SessionForm,
    SessionStatus,
    StudySession,
    TopicSource,
    parse_attendance_field,
)

SESSION_FIELDS = ["group_id", "title", "topic_source", "plan_topic_id", "reference_topic_id", "form",
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


def _pk(value):
    """A model instance or an id (forms and the API send ids) as an id; None stays None."""
    if value in (None, ""):
        return None
    return getattr(value, "pk", value)


def resolve_links(*, group, starts_at, plan_topic=None, reference_topic=None, materials=()):
    """(Topic | None, ReferenceTopic | None, [Material]) for a session of `group`, or a ValidationError in Chinese.

    A plan topic must come from an approved version of this group's own plan (a draft's topics are rewritten
    on every save); a 参考议题 must have been sent to this group's unit or one above it; materials must be
    in the library this group sees."""
    from materials.models import Material
    from plans.models import Status as PlanStatus
    from plans.models import Topic
    from plans.services import references_for

    errors = {}
    topic = ref = None
    year = timezone.localdate(starts_at).year if starts_at else timezone.localdate().year
    topic_id = _pk(plan_topic)
    if topic_id is not None:
        topic = Topic.objects.select_related("plan__group").filter(pk=topic_id).first()
        if topic is None:
            errors["plan_topic"] = "没有找到这个计划专题"
        elif topic.plan.group_id != group.pk:
            errors["plan_topic"] = (f"计划专题“{topic.title}”属于{topic.plan.group.name}的学习计划，"
                                    f"不能用于{group.name}的学习")
            topic = None
        elif topic.plan.status != PlanStatus.APPROVED:
            errors["plan_topic"] = f"计划专题“{topic.title}”所在的计划尚未审定，请在审定后的计划上安排学习"
            topic = None
    ref_id = _pk(reference_topic)
    if ref_id is not None:
        ref = references_for(group, year).filter(pk=ref_id).first()
        if ref is None:
            errors["reference_topic"] = f"这个参考议题没有下发到{group.name}（{year}年度）"
    material_ids = {_pk(m) for m in materials or () if _pk(m) is not None}
    found = []
    if material_ids:
        paths = [p for p in group.unit.path.strip("/").split("/") if p]
        prefixes = ["/" + "/".join(paths[:i]) + "/" for i in range(1, len(paths) + 1)]
        found = list(Material.objects.filter(pk__in=material_ids, owner_unit__path__in=prefixes))
        if len(found) != len(material_ids):
            errors["materials"] = "所选学习材料中有资料库里没有或本组不能查看的材料"
    if errors:
        raise ValidationError(errors)
    return topic, ref, found


def _invite_notice(session, groups):
    """An invited group's 组长 and 学习秘书 are asked; its other members hear nothing until it accepts."""
    from .access import DECIDING_ROLES

    people = Membership.objects.on(timezone.localdate()).filter(group__in=groups, role__in=DECIDING_ROLES)
    when = timezone.localtime(session.starts_at)
    _notify(people.values_list("person_id", flat=True), session,
            f"联学邀请：{session.group.name}邀请本组于{when:%-m月%-d日 %H:%M}参加联学“{session.title}”，请确认是否参加")


@transaction.atomic
def session_schedule(*, group, by, title, form, starts_at, ends_at, place, topic_source=TopicSource.OTHER,
                     plan_topic=None, reference_topic=None, materials=(), agenda="", pre_reading="",
                     lead_reader=None, speakers=(), outside_speaker="", joint_groups=(), venues=None,
                     plan_topic_id=None, reference_topic_id=None, material_ids=()):
    speakers, joint_groups = list(speakers), list(joint_groups)
    title, place = _clean_session_fields(group=group, title=title, form=form, starts_at=starts_at, ends_at=ends_at,
                                         place=place, topic_source=topic_source, lead_reader=lead_reader,
                                         speakers=speakers, joint_groups=joint_groups)
    topic, ref, found = resolve_links(group=group, starts_at=starts_at, plan_topic=plan_topic or plan_topic_id,
                                      reference_topic=reference_topic or reference_topic_id,
                                      materials=list(materials or ()) + list(material_ids or ()))
    if topic is not None and topic_source == TopicSource.OTHER:
        topic_source = TopicSource.PLAN
    session = StudySession.objects.create(
        group=group, title=title, form=form, starts_at=starts_at, ends_at=ends_at, place=place,
        topic_source=topic_source, plan_topic=topic, reference_topic=ref, agenda=(agenda or "").strip(),
        pre_reading=(pre_reading or "").strip(), lead_reader=lead_reader,
        outside_speaker=(outside_speaker or "").strip(), created_by=audit.account(by),
    )
    session.speakers.set(speakers)
    session.materials.set(found)
    venues = venues or {}
    Participation.objects.create(session=session, group=group, is_host=True)
    for g in joint_groups:
        Participation.objects.create(session=session, group=g, venue=(venues.get(g.pk) or "").strip()[:200],
                                     state=PartnerState.INVITED)
    _flag_late(session, "学习记录", session.created)
    integrity.session_scheduled(session)  # 真学真记 (integrity)
    participation_counts_refresh(participations=session.participations.all())
    stats_services.refresh_session(session)
    audit.record(action="session.schedule", by=by, obj=session, after=audit.snapshot(session, SESSION_FIELDS)
                 | {"joint_groups": [g.pk for g in joint_groups], "materials": sorted(m.pk for m in found)})
    when = timezone.localtime(starts_at)
    _notify(members_on_day(group, session.day), session,
            f"学习安排：{when:%-m月%-d日 %H:%M} 在{place}，{session.get_form_display()}“{title}”")
    if joint_groups:
        _invite_notice(session, joint_groups)
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
    links = {k: fields.pop(k) for k in ("plan_topic", "reference_topic", "materials") if k in fields}
    if links:
        topic, ref, found = resolve_links(
            group=session.group, starts_at=merged["starts_at"],
            plan_topic=links.get("plan_topic", session.plan_topic_id),
            reference_topic=links.get("reference_topic", session.reference_topic_id),
            materials=links.get("materials", session.materials.all()))
        session.plan_topic, session.reference_topic = topic, ref
        if "materials" in links:
            session.materials.set(found)
    for key in ("form", "starts_at", "ends_at", "topic_source", "lead_reader", "agenda", "pre_reading",
                "outside_speaker"):
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
    stats_services.refresh_session(session, years={timezone.localdate(before_start).year})
    audit.record(action="session.update", by=by, obj=session, before=before,
                 after=audit.snapshot(session, SESSION_FIELDS))
    return session


def _supervisor_decides_speaker(session):
    """Hook for the supervision app: once the speaker is filed with the supervising unit, its 政治把关 decision
    (which stamps this session's approval fields) is the speaker check, not the group's own note."""
    from django.apps import apps

    return apps.is_installed("supervision") and session.speaker_filings.exists()


@transaction.atomic
def session_approve_speaker(*, session, by, note):
    """政治把关/备案 of an outside speaker, recorded before the session can be held."""
    session = _lock(session)
    _check_not_archived(session)
    note = (note or "").strip()
    if not session.outside_speaker:
        raise ValidationError("这次学习没有外请辅导人，无需把关备案")
    if _supervisor_decides_speaker(session):
        raise ValidationError("外请辅导已报上级督导单位政治把关，以上级的把关意见为准，本组不能自行备案")
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
    participations = participations.exclude(counts_stamp=FROZEN)
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
    if p.state not in TAKING_PART:
        raise ValidationError(f"{group.name}{p.get_state_display()}这次联学，不能登记其成员的考勤")
    return p


def _when(session):
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    return f"{start:%-m月%-d日 %H:%M}—{end:%H:%M}"


def overlapping_presence(session, person):
    """Another session, overlapping this one in time, at which the person is already recorded present or late.
    Rows of this same session (a 联学 counts once, whatever group) are not a clash; nor are cancelled sessions."""
    return (Attendance.objects.filter(person=person, status__in=ATTENDED, session__starts_at__lt=session.ends_at,
                                      session__ends_at__gt=session.starts_at)
            .exclude(session=session).exclude(session__status=SessionStatus.CANCELLED)
            .select_related("session__group").order_by("session__starts_at").first())


def _check_overlap(session, person):
    other = overlapping_presence(session, person)
    if other is not None:
        o = other.session
        raise ValidationError({"status": (
            f"{person.name}已登记出席{o.group.name}的“{o.title}”（{_when(o)}），与本次学习“{session.title}”"
            f"（{_when(session)}）时间重叠，同一人不能同时出席两次学习")})


class LeaveClash(ValidationError):
    """Marking present someone whose leave was approved: the page asks to withdraw the leave first."""


def check_held(session, now=None):
    """Attendance other than leave needs the session held (and an outside speaker approved)."""
    _check_held(session, now)


def _check_held(session, now=None):
    if session.needs_speaker_approval:
        raise ValidationError(f"外请辅导人“{session.outside_speaker}”尚未完成政治把关/备案，这次学习不能举行")
    if timezone.localdate(now or timezone.now()) < session.day:
        raise ValidationError("学习尚未举行，不能登记出席情况")


@transaction.atomic
def attendance_record(*, session, group, person, status, by, note="", withdraw_leave=False):
    """Record (or change) one person's attendance in one participating group. Idempotent.

    Present (or late) and an approved leave cannot both stand: without `withdraw_leave` it is refused with
    LeaveClash; with it the leave is recorded as withdrawn. Present at two overlapping sessions is refused."""
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
    leave = None
    if status in ATTENDED:
        _check_overlap(session, person)
        leave = Leave.objects.filter(session=session, person=person, status=LeaveStatus.APPROVED).first()
        if leave is not None and not withdraw_leave:
            raise LeaveClash({"status": f"{person.name}的请假（{leave.reason}）已经批准；登记为出席须先撤回请假，请确认后再登记"},
                             code="leave_approved")
    if leave is not None:
        leave.status = LeaveStatus.WITHDRAWN
        leave.decision_note = (f"本人到会，{timezone.localtime():%-m月%-d日 %H:%M}由登记考勤撤回请假")[:200]
        leave.save(update_fields=["status", "decision_note"])
        audit.record(action="leave.withdraw", by=by, obj=leave, before={"status": LeaveStatus.APPROVED},
                     after={"status": LeaveStatus.WITHDRAWN, "session": session.pk, "person": person.pk})
    if not Attendance.objects.filter(session=session).exists():
        _flag_late(session, "考勤")
    before = {"status": existing.status} if existing else None
    row, _ = Attendance.objects.update_or_create(
        session=session, group=group, person=person,
        defaults={"status": status, "note": (note or "")[:200], "recorded_by": by, "recorded_at": timezone.now(),
                  "source": "secretary"},
    )
    integrity.attendance_written(row)  # 真学真记 (integrity)
    participation_counts_refresh(participations=Participation.objects.filter(session=session, group=group))
    stats_services.refresh_session(session, topics=False)
    audit.record(action="attendance.record", by=by, obj=row, before=before,
                 after={"session": session.pk, "group": group.pk, "person": person.pk, "status": status})
    return row


@transaction.atomic
def attendance_all_present(*, session, group, by):
    """全部出席, then the exceptions: every member not yet marked is marked present (列席 as 列席). Those on
    approved leave or present at an overlapping session are left for the secretary, named in the answer.
    Returns (marked, [skipped: reason])."""
    session = _lock(session)
    _check_not_archived(session)
    _participation(session, group)
    _check_held(session)
    members = members_on_day(group, session.day)
    marked = set(Attendance.objects.filter(session=session, group=group).values_list("person_id", flat=True))
    on_leave = set(Leave.objects.filter(session=session, status=LeaveStatus.APPROVED).values_list("person_id",
                                                                                                 flat=True))
    done, skipped = 0, []
    for person in Person.objects.filter(pk__in=[pid for pid in members if pid not in marked]).order_by("pk"):
        if person.pk in on_leave:
            skipped.append(f"{person.name}（请假已批准）")
            continue
        status = AttendanceStatus.ATTENDEE if members[person.pk] == "attendee" else AttendanceStatus.PRESENT
        try:
            with transaction.atomic():
                attendance_record(session=session, group=group, person=person, status=status, by=by)
            done += 1
        except ValidationError as exc:
            skipped.append(f"{person.name}（{'；'.join(exc.messages)}）")
    return done, skipped


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


# The check-in's own statements are written out in SQL (core/sql.py). Hundreds of members scan within a minute,
# and on SQLite every statement of a scan's transaction runs under the one write lock: Django builds each ORM query
# anew, about half a millisecond of a core per query, and a scan made twenty. These are the same every time. The
# rules they keep are the ORM paths' (the tests run both: services.checkin without `roles` reads as any caller would).
_CLASH_SQL = (
    'SELECT EXISTS (SELECT 1 FROM meetings_leave l WHERE l.session_id = %s AND l.person_id = %s AND l.status = %s), '
    'EXISTS (SELECT 1 FROM meetings_attendance a JOIN meetings_studysession o ON o.id = a.session_id '
    'WHERE a.person_id = %s AND a.status IN (%s, %s) AND o.starts_at < %s AND o.ends_at > %s AND a.session_id <> %s '
    'AND o.status <> %s)')
_ATTENDED_SQL = ('UPDATE meetings_participation SET attended = attended + 1 '
                 'WHERE session_id = %s AND group_id = %s AND expected IS NOT NULL')
_STATUS_SQL = 'SELECT status FROM meetings_studysession WHERE id = %s'


def presence_clash(session, person_id):
    """(approved leave, present or late at another overlapping session that is not cancelled) for this person: one
    statement. The ORM reads that name the leave or the other session (overlapping_presence) run only when it
    finds one."""
    leave, other = sql.rows(_CLASH_SQL, [session.pk, person_id, LeaveStatus.APPROVED, person_id, *ATTENDED,
                                         sql.value(session.ends_at), sql.value(session.starts_at), session.pk,
                                         SessionStatus.CANCELLED])[0]
    return bool(leave), bool(other)


def checkin_done(*, session, by, group_ids):
    """The rows of an earlier check-in in each of these groups (a replayed token, a second scan), read without
    a transaction; None when something is still to be written."""
    group_ids = set(group_ids)
    if not by.person_id or not group_ids:
        return None
    rows = list(Attendance.objects.raw(
        "SELECT id, session_id, group_id, person_id, status, checked_in_at FROM meetings_attendance "
        "WHERE session_id = %s AND person_id = %s ORDER BY group_id", [session.pk, by.person_id]))
    rows = [r for r in rows if r.group_id in group_ids]
    return rows if rows and {r.group_id for r in rows} == group_ids else None


def checkin(*, session, token, by, now=None, device=None, roles=None):
    """Self check-in by QR code (a convenience, never required). Returns (rows, created).

    The hot path of a 联学 with hundreds of people scanning at once. `roles`: the member's (group id, role, group
    name) from access.checkin_roles, when the caller (the check-in page) has just read them with the session; without
    them the session and the roles are read here. The rules are read before the write lock is taken (on SQLite a
    transaction takes it at BEGIN, so reads inside it make every other scan wait); then every write of one scan
    (the attendance rows, the stored counts, the integrity signals, the device mark and the audit entries) is one
    transaction, recorded whole or not at all. A scan racing another one of the same person is still caught inside
    it: the unique constraint keeps one row, and integrity.attendance_written flags an overlap or an approved leave.
    `device` is the phone's own mark (integrity.devices), when the view has one."""
    now = now or timezone.now()
    if roles is None:
        session = StudySession.objects.select_related("group").get(pk=session.pk)
        roles = checkin_roles(session, by.person_id)
    checkin_verify(session, token, now)
    if not by.person_id:
        raise ValidationError("您的账号没有关联人员，不能签到")
    # The last membership of a group on the day decides the role (the order of checkin_roles), as in
    # members_on_day, which the roster and the expected counts read.
    found = {gid: (role, name) for gid, role, name in roles}
    if not found:
        raise ValidationError("您不是这次学习参学中心组的成员，无需签到")
    status = AttendanceStatus.LATE if now > session.starts_at + dt.timedelta(
        minutes=LATE_ARRIVAL_MINUTES) else AttendanceStatus.PRESENT
    person = by.person  # read with the account (accounts.backends.UserBackend)
    on_leave, elsewhere = presence_clash(session, person.pk)
    if elsewhere:
        _check_overlap(session, person)  # names the other session
    if on_leave:
        raise ValidationError("您的请假已经批准；如已到会，请联系学习秘书撤回请假后登记出席")
    rows, created = [], []
    with transaction.atomic():
        for group_id, (role, name) in sorted(found.items()):
            row_status = AttendanceStatus.ATTENDEE if role == "attendee" else status
            row = Attendance(session=session, group_id=group_id, person_id=by.person_id, status=row_status,
                             source="qr", checked_in_at=now, recorded_by=by)
            # A replayed token or a second scan: the unique constraint keeps one row and nothing changes.
            if not sql.insert(row, unless_exists=("session_id", "group_id", "person_id")):
                rows.append(Attendance.objects.get(session=session, group_id=group_id, person_id=by.person_id))
                continue
            row.person, row.group = person, StudyGroup(pk=group_id, name=name)  # the audit entry names both
            integrity.attendance_written(row)  # 真学真记 (integrity)
            rows.append(row)
            created.append(row)
        if created and sql.rows(_STATUS_SQL, [session.pk]) != [(SessionStatus.SCHEDULED,)]:
            # Archived or called off while this scan waited for the write lock (its rules were read before it):
            # exact here, after the inserts — on SQLite the lock is held, on PostgreSQL the new rows' key-share
            # lock on the session conflicts with the archive's row lock. Everything of this scan rolls back.
            raise ValidationError("这次学习已归档或已取消，不能再签到；如已到会，请联系学习秘书登记")
        # 真学真记: one phone checking in several people is a signal, whatever this scan created.
        integrity.checkin_device(session=session, person_id=by.person_id, device=device)
        # Last, the rows other scans wait for, each held until this scan commits (on PostgreSQL; SQLite holds its
        # one lock from BEGIN anyway): each group's stored counts, which the scans of that group update, then the
        # audit head, which every write of the product updates. Taken any earlier, they would be held through
        # the statements above, and a group's row through the wait for the head.
        for row in created:
            if row.status in ATTENDED:
                # A new row of a member present or late: one more attended, unless the counts are not yet stored.
                sql.write(_ATTENDED_SQL, [session.pk, row.group_id])
                stats_services.checkin_counted(session=session, group_id=row.group_id, status=row.status, now=now)
        for row in created:
            audit.record(action="attendance.checkin", by=by, obj=row,
                         after={"session": session.pk, "group": row.group_id, "status": row.status})
    return rows, bool(created)


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
              if p.state in TAKING_PART and person.pk in members_on_day(p.group, session.day)]
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
    if approve and Attendance.objects.filter(session=leave.session, person=leave.person,
                                             status__in=ATTENDED).exists():
        raise ValidationError(f"{leave.person.name}已登记出席这次学习，不能再批准请假")
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED
    leave.decided_by, leave.decided_at, leave.decision_note = by, timezone.now(), (note or "")[:200]
    leave.save()
    if approve:
        integrity.leave_approved(leave)  # 真学真记 (integrity)
        Attendance.objects.update_or_create(
            session=leave.session, group=leave.group, person=leave.person,
            defaults={"status": AttendanceStatus.LEAVE, "source": "leave", "recorded_by": by,
                      "recorded_at": timezone.now(), "note": leave.reason})
        participation_counts_refresh(participations=Participation.objects.filter(session=leave.session,
                                                                                 group=leave.group))
        stats_services.refresh_session(leave.session, topics=False)
    audit.record(action="leave.decide", by=by, obj=leave, after={"status": leave.status, "note": leave.decision_note})
    _notify([leave.person_id], leave.session,
            f"请假申请{'已批准' if approve else '未批准'}：{leave.session.title}")
    return leave


def _default_due(session):
    # Working days on the product's one calendar (调休 included), not calendar days.
    from workdays.selectors import add_workdays

    return add_workdays(session.day, getattr(settings, "MEETINGS_MAKEUP_DAYS", 10))


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
def makeup_submit(*, makeup, reflection, by, ai_assisted=False):
    """The 体会 is a writing of kind 补学体会 FK'd to the MakeUp (writings/); each save keeps a version and
    submitting marks the task 已提交 (writings.services._after_submit)."""
    from writings.services import makeup_write

    makeup = MakeUp.objects.select_for_update().get(pk=makeup.pk)
    if makeup.status == MakeUpStatus.REPORTED:
        raise ValidationError("补学情况已在会上通报，不能再修改")
    try:
        writing = makeup_write(makeup=makeup, text=reflection, ai_assisted=ai_assisted, by=by)
    except ValidationError as exc:
        # The page's field is still called reflection.
        raise ValidationError({"reflection": exc.messages}) from exc
    makeup.refresh_from_db()
    audit.record(action="makeup.submit", by=by, obj=makeup, after={"writing": writing.pk, "chars": len(writing.text)})
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
def preparation_submit(*, session, person, text, by, ai_assisted=False):
    """A member's 发言材料 is a writing of kind 发言材料 (writings/), one per member and session, versioned."""
    from writings.services import statement_write

    session = StudySession.objects.get(pk=session.pk)
    _check_not_archived(session)
    if not (text or "").strip():
        raise ValidationError({"text": "请填写研讨发言材料"})
    writing = statement_write(session=session, person=person, text=text, ai_assisted=ai_assisted, by=by)
    audit.record(action="preparation.submit", by=by, obj=session, after={"writing": writing.pk,
                                                                        "chars": len(writing.text)})
    return writing


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
    integrity.records_written(session, before)  # 真学真记 (integrity)
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


def five_checks(session, now=None, *, sheets=None, marked=None, attachments=None):
    """五落实: [(label, ok, detail)] — 时间、地点、人员、内容、效果.

    The session page passes its attendance sheets, whether anything is marked and its attachments, so the
    checks read nothing more; otherwise the members of all groups are read in one query."""
    now = now or timezone.now()
    held = session.starts_at <= now
    if sheets is not None:
        # A group not taking part has no lines; a partner whose lines the host cannot get is excused by a reason.
        missing = sum(1 for g in sheets if not g.missing_reason
                      for line in g.lines if line.role != "attendee" and not line.status)
    else:
        rows = set(Attendance.objects.filter(session=session).values_list("group_id", "person_id"))
        marked = bool(rows)
        taking_part = session.participations.filter(state__in=TAKING_PART, missing_reason="").values("group_id")
        members = Membership.objects.on(session.day).filter(group_id__in=taking_part).exclude(role="attendee")
        missing = sum(1 for key in members.values_list("group_id", "person_id").distinct() if key not in rows)
    content = bool(session.title and (session.agenda or session.pre_reading or session.plan_topic_id
                                      or session.reference_topic_id or session.materials.exists()))
    record_kinds = (AttachmentKind.MINUTES, AttachmentKind.SUMMARY, AttachmentKind.BRIEFING)
    effect = bool(session.summary or session.minutes) or (
        any(a.kind in record_kinds for a in attachments) if attachments is not None
        else session.attachments.filter(kind__in=record_kinds).exists())
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
    _freeze(session)
    session.status = SessionStatus.ARCHIVED
    session.archived_at = timezone.now()
    session.archived_by = by
    session.record_year = session.day.year
    last = (StudySession.objects.filter(group_id=session.group_id, record_year=session.record_year)
            .exclude(record_no__isnull=True).order_by("-record_no").values_list("record_no", flat=True).first())
    session.record_no = (last or 0) + 1
    session.version += 1
    session.save(update_fields=["status", "archived_at", "archived_by", "version", "frozen", "record_year",
                                "record_no"])
    integrity.session_archived(session)  # 真学真记 (integrity)
    audit.record(action="session.archive", by=by, obj=session, after=audit.snapshot(session, SESSION_FIELDS))
    return session


FROZEN = "frozen"  # Participation.counts_stamp of an archived session: its counts are never recounted


def _freeze(session):
    """Keep the record as it reads today: each group's lines (name, role, status) and figures. Later changes to
    memberships or people never reach an archived record; only a Correction does."""
    from .selectors import session_attendance

    groups = []
    for sheet in session_attendance(session):
        lines = [{"person_id": ln.person_id, "name": ln.name, "role": ln.role, "role_label": ln.role_label,
                  "status": ln.status, "status_label": ln.status_label, "source": ln.source,
                  "checked_in_at": ln.checked_in_at.isoformat() if ln.checked_in_at else None}
                 for ln in sheet.lines]
        groups.append({"group_id": sheet.group_id, "group_name": sheet.group_name, "is_host": sheet.is_host,
                       "venue": sheet.venue, "missing_reason": sheet.missing_reason, "lines": lines})
        Participation.objects.filter(session=session, group_id=sheet.group_id).update(
            expected=sheet.rate.expected, attended=sheet.rate.attended, counts_stamp=FROZEN)
    session.frozen = {"at": timezone.now().isoformat(), "groups": groups,
                      "lead_reader": session.lead_reader.name if session.lead_reader_id else "",
                      "speakers": [p.name for p in session.speakers.order_by("pk")]}


def freeze_archived_unfrozen(*, by=None):
    """Sessions archived before 归档 froze the record (`frozen` is null) still read live data: freeze each as it
    reads now, one audited transaction per session. Returns how many were frozen; running it again does nothing."""
    ids = list(StudySession.objects.filter(status=SessionStatus.ARCHIVED, frozen__isnull=True)
               .order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            session = StudySession.objects.select_for_update().filter(pk=pk, frozen__isnull=True).first()
            if session is None:
                continue
            _freeze(session)
            session.frozen["backfilled"] = True  # frozen after the fact, as it read on that day
            session.save(update_fields=["frozen"])
            audit.record(action="session.freeze_backfill", by=by, obj=session,
                         after={"frozen_at": session.frozen["at"]})
    return len(ids)


@transaction.atomic
def partner_decide(*, session, group, accept, by, note=""):
    """An invited group's 组长 or 学习秘书 accepts or declines a 联学. Accepting lets the host see its members
    and tells them of the session; declining leaves it out of the record."""
    from .access import DECIDING_ROLES

    session = _lock(session)
    _check_not_archived(session)
    p = Participation.objects.select_for_update().filter(session=session, group=group, is_host=False).first()
    if p is None:
        raise ValidationError(f"{group.name}没有受邀参加这次联学")
    if not any(gid == group.pk and role in DECIDING_ROLES for gid, role in
               Membership.objects.on(timezone.localdate()).filter(person_id=by.person_id).values_list(
                   "group_id", "role")):
        raise ValidationError(f"只有{group.name}的组长或学习秘书可以答复联学邀请")
    if p.state != PartnerState.INVITED:
        raise ValidationError(f"{group.name}已{p.get_state_display()}，不能再次答复")
    p.state = PartnerState.ACCEPTED if accept else PartnerState.DECLINED
    p.state_by, p.state_at, p.state_note = by, timezone.now(), (note or "").strip()[:200]
    p.save(update_fields=["state", "state_by", "state_at", "state_note"])
    audit.record(action="session.partner_accept" if accept else "session.partner_decline", by=by, obj=session,
                 after={"group": group.pk, "state": p.state, "note": p.state_note})
    if accept:
        participation_counts_refresh(participations=Participation.objects.filter(pk=p.pk))
        # from now on the session counts for this group too (held, 研讨, attendance, the plan's topics)
        stats_services.refresh(group_ids=[group.pk], year=session.day.year)
        when = timezone.localtime(session.starts_at)
        _notify(members_on_day(group, session.day), session,
                f"学习安排（联学）：{when:%-m月%-d日 %H:%M} 在{session.place}，{session.group.name}主办“{session.title}”")
    _notify(Membership.objects.on(timezone.localdate()).filter(group=session.group, role__in=DECIDING_ROLES)
            .values_list("person_id", flat=True), session,
            f"{group.name}{'接受' if accept else '谢绝'}了联学“{session.title}”的邀请")
    return p


@transaction.atomic
def partner_withdraw(*, session, group, by, reason, remove=False):
    """A partner leaves the 联学 (its own managers), or the host removes it, before the session is held.
    Its attendance rows go with it: it is no longer part of this record."""
    session = _lock(session)
    _check_not_archived(session)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请说明原因"})
    p = Participation.objects.select_for_update().filter(session=session, group=group, is_host=False).first()
    if p is None or p.state in (PartnerState.LEFT, PartnerState.REMOVED, PartnerState.DECLINED):
        raise ValidationError(f"{group.name}不在这次联学中")
    if timezone.now() >= session.starts_at:
        raise ValidationError("联学已经开始，不能再退出或移出参学中心组；如确未参加，请在归档时说明原因")
    was_taking_part = p.state in TAKING_PART
    p.state = PartnerState.REMOVED if remove else PartnerState.LEFT
    p.state_by, p.state_at, p.state_note = by, timezone.now(), reason[:200]
    p.save(update_fields=["state", "state_by", "state_at", "state_note"])
    Attendance.objects.filter(session=session, group=group).delete()
    Leave.objects.filter(session=session, group=group).delete()
    audit.record(action="session.partner_remove" if remove else "session.partner_leave", by=by, obj=session,
                 after={"group": group.pk, "reason": p.state_note})
    if was_taking_part:
        stats_services.refresh(group_ids=[group.pk], year=session.day.year)  # its next session is another one
        _notify(members_on_day(group, session.day), session,
                f"联学变更：本组{'已被移出' if remove else '已退出'}“{session.title}”。原因：{reason[:60]}")
    return p


@transaction.atomic
def partner_missing_reason(*, session, group, reason, by):
    """The host records why a partner's attendance lines are missing, so the 联学 can be archived without them."""
    session = _lock(session)
    _check_not_archived(session)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请说明未登记考勤的原因（不少于 4 个字）"})
    p = Participation.objects.filter(session=session, group=group, is_host=False, state__in=TAKING_PART).first()
    if p is None:
        raise ValidationError(f"{group.name}不在这次联学中")
    p.missing_reason = reason[:200]
    p.save(update_fields=["missing_reason"])
    audit.record(action="session.partner_missing", by=by, obj=session, after={"group": group.pk, "reason": reason})
    return p


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
    stats_services.refresh_session(session)
    people = set()
    for p in session.participations.select_related("group").filter(state__in=TAKING_PART):
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
        # Who may be corrected: the people on the record as archived (frozen), not today's memberships.
        if session.frozen is not None:
            on_record = {(g["group_id"], ln["person_id"]): ln["name"] for g in session.frozen["groups"]
                         for ln in g["lines"]}
        else:
            on_record = {(group_id, pid): None for pid in members_on_day(group, session.day)} if group else {}
        if group is None or (group_id, person_id) not in on_record:
            raise ValidationError({"field": "此人不在这次学习归档时的参学名单中"})
        label = f"考勤：{on_record[(group_id, person_id)] or Person.objects.get(pk=person_id).name}"
        old = effective_value(session, field)
        new_value = AttendanceStatus(new_value).label
    else:
        raise ValidationError({"field": "更正项目不正确"})
    if old == new_value:
        raise ValidationError({"new_value": "更正后的内容与现有内容相同"})
    correction = Correction.objects.create(session=session, field=field, label=label, old_value=old,
                                           new_value=new_value, reason=reason[:300], by=by)
    stats_services.refresh_session(session, topics=False)
    audit.record(action="session.correct", by=by, obj=session,
                 after={"field": field, "old": old[:200], "new": new_value[:200], "reason": correction.reason})
    return correction


def effective_value(session, field):
    last = Correction.objects.filter(session=session, field=field).order_by("-at", "-id").first()
    if last is not None:
        return last.new_value
    if field.startswith("attendance:"):
        group_id, person_id = parse_attendance_field(field)
        if session.frozen is not None:
            return next((ln["status_label"] for g in session.frozen["groups"] if g["group_id"] == group_id
                         for ln in g["lines"] if ln["person_id"] == person_id), "未登记")
        row = Attendance.objects.filter(session=session, group_id=group_id, person_id=person_id).first()
        return row.get_status_display() if row else "未登记"
    return getattr(session, field)


@transaction.atomic
def notices_mark_read(*, person, by):
    n = Notice.objects.filter(person=person, read_at__isnull=True).update(read_at=timezone.now())
    return n
