# The band lookup reads (key, text_id) from one index; the old index on key alone is dropped after the new one
# exists, so lookups stay indexed throughout. Written by hand: Django's AlterField (db_index off) remakes the whole
# table on SQLite, 64 rows a text. Building the new index reads the table once (about a minute per 10 M bands).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrity', '0004_reuse_checked_threshold'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='reuseband',
            index=models.Index(fields=['key', 'text'], name='reuseband_key_text'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='reuseband',
                    name='key',
                    field=models.BigIntegerField(),
                ),
            ],
            database_operations=[
                migrations.RunSQL('DROP INDEX IF EXISTS "integrity_reuseband_key_5540d7b1"',
                                  reverse_sql='CREATE INDEX "integrity_reuseband_key_5540d7b1" '
                                              'ON "integrity_reuseband" ("key")'),
            ],
        ),
    ]
