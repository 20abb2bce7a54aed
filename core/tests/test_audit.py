import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from core import audit
from core.models import AuditEntry
from orgs import services as org


@pytest.fixture
def chain(db):
    city = org.unit_create(name="中共临江市委员会", level="city")
    county = org.unit_create(name="中共江城区委员会", parent=city, level="county")
    org.unit_rename(unit=county, name="中共江城区委", by=None)
    return list(AuditEntry.objects.order_by("id"))


def test_every_write_through_a_service_leaves_an_entry(chain):
    assert [e.action for e in chain] == ["unit.create", "unit.create", "unit.rename"]
    rename = chain[-1]
    assert rename.before["name"] == "中共江城区委员会" and rename.after["name"] == "中共江城区委"
    assert rename.algo == "hmac-sm3" and len(rename.hash) == 64


def test_an_intact_chain_verifies(chain):
    result = audit.verify()
    assert result.ok and result.checked == 3
    call_command("verify_audit")


def test_a_raw_sql_change_to_a_row_is_detected_and_named(chain):
    target = chain[1]
    with connection.cursor() as cursor:
        table = AuditEntry._meta.db_table
        cursor.execute(f"UPDATE {table} SET actor_name = %s WHERE id = %s", ["someone-else", target.id])
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_id == target.id
    with pytest.raises(CommandError, match=f"第 {target.id} 条"):
        call_command("verify_audit")


def test_a_deleted_row_is_detected(chain):
    victim = list(chain)[1].id
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [victim])
    result = audit.verify()
    assert not result.ok and result.first_bad_id == victim


def test_a_rehashed_forgery_still_breaks_the_link_to_the_next_row(chain):
    # A forger who edits a row and recomputes its own hash still breaks the next row's link.
    first, second = chain[0], chain[1]
    first.object_repr = "伪造"
    forged = audit.chain_hash(audit.GENESIS, first)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET object_repr = %s, hash = %s WHERE id = %s",
                       ["伪造", forged, first.id])
    result = audit.verify()
    assert not result.ok and result.first_bad_id == second.id


def test_the_orm_refuses_to_update_or_delete_entries(chain):
    entry = chain[0]
    entry.action = "x"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_every_audited_action_has_a_chinese_label():
    # The audit administrator reads labels, not codes: a new service action must name itself in ACTION_LABELS.
    import re
    from pathlib import Path

    from django.apps import apps

    from core.audit import ACTION_LABELS

    root = Path(__file__).resolve().parents[2]
    used = set()

    local = [a.path for a in apps.get_app_configs() if a.path.startswith(str(root))]
    for app in local:
        for path in Path(app).rglob("*.py"):
            if "tests" not in path.parts and "migrations" not in path.parts:
                text = path.read_text()
                used |= set(re.findall(r'audit\.record\(\s*action="([a-z_.]+)"', text))
                # action="a" if ... else "b"
                used |= set(re.findall(r'audit\.record\(\s*action="[a-z_.]+" if [^"]+ else "([a-z_.]+)"', text))
    assert used and not used - set(ACTION_LABELS), sorted(used - set(ACTION_LABELS))


@pytest.mark.parametrize("configured", ["长口令" * 30, "ab" * 100])  # 270 bytes of passphrase; 200 bytes as hex
def test_a_key_longer_than_the_sm3_block_signs_and_verifies(db, settings, configured):
    """HMAC hashes a key longer than the 64-byte block first; the audit chain once crashed on every write then."""
    settings.AUDIT_HMAC_KEY, settings.AUDIT_HMAC_KEY_FILE = configured, ""
    org.unit_create(name="长密钥单位", parent=None, kind="committee")
    org.unit_create(name="长密钥下级", parent=None, kind="committee")
    assert audit.verify().ok
    short = audit.chain_hash("0" * 64, AuditEntry.objects.last(), secret=b"k" * 32)
    assert audit.chain_hash("0" * 64, AuditEntry.objects.last()) != short
