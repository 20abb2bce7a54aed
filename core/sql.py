"""Statements written out in SQL, for the few paths where Django building a query anew costs more than the query.

The QR check-in and the audit append run under SQLite's one write lock in every scan of a burst, and the ORM
spent ≈0.5 ms of a core building each of their statements (docs/architecture.md). Everything here goes through
Django's cursor, so the data version (core/dataversion.py) and the SQLite writers' gate see these writes as any
other. Values of a model are prepared by the model's own fields (get_db_prep_save), as save() would.
"""

import functools

from django.db import connection


def rows(sql, params=()):
    """The rows of one statement (a SELECT, or a write with RETURNING)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def write(sql, params=()):
    """One writing statement; how many rows it wrote."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def value(v):
    """A date or datetime as the database compares it (text on SQLite, as the ORM's lookups pass it)."""
    if hasattr(v, "hour"):
        return connection.ops.adapt_datetimefield_value(v)
    return connection.ops.adapt_datefield_value(v)


@functools.cache
def _insert_sql(model, vendor, with_pk, unique):
    q = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    sql = (f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if unique:
        sql += f" ON CONFLICT ({', '.join(q(c) for c in unique)}) DO NOTHING"
    if not with_pk:
        sql += f" RETURNING {q(model._meta.pk.column)}"
    return sql, fields


def insert(obj, *, unless_exists=None):
    """Insert a model instance in one statement; False when `unless_exists` (the columns of a unique constraint)
    names a row already there, which is left as it is (ON CONFLICT DO NOTHING: no error, so no savepoint). An
    instance without a primary key gets the new one. SQLite ≥ 3.35 (RETURNING; core/sqlite asks for it)."""
    with_pk = obj.pk is not None
    sql, fields = _insert_sql(type(obj), connection.vendor, with_pk, tuple(unless_exists or ()))
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        new = cursor.fetchone() if not with_pk else None
        inserted = cursor.rowcount != 0 if with_pk else new is not None
    if new is not None:
        obj.pk = new[0]
    if inserted:
        obj._state.adding, obj._state.db = False, connection.alias
    return inserted
