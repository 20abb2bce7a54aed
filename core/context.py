"""Who is acting and from where, for the audit trail, without threading `request` through every service."""

import contextvars
from contextlib import contextmanager

_address = contextvars.ContextVar("audit_address", default="")


def current_address():
    return _address.get()


@contextmanager
def acting_from(address):
    token = _address.set(address or "")
    try:
        yield
    finally:
        _address.reset(token)


def client_address(request):
    # Behind nginx the real client is in X-Forwarded-For; trust it only when a proxy is configured.
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]
