"""A number that every write to the database moves: what cached pages are kept under (core/pagecache.py).

Every connection Django opens gets an execute wrapper (installed from CoreConfig.ready). After a statement
that writes (INSERT, UPDATE, DELETE, REPLACE) to any table but the session store, the wrapper adds one to
core_dataversion's single row, on the same connection:
- inside a transaction, in that transaction: the new number becomes visible with the data, in the same
  commit, and a rollback (or a savepoint's) takes both back;
- in autocommit, in a statement right after: the data is committed first, the number after it.
Either way a reader that reads the number first and the data after sees data at least as new as the number,
so a page built then and kept under that number is never older than it (the argument is in pagecache).

Why here rather than in the services: a service forgotten, a management command, the admin, a migration, a
bulk update or raw SQL through Django all move the number too, with nothing to remember. Writes from outside
Django (the sqlite3 shell, psql, a restore) do not; cached pages outlive them by PAGE_CACHE_SECONDS at most.

One statement more for each write statement, on its own cursor (so Django's query log and the query-count tests
do not see it, and a pending INSERT … RETURNING keeps its rows). The session store is left out: the session
policy writes `last_seen` into it every 30 s of browsing, and no page shows a session's content.
"""

import re

from django.db import connections

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_TABLE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)',
                    re.IGNORECASE)
UNTRACKED = frozenset({"django_session", "core_dataversion"})
_BUMP = ("INSERT INTO core_dataversion (id, n) VALUES (1, 1) "
         "ON CONFLICT (id) DO UPDATE SET n = core_dataversion.n + 1")


def written_table(sql):
    """The table a write statement writes to, or None for anything else (reads, DDL, transaction control)."""
    if not sql.lstrip()[:7].upper().startswith(_WRITES):
        return None
    match = _TABLE.match(sql)
    return match.group(1).lower() if match else None


_EXISTS = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'core_dataversion'",
    "postgresql": "SELECT 1 WHERE to_regclass('core_dataversion') IS NOT NULL",
}
_DDL = ("CREATE", "DROP", "ALTER")


def _raw(connection, sql):
    cursor = connection.create_cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchone() if cursor.description else None
    finally:
        cursor.close()


def _has_table(connection):
    """Asked once per connection, and again after any schema change on it: while migrations run (the test
    database being built, a test that migrates core back and forth) writes come before the table does, and a
    failed statement would break the writer's transaction."""
    if getattr(connection, "_dataversion_table", False):
        return True
    found = _raw(connection, _EXISTS[connection.vendor]) is not None
    connection._dataversion_table = found
    return found


def bump(connection):
    if _has_table(connection):
        _raw(connection, _BUMP)


def after_write(execute, sql, params, many, context):
    """The execute wrapper: the statement, then the number if the statement wrote to a tracked table."""
    result = execute(sql, params, many, context)
    table = written_table(sql)
    if table is not None:
        if table not in UNTRACKED:
            bump(context["connection"])
    elif sql.lstrip()[:6].upper().startswith(_DDL):
        context["connection"]._dataversion_table = False
    return result


def install(sender=None, connection=None, **kwargs):
    """connection_created receiver. First in the list, so a test's execute_wrapper() pops its own, not this."""
    if after_write not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, after_write)


def current(using="default"):
    """The number as this connection sees it now; None when it cannot be read (no table yet: no caching)."""
    connection = connections[using]
    connection.ensure_connection()
    if not _has_table(connection):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT n FROM core_dataversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0
