"""集体学习: sessions with their 五落实, attendance, leave, 补学, random call-on, attachments and corrections.

A session points at the plan topic, the 参考议题 and the library materials it studies by foreign keys
(migration 0005 turned the earlier bare integers into them).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SessionForm(models.TextChoices):
    SEMINAR = "seminar", "集体研讨"
    LECTURE = "lecture", "专题辅导/讲座"
    READING_CLASS = "reading_class", "读书班"
    VISIT = "visit", "参观考察/现场教学"
    RESEARCH = "research", "专题调研"
    VIDEO = "video", "观看视频"
    JOINT = "joint", "联学"
    ONLINE = "online", "线上学习"


# Forms that count as a 研讨 for the "at least one 研讨 per quarter" rule.
SEMINAR_FORMS = (SessionForm.SEMINAR, SessionForm.JOINT)


class TopicSource(models.TextChoices):
    PLAN = "plan", "年度计划专题"
    REFERENCE = "reference", "参考议题"
    FIRST_ITEM = "first_item", "第一议题"
    OTHER = "other", "其他"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "已安排"
    ARCHIVED = "archived", "已归档"
    CANCELLED = "cancelled", "已取消"


# The long parts of a session's record. A list or a card that shows titles and times defers them: minutes run to
# pages, and an archived 联学's `frozen` holds every member's line and is parsed from JSON when loaded.
RECORD_TEXTS = ("agenda", "pre_reading", "minutes", "summary", "briefing")
RECORD_BODY = (*RECORD_TEXTS, "frozen")


def record_body(prefix=""):
    """The body's field names for `.defer(*record_body())`, or through a relation: `record_body("session__")`."""
    return [prefix + name for name in RECORD_BODY]


class StudySession(models.Model):
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="hosted_sessions",
                              verbose_name="主办中心组")
    title = models.CharField("学习主题", max_length=200)
    topic_source = models.CharField("议题来源", max_length=16, choices=TopicSource.choices, default=TopicSource.OTHER)
    # PROTECT: a plan topic or 参考议题 that a session studied is part of the record and is never deleted
    # (approved plan versions are locked; topics of drafts cannot be scheduled).
    plan_topic = models.ForeignKey("plans.Topic", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="sessions", verbose_name="计划专题")
    reference_topic = models.ForeignKey("plans.ReferenceTopic", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="sessions", verbose_name="参考议题")
    materials = models.ManyToManyField("materials.Material", blank=True, related_name="study_sessions",
                                       verbose_name="学习材料")
    form = models.CharField("学习形式", max_length=16, choices=SessionForm.choices, default=SessionForm.SEMINAR)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    # The local date of starts_at, kept so that "a member on that day" is a plain comparison in SQL.
    day = models.DateField("日期", null=True, editable=False)
    place = models.CharField("地点", max_length=200)
    agenda = models.TextField("议程", blank=True)
    pre_reading = models.TextField("会前学习材料", blank=True)
    lead_reader = models.ForeignKey("orgs.Person", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="领学人")
    speakers = models.ManyToManyField("orgs.Person", blank=True, related_name="+", verbose_name="中心发言人")
    outside_speaker = models.CharField("外请辅导人", max_length=120, blank=True)
    speaker_approved_at = models.DateTimeField("政治把关/备案时间", null=True, blank=True)
    speaker_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    speaker_approval_note = models.CharField("把关/备案说明", max_length=200, blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    summary = models.TextField("学习小结", blank=True)
    briefing = models.TextField("学习简报", blank=True)
    status = models.CharField("状态", max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    late_record = models.BooleanField("补录", default=False)
    late_reason = models.CharField(max_length=120, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # What the record said the day it was archived (figures and who was in which list, per group), so that
    # later membership or name changes never alter it; only a Correction does (see selectors.session_attendance).
    frozen = models.JSONField(null=True, blank=True, editable=False)
    # 〔year〕第N次: the group's own yearly number, given at 归档 and never changed afterwards.
    record_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    record_no = models.PositiveIntegerField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "集体学习"
        indexes = [models.Index(fields=["group", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.UniqueConstraint(fields=["group", "record_year", "record_no"], name="session_record_no_once"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.day = timezone.localdate(self.starts_at)
        if kwargs.get("update_fields") is not None and "starts_at" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "day"}
        super().save(*args, **kwargs)

    @property
    def is_archived(self):
        return self.status == SessionStatus.ARCHIVED

    @property
    def is_closed(self):
        """Archived or cancelled: nothing more is recorded on it (an archived one takes corrections)."""
        return self.status in (SessionStatus.ARCHIVED, SessionStatus.CANCELLED)

    @property
    def needs_speaker_approval(self):
        return bool(self.outside_speaker) and self.speaker_approved_at is None


class PartnerState(models.TextChoices):
    HOST = "host", "主办"
    INVITED = "invited", "待确认"
    ACCEPTED = "accepted", "已接受"
    DECLINED = "declined", "已谢绝"
    LEFT = "left", "已退出"
    REMOVED = "removed", "已移出"


# A partner group in these states takes part: its members are shown, told and recorded.
TAKING_PART = (PartnerState.HOST, PartnerState.ACCEPTED)


class Participation(models.Model):
    """A group taking part in a session. The host has a row too, so every query goes through here;
    in a 联学 each group's attendance is its own and the session counts for each of them."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="participations")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="session_participations")
    is_host = models.BooleanField(default=False)
    venue = models.CharField("分会场", max_length=200, blank=True)
    # 联学: an invited group decides (its 组长 or 学习秘书); until it accepts, the host sees its name and
    # head counts only and nobody in it is told anything.
    state = models.CharField("参加状态", max_length=12, choices=PartnerState.choices, default=PartnerState.HOST)
    state_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    state_at = models.DateTimeField(null=True, blank=True)
    state_note = models.CharField("说明", max_length=200, blank=True)
    # Why the session was archived without this group's attendance lines (recorded by the host).
    missing_reason = models.CharField("未登记原因", max_length=200, blank=True)
    # Stored counts for the supervisor's overview (see meetings/counts.py): members (not 列席) on the
    # session's day, and those of them present or late; `counts_stamp` is the group's membership stamp they
    # were counted under. Null until counted; a reader recounts any pair whose stamp is out of date.
    expected = models.PositiveIntegerField(null=True, blank=True, editable=False)
    attended = models.PositiveIntegerField(null=True, blank=True, editable=False)
    counts_stamp = models.CharField(max_length=120, blank=True, editable=False)

    class Meta:
        ordering = ["-is_host", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "group"], name="participation_once")]
        indexes = [models.Index(fields=["group", "session"])]


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    LATE = "late", "迟到"
    ABSENT = "absent", "缺席"
    ATTENDEE = "attendee", "列席"


ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
# Corrections store a status by its label (出席), as the record reads; the counts need its value (present).
STATUS_BY_LABEL = {s.label: s.value for s in AttendanceStatus}


class AttendanceSource(models.TextChoices):
    SECRETARY = "secretary", "秘书登记"
    QR = "qr", "扫码签到"
    LEAVE = "leave", "请假审批"


class Attendance(models.Model):
    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="attendance")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField("考勤", max_length=16, choices=AttendanceStatus.choices)
    source = models.CharField(max_length=16, default=AttendanceSource.SECRETARY, choices=AttendanceSource.choices)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "考勤"
        # One row per person per group per session: double clicks and replayed QR tokens find this row.
        constraints = [models.UniqueConstraint(fields=["session", "group", "person"], name="attendance_once")]
        indexes = [models.Index(fields=["person", "session"])]


class LeaveStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "未批准"
    WITHDRAWN = "withdrawn", "已撤回"  # the member came after all: marked present, the leave is withdrawn


class Leave(models.Model):
    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="leaves")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="leaves")
    reason = models.CharField("请假事由", max_length=200)
    status = models.CharField(max_length=16, choices=LeaveStatus.choices, default=LeaveStatus.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "person"],
                                               condition=~Q(status__in=["refused", "withdrawn"]),
                                               name="leave_once_unless_refused")]


class MakeUpStatus(models.TextChoices):
    ASSIGNED = "assigned", "待补学"
    SUBMITTED = "submitted", "已提交体会"
    REPORTED = "reported", "已通报"


class MakeUp(models.Model):
    """补学: read the session's materials and write a 体会; reported at the group's next session."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="makeups")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="makeups")
    due = models.DateField("完成期限")
    status = models.CharField(max_length=16, choices=MakeUpStatus.choices, default=MakeUpStatus.ASSIGNED)
    reflection = models.TextField("补学体会", blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reported_in = models.ForeignKey(StudySession, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="reported_makeups")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "group", "person"], name="makeup_once")]


class CallOnDraw(models.Model):
    """随机点名. The candidates, weights and seed are stored so anyone can re-run the draw and get the same pick."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="draws")
    seed = models.CharField(max_length=64)
    candidates = models.JSONField()  # person ids, ascending
    weights = models.JSONField()
    picked = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["drawn_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "picked"], name="draw_once_per_person")]


class Preparation(models.Model):
    """研讨发言材料 submitted before the session. (Will move to the writings app when it exists.)"""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="preparations")
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("研讨发言材料")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="preparation_once")]


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", "照片"
    MINUTES = "minutes", "会议纪要"
    SUMMARY = "summary", "学习小结"
    BRIEFING = "briefing", "学习简报"
    OTHER = "other", "其他文件"


def attachment_path(instance, filename):
    return f"meetings/{instance.session_id}/{timezone.now():%Y%m%d%H%M%S}-{filename[-80:]}"


class Attachment(models.Model):
    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("类别", max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]


class Correction(models.Model):
    """A change to an archived session: the original stays, the correction is shown beside it."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=40)  # a session field, or attendance_field(group_id, person_id)
    label = models.CharField(max_length=60)
    old_value = models.TextField(blank=True)
    new_value = models.TextField()
    reason = models.CharField("更正理由", max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


def attendance_field(group_id, person_id):
    """The Correction.field of one person's attendance in one participating group."""
    return f"attendance:{group_id}-{person_id}"


def parse_attendance_field(field):
    """(group_id, person_id) of an attendance Correction.field; ValueError when it names no such pair."""
    group_id, person_id = (int(x) for x in field.split(":")[1].split("-"))
    return group_id, person_id


class Notice(models.Model):
    """In-site notice to a person (a session was scheduled, leave was decided, 补学 assigned)."""

    person = models.ForeignKey("orgs.Person", on_delete=models.CASCADE, related_name="meeting_notices")
    session = models.ForeignKey(StudySession, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["person", "read_at"])]
