import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from core import audit

from .models import WorkdayOverride


@transaction.atomic
def override_set(*, day, is_workday, note="", by):
    if not isinstance(day, dt.date):
        raise ValidationError("请填写日期")
    before = WorkdayOverride.objects.filter(day=day).first()
    obj, _ = WorkdayOverride.objects.update_or_create(
        day=day, defaults={"is_workday": is_workday, "note": note[:100], "created_by": audit.account(by)})
    audit.record(action="workday.set", by=by, obj=obj,
                 before={"is_workday": before.is_workday, "note": before.note} if before else None,
                 after={"is_workday": is_workday, "note": obj.note})
    return obj


@transaction.atomic
def override_delete(*, override, by):
    audit.record(action="workday.delete", by=by, obj=override,
                 before={"day": override.day, "is_workday": override.is_workday, "note": override.note})
    WorkdayOverride.objects.filter(pk=override.pk).delete()
