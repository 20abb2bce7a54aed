"""Django's SQLite backend, with writers queued in the application rather than in SQLite's busy handler.

SQLite lets one writer at a time in. A writer that finds the lock taken waits in SQLite's busy handler,
which sleeps 1, 2, 5, 10 … up to 100 ms between tries and then asks again. Under a burst (hundreds of QR
check-ins at the start of a 联学) the lock falls free while the waiters sleep, and a writer that arrived
just now takes it ahead of one that has waited a second: the throughput holds but the tail does not
(p95 several times the median; measured in benchmarks/README.md). Here a writer first takes a gate:
a lock shared by the threads of the process, then an flock on "<database>-writer" shared by the processes.
Both wake the next waiter at once, so the database's own lock is taken as soon as it is released, and
SQLite's busy handler is left for what does not pass the gate (another program, the sqlite3 shell).

What takes the gate: a transaction (BEGIN IMMEDIATE, held until COMMIT or ROLLBACK) and a write outside a
transaction (one INSERT/UPDATE/DELETE in autocommit). Reads never do. The wait is bounded by the database's
`timeout`; past it the writer goes on without the gate, and SQLite decides as before (it waits its own busy
timeout, then "database is locked"), so a gate that was never released (a thread that died in a transaction)
can slow writers down but never stop them. An in-memory database has no other process and no gate.
"""

import fcntl
import os
import threading
import time
from contextlib import contextmanager

from django.db.backends.sqlite3 import base as sqlite3_base
from django.db.backends.sqlite3 import features as sqlite3_features

from core.dataversion import is_write

_POLL = 0.0005  # seconds between tries of the flock; only one thread per process tries at a time
_gates = {}
_gates_lock = threading.Lock()


class Gate:
    """The writer's gate of one database file in this process."""

    def __init__(self, path):
        self.path = f"{path}-writer"
        self.threads = threading.Lock()
        self.fd = None

    def enter(self, timeout):
        """Take the gate; False when it could not be taken within `timeout` seconds (the writer goes on)."""
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            return False
        try:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(_POLL)
        except OSError:
            pass  # no lock file (a read-only folder): go on without the gate, as SQLite alone would
        except BaseException:
            self.threads.release()  # interrupted while waiting: never leave the process's writers locked out
            raise
        self.threads.release()
        return False

    def leave(self):
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


def gate_for(path):
    # Keyed by process too: a worker forked from a master that had opened the file must not share its flock.
    key = (os.getpid(), os.path.abspath(path))
    with _gates_lock:
        if key not in _gates:
            _gates[key] = Gate(key[1])
        return _gates[key]


class GatedCursor(sqlite3_base.SQLiteCursorWrapper):
    """A write in autocommit mode (no transaction open) passes the gate for the one statement.

    An INSERT … RETURNING (every create() on SQLite ≥ 3.35) keeps SQLite's write lock until its rows are read,
    which Django does after execute() returns: they are read here, under the gate, and served from memory."""

    wrapper = None  # the DatabaseWrapper, set by its create_cursor
    _rows = None  # the rows of a gated statement, read before the gate was left

    def _alone(self, query):
        # Every read in autocommit asks this: the cheap tests first. An in-memory database is turned away by the
        # gate itself (_gate_enter).
        return not self.connection.in_transaction and is_write(query)

    def execute(self, query, params=None):
        self._rows = None
        if not self._alone(query):
            return super().execute(query, params)
        with self.wrapper._gated():
            super().execute(query, params)
            if self.description is not None:
                self._rows = super().fetchall()
        return self

    def executemany(self, query, param_list):
        self._rows = None
        if not self._alone(query):
            return super().executemany(query, param_list)
        with self.wrapper._gated():
            return super().executemany(query, param_list)

    def fetchone(self):
        if self._rows is None:
            return super().fetchone()
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size=None):
        size = self.arraysize if size is None else size
        if self._rows is None:
            return super().fetchmany(size)
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def fetchall(self):
        if self._rows is None:
            return super().fetchall()
        rows, self._rows = self._rows, []
        return rows

    def __next__(self):
        if self._rows is None:
            return super().__next__()
        if not self._rows:
            raise StopIteration
        return self._rows.pop(0)


class DatabaseFeatures(sqlite3_features.DatabaseFeatures):
    # The QR check-in inserts with ON CONFLICT … DO NOTHING RETURNING (meetings.services), which SQLite has from
    # 3.35 on; Django itself asks for 3.31. Debian 12 ships 3.40. Django refuses an older one by name at connect.
    minimum_database_version = (3, 35)


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    _gate = None  # the Gate while this connection holds it
    features_class = DatabaseFeatures

    def _gate_path(self):
        if self.is_in_memory_db():
            return None
        return self.settings_dict["NAME"]

    def _gate_enter(self):
        """Take the gate unless this connection holds it already; True when this call took it."""
        path = self._gate_path()
        if path is None or self._gate is not None:
            return False
        gate = gate_for(path)
        if gate.enter(float(self.settings_dict["OPTIONS"].get("timeout", 5))):
            self._gate = gate
            return True
        return False

    def _gate_leave(self):
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.leave()

    @contextmanager
    def _gated(self):
        """The gate for one statement; left only if this statement took it (a transaction's gate stays held)."""
        took = self._gate_enter()
        try:
            yield
        finally:
            if took:
                self._gate_leave()

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=GatedCursor)
        cursor.wrapper = self
        return cursor

    def _start_transaction_under_autocommit(self):
        took = self._gate_enter()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            if took:
                self._gate_leave()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            if self.connection is None or not self.connection.in_transaction:
                self._gate_leave()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._gate_leave()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._gate_leave()
