from django.db import migrations


def forwards(apps, schema_editor):
    """Freeze sessions archived before 归档 kept a frozen copy, as they read at migration time.

    The freezing reads attendance through today's code (the same as 归档 does), so it runs only when there is
    something to freeze; later runs of `manage.py meetings_freeze_archived` do the same."""
    Session = apps.get_model("meetings", "StudySession")
    if not Session.objects.filter(status="archived", frozen__isnull=True).exists():
        return
    from meetings.services import freeze_archived_unfrozen

    freeze_archived_unfrozen()


class Migration(migrations.Migration):
    # The freezing runs today's code: the tables it reads and the audit chain it writes must be current.
    dependencies = [("meetings", "0005_foreign_keys_freeze_partners"), ("orgs", "0002_three_roles_approval"),
                    ("core", "0003_idempotency_key"), ("accounts", "0006_login_attempt_address_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
