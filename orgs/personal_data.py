"""What the system holds about one person, gathered for them (PIPL 查阅复制权).

Records in any app that point at the person (attendance, leave, make-up study, speeches, observer entries,
…) are found through the foreign keys to Person, so a new app's records are included without a change
here; stored ciphertext and digests are left out, the person's own phone number is decrypted."""

import datetime as dt
import decimal

from django.db import models
from django.utils import timezone

from core import audit

from .models import Person

SKIP_SUFFIXES = ("_enc", "_digest")


def _value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _row(obj):
    out = {}
    for field in obj._meta.concrete_fields:
        if field.name.endswith(SKIP_SUFFIXES) or isinstance(field, models.BinaryField):
            continue
        out[field.name] = _value(getattr(obj, field.attname))
        if field.is_relation and getattr(obj, field.attname) is not None:
            try:
                out[f"{field.name}_name"] = str(getattr(obj, field.name))[:200]
            except Exception:  # a dangling link must not stop the export
                out[f"{field.name}_name"] = ""
        if field.choices:
            out[f"{field.name}_label"] = str(getattr(obj, f"get_{field.name}_display")())
    return out


def _account(user):
    from accounts.models import LoginAttempt
    from core.models import AuditEntry

    return {
        "username": user.username, "date_joined": _value(user.date_joined), "last_login": _value(user.last_login),
        "password_changed_at": _value(user.password_changed_at), "is_active": user.is_active,
        "api_tokens": [{"name": t.name, "scope": t.scope, "created": _value(t.created),
                        "expires_at": _value(t.expires_at), "last_used_at": _value(t.last_used_at),
                        "revoked_at": _value(t.revoked_at)} for t in user.api_tokens.all()],
        "supervisor_scopes": [_row(s) for s in user.supervisor_scopes.all()],
        "login_attempts": [{"ts": _value(a.ts), "address": a.address, "success": a.success}
                           for a in LoginAttempt.objects.filter(username=user.username).order_by("-ts")[:500]],
        "actions_in_audit_log": [{"ts": _value(e.ts), "action": e.action,
                                  "label": audit.ACTION_LABELS.get(e.action, e.action),
                                  "object": f"{e.object_type}#{e.object_id}", "address": e.address}
                                 for e in AuditEntry.objects.filter(actor=user).order_by("-id")[:1000]],
    }


def collect(person):
    person = Person.objects.select_related("unit").get(pk=person.pk)
    records = {}
    for rel in Person._meta.related_objects:
        if not (rel.one_to_many or rel.one_to_one) or rel.related_model._meta.app_label == "accounts":
            continue
        model = rel.related_model
        rows = model._default_manager.filter(**{rel.field.name: person})
        records[f"{model._meta.app_label}.{model._meta.model_name}（{model._meta.verbose_name}）"] = [
            _row(obj) for obj in rows[:5000]]
    from accounts.models import User

    user = User.objects.filter(person=person).first()
    return {
        "exported_at": timezone.now().isoformat(),
        "person": {**_row(person), "phone": person.phone, "unit_name": person.unit.name},
        "records": records,
        "account": _account(user) if user else None,
    }


def export(*, person, by):
    data = collect(person)
    audit.record(action="person.export", by=by, obj=person, after={"person": person.pk})
    return data
