"""Full-text index over rjieba-segmented text, one per database vendor.

SQLite: an external-content FTS5 table with the unicode61 tokenizer (the trigram tokenizer never matches
two-character words such as 研讨), kept in step with materials_materialindex by triggers, so bulk inserts
index themselves. PostgreSQL: a generated tsvector('simple') column (title weighted A) with a GIN index.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE materials_fts USING fts5(title_seg, body_seg, content='materials_materialindex', "
    "content_rowid='material_id', tokenize='unicode61')",
    "CREATE TRIGGER materials_fts_ai AFTER INSERT ON materials_materialindex BEGIN "
    "INSERT INTO materials_fts(rowid, title_seg, body_seg) VALUES (new.material_id, new.title_seg, new.body_seg); END",
    "CREATE TRIGGER materials_fts_ad AFTER DELETE ON materials_materialindex BEGIN "
    "INSERT INTO materials_fts(materials_fts, rowid, title_seg, body_seg) "
    "VALUES ('delete', old.material_id, old.title_seg, old.body_seg); END",
    "CREATE TRIGGER materials_fts_au AFTER UPDATE ON materials_materialindex BEGIN "
    "INSERT INTO materials_fts(materials_fts, rowid, title_seg, body_seg) "
    "VALUES ('delete', old.material_id, old.title_seg, old.body_seg); "
    "INSERT INTO materials_fts(rowid, title_seg, body_seg) VALUES (new.material_id, new.title_seg, new.body_seg); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS materials_fts_au",
    "DROP TRIGGER IF EXISTS materials_fts_ad",
    "DROP TRIGGER IF EXISTS materials_fts_ai",
    "DROP TABLE IF EXISTS materials_fts",
]
POSTGRES_FORWARD = [
    "ALTER TABLE materials_materialindex ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(title_seg, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(body_seg, '')), 'B')) STORED",
    "CREATE INDEX materials_materialindex_tsv_gin ON materials_materialindex USING gin (tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS materials_materialindex_tsv_gin",
    "ALTER TABLE materials_materialindex DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("materials", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
