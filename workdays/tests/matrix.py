from core.testing import OK, Case


def _override(world):
    import datetime as dt

    from workdays.models import WorkdayOverride

    o, _ = WorkdayOverride.objects.get_or_create(day=dt.date(2027, 2, 20), defaults={"is_workday": True})
    return [o.pk]


CASES = [
    Case("workdays:calendar", expect={"sysadmin": 200}),
    Case("workdays:delete", args=_override, method="post", expect={"sysadmin": OK}),
]
