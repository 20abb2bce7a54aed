"""通报 (bulletins), 报送 tasks and yearly 档案专卷 builds."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Office(models.Model):
    """The issuing office of a supervising unit: what its bulletins print in the red header and the 版记."""

    unit = models.OneToOneField("orgs.Unit", on_delete=models.PROTECT, related_name="bulletin_office",
                                verbose_name="督导单位")
    mark = models.CharField("发文机关标志", max_length=60)
    prefix = models.CharField("发文字号前缀", max_length=20, help_text="如：江宣")
    recipients = models.CharField("主送机关", max_length=300, blank=True)
    cc = models.CharField("抄送", max_length=300, blank=True)
    printer = models.CharField("印发机关", max_length=60)
    signature = models.CharField("落款（发文机关署名）", max_length=60, blank=True)
    template = models.BinaryField("红头模板（.docx）", null=True, blank=True, editable=False)
    template_name = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self):
        return self.mark


class NumberCounter(models.Model):
    """The last 发文字号 used by an office in a year; locked while a bulletin takes the next one."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="counters")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="reports_counter_office_year")]


class Bulletin(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="bulletins")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="通报范围")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", null=True, blank=True)  # None: the whole year
    number_year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    doc_number = models.CharField("发文字号", max_length=40)
    title = models.CharField("标题", max_length=200)
    issued_on = models.DateField("成文日期")
    docx = models.BinaryField(editable=False)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created"]
        constraints = [models.UniqueConstraint(fields=["office", "number_year", "number"],
                                               name="reports_bulletin_number_unique")]

    def __str__(self):
        return f"{self.doc_number} {self.title}"

    @property
    def period_label(self):
        return f"{self.year}年第{self.quarter}季度" if self.quarter else f"{self.year}年度"


class TaskKind(models.TextChoices):
    PLAN = "plan", "年度学习计划及成员名单"
    HALF_YEAR = "half_year", "半年总结"
    SPECIAL = "special", "专题报告"


class ReportTask(models.Model):
    """A supervisor asks every group of a subtree to submit something by a deadline."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="report_tasks", verbose_name="下发范围")
    kind = models.CharField("报送类型", max_length=16, choices=TaskKind.choices)
    title = models.CharField("标题", max_length=200)
    instructions = models.TextField("报送要求", blank=True)
    year = models.PositiveSmallIntegerField("年度")
    deadline = models.DateField("截止日期")
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-deadline", "-pk"]

    def __str__(self):
        return self.title


class Submission(models.Model):
    task = models.ForeignKey(ReportTask, on_delete=models.CASCADE, related_name="submissions")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="report_submissions")
    prefilled = models.JSONField("系统已有数据", default=dict)  # what the system held when submitted
    text = models.TextField("报送内容")
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "group"], name="reports_submission_once")]

    @property
    def late(self):
        return timezone.localdate(self.submitted_at) > self.task.deadline


class ArchiveStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ArchiveBuild(models.Model):
    """One build of a group's yearly 档案专卷; the page polls its progress."""

    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="archive_builds")
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField(max_length=16, choices=ArchiveStatus.choices, default=ArchiveStatus.PENDING)
    done_steps = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    audit_head = models.CharField(max_length=160, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    @property
    def percent(self):
        if self.status == ArchiveStatus.DONE:
            return 100
        return int(self.done_steps * 100 / self.total_steps) if self.total_steps else 0
