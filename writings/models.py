"""A member's own work: 自学笔记, 研讨发言材料, 心得体会, 学习文章, 调研报告, 补学体会 and 发言材料.

A draft is its author's alone; once submitted it is read by the group's 组长 and 学习秘书 and by the
supervisors of the subtree (writings/access.py). Every save keeps a WritingVersion, so nothing written is
ever lost and the history shows what changed. The fields the text-reuse engine indexes (text, person,
group, unit, day, year, kind, status) are plain columns; `writings.services._after_submit` is its hook.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    NOTE = "note", "自学笔记"
    SPEECH = "speech", "研讨发言材料"
    REFLECTION = "reflection", "心得体会"
    ARTICLE = "article", "学习文章"
    REPORT = "report", "调研报告"
    MAKEUP = "makeup", "补学体会"
    STATEMENT = "statement", "发言材料"


# The kinds that answer a task of the group (补学, 会前发言): the secretary accepts or returns them.
REVIEWED_KINDS = (Kind.MAKEUP, Kind.STATEMENT)


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回修改"
    ACCEPTED = "accepted", "已认可"


# Statuses a reader other than the author may see: a returned writing was submitted once and stays readable.
SHARED_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED)


class Writing(models.Model):
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="writings",
                               verbose_name="作者")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="writings",
                              verbose_name="所在中心组")
    # The group's unit at the time of writing, kept so that subtree filters and the reuse engine need no join.
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("正文")
    day = models.DateField("日期")
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    plan_topic = models.ForeignKey("plans.Topic", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="writings", verbose_name="计划专题")
    session = models.ForeignKey("meetings.StudySession", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="writings", verbose_name="集体学习")
    material = models.ForeignKey("materials.Material", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="writings", verbose_name="学习资料")
    makeup = models.OneToOneField("meetings.MakeUp", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="writing", verbose_name="补学任务")
    ai_assisted = models.BooleanField("借助AI辅助起草", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    source_name = models.CharField("上传文件名", max_length=200, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    review_comment = models.CharField("审阅意见", max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = "学习成果"
        indexes = [models.Index(fields=["person", "year"]), models.Index(fields=["group", "status", "kind"]),
                   models.Index(fields=["unit", "year"])]
        constraints = [
            # A session's 发言材料 is one per member; a second submission is a new version of the same writing.
            models.UniqueConstraint(fields=["session", "person"], condition=Q(kind="statement"),
                                    name="writing_statement_once"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_draft(self):
        return self.status == Status.DRAFT

    @property
    def is_submitted(self):
        """Submitted at least once and not taken back to a private draft: what the reuse engine indexes."""
        return self.status in SHARED_STATUSES

    @property
    def link_label(self):
        if self.session_id:
            return f"集体学习：{self.session.title}"
        if self.plan_topic_id:
            return f"计划专题：{self.plan_topic.title}"
        if self.material_id:
            return f"学习资料：{self.material.title}"
        return ""


class WritingVersion(models.Model):
    """One saved state of a writing. Version 1 is the first save; every later save adds one."""

    writing = models.ForeignKey(Writing, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    ai_assisted = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        ordering = ["writing", "number"]
        constraints = [models.UniqueConstraint(fields=["writing", "number"], name="writing_version_once")]


class WritingIndex(models.Model):
    """rjieba-segmented title and text, as materials.MaterialIndex: FTS5 `writings_fts` on SQLite (triggers),
    a generated tsvector('simple') column with a GIN index on PostgreSQL. See writings/search.py."""

    writing = models.OneToOneField(Writing, on_delete=models.CASCADE, primary_key=True, related_name="index")
    title_seg = models.TextField(blank=True)
    body_seg = models.TextField(blank=True)
