"""调研课题 with 成果转化, and the 宣讲 / 党课 each member gives.

A topic is listed by its group, claimed (认领) by members and moves 立项 → 调研 → 报告 → 转化 (research/services.py
holds the machine). Its report is a 调研报告 writing; its outcomes carry their evidence.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TopicState(models.TextChoices):
    PROPOSED = "proposed", "立项"
    RESEARCHING = "researching", "调研"
    REPORTED = "reported", "报告"
    TRANSFORMED = "transformed", "转化"


class ResearchTopic(models.Model):
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="research_topics",
                              verbose_name="中心组")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    title = models.CharField("调研课题", max_length=200)
    description = models.TextField("调研内容", blank=True)
    state = models.CharField("状态", max_length=16, choices=TopicState.choices, default=TopicState.PROPOSED)
    claimants = models.ManyToManyField("orgs.Person", through="Claim", related_name="research_topics")
    report = models.ForeignKey("writings.Writing", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="research_topics", verbose_name="调研报告")
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = "调研课题"

    def __str__(self):
        return self.title


class Claim(models.Model):
    topic = models.ForeignKey(ResearchTopic, on_delete=models.CASCADE)
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "person"], name="claim_once")]


class OutcomeKind(models.TextChoices):
    IDEA = "idea", "转化为思路"
    MEASURE = "measure", "转化为措施"
    PROJECT = "project", "转化为课题"
    FEATURE = "feature", "转化为特色"
    DRIVE = "drive", "转化为动力"


class EvidenceKind(models.TextChoices):
    DOCUMENT = "document", "文件"
    DECISION = "decision", "决策"
    MEASURE = "measure", "采纳的措施"


class Outcome(models.Model):
    topic = models.ForeignKey(ResearchTopic, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField("成果转化", max_length=16, choices=OutcomeKind.choices)
    description = models.TextField("转化内容")
    evidence_kind = models.CharField("佐证类型", max_length=16, choices=EvidenceKind.choices)
    evidence = models.CharField("佐证（文号、会议决定或采纳的措施）", max_length=300)
    day = models.DateField("日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["day", "id"]


class LectureKind(models.TextChoices):
    PARTY_LESSON = "party_lesson", "专题党课"
    PUBLICITY = "publicity", "主题宣讲"


class Lecture(models.Model):
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="lectures",
                               verbose_name="宣讲人")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="lectures")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=16, choices=LectureKind.choices)
    day = models.DateField("日期")
    year = models.PositiveSmallIntegerField(db_index=True)
    place = models.CharField("地点", max_length=200)
    audience = models.CharField("对象", max_length=200)
    size = models.PositiveIntegerField("人数")
    topic = models.CharField("题目", max_length=200)
    contact_point = models.CharField("联系点", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["group", "year"]), models.Index(fields=["person", "year"])]
