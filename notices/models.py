"""Outgoing copies of notices (e-mail, group-bot webhook) and their delivery record.

The in-site notice is written with the action that causes it; the copies that leave the server are sent by
the task worker (`manage.py db_worker`), never inside the request. Each copy is one Delivery row that the
worker updates as it tries, retries and gives up, so administrators and the sending group can see it.
"""

from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    WEBHOOK = "webhook", "群机器人"


class Status(models.TextChoices):
    PENDING = "pending", "待发送"
    RETRYING = "retrying", "重试中"
    SENT = "sent", "已送达"
    FAILED = "failed", "发送失败"


class Delivery(models.Model):
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The e-mail address, or only the host of the bot URL: the URL itself carries an access token and is
    # read from the settings when sending, so it never lands in the database or on a page.
    target = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    # The group whose action caused the notice: its 组长 and 学习秘书 see the deliveries.
    group = models.ForeignKey("orgs.StudyGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)
    next_try_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["group", "-created"]), models.Index(fields=["status", "-created"])]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.target}（{self.get_status_display()}）"

    @property
    def target_masked(self):
        """An e-mail address shown as q***@example.gov.cn: the log is for delivery, not a directory."""
        if self.channel == Channel.EMAIL and "@" in self.target:
            local, domain = self.target.split("@", 1)
            return f"{local[:1]}***@{domain}"
        return self.target
