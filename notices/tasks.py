"""The worker's side: send one Delivery, retry with growing pauses, give up after MAX_ATTEMPTS.

django-tasks has no retry policy of its own, so a failed attempt enqueues the next one with `run_after`.
"""

import datetime as dt
import json
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Channel, Delivery, Status

MAX_ATTEMPTS = 5
# Pauses before attempts 2, 3, 4 and 5: a bot or mail server that is down for an hour still gets the notice.
BACKOFF = [dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=20), dt.timedelta(hours=1)]


def _send(delivery):
    if delivery.channel == Channel.EMAIL:
        send_mail(delivery.subject, delivery.text, settings.DEFAULT_FROM_EMAIL, [delivery.target])
        return
    url = settings.MEETINGS_WEBHOOK_URL
    if not url:
        raise RuntimeError("未配置群机器人地址（MEETINGS_WEBHOOK_URL）")
    body = json.dumps({"msgtype": "text", "text": {"content": delivery.text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the administrator's setting
        if response.status >= 300:
            raise RuntimeError(f"群机器人答复 HTTP {response.status}")


@task()
def deliver(delivery_id):
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status in (Status.SENT, Status.FAILED):
            return "skipped"  # already done: a task run twice sends once
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    try:
        _send(delivery)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried, never lost silently
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_try_at = Status.FAILED, None
        else:
            delivery.status = Status.RETRYING
            delivery.next_try_at = timezone.now() + BACKOFF[delivery.attempts - 1]
        delivery.save(update_fields=["last_error", "status", "next_try_at"])
        if delivery.status == Status.RETRYING:
            deliver.using(run_after=delivery.next_try_at).enqueue(delivery.pk)
        return delivery.status
    delivery.status, delivery.sent_at, delivery.next_try_at = Status.SENT, timezone.now(), None
    delivery.save(update_fields=["status", "sent_at", "next_try_at"])
    return delivery.status
