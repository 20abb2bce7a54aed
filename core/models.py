from django.db import models


class AuditQuerySet(models.QuerySet):
    """Bulk writes bypass Model.save()/delete(); refuse them too, so no ORM path rewrites the trail.

    Pruning past the retention period goes through core.audit.prune(), which anchors the chain first.
    """

    def update(self, **kwargs):
        raise RuntimeError("审计记录只能追加，不能批量修改")

    def delete(self):
        raise RuntimeError("审计记录不能删除")

    def bulk_update(self, *args, **kwargs):
        raise RuntimeError("审计记录只能追加，不能批量修改")

    def update_or_create(self, *args, **kwargs):
        raise RuntimeError("审计记录只能追加，不能修改")

    def _prune_before(self, first_kept_id):
        # The one deliberate deletion path, used by core.audit.prune() after it has anchored the chain.
        qs = models.QuerySet(model=self.model, using=self.db).filter(id__lt=first_kept_id)
        return qs._raw_delete(qs.db)

    _prune_before.queryset_only = False  # also reachable as AuditEntry.objects._prune_before()


class AuditEntry(models.Model):
    """One append-only line of the audit trail.

    Rows are chained: hash = H(prev_hash ‖ canonical(row)). The algorithm is stored per row so that a
    later switch (say to SHA-256 for a foreign auditor) does not invalidate old rows.
    """

    ts = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    address = models.CharField("地址", max_length=64, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    result = models.CharField("结果", max_length=16, default="ok")
    algo = models.CharField("算法", max_length=16, default="hmac-sm3")
    hash = models.CharField(max_length=128)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "审计记录"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("审计记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("审计记录不能删除")


class AuditHead(models.Model):
    """A single row locked by each writer so that the chain has one order, also on PostgreSQL.

    The floor is where verification starts after old entries were pruned: the first kept id, the hash
    of the entry before it, and a keyed MAC over both so that nobody without the key can move it.
    """

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=128, default="")
    floor_id = models.BigIntegerField(default=1)
    floor_hash = models.CharField(max_length=128, default="")
    floor_mac = models.CharField(max_length=128, default="")


class ImportBatch(models.Model):
    """An uploaded file after checking, waiting for the user to confirm. Nothing is written until then."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "待确认"
        APPLIED = "applied", "已导入"
        REJECTED = "rejected", "有错误"
        CANCELLED = "cancelled", "已取消"

    kind = models.CharField(max_length=32)
    target_id = models.BigIntegerField(null=True, blank=True)
    filename = models.CharField(max_length=200)
    created_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)  # [{"row": 3, "column": "手机号码", "message": "..."}]
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEW)
    applied = models.DateTimeField(null=True, blank=True)


class IdempotencyKey(models.Model):
    """The first result of a create, kept under the key its form or API client sent with it.

    A second post with the same key (a double click, three concurrent posts, a retried API call) gets this
    result back instead of creating again. Rows older than a day are of no use and may be deleted.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    scope = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    done = models.BooleanField(default=False)
    status = models.PositiveSmallIntegerField(default=0)
    location = models.CharField(max_length=500, blank=True)
    body = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_once_per_user")]


class TableWrite(models.Model):
    """A table, and the data version at its last write (core/dataversion.py).

    Pages cached for a log-in session are kept with the tables they read (core/pagecache.py): a write anyone makes
    to one of them (through a service, a command, the admin or raw SQL through Django) marks it past the number
    the page was built under, and the page is no longer served.
    """

    name = models.CharField(max_length=128, primary_key=True)
    last = models.BigIntegerField(default=0)
