"""The one upload size rule (settings.UPLOAD_MAX_BYTES) that every upload form and import applies."""

from django.conf import settings


def over_limit(size):
    """None when `size` bytes are allowed; otherwise the Chinese limit to quote, e.g. "不能超过 5 MB"."""
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        return f"不能超过 {settings.UPLOAD_MAX_BYTES // 1024 // 1024} MB"
    return None
