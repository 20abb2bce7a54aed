"""督 Supervision: the observer pool's availability, the yearly 巡听旁听 plan and its draws, visits with their
scoring and feedback, 整改, outside-speaker 政治把关, and 专题督查 campaigns.

The pool itself and the access grant stay in orgs (`Observer`, `ObserverAssignment`): orgs.access already
lets an observer open an assigned group's sessions, so assigning an observer to a visit creates an
ObserverAssignment for the visit's window instead of a second access path.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ObserverAbsence(models.Model):
    """巡听员不可派出的时段（出差、培训、休假）: the pool's availability."""

    observer = models.ForeignKey("orgs.Observer", on_delete=models.CASCADE, related_name="absences")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    reason = models.CharField("原因", max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["start", "id"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="absence_end_after_start")]


class Checklist(models.Model):
    """A configurable scoring checklist, kept by a supervising unit (巡听评分表 or a 专题督查 checklist)."""

    class Use(models.TextChoices):
        VISIT = "visit", "巡听评分表"
        INSPECTION = "inspection", "专题督查清单"

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="checklists")
    name = models.CharField("名称", max_length=100)
    use = models.CharField("用途", max_length=16, choices=Use.choices, default=Use.VISIT)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path", "id"]

    def __str__(self):
        return self.name

    @property
    def max_total(self):
        return sum(i.max_score for i in self.items.all())


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField("评分项", max_length=120)
    guide = models.CharField("评分要点", max_length=300, blank=True)
    max_score = models.PositiveSmallIntegerField("分值", default=10)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.text


class SupervisionPlan(models.Model):
    """The yearly 巡听旁听 plan of one supervising unit."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="supervision_plans",
                             verbose_name="督导单位")
    year = models.PositiveSmallIntegerField("年度")
    coverage_years = models.PositiveSmallIntegerField("覆盖周期（年）", default=1,
                                                      help_text="下辖每个中心组在几年内至少旁听一次")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="plans", verbose_name="评分表")
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="one_supervision_plan_per_unit_year")]

    def __str__(self):
        return f"{self.unit} {self.year}年巡听旁听计划"


class FocusTarget(models.Model):
    """重点对象: a group to be visited more often this year, with the reason (上年考核不合格, 本年被通报…)."""

    class Source(models.TextChoices):
        MANUAL = "manual", "人工确定"
        INTEGRITY = "integrity", "记录真实性疑点"
        ASSESSMENT = "assessment", "上年考核"

    plan = models.ForeignKey(SupervisionPlan, on_delete=models.CASCADE, related_name="focus_targets")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("列为重点的原因", max_length=200)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "group"], name="focus_once_per_plan")]


class VisitKind(models.TextChoices):
    FIXED = "fixed", "固定"
    RANDOM = "random", "随机"
    INVITED = "invited", "应邀"
    FOCUS = "focus", "重点"


class Draw(models.Model):
    """A reproducible random draw: everything that decided it is stored, so re-running it gives the same list."""

    plan = models.ForeignKey(SupervisionPlan, on_delete=models.CASCADE, related_name="draws")
    seed = models.CharField(max_length=64)
    count = models.PositiveIntegerField("抽取数量")
    candidates = models.JSONField()  # group ids, ascending: the snapshot of who could be drawn
    weights = models.JSONField()  # one per candidate
    exclusions = models.JSONField(default=dict)  # group id -> reason it was left out
    picked = models.JSONField()  # group ids in draw order
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-drawn_at", "-id"]


class Visit(models.Model):
    """One 巡听旁听 of a group's session. Planned first; the group then files a session for it (备案),
    observers are assigned, they score and write the feedback, and the group rectifies."""

    plan = models.ForeignKey(SupervisionPlan, on_delete=models.PROTECT, related_name="visits")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="supervision_visits")
    kind = models.CharField("方式", max_length=16, choices=VisitKind.choices)
    draw = models.ForeignKey(Draw, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    planned_month = models.PositiveSmallIntegerField("计划月份", null=True, blank=True)
    session = models.ForeignKey("meetings.StudySession", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="supervision_visits", verbose_name="旁听的集体学习")
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    filed_late = models.BooleanField("迟报", default=False)
    filing_note = models.CharField("备案说明", max_length=300, blank=True)
    feedback = models.TextField("反馈意见", blank=True)
    feedback_due = models.DateField("反馈期限", null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    cancelled = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["plan", "planned_month", "id"]
        indexes = [models.Index(fields=["group", "plan"]), models.Index(fields=["feedback_due", "feedback_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}旁听 · {self.group}"

    @property
    def status(self):
        if self.cancelled:
            return "已撤销"
        if self.feedback_at:
            return "已反馈"
        # all(), not exists(): the plan page prefetches the observers, and exists() would query per row.
        if self.session_id and self.observers.all():
            return "已派员"
        if self.session_id:
            return "已备案"
        return "待备案"


class VisitObserver(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="observers")
    observer = models.ForeignKey("orgs.Observer", on_delete=models.PROTECT, related_name="visits")
    # The access grant in orgs that lets the observer open the session and its materials.
    assignment = models.ForeignKey("orgs.ObserverAssignment", null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "observer"], name="observer_once_per_visit")]


class VisitScore(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=1)
    comment = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="score_once_per_item")]


class Inspection(models.Model):
    """专题督查: one checklist run over many units at once."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="inspections", verbose_name="督查单位")
    title = models.CharField("督查名称", max_length=120)
    year = models.PositiveSmallIntegerField("年度")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="inspections")
    due = models.DateField("完成期限")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return self.title


class InspectionTarget(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="targets")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey("orgs.Observer", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="inspections")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group__unit__path"]
        constraints = [models.UniqueConstraint(fields=["inspection", "group"], name="inspection_target_once")]


class InspectionResult(models.Model):
    """督查分 with the reason for any deduction, and the problem found, per unit per item."""

    target = models.ForeignKey(InspectionTarget, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=1)
    problem = models.CharField("发现的问题", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["target", "item"], name="result_once_per_item")]


class RectStatus(models.TextChoices):
    OPEN = "open", "整改中"
    SUBMITTED = "submitted", "待验收"
    ACCEPTED = "accepted", "已销号"
    RETURNED = "returned", "退回重改"


OPEN_RECT = (RectStatus.OPEN, RectStatus.SUBMITTED, RectStatus.RETURNED)


def evidence_path(instance, filename):
    return f"supervision/rect/{instance.pk or 'new'}/{timezone.now():%Y%m%d%H%M%S}-{filename[-80:]}"


class Rectification(models.Model):
    """整改: problem → measure → responsible person → due date → done with evidence; accepted or returned."""

    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="rectifications")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="rectifications")
    target = models.ForeignKey(InspectionTarget, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="rectifications")
    problem = models.CharField("问题", max_length=300)
    measure = models.CharField("整改措施", max_length=500)
    responsible = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+", verbose_name="责任人")
    due = models.DateField("整改期限")
    status = models.CharField(max_length=16, choices=RectStatus.choices, default=RectStatus.OPEN)
    evidence_text = models.TextField("整改情况", blank=True)
    evidence_file = models.FileField(upload_to=evidence_path, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("验收意见", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["group", "status"]), models.Index(fields=["status", "due"])]
        constraints = [models.CheckConstraint(condition=Q(visit__isnull=False) | Q(target__isnull=False),
                                              name="rectification_has_a_source")]


class SpeakerStatus(models.TextChoices):
    PENDING = "pending", "待把关"
    APPROVED = "approved", "同意"
    REFUSED = "refused", "不同意"


class SpeakerFiling(models.Model):
    """外请辅导 filed with the supervising unit, whose 政治把关 decision the session's speaker check reads."""

    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="speaker_filings")
    session = models.ForeignKey("meetings.StudySession", on_delete=models.PROTECT, related_name="speaker_filings",
                                verbose_name="集体学习")
    name = models.CharField("辅导人姓名", max_length=60)
    unit_name = models.CharField("工作单位", max_length=120)
    title = models.CharField("职务职称", max_length=80)
    topic = models.CharField("辅导题目", max_length=200)
    outline = models.TextField("辅导提纲")
    status = models.CharField(max_length=16, choices=SpeakerStatus.choices, default=SpeakerStatus.PENDING)
    decision_note = models.CharField("把关意见", max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-filed_at", "-id"]
