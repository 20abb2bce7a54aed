"""The nine ways to rewrite the audit trail that the security review tried; each one must be caught.

Run on SQLite and on PostgreSQL by the test command. The attacker here can write the database (raw
SQL) but does not hold the HMAC key, which lives in the environment or a key file.
"""

import hashlib
import hmac

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from core import audit
from core.models import AuditEntry, AuditHead
from orgs import services as org

ENTRY = AuditEntry._meta.db_table
HEAD = AuditHead._meta.db_table


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def attacker_hash(prev, entry):
    # Without the key the best an attacker can do is a plain SM3 chain or an HMAC under a guessed key.
    return hmac.new(b"guessed-key", prev.encode() + audit.canonical(entry), lambda: hashlib.new("sm3")).hexdigest()


@pytest.fixture
def chain(db):
    city = org.unit_create(name="中共临江市委员会", level="city")
    county = org.unit_create(name="中共江城区委员会", parent=city, level="county")
    org.unit_rename(unit=county, name="中共江城区委", by=None)
    org.unit_create(name="中共江北区委员会", parent=city, level="county")
    org.unit_create(name="中共江南区委员会", parent=city, level="county")
    entries = list(AuditEntry.objects.order_by("id"))
    assert len(entries) == 5 and audit.verify().ok
    return entries


def assert_detected(first_bad_id=None, match=None):
    result = audit.verify()
    assert not result.ok, "verify() said the chain is intact"
    if first_bad_id is not None:
        assert result.first_bad_id == first_bad_id, result.reason
    with pytest.raises(CommandError, match=match or "审计链校验失败"):
        call_command("verify_audit")
    return result


def test_new_entries_are_keyed_with_hmac_sm3(chain):
    assert {e.algo for e in chain} == {"hmac-sm3"}
    # The same row under another key hashes differently: the key, not the data, makes the chain.
    assert chain[0].hash != attacker_hash(audit.GENESIS, chain[0])
    assert chain[0].hash == audit.chain_hash(audit.GENESIS, chain[0])


def test_1_an_edited_row_is_detected(chain):
    sql(f"UPDATE {ENTRY} SET actor_name = %s WHERE id = %s", ["someone-else", chain[2].id])
    assert_detected(chain[2].id, match=f"第 {chain[2].id} 条")


def test_2_an_edited_row_with_every_later_hash_recomputed_is_detected(chain):
    target = chain[1]
    target.object_repr = "伪造"
    sql(f"UPDATE {ENTRY} SET object_repr = %s WHERE id = %s", ["伪造", target.id])
    prev = chain[0].hash
    for entry in chain[1:]:
        entry.hash = attacker_hash(prev, entry)
        sql(f"UPDATE {ENTRY} SET hash = %s WHERE id = %s", [entry.hash, entry.id])
        prev = entry.hash
    sql(f"UPDATE {HEAD} SET last_hash = %s", [prev])
    assert_detected(target.id)


def test_2b_a_downgrade_to_the_unkeyed_algorithm_is_detected(chain):
    prev = audit.GENESIS
    for entry in chain:
        entry.algo = "sm3"
        entry.hash = audit.chain_hash(prev, entry, "sm3")
        sql(f"UPDATE {ENTRY} SET algo = 'sm3', hash = %s WHERE id = %s", [entry.hash, entry.id])
        prev = entry.hash
    sql(f"UPDATE {HEAD} SET last_hash = %s", [prev])
    assert_detected(chain[0].id)


def test_3_a_deleted_row_is_detected(chain):
    sql(f"DELETE FROM {ENTRY} WHERE id = %s", [chain[2].id])
    assert_detected(chain[2].id, match="缺少")


def test_4_renumbered_rows_are_detected(chain):
    # Delete row 2 and shift the later rows down so that the numbering has no gap.
    sql(f"DELETE FROM {ENTRY} WHERE id = %s", [chain[1].id])
    for entry in chain[2:]:
        sql(f"UPDATE {ENTRY} SET id = %s WHERE id = %s", [entry.id - 1, entry.id])
    sql(f"UPDATE {HEAD} SET last_id = %s", [chain[-1].id - 1])
    assert_detected(chain[1].id)


def test_5_a_forged_row_is_detected(chain):
    last = chain[-1]
    forged = AuditEntry(id=last.id + 1, ts=timezone.now(), actor_name="admin", address="10.0.0.1",
                        action="login", object_type="", object_id="", object_repr="", before=None, after=None,
                        result="ok", algo=audit.ALGO)
    forged.hash = attacker_hash(last.hash, forged)
    forged.save(force_insert=True)
    sql(f"UPDATE {HEAD} SET last_id = %s, last_hash = %s", [forged.id, forged.hash])
    assert_detected(forged.id)


def test_6_truncated_newest_rows_are_detected(chain):
    sql(f"DELETE FROM {ENTRY} WHERE id >= %s", [chain[3].id])
    assert_detected(chain[3].id, match="链尾")


def test_7_truncation_with_the_head_moved_back_is_caught_by_the_published_head(chain):
    call_command("publish_audit_head")
    assert audit.verify().published_checked == 1
    sql(f"DELETE FROM {ENTRY} WHERE id >= %s", [chain[3].id])
    sql(f"UPDATE {HEAD} SET last_id = %s, last_hash = %s", [chain[2].id, chain[2].hash])
    assert_detected(chain[2].id + 1, match="截断")
    check = audit.check_published(chain[-1].id, chain[-1].hash)
    assert not check.ok and "截断" in check.message


def test_8_queryset_update_is_refused(chain):
    with pytest.raises(RuntimeError, match="不能"):
        AuditEntry.objects.filter(id=chain[0].id).update(actor_name="x")
    with pytest.raises(RuntimeError):
        AuditEntry.objects.bulk_update(chain[:1], ["actor_name"])
    assert audit.verify().ok


def test_9_queryset_delete_is_refused(chain):
    with pytest.raises(RuntimeError, match="不能删除"):
        AuditEntry.objects.filter(id__gte=chain[3].id).delete()
    with pytest.raises(RuntimeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 5 and audit.verify().ok


def test_the_current_head_is_what_reports_print(chain):
    head = audit.current_head()
    assert head.seq == chain[-1].id and head.hash == chain[-1].hash
    assert head.text == f"审计链 #{head.seq} · SM3-HMAC {chain[-1].hash[:16]}…"


def test_published_heads_are_appended_and_checkable(chain, settings):
    call_command("publish_audit_head")
    org.unit_create(name="中共江东区委员会", level="city")
    call_command("publish_audit_head")
    heads = audit.published_heads()
    assert [h.seq for h in heads] == [chain[-1].id, chain[-1].id + 1]
    assert audit.check_published(heads[0].seq, heads[0].hash).ok
    assert audit.check_published(heads[0].seq, heads[0].hash[:16] + "…").ok  # as printed in a report
    assert not audit.check_published(heads[0].seq, "0" * 64).ok
    assert not audit.check_published(heads[0].seq, "不是哈希").ok
    call_command("verify_audit")


def test_a_key_file_is_read_and_a_wrong_key_breaks_verification(chain, settings, tmp_path):
    keyfile = tmp_path / "audit.key"
    keyfile.write_text("ab" * 32)
    settings.AUDIT_HMAC_KEY_FILE = str(keyfile)
    assert audit.key() == bytes.fromhex("ab" * 32)
    # The existing rows were made with the other key: a server started with the wrong key says so.
    assert not audit.verify().ok


def test_pruning_keeps_six_months_and_the_chain_verifiable(chain, settings):
    settings.AUDIT_RETENTION_DAYS = 30  # below the floor: six months are kept anyway
    old = timezone.now() - timezone.timedelta(days=400)
    for entry in chain[:3]:
        sql(f"UPDATE {ENTRY} SET ts = %s WHERE id = %s", [old, entry.id])
    # Moving timestamps is itself tampering; re-key the test chain so only the pruning is under test.
    prev = audit.GENESIS
    for entry in AuditEntry.objects.order_by("id"):
        h = audit.chain_hash(prev, entry)
        sql(f"UPDATE {ENTRY} SET hash = %s WHERE id = %s", [h, entry.id])
        prev = h
    sql(f"UPDATE {HEAD} SET last_hash = %s", [prev])
    call_command("publish_audit_head")
    assert audit.retention_days() == 183
    call_command("prune_audit")
    assert list(AuditEntry.objects.values_list("id", flat=True)) == [4, 5, 6]
    assert AuditEntry.objects.get(id=6).action == "audit.prune"
    result = audit.verify()
    assert result.ok and result.checked == 3, result.reason
    assert audit.check_published(3, AuditHead.objects.get().floor_hash).ok
    assert not audit.check_published(2, "ab" * 32).ok
    # Moving the anchor forward (hiding more rows) needs the key.
    sql(f"DELETE FROM {ENTRY} WHERE id = 4")
    sql(f"UPDATE {HEAD} SET floor_id = 5, floor_hash = %s", [AuditEntry.objects.get(id=4 + 1).hash])
    assert_detected(match="锚点")


def test_a_broken_chain_is_not_pruned(chain):
    sql(f"UPDATE {ENTRY} SET actor_name = 'x' WHERE id = 1")
    with pytest.raises(CommandError, match="不能清理"):
        call_command("prune_audit")
