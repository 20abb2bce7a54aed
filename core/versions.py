"""Optimistic locking: a form carries the version it was read at; a write from a stale form is refused."""

from django.core.exceptions import ValidationError


def check_version(obj, version, message="该记录已被他人修改，请刷新后重试"):
    """Refuse the write when `version` (from the form; None or "" = not given) is not obj.version."""
    if version not in (None, "") and int(version) != obj.version:
        raise ValidationError({"version": message}, code="stale")
