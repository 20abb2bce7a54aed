"""A number that every write to the database moves, and, for each table, the number at its last write: what
cached pages are kept under (core/pagecache.py).

Every connection Django opens gets an execute wrapper (installed from CoreConfig.ready). After a statement
that writes (INSERT, UPDATE, DELETE, REPLACE) to any table but the session store, the wrapper moves the number
and marks the table written at it. A kept page records the number it was built under and the tables it read; it
stands while none of those tables was written after that number. So a QR check-in (attendance) no longer ends
the 工作台 or the plan page that never read attendance, while every page that shows attendance is worked out anew.

The rule that makes kept pages exact: a reader reads the number first and the data after, so whatever it builds
is kept under a number no newer than its data, and **after a write commits, the table's mark moves past every
number a reader could have read before that commit**. Where that last move is lost (the connection or the
worker dies between COMMIT and it; a manual transaction outside atomic(), which the project does not use), kept
pages outlive the write by PAGE_CACHE_SECONDS at most.

- SQLite: a row per table (core_tablewrite: name, last), upserted in the writer's own transaction with the
  number one past the largest mark; the number is that largest mark. It becomes visible with the data, in the
  same commit, and a rollback (or a savepoint's) takes both back. No writer waits on the rows: SQLite lets one
  writer in at a time anyway (BEGIN IMMEDIATE, behind the writers' gate).
- PostgreSQL: the number is a sequence (core_dataversion_seq), moved by nextval right after a transaction
  commits (on_commit), when the tables it wrote are marked with that number in one upsert, in autocommit. A row
  updated inside the transaction would be a lock every writer waits on, held from its first write to its commit,
  and taken before the audit head's lock by one service and after it by another: a deadlock. nextval takes no lock
  and is not rolled back; the upsert locks its rows for one statement, in the order of the tables' names, so two
  never wait on each other in a circle. Until the commit, the tables a transaction wrote are known to its own
  connection (`changed_since` asks them): a page read on that connection sees the transaction's writes, and must
  not be served from before them (the tests run inside one transaction). Those tables are numbered only when the
  connection next reads the number (`current`), not at each write: a QR scan writes seven times, and each nextval
  was one more round trip, three of them while the scan held the audit head every other writer waits for.
- In autocommit (a lone statement), on both: right after the statement, the data committed first. If moving
  the number fails there (SQLite's lock taken past the timeout), the write stands and the failure is logged:
  a page kept before it outlives it by PAGE_CACHE_SECONDS at most, which is better than a 500 for a write that
  was saved.

Why here rather than in the services: a service forgotten, a management command, the admin, a migration, a
bulk update or raw SQL through Django all move the number too, with nothing to remember. Writes from outside
Django (the sqlite3 shell, psql, a restore) do not; cached pages outlive them by PAGE_CACHE_SECONDS at most.
Tables written by database triggers (SQLite's FTS indexes, filled from the index tables) are marked with the
table whose triggers write them (`triggered`); a page that read a table which is neither a model's nor one of
those is kept only while nothing at all was written (`changed_since`).

The statements run on a cursor of their own (Django's query log and the query-count tests do not see them, and a
pending INSERT … RETURNING keeps its rows). The session store is left out: the session policy writes `last_seen`
into it every 30 s of browsing, and no page shows a session's content.
"""

import functools
import logging
import re

from django.apps import apps
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_TABLE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)',
                    re.IGNORECASE)
UNTRACKED = frozenset({"django_session", "core_tablewrite"})
_NEXT = "SELECT nextval('core_dataversion_seq')"  # PostgreSQL
_MARK = {
    # The table's mark one past the largest: the number moves with it, in the writer's own transaction.
    "sqlite": ("INSERT INTO core_tablewrite (name, last) "
               "VALUES (%s, (SELECT COALESCE(MAX(last), 0) + 1 FROM core_tablewrite)) "
               "ON CONFLICT (name) DO UPDATE SET last = excluded.last"),
    # After the commit, in autocommit: every table the transaction wrote, in the order of their names.
    "postgresql": ("INSERT INTO core_tablewrite (name, last) SELECT unnest(%s::text[]), %s "
                   "ON CONFLICT (name) DO UPDATE SET last = GREATEST(core_tablewrite.last, excluded.last)"),
}
_READ = {
    "sqlite": "SELECT COALESCE(MAX(last), 0) FROM core_tablewrite",
    "postgresql": "SELECT last_value FROM core_dataversion_seq",
}
_LAST = "SELECT COALESCE(MAX(last), 0) FROM core_tablewrite WHERE name IN ({})"
_EXISTS = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'core_tablewrite'",
    "postgresql": ("SELECT 1 WHERE to_regclass('core_dataversion_seq') IS NOT NULL "
                   "AND to_regclass('core_tablewrite') IS NOT NULL"),
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


def _raw(connection, sql, params=None):
    with connection.wrap_database_errors:  # Django's exceptions, as for any other statement
        cursor = connection.create_cursor()
        try:
            cursor.execute(sql, params) if params is not None else cursor.execute(sql)
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


def _upsert(connection, tables):
    """Mark `tables` now: on SQLite each one past the largest mark; on PostgreSQL all at a new number, in one
    statement."""
    if connection.vendor == "sqlite":
        for name in sorted(tables):
            _raw(connection, _MARK["sqlite"], [name])
    else:
        _raw(connection, _MARK["postgresql"], [sorted(tables), _raw(connection, _NEXT)[0]])


def _mark_committed(connection, tables):
    """Mark tables written once their write is committed (autocommit): a failure leaves the write standing, and
    is logged."""
    try:
        _upsert(connection, tables)
    except DatabaseError:
        logger.warning("数据版本号未能更新；缓存页面最多滞后 PAGE_CACHE_SECONDS 秒", exc_info=True)


class _Written:
    """PostgreSQL: the tables an open transaction wrote, each with the number it was last written under, or None
    when written since the connection last read the number; marked when the transaction commits (an on_commit
    callback). A rollback drops the callback, and with it the tables."""

    dataversion = True

    def __init__(self, connection):
        self.connection = connection
        self.tables = {}

    def __call__(self):
        _mark_committed(self.connection, self.tables)

    def number(self):
        """Number the tables written since the number was last read: a reader on this connection is about to read
        the number, and what it builds sees these writes, so they are not after it; a later write is."""
        pending = [name for name, number in self.tables.items() if number is None]
        if pending:
            number = _raw(self.connection, _NEXT)[0]
            self.tables.update(dict.fromkeys(pending, number))


def _written(connection):
    """This connection's open transaction's _Written, if it has written."""
    return next((func for _, func, _ in connection.run_on_commit if getattr(func, "dataversion", False)), None)


_TRIGGER_WRITES = re.compile(r'(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


def triggered(connection):
    """{table: the tables its triggers write}, read from SQLite's schema once per connection (and again after a
    schema change): the search indexes' FTS tables, filled by triggers on the index tables, are marked with them.
    PostgreSQL's triggers run functions whose bodies are not in the catalogue's text; the project has none, and a
    table one filled would be no model's (changed_since: ends its pages at any write)."""
    found = getattr(connection, "_dataversion_triggers", None)
    if found is None:
        found = {}
        if connection.vendor == "sqlite":
            cursor = connection.create_cursor()
            try:
                cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
                for table, sql in cursor.fetchall():
                    body = sql[sql.upper().find(" BEGIN "):]
                    found.setdefault(table, set()).update(_TRIGGER_WRITES.findall(body))
            finally:
                cursor.close()
        connection._dataversion_triggers = found
    return found


def mark(connection, table):
    if connection.vendor not in _MARK or not _has_counter(connection):
        return
    tables = {table, *triggered(connection).get(table, ())}
    if not connection.in_atomic_block:
        _mark_committed(connection, tables)
    elif connection.vendor == "sqlite":
        _upsert(connection, tables)  # in the writer's transaction: a rollback takes the marks back with the data
    else:
        written = _written(connection)
        if written is None:
            written = _Written(connection)
            # robust: whatever happens here, the callbacks queued after it (tasks, notices) still run.
            connection.on_commit(written, robust=True)
        written.tables.update(dict.fromkeys(tables))  # numbered if this connection reads the number (current)


def after_write(execute, sql, params, many, context):
    """The execute wrapper: the statement, then the number if the statement wrote to a tracked table."""
    result = execute(sql, params, many, context)
    table = written_table(sql)
    if table is not None:
        if table not in UNTRACKED:
            mark(context["connection"], table)
    elif sql.lstrip()[:6].upper().startswith(_DDL):
        context["connection"]._dataversion_ready = False
        context["connection"]._dataversion_triggers = None
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
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        written = _written(connection)
        if written is not None:
            written.number()
    with connection.cursor() as cursor:
        cursor.execute(_READ[connection.vendor])
        row = cursor.fetchone()
    return row[0] if row else 0


@functools.cache
def model_tables():
    """Every model's table (many-to-many tables included): the tables whose writes go through Django, and so are
    marked. A table outside it (an FTS index a trigger fills) is never marked."""
    return frozenset(m._meta.db_table for m in apps.get_models(include_auto_created=True)) - UNTRACKED


def changed_since(tables, number, using="default", now=None):
    """Was any of `tables` written after `number` (committed, or in this connection's open transaction)? A table
    that is not a model's counts as written whenever anything anywhere was. `now`: current(), if just read."""
    now = current(using) if now is None else now
    if now is None:
        return True
    connection = connections[using]
    written = _written(connection) if connection.vendor == "postgresql" and connection.in_atomic_block else None
    mine = [] if written is None else [n for t, n in written.tables.items() if t in tables]
    if None in mine:  # written on this connection since it last read the number: after any number it holds
        return True
    if now == number:
        return False
    if now < number:  # the marks were flushed (between two tests)
        return True
    unmarked = tables - model_tables()
    if unmarked and not unmarked <= set().union(*triggered(connection).values()):
        return True
    if not tables:
        return False
    names = sorted(tables)
    with connection.cursor() as cursor:
        cursor.execute(_LAST.format(", ".join(["%s"] * len(names))), names)
        last = cursor.fetchone()[0]
    return max([last, *mine]) > number
