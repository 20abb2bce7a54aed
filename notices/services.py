"""Queue copies of a notice for the worker. Called inside the action's transaction."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from .models import Channel, Delivery


def _enqueue(deliveries):
    rows = Delivery.objects.bulk_create(deliveries)  # SQLite ≥ 3.35 and PostgreSQL return the new ids
    ids = [d.pk for d in rows]

    def enqueue():
        from .tasks import deliver

        for pk in ids:
            deliver.enqueue(pk)

    # The task rows are written after the action commits: a rolled-back action sends nothing.
    transaction.on_commit(enqueue)
    return rows


def email_queue(*, addresses, subject, text, group=None):
    return _enqueue([Delivery(channel=Channel.EMAIL, target=a, subject=subject[:200], text=text, group=group)
                     for a in addresses])


def webhook_queue(*, text, group=None):
    url = getattr(settings, "MEETINGS_WEBHOOK_URL", "")
    if not url:
        return []
    return _enqueue([Delivery(channel=Channel.WEBHOOK, target=urlsplit(url).hostname or "webhook", text=text,
                              group=group)])
