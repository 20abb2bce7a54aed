"""Figures stored before a 联学 counted only for the groups taking part counted it for groups invited, declined,
left or removed too. Mark those groups' figures due: the overview recounts them when read (ensure_fresh), and
`manage.py stats_rebuild --due` does the rest. Nothing else is touched."""

from django.db import migrations
from django.utils import timezone

TAKING_PART = ("host", "accepted")


def mark_due(apps, schema_editor):
    GroupFigures = apps.get_model("stats", "GroupFigures")
    Participation = apps.get_model("meetings", "Participation")
    groups = Participation.objects.exclude(state__in=TAKING_PART).values("group_id")
    GroupFigures.objects.filter(group_id__in=groups, period="Y").update(valid_until=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("stats", "0001_initial"),
        ("meetings", "0006_freeze_archived_sessions"),
    ]

    operations = [migrations.RunPython(mark_due, migrations.RunPython.noop)]
