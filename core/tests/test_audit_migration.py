import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import audit

pytestmark = pytest.mark.usefixtures("restore_migrations")

BEFORE = [("core", "0001_initial")]
AFTER = [("core", "0002_keyed_audit_chain")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _legacy_chain(apps, n=4):
    Entry = apps.get_model("core", "AuditEntry")
    Head = apps.get_model("core", "AuditHead")
    prev = audit.GENESIS
    for i in range(1, n + 1):
        e = Entry(id=i, ts=dt.datetime(2026, 3, i, 8, tzinfo=dt.UTC), actor_name="admin", address="127.0.0.1",
                  action="unit.create", object_type="orgs.unit", object_id=str(i), object_repr=f"单位{i}",
                  before=None, after={"name": f"单位{i}"}, result="ok", algo="sm3")
        e.hash = audit.chain_hash(prev, e, "sm3")
        e.save(force_insert=True)
        prev = e.hash
    Head.objects.create(pk=1, last_id=n, last_hash=prev)
    return prev


@pytest.mark.django_db(transaction=True)
def test_the_migration_rekeys_a_sound_legacy_chain_and_records_it():
    apps = _migrate(BEFORE)
    legacy_head = _legacy_chain(apps)
    _migrate(AFTER)
    from core.models import AuditEntry

    result = audit.verify()
    assert result.ok and result.checked == 5, result.reason
    marker = AuditEntry.objects.get(id=5)
    assert marker.action == "audit.rekey" and marker.before["head"] == legacy_head
    assert set(AuditEntry.objects.values_list("algo", flat=True)) == {"hmac-sm3"}


@pytest.mark.django_db(transaction=True)
def test_the_migration_refuses_to_launder_a_tampered_legacy_chain():
    apps = _migrate(BEFORE)
    _legacy_chain(apps)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET actor_name = 'x' WHERE id = 2")
    with pytest.raises(RuntimeError, match="第 2 条"):
        _migrate(AFTER)
    _migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry")
        cursor.execute("DELETE FROM core_audithead")
    _migrate(AFTER)
