"""年度学习计划 and the guidance that flows down the unit tree.

A supervisor's `Guidance` is published to the subtree under its unit: every group whose unit path starts
with the guidance unit's path sees its mandated topics. Nothing is copied per group, so a group moved
into the subtree later sees the guidance too, and "reaches every group in the subtree and no other" is
one prefix query.

A plan is a chain of versions (`number` 1, 2, …) per group and year. An approved version is never edited:
a change starts a new version with a reason (`plan_revise`).
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Guidance(models.Model):
    """上级年度学习安排: the mandated topics and the 报送 deadline a supervisor issues to a subtree."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="plan_guidances",
                             verbose_name="下发范围（本单位及下级）")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("文件标题", max_length=200, blank=True)
    report_deadline = models.DateField("计划报送截止日期")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year", "unit__path"]
        verbose_name = "年度学习安排"
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="guidance_once_per_unit_year")]

    def __str__(self):
        return self.title or f"{self.unit.name}{self.year}年理论学习中心组学习安排"

    @property
    def is_published(self):
        return self.published_at is not None

    @staticmethod
    def default_deadline(year):
        """End of January in common practice; a deployment may set PLAN_REPORT_DEADLINE = "02-15"."""
        month, day = (int(x) for x in getattr(settings, "PLAN_REPORT_DEADLINE", "01-31").split("-"))
        return dt.date(year, month, day)


class Kind(models.TextChoices):
    REQUIRED = "required", "必学"
    OPTIONAL = "optional", "选学"


class MandatedTopic(models.Model):
    """上级规定专题."""

    guidance = models.ForeignKey(Guidance, on_delete=models.CASCADE, related_name="topics")
    sort = models.PositiveSmallIntegerField(default=0)
    title = models.CharField("专题", max_length=200)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.REQUIRED)

    class Meta:
        ordering = ["guidance_id", "sort", "id"]
        verbose_name = "上级规定专题"

    def __str__(self):
        return self.title


class ReferenceTopic(models.Model):
    """参考议题 sent during the year to every group under `unit`."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="reference_topics",
                             verbose_name="下发范围")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("议题", max_length=200)
    description = models.TextField("说明", blank=True)
    # Free text for now; when the materials app lands this becomes a link to its Material rows.
    materials = models.TextField("推荐学习材料", blank=True)
    sent_at = models.DateTimeField("下发时间")
    sent_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = "参考议题"

    def __str__(self):
        return self.title


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审定"
    APPROVED = "approved", "已审定"
    RETURNED = "returned", "已退回"


EDITABLE = (Status.DRAFT, Status.RETURNED)


class StudyPlan(models.Model):
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveSmallIntegerField("版本", default=1)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next",
                                    verbose_name="上一版本")
    reason = models.CharField("修订原因", max_length=300, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField("标题", max_length=200)
    preamble = models.TextField("指导思想和总体要求", blank=True)
    requirements = models.TextField("学习要求", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_at = models.DateTimeField("审定/退回时间", null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    return_comment = models.TextField("退回意见", blank=True)
    reported_at = models.DateTimeField("报送时间", null=True, blank=True)
    reported_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    version = models.PositiveIntegerField(default=1)  # optimistic lock for concurrent edits

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = "年度学习计划"
        constraints = [
            models.UniqueConstraint(fields=["group", "year", "number"], name="plan_unique_version"),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self):
        return f"{self.title}（第{self.number}版）"

    @property
    def is_editable(self):
        return self.status in EDITABLE

    @property
    def is_locked(self):
        return self.status == Status.APPROVED


class Format(models.TextChoices):
    DISCUSSION = "discussion", "集体研讨"
    LECTURE = "lecture", "专题辅导"
    READING = "reading", "读书班"
    VISIT = "visit", "参观考察"
    RESEARCH = "research", "专题调研"
    VIDEO = "video", "观看视频"
    JOINT = "joint", "联学"
    ONLINE = "online", "线上学习"


class Topic(models.Model):
    """One 专题 of a plan, in the order the document lists them."""

    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="topics")
    sort = models.PositiveSmallIntegerField(default=0)
    title = models.CharField("专题", max_length=200)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.REQUIRED)
    month = models.PositiveSmallIntegerField("月份", null=True, blank=True)
    planned_on = models.DateField("计划日期", null=True, blank=True)
    format = models.CharField("学习形式", max_length=16, choices=Format.choices, default=Format.DISCUSSION)
    lead = models.CharField("领学", max_length=100, blank=True)
    # The text as the plan document reads it (titles not yet in the library stay here) and the library's
    # materials it names, linked for real: the scheduling form and the session take these.
    materials = models.TextField("学习材料", blank=True)
    library_materials = models.ManyToManyField("materials.Material", blank=True, related_name="plan_topics",
                                               verbose_name="资料库材料")
    # The topic's identity across plan versions: a revision copies the topic into a new row that keeps
    # this key, so a session scheduled from version 1's row still counts for version 2's (see
    # docs/architecture.md, "Plan topic lines").
    line = models.UUIDField("专题标识", default=uuid.uuid4, db_index=True, editable=False)
    notes = models.TextField("学习要点", blank=True)
    mandated = models.ForeignKey(MandatedTopic, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="plan_topics", verbose_name="对应规定专题")
    reference = models.ForeignKey(ReferenceTopic, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="plan_topics", verbose_name="来自参考议题")

    class Meta:
        ordering = ["plan_id", "sort", "id"]
        verbose_name = "专题"
        constraints = [
            models.CheckConstraint(condition=Q(month__isnull=True) | (Q(month__gte=1) & Q(month__lte=12)),
                                   name="topic_month_in_range"),
        ]

    def __str__(self):
        return self.title


class Adoption(models.Model):
    """A group took a 参考议题 into its plan: when, by whom, into which version."""

    reference = models.ForeignKey(ReferenceTopic, on_delete=models.CASCADE, related_name="adoptions")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="reference_adoptions")
    plan = models.ForeignKey(StudyPlan, null=True, on_delete=models.SET_NULL, related_name="+")
    adopted_at = models.DateTimeField()
    adopted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "参考议题采纳"
        constraints = [models.UniqueConstraint(fields=["reference", "group"], name="adoption_once_per_group")]


class CopyFlag(models.Model):
    """照搬照抄: `plan` (the one just submitted) is too similar to `other`."""

    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="copy_flags")
    other = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="copied_by")
    similarity = models.FloatField("相似度")
    passages = models.JSONField(default=list)  # [[passage in plan, passage in other, score], …]
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-similarity", "id"]
        verbose_name = "照搬照抄提示"
        constraints = [models.UniqueConstraint(fields=["plan", "other"], name="copyflag_once_per_pair")]
