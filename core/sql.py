"""Statements written out in SQL, for the few paths where Django building a query anew costs more than the query.

The QR check-in and the audit append run under SQLite's one write lock in every scan of a burst, and the ORM
spent ≈0.5 ms of a core building each of their statements (docs/architecture.md). Everything here goes through
Django's cursor, so the data version (core/dataversion.py) and the SQLite writers' gate see these writes as any
other. Values of a model are prepared by the model's own fields (get_db_prep_save), as save() would.
"""

import copy
import datetime as dt
import functools

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, connections


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


# ---- Statements Django compiled once, run again with other values ------------------------------------------
#
# A page worked out anew spends about half its time in Django building and compiling its queries (≈0.5–1 ms each,
# benchmarks/README.md), and most of them have the same shape on every request: the log-in session, the account,
# the session being scanned. `prepared` builds such a query once per process with stand-in values, lets Django
# compile it, finds where each stand-in landed among the statement's parameters, and from then on runs the same
# statement with the caller's values, through Django's own compiler object (so select_related, converters and
# model instances are Django's). Django has no such cache (SQLAlchemy's "baked queries" are the idea), and the
# libraries that cache do it for results, not statements. What it cannot redo safely it refuses at the first
# call: a value the lookup transforms (startswith, a year), inlines, drops or splits makes it raise, never guess.

class _Prepared:
    __slots__ = ("queryset", "compiler", "sql", "params", "slots")


_compiled = {}
# Two sets of stand-ins, each within every integer column's range (Django answers an out-of-range lookup without a
# statement: PostgreSQL's smallint ends at 32767): a value that lands where both sets' stand-ins land is a slot,
# and a constant of the query that happens to equal one stand-in is not taken for one.
_STAND_IN_INTS = (30_000, 31_000)
_MAX_ARGS = 9
_MAX_LIST = 64  # a longer list of ids is run as Django builds it (one statement per length would be kept)


def _kind(arg):
    """What decides the statement's shape: the type of a value put in a slot, or the length of a list of ids (an
    IN list has one parameter each); None and booleans themselves (a lookup on None becomes IS NULL, and True
    would equal the stand-in 1)."""
    if arg is None or isinstance(arg, bool):
        return ("value", arg)
    for kind in (dt.datetime, dt.date, int, float, str):  # datetime before date: it is one
        if isinstance(arg, kind):
            return kind
    if isinstance(arg, (list, tuple, set, frozenset)) and all(type(a) is int for a in arg):
        return ("ids", len(arg))
    raise TypeError(f"prepared(): a value of type {type(arg).__name__} cannot fill a slot")


def _stand_in(kind, i, which):
    base = _STAND_IN_INTS[which]
    if kind is int:
        return base + 100 * i
    if kind is float:
        return base + 100 * i + 0.5
    if kind is str:
        return f"\x1fslot{which}.{i}\x1f"
    if kind is dt.date:
        return dt.date(1001 + 20 * which + i, 2, 3)
    if kind is dt.datetime:
        return dt.datetime(1001 + 20 * which + i, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    if kind[0] == "ids":
        return [base + 100 * i + 1 + k for k in range(kind[1])]
    return kind[1]  # ("value", None or a boolean): the value itself


def _adapt(kind, value, connection):
    if kind is dt.datetime:
        return connection.ops.adapt_datetimefield_value(value)
    if kind is dt.date:
        return connection.ops.adapt_datefield_value(value)
    return value


def _lands(param, value):
    """Is this parameter the stand-in? Of its type, or an int of psycopg's own (Django passes a smallint column's
    value as Int2), which the caller's value is then wrapped in alike."""
    if type(param) is type(value):
        return param == value
    return type(value) is int and isinstance(param, int) and not isinstance(param, bool) and param == value


def _compile(build, kinds, connection, using, which):
    """The queryset, its compiler, statement and parameters, and {parameter position: (argument, element of a
    list or None, the parameter's own int type or None)} for the stand-ins of set `which`."""
    stand_ins = [_stand_in(k, i, which) for i, k in enumerate(kinds)]
    queryset = build(*stand_ins).using(using)
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet):
        raise ValueError("prepared(): Django answers this query without a statement for a stand-in value") from None
    # (argument, element of a list or None) -> the value Django would put in the parameters
    wanted = {}
    for i, k in enumerate(kinds):
        if isinstance(k, type):
            wanted[(i, None)] = _adapt(k, stand_ins[i], connection)
        elif k[0] == "ids":
            wanted.update({(i, e): v for e, v in enumerate(stand_ins[i])})
    slots = {j: (*w, None if type(param) is type(value) else type(param))
             for j, param in enumerate(params) for w, value in wanted.items() if _lands(param, value)}
    missing = set(wanted) - {(i, e) for i, e, _ in slots.values()}
    inlined = {w for w, value in wanted.items() if str(value) in sql}
    if missing or inlined:
        raise ValueError(f"prepared(): values {sorted({i for i, _ in missing | inlined})} do not reach the "
                         "statement as parameters (a lookup transforms them, or the statement inlines them)")
    return queryset, compiler, sql, params, slots


def _prepare(build, kinds, connection, using):
    if len(kinds) > _MAX_ARGS:
        raise TypeError(f"prepared(): at most {_MAX_ARGS} values")
    queryset, compiler, sql, params, slots = _compile(build, kinds, connection, using, 0)
    _, _, sql_b, params_b, slots_b = _compile(build, kinds, connection, using, 1)
    if sql_b != sql or len(params_b) != len(params) or slots_b != slots:
        raise ValueError("prepared(): the statement changes with the values (the builder branches on them, or a "
                         "constant of the query equals a stand-in)")
    p = _Prepared()
    p.queryset, p.compiler, p.sql, p.params = queryset, compiler, sql, tuple(params)
    p.slots = tuple((j, i, e, kinds[i], wrap) for j, (i, e, wrap) in sorted(slots.items()))
    return p


def prepared(key, build, *args, using="default"):
    """list(build(*args)) — Django's model instances (or values), from the statement compiled the first time
    (see above). `build` takes the values and returns a queryset; it must not branch on them (it is called once,
    with stand-ins), and the queryset is run as it is (slice it in `build` for a first row). `key` names the
    query, unique in the project; the types of the values (and which are None or booleans, and how many ids a
    list holds) are part of it."""
    conn = connections[using]
    kinds = tuple(_kind(a) for a in args)
    if any(k[0] == "ids" and not 0 < k[1] <= _MAX_LIST for k in kinds if not isinstance(k, type)):
        return list(build(*args).using(using))  # no ids: Django answers without a statement
    p = _compiled.get((key, conn.vendor, kinds))
    if p is None:
        p = _compiled[(key, conn.vendor, kinds)] = _prepare(build, kinds, conn, using)
    params = list(p.params)
    lists = {i: list(a) for i, a in enumerate(args) if not isinstance(kinds[i], type) and kinds[i][0] == "ids"}
    for j, i, e, kind, wrap in p.slots:
        value = _adapt(kind, args[i], conn) if e is None else lists[i][e]
        params[j] = value if wrap is None else wrap(value)
    compiler = copy.copy(p.compiler)  # its select and klass_info; this thread's connection
    compiler.connection = conn
    # The converters of the selected columns (dates, booleans, JSON) are the same on every run: found once per
    # connection (the backend's are methods of its `ops`), with Django's own method, before it is replaced.
    found = conn.__dict__.setdefault("_prepared_converters", {})
    converters = found.get(p)
    if converters is None:
        converters = found[p] = compiler.get_converters([s[0] for s in compiler.select[:compiler.col_count]])
    compiler.get_converters = lambda expressions: converters  # results_iter's one call, with those columns
    compiler.as_sql = lambda *a, **kw: (p.sql, params)
    queryset = p.queryset._chain()
    queryset.query.get_compiler = lambda *a, **kw: compiler
    return list(queryset)
