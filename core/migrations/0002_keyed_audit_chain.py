"""Key the audit chain (HMAC-SM3) and add the pruning anchor.

Existing rows are re-keyed here, in one transaction, after their unkeyed SM3 chain has been verified:
a chain that does not verify is not re-keyed (that would launder a tampering) and the migration stops
with the first bad row named. Afterwards only keyed rows verify, so no one can downgrade a row back to
the unkeyed algorithm. The re-key is itself recorded as the entry `audit.rekey`, which keeps the old
head, so the moment the chain became keyed is part of the chain.
"""

from django.db import migrations, models
from django.utils import timezone


def rekey(apps, schema_editor):
    from core import audit

    Entry = apps.get_model("core", "AuditEntry")
    Head = apps.get_model("core", "AuditHead")
    entries = list(Entry.objects.order_by("id"))
    secret = audit.key()
    prev_legacy = audit.GENESIS
    prev = audit.GENESIS
    for expected, entry in enumerate(entries, start=1):
        if entry.id != expected or audit.chain_hash(prev_legacy, entry, entry.algo) != entry.hash:
            raise RuntimeError(f"旧审计链在第 {expected} 条校验失败：不能为被篡改的链启用密钥，请先排查（verify_audit）")
        prev_legacy = entry.hash
        entry.algo = audit.ALGO
        entry.hash = audit.chain_hash(prev, entry, secret=secret)
        prev = entry.hash
    Entry.objects.bulk_update(entries, ["algo", "hash"], batch_size=1000)
    if not entries:
        return
    rekey_entry = Entry(
        id=entries[-1].id + 1, ts=timezone.now(), actor_name="", address="", action="audit.rekey",
        object_type="core.auditentry", object_id="", object_repr="",
        before={"algo": audit.LEGACY_ALGO, "head": prev_legacy, "entries": len(entries)},
        after={"algo": audit.ALGO}, result="ok", algo=audit.ALGO,
    )
    rekey_entry.hash = audit.chain_hash(prev, rekey_entry, secret=secret)
    rekey_entry.save(force_insert=True)
    Head.objects.update_or_create(pk=1, defaults={"last_id": rekey_entry.id, "last_hash": rekey_entry.hash})


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="audithead", name="floor_hash",
                            field=models.CharField(default="", max_length=128)),
        migrations.AddField(model_name="audithead", name="floor_id", field=models.BigIntegerField(default=1)),
        migrations.AddField(model_name="audithead", name="floor_mac",
                            field=models.CharField(default="", max_length=128)),
        migrations.AlterField(model_name="auditentry", name="algo",
                              field=models.CharField(default="hmac-sm3", max_length=16, verbose_name="算法")),
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
