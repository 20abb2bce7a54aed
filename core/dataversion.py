"""A number that every write to the database moves: what cached pages are kept under (core/pagecache.py).

Every connection Django opens gets an execute wrapper (installed from CoreConfig.ready). After a statement
that writes (INSERT, UPDATE, DELETE, REPLACE) to any table but the session store, the wrapper moves the number,
on the same connection. The rule that makes kept pages exact: a reader reads the number first and the data
after, so whatever it builds is kept under a number no newer than its data, and **after a write commits, the
number moves past every number a reader could have read before that commit**. Where that last move is lost (the
connection or the worker dies between COMMIT and it; a manual transaction outside atomic(), which the project does
not use), kept pages outlive the write by PAGE_CACHE_SECONDS at most.

- SQLite: one row (core_dataversion), updated in the writer's own transaction. It becomes visible with the data,
  in the same commit, and a rollback (or a savepoint's) takes both back. No writer waits on the row: SQLite lets
  one writer in at a time anyway (BEGIN IMMEDIATE, behind the writers' gate).
- PostgreSQL: a sequence (core_dataversion_seq), moved by nextval after each write and once more right after the
  transaction commits (on_commit). A row updated inside the transaction would be a lock every writer waits on,
  held from its first write to its commit, and taken before the audit head's lock by one service and after it by
  another: a deadlock. nextval takes no lock and is not rolled back. A reader that reads the number between the
  write and the commit keeps its page under a number the commit then moves past.
- In autocommit (a lone statement), on both: right after the statement, the data committed first. If moving
  the number fails there (SQLite's lock taken past the timeout), the write stands and the failure is logged:
  a page kept before it outlives it by PAGE_CACHE_SECONDS at most, which is better than a 500 for a write that
  was saved.

Why here rather than in the services: a service forgotten, a management command, the admin, a migration, a
bulk update or raw SQL through Django all move the number too, with nothing to remember. Writes from outside
Django (the sqlite3 shell, psql, a restore) do not; cached pages outlive them by PAGE_CACHE_SECONDS at most.

The statements run on a cursor of their own (Django's query log and the query-count tests do not see them, and a
pending INSERT … RETURNING keeps its rows). The session store is left out: the session policy writes `last_seen`
into it every 30 s of browsing, and no page shows a session's content.
"""

import functools
import logging
import re

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_TABLE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)',
                    re.IGNORECASE)
UNTRACKED = frozenset({"django_session", "core_dataversion"})
_BUMP = {
    "sqlite": ("INSERT INTO core_dataversion (id, n) VALUES (1, 1) "
               "ON CONFLICT (id) DO UPDATE SET n = core_dataversion.n + 1"),
    "postgresql": "SELECT nextval('core_dataversion_seq')",
}
_READ = {
    "sqlite": "SELECT n FROM core_dataversion WHERE id = 1",
    "postgresql": "SELECT last_value FROM core_dataversion_seq",
}
_EXISTS = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'core_dataversion'",
    "postgresql": "SELECT 1 WHERE to_regclass('core_dataversion_seq') IS NOT NULL",
}
_DDL = ("CREATE", "DROP", "ALTER")


def is_write(sql):
    """Does the statement write rows? The first word only: cheap enough for every statement (the SQLite writers'
    gate asks it too)."""
    return sql.lstrip()[:7].upper().startswith(_WRITES)


def written_table(sql):
    """The table a write statement writes to, or None for anything else (reads, DDL, transaction control)."""
    if not is_write(sql):
        return None
    match = _TABLE.match(sql)
    return match.group(1).lower() if match else None


def _raw(connection, sql):
    with connection.wrap_database_errors:  # Django's exceptions, as for any other statement
        cursor = connection.create_cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchone() if cursor.description else None
        finally:
            cursor.close()


def _has_counter(connection):
    """Asked once per connection, and again after any schema change on it: while migrations run (the test
    database being built, a test that migrates core back and forth) writes come before the counter does, and a
    failed statement would break the writer's transaction."""
    if getattr(connection, "_dataversion_ready", False):
        return True
    found = _raw(connection, _EXISTS[connection.vendor]) is not None
    connection._dataversion_ready = found
    return found


def _move_after_commit(connection):
    """Move the number once the write is committed: a failure leaves the write standing, and is logged."""
    try:
        _raw(connection, _BUMP[connection.vendor])
    except DatabaseError:
        logger.warning("数据版本号未能更新；缓存页面最多滞后 PAGE_CACHE_SECONDS 秒", exc_info=True)


def bump(connection):
    if connection.vendor not in _BUMP or not _has_counter(connection):
        return
    if not connection.in_atomic_block:
        _move_after_commit(connection)
        return
    _raw(connection, _BUMP[connection.vendor])
    if connection.vendor == "postgresql" and not any(
            getattr(func, "dataversion", False) for _, func, _ in connection.run_on_commit):
        move = functools.partial(_move_after_commit, connection)
        move.dataversion = True
        # robust: whatever happens here, the callbacks queued after it (tasks, notices) still run.
        connection.on_commit(move, robust=True)


def after_write(execute, sql, params, many, context):
    """The execute wrapper: the statement, then the number if the statement wrote to a tracked table."""
    result = execute(sql, params, many, context)
    table = written_table(sql)
    if table is not None:
        if table not in UNTRACKED:
            bump(context["connection"])
    elif sql.lstrip()[:6].upper().startswith(_DDL):
        context["connection"]._dataversion_ready = False
    return result


def install(sender=None, connection=None, **kwargs):
    """connection_created receiver. First in the list, so a test's execute_wrapper() pops its own, not this."""
    if after_write not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, after_write)


def current(using="default"):
    """The number as this connection sees it now; None when it cannot be read (no counter yet: no caching)."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor not in _READ or not _has_counter(connection):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_READ[connection.vendor])
        row = cursor.fetchone()
    return row[0] if row else 0
