"""评 Assessment: the year's indicator system of a supervising unit, 述学, anonymous 民主评议, and 理论学习之星.

Groups are assessed on substance; no indicator counts notes, photos or online time, and individuals are never
ranked (民主评议 results are read per person only by the person's own group page, never as a list across groups).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Code(models.TextChoices):
    PLAN_TOPICS = "plan_topics", "计划专题学习完成率"
    SEMINARS = "seminars", "每季度开展集体研讨"
    ATTENDANCE = "attendance", "参学率"
    MANDATED = "mandated", "上级规定专题覆盖"
    FIRST_ITEM = "first_item", "第一议题及时学习"
    PLAN = "plan", "年度学习计划经审批"
    REPORTING = "reporting", "按时报送"
    OBSERVER = "observer", "巡听旁听评分"
    RECTIFY = "rectify", "整改销号"
    WULUOSHI = "wuluoshi", "五落实完整"
    INTEGRITY = "integrity", "真学真记疑点未说明"
    EVALUATION = "evaluation", "述学评学与民主评议"
    INSPECTION = "inspection", "专题督查结果"


class Rule(models.TextChoices):
    RATIO = "ratio", "达到目标值得满分，低于目标按比例"
    DEDUCT = "deduct", "每发生一次扣分，扣完为止"
    MANUAL = "manual", "督导人员录入得分率"


class IndicatorSystem(models.Model):
    """指标体系: one per supervising unit and year; its indicators' weights add up to 100."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="indicator_systems",
                             verbose_name="督导单位")
    year = models.PositiveSmallIntegerField("年度")
    advanced_min = models.DecimalField("先进分数线（不低于）", max_digits=5, decimal_places=1, default=90)
    backward_below = models.DecimalField("后进分数线（低于）", max_digits=5, decimal_places=1, default=60)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="indicator_system_once")]

    def __str__(self):
        return f"{self.unit} {self.year}年考核指标体系"


class Indicator(models.Model):
    system = models.ForeignKey(IndicatorSystem, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(max_length=16, choices=Code.choices)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=1)
    rule = models.CharField("计分规则", max_length=8, choices=Rule.choices)
    target = models.DecimalField("目标值", max_digits=6, decimal_places=1, default=100)  # percent, or days
    per_occurrence = models.DecimalField("每次扣分", max_digits=5, decimal_places=1, default=1)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="indicator_once_per_system")]

    def __str__(self):
        return self.get_code_display()


class ManualScore(models.Model):
    """A manual indicator's result for one group (专题督查结果), entered by the supervisor, 0–100 %."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="manual_scores")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField("得分率（%）", max_digits=5, decimal_places=1)
    note = models.CharField("依据", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["indicator", "group"], name="manual_score_once")]


class StudyReport(models.Model):
    """述学: a leader's short report on their year's learning."""

    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    text = models.TextField("述学报告")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "person", "year"], name="study_report_once")]


class Grade(models.TextChoices):
    EXCELLENT = "A", "优秀"
    GOOD = "B", "良好"
    FAIR = "C", "一般"
    POOR = "D", "较差"


GRADE_PERCENT = {Grade.EXCELLENT: 100, Grade.GOOD: 80, Grade.FAIR: 60, Grade.POOR: 30}


class Evaluation(models.Model):
    """民主评议 of one group's leaders for a year."""

    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    is_open = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "year"], name="evaluation_once")]


class Rater(models.Model):
    """Who may rate, and whether they have: the "has voted" token. It holds no link to any ballot and no time."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="raters")
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+")
    voted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "person"], name="rater_once")]


class Ballot(models.Model):
    """One anonymous grade for one leader. No rater, no time, and a random key: neither a field nor the order of
    rows ties a ballot to the rater (an increasing id would line up with the audit log's 'voted' entries)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="ballots")
    leader = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=1, choices=Grade.choices)


class StarRound(models.Model):
    """理论学习之星 评选: nominations by units, review, decision, publication."""

    class Status(models.TextChoices):
        OPEN = "open", "推荐中"
        REVIEW = "review", "评审中"
        DECIDED = "decided", "已确定"
        PUBLISHED = "published", "已公布"

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="组织单位")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=100)
    quota = models.PositiveSmallIntegerField("名额", default=10)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-id"]

    def __str__(self):
        return self.title


def nomination_path(instance, filename):
    return f"assessment/stars/{instance.round_id}/{uuid.uuid4().hex}"


class Nomination(models.Model):
    class Status(models.TextChoices):
        NOMINATED = "nominated", "已推荐"
        SHORTLISTED = "shortlisted", "入围"
        REJECTED = "rejected", "未入围"
        NAMED = "named", "当选"

    round = models.ForeignKey(StarRound, on_delete=models.CASCADE, related_name="nominations")
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+", verbose_name="被推荐人")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="推荐单位")
    reason = models.TextField("推荐理由")
    material = models.FileField(upload_to=nomination_path, blank=True)
    material_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOMINATED)
    review_note = models.CharField("评审意见", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path", "id"]
        indexes = [models.Index(fields=["round", "status"])]
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="nomination_once")]


class RankingSnapshot(models.Model):
    """A large subtree's ranking as last computed, read by its page in a few indexed queries.

    A province ranks 10,000 groups: scoring them takes half a second, too long for every view. Above
    RANKING_LIVE_GROUPS the page reads this snapshot and says when it was computed; the task worker recomputes
    it when a business write (any audited action but log-ins, exports and the like) has come after `audit_id`,
    when the day has changed (quarters finish, deadlines pass) or when it is older than RANKING_MAX_AGE."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField()
    as_of = models.DateField()  # the day it was scored on
    audit_id = models.BigIntegerField(default=0)  # the audit chain's last entry when the computation began
    indicators = models.JSONField(default=list)  # [[code, name, weight], ...] as scored
    advanced_min = models.DecimalField(max_digits=5, decimal_places=1)
    backward_below = models.DecimalField(max_digits=5, decimal_places=1)
    no_data = models.BooleanField(default=False)
    refresh_requested_at = models.DateTimeField(null=True, blank=True)  # a recomputation is queued

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="ranking_snapshot_once")]


class RankingEntry(models.Model):
    """One group's place in a snapshot, with each indicator's points and fact as they were computed."""

    snapshot = models.ForeignKey(RankingSnapshot, on_delete=models.CASCADE, related_name="entries")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    total = models.DecimalField(max_digits=5, decimal_places=1)
    band = models.CharField(max_length=4)
    points = models.JSONField(default=list)  # one "4.5" per indicator, in the snapshot's order
    facts = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["snapshot", "rank"]), models.Index(fields=["snapshot", "band", "rank"])]

    @property
    def gid(self):
        return self.group_id
