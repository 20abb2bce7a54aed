"""Full-text index over rjieba-segmented text, one per database vendor.

SQLite: an external-content FTS5 table with the unicode61 tokenizer (the trigram tokenizer never matches
two-character words such as 研讨), kept in step with writings_writingindex by triggers (as materials/migrations/0002), so bulk inserts
index themselves. PostgreSQL: a generated tsvector('simple') column (title weighted A) with a GIN index.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE writings_fts USING fts5(title_seg, body_seg, content='writings_writingindex', "
    "content_rowid='writing_id', tokenize='unicode61')",
    "CREATE TRIGGER writings_fts_ai AFTER INSERT ON writings_writingindex BEGIN "
    "INSERT INTO writings_fts(rowid, title_seg, body_seg) VALUES (new.writing_id, new.title_seg, new.body_seg); END",
    "CREATE TRIGGER writings_fts_ad AFTER DELETE ON writings_writingindex BEGIN "
    "INSERT INTO writings_fts(writings_fts, rowid, title_seg, body_seg) "
    "VALUES ('delete', old.writing_id, old.title_seg, old.body_seg); END",
    "CREATE TRIGGER writings_fts_au AFTER UPDATE ON writings_writingindex BEGIN "
    "INSERT INTO writings_fts(writings_fts, rowid, title_seg, body_seg) "
    "VALUES ('delete', old.writing_id, old.title_seg, old.body_seg); "
    "INSERT INTO writings_fts(rowid, title_seg, body_seg) VALUES (new.writing_id, new.title_seg, new.body_seg); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS writings_fts_au",
    "DROP TRIGGER IF EXISTS writings_fts_ad",
    "DROP TRIGGER IF EXISTS writings_fts_ai",
    "DROP TABLE IF EXISTS writings_fts",
]
POSTGRES_FORWARD = [
    "ALTER TABLE writings_writingindex ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(title_seg, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(body_seg, '')), 'B')) STORED",
    "CREATE INDEX writings_writingindex_tsv_gin ON writings_writingindex USING gin (tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS writings_writingindex_tsv_gin",
    "ALTER TABLE writings_writingindex DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("writings", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
