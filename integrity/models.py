"""真学真记: the one text-reuse index and the integrity signals about records.

`ReuseText` is the engine's view of any text (a plan, a writing, a 补学体会, 发言材料, a session's minutes,
summary or 简报, a library material). It points at its source with a generic reference (content type + id)
because the engine indexes every kind of text from every app; everything the engine reasons about
(author, group, unit, date, year, draft, version chain) is copied onto the row as real foreign keys and
fields when the source app indexes it, so the engine never imports a domain app.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TextKind(models.TextChoices):
    PLAN = "plan", "学习计划"
    WRITING = "writing", "学习心得"
    REFLECTION = "reflection", "补学体会"
    SPEECH = "speech", "发言材料"
    MINUTES = "minutes", "会议纪要"
    SUMMARY = "summary", "学习小结"
    BRIEFING = "briefing", "学习简报"
    MATERIAL = "material", "学习资料"


SESSION_KINDS = (TextKind.MINUTES, TextKind.SUMMARY, TextKind.BRIEFING)


class ReuseText(models.Model):
    kind = models.CharField("类别", max_length=16, choices=TextKind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("content_type", "object_id")
    title = models.CharField("标题", max_length=200, blank=True)
    author = models.ForeignKey("orgs.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name="作者")
    group = models.ForeignKey("orgs.StudyGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="中心组")
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name="单位")
    written_on = models.DateField("成文日期")
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    is_draft = models.BooleanField("草稿", default=False)
    # The first version of the same document: versions of one document never count against each other.
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(blank=True)
    names = models.JSONField(default=list, blank=True)  # the unit's names removed before comparing
    shingles = models.BinaryField(default=b"", editable=False)  # sorted int64 shingle hashes
    signature = models.BinaryField(null=True, blank=True, editable=False)  # 128 uint64 MinHash minima
    shingle_count = models.PositiveIntegerField(default=0)
    # Shingles not found in the library when indexed: lets a check bound a candidate's weight without loading
    # the document frequencies of all its shingles.
    own_count = models.PositiveIntegerField(default=0, editable=False)
    counted = models.BooleanField(default=False, editable=False)  # its shingles are in ReuseShingle.df
    # The corpus size its signature was made at (without itself); null: unknown, signed before this was kept.
    # Frequencies only grow, so once the corpus has doubled the signature may no longer be the one a copy would
    # meet: reuse.resign_stale signs it again in the background (indexed for its oldest-first range scan).
    signed_size = models.PositiveIntegerField(null=True, blank=True, editable=False, db_index=True)
    indexed_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    # The kind's threshold when it was last checked: after INTEGRITY_REUSE_THRESHOLDS changes, a text checked
    # under another threshold is shown as such until a re-check (reuse_report.stale).
    checked_threshold = models.FloatField("比对阈值", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "查重文本"
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id", "kind"], name="reusetext_once")]
        indexes = [models.Index(fields=["kind", "year"]), models.Index(fields=["group", "year"])]

    def __str__(self):
        return self.title or f"{self.get_kind_display()} {self.object_id}"

    @property
    def chain(self):
        return self.root_id or self.pk


class ReuseBand(models.Model):
    """One LSH band of a text's MinHash; texts sharing a key are candidates. In the database so every app
    server sees one index and a new text finds its candidates with one indexed `key IN (…)` query."""

    text = models.ForeignKey(ReuseText, on_delete=models.CASCADE, related_name="bands")
    key = models.BigIntegerField()

    class Meta:
        # (key, text): the lookup reads the texts sharing a band from the index alone. With an index on key only,
        # each of a check's thousands of band-sharers was a lookup in a table of 64 rows a text (15 ms at 100,000
        # texts, most of a check at a million; benchmarks/README.md).
        indexes = [models.Index(fields=["key", "text"], name="reuseband_key_text")]


class ReuseCorpus(models.Model):
    """How many texts are counted in ReuseShingle.df: the n of every weight. One row, kept with the document
    frequencies by reuse.index_text/forget, so neither indexing nor a check counts a million texts."""

    size = models.PositiveIntegerField(default=0)
    # Set while a background re-signing job is queued or running (reuse.request_resign), so indexing queues at
    # most one; cleared by the job when it finishes.
    resign_requested_at = models.DateTimeField(null=True, blank=True)


class ReuseShingle(models.Model):
    """Document frequency of a shingle over the submitted corpus (drafts and materials not counted)."""

    hash = models.BigIntegerField(primary_key=True)
    df = models.PositiveIntegerField(default=0)


class MaterialShingle(models.Model):
    """Posting list of the library's shingles: a passage of a text that a material contains is a quote."""

    hash = models.BigIntegerField(db_index=True)
    text = models.ForeignKey(ReuseText, on_delete=models.CASCADE, related_name="+")


class ReuseMatch(models.Model):
    """`suspect` (written later) repeats `source` (written earlier), whichever was submitted first."""

    source = models.ForeignKey(ReuseText, on_delete=models.CASCADE, related_name="copied_by")
    suspect = models.ForeignKey(ReuseText, on_delete=models.CASCADE, related_name="copies")
    score = models.FloatField("重复度")
    self_reuse = models.BooleanField("自我重复", default=False)
    passages = models.JSONField(default=list)  # [{"a": [[seg, same], …], "b": […], "score": n}] a=suspect
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = "文本重复"
        constraints = [models.UniqueConstraint(fields=["source", "suspect"], name="reusematch_once")]


class QuoteFound(models.Model):
    """A text quotes a library material: reported, never counted as copying."""

    text = models.ForeignKey(ReuseText, on_delete=models.CASCADE, related_name="quotes")
    material = models.ForeignKey(ReuseText, on_delete=models.CASCADE, related_name="quoted_in")
    sentences = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["text", "material"], name="quote_once")]


# ---- Signals -------------------------------------------------------------------------------------

class RecheckStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "复查中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ReuseRecheck(models.Model):
    """A supervisor's re-check of a scope and year too large to answer within the page's request: run by the task
    worker (integrity.tasks.recheck_job), its progress shown on the re-check page."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="范围")
    year = models.PositiveSmallIntegerField("年度")
    stale_only = models.BooleanField("只复查按旧阈值比对的", default=False)
    status = models.CharField(max_length=16, choices=RecheckStatus.choices, default=RecheckStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    matches = models.PositiveIntegerField(default=0)
    resigned = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    beat_at = models.DateTimeField(null=True, blank=True)  # the worker's last progress: a run silent for long was lost
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "文字重复复查"
        ordering = ["-requested_at", "-id"]

    @property
    def percent(self):
        if self.status == RecheckStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def active(self):
        return self.status in (RecheckStatus.PENDING, RecheckStatus.RUNNING)


class SignalKind(models.TextChoices):
    LATE_SCHEDULE = "late_schedule", "补录学习安排"
    LATE_ATTENDANCE = "late_attendance", "考勤迟录"
    LATE_MINUTES = "late_minutes", "纪要迟录"
    LATE_ARCHIVE = "late_archive", "归档迟缓"
    TEXT_REUSE = "text_reuse", "记录文字重复"
    SHARED_DEVICE = "shared_device", "一机多签"
    LEAVE_CONTRADICTION = "leave_contradiction", "考勤与请假矛盾"
    OVERLAP = "overlap", "出席时间重叠"
    BATCH_ENTRY = "batch_entry", "集中补录"


class SignalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(explained_at__isnull=True)


class IntegritySignal(models.Model):
    """A fact about a record, in one sentence — never a score on a person."""

    kind = models.CharField("类别", max_length=24, choices=SignalKind.choices)
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.CASCADE, related_name="+", verbose_name="中心组")
    session = models.ForeignKey("meetings.StudySession", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    # What makes the signal unique: one per (kind, session, key), so a repeated write does not repeat it.
    key = models.CharField(max_length=120, blank=True)
    explanation = models.CharField("说明", max_length=300)
    facts = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    explained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    explained_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("情况说明", max_length=500, blank=True)

    objects = SignalQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "真学真记提示"
        indexes = [models.Index(fields=["group", "year"]), models.Index(fields=["session"])]
        constraints = [
            models.UniqueConstraint(fields=["kind", "group", "session", "key"], name="signal_once",
                                    condition=Q(session__isnull=False)),
            models.UniqueConstraint(fields=["kind", "group", "year", "key"], name="signal_once_groupwide",
                                    condition=Q(session__isnull=True)),
        ]

    def __str__(self):
        return self.explanation


class DeviceCheckin(models.Model):
    """Which device (its own long-lived mark, never its network address) checked in whom."""

    session = models.ForeignKey("meetings.StudySession", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("orgs.Person", on_delete=models.CASCADE, related_name="+")
    device = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["session", "device"])]
        constraints = [models.UniqueConstraint(fields=["session", "person", "device"], name="devicecheckin_once")]
