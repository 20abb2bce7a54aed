"""The SQLite writers' gate (core/sqlite/base.py): what holds it, for how long, and what happens when it is stuck.

Each test opens its own database file with the project's backend, whatever database the suite runs on, and drives
transactions the way transaction.atomic does (set_autocommit(False, force_begin…), commit, set_autocommit(True)).
Waits are checked by state (a thread still waiting, a row not yet written), never by measuring time.
"""

import fcntl
import os
import threading
from contextlib import contextmanager

import pytest

from core.sqlite import base as gated


def wrapper(path, timeout=30):
    settings = {
        "ENGINE": "core.sqlite", "NAME": str(path), "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
        "OPTIONS": {"timeout": timeout, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None, "TEST": {},
    }
    return gated.DatabaseWrapper(settings, alias=f"gate_{id(settings)}")


@contextmanager
def atomic(w):
    """What transaction.atomic does for an outermost block on SQLite."""
    w.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield w.cursor()
    except BaseException:
        w.rollback()
        raise
    else:
        w.commit()
    finally:
        w.set_autocommit(True)


def flock_free(path):
    """Whether another process could take the gate's flock now."""
    fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@pytest.fixture
def db(tmp_path, django_db_blocker):
    path = tmp_path / "gate.sqlite3"
    with django_db_blocker.unblock():
        w = wrapper(path)
        w.cursor().execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        yield path, w
        w.close()


def rows(w):
    c = w.cursor()
    c.execute("SELECT v FROM t ORDER BY id")
    return [v for (v,) in c.fetchall()]


def test_a_transaction_holds_the_gate_until_commit_or_rollback(db):
    path, w = db
    assert flock_free(path)
    with atomic(w) as c:
        c.execute("INSERT INTO t (v) VALUES (%s)", ["a"])
        assert not flock_free(path), "a transaction must hold the writers' gate"
    assert flock_free(path)
    with pytest.raises(RuntimeError):
        with atomic(w) as c:
            c.execute("INSERT INTO t (v) VALUES (%s)", ["rolled back"])
            assert not flock_free(path)
            raise RuntimeError("the service failed")
    assert flock_free(path), "a rollback must release the gate"
    assert rows(w) == ["a"]
    # Closing a connection in the middle of a transaction releases it too.
    w.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert not flock_free(path)
    w.close()
    assert flock_free(path)


@pytest.fixture
def entries(monkeypatch):
    """The threads that asked for the gate, in order (the gate itself works as usual)."""
    asked = []
    enter = gated.Gate.enter

    def spy(self, timeout):
        asked.append(threading.current_thread().name)
        return enter(self, timeout)

    monkeypatch.setattr(gated.Gate, "enter", spy)
    return asked


def test_reads_never_take_the_gate(db, entries):
    path, w = db
    assert rows(w) == []
    c = w.cursor()
    c.execute("SELECT COUNT(*) FROM t")
    assert c.fetchone() == (0,) and entries == []
    c.execute("INSERT INTO t (v) VALUES (%s)", ["a write"])
    assert entries == [threading.current_thread().name]


def test_an_insert_returning_is_read_before_the_gate_is_left(db):
    """SQLite keeps its write lock until the rows of INSERT … RETURNING are read; Django reads them after execute()
    returns. The gate reads them first, so the next writer finds SQLite's lock free as soon as it passes the gate."""
    import sqlite3

    path, w = db
    c = w.cursor()
    c.execute("INSERT INTO t (v) VALUES (%s), (%s) RETURNING id, v", ["a", "b"])
    other = sqlite3.connect(str(path), timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # "database is locked" if the statement still held SQLite's lock
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert c.fetchone() == (1, "a")
    assert c.fetchall() == [(2, "b")] and c.fetchone() is None
    c.execute("INSERT INTO t (v) VALUES (%s) RETURNING id", ["c"])
    assert list(c) == [(3,)]


def test_a_write_outside_a_transaction_waits_at_the_gate(db, django_db_blocker):
    """Another process holds the gate: an autocommit INSERT waits for it, then writes."""
    path, w = db
    fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    done = threading.Event()

    def write():
        with django_db_blocker.unblock():
            other = wrapper(path)
            other.cursor().execute("INSERT INTO t (v) VALUES (%s)", ["waited"])
            other.close()
        done.set()

    t = threading.Thread(target=write)
    t.start()
    try:
        assert not done.wait(0.5), "the write went past a gate another process holds"
        assert rows(w) == []
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    t.join(30)
    assert done.is_set() and rows(w) == ["waited"]


def test_threads_of_one_process_take_turns(db, django_db_blocker, entries):
    """A second writer in this process waits at the gate (not in SQLite) and then sees the first one's row."""
    path, w = db
    seen = []

    def second():
        with django_db_blocker.unblock():
            other = wrapper(path)
            with atomic(other) as c:
                c.execute("SELECT COUNT(*) FROM t")
                seen.append(c.fetchone()[0])
                c.execute("INSERT INTO t (v) VALUES (%s)", ["second"])
            other.close()

    with atomic(w) as c:
        c.execute("INSERT INTO t (v) VALUES (%s)", ["first"])
        t = threading.Thread(target=second, name="second")
        t.start()
        t.join(0.5)
        assert t.is_alive() and seen == []
        assert entries[-1] == "second", "the second writer should be waiting at the gate"
    t.join(30)
    assert seen == [1] and rows(w) == ["first", "second"]


def test_a_gate_never_released_slows_writers_but_does_not_stop_them(tmp_path, django_db_blocker):
    """A thread that died inside a transaction keeps the process's gate: the next writer waits the database's
    timeout, then writes without the gate, as SQLite alone would let it."""
    path = tmp_path / "stuck.sqlite3"
    with django_db_blocker.unblock():
        w = wrapper(path, timeout=0.2)
        w.cursor().execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        gate = gated.gate_for(str(path))
        gate.threads.acquire()  # the dead holder
        try:
            with atomic(w) as c:
                c.execute("INSERT INTO t (v) VALUES (%s)", ["still written"])
            w.cursor().execute("INSERT INTO t (v) VALUES (%s)", ["and this"])
            assert rows(w) == ["still written", "and this"]
            assert w._gate is None
        finally:
            gate.threads.release()
            w.close()


def test_each_process_has_its_own_gate(monkeypatch, tmp_path):
    """gunicorn forks workers from a master that may have written (the seed): a worker must not share the master's
    open lock file, or the flock would let both in at once."""
    path = str(tmp_path / "f.sqlite3")
    first = gated.gate_for(path)
    assert gated.gate_for(path) is first
    monkeypatch.setattr(gated.os, "getpid", lambda: -1)
    assert gated.gate_for(path) is not first


def test_an_in_memory_database_has_no_gate(django_db_blocker):
    with django_db_blocker.unblock():
        w = wrapper(":memory:")
        with atomic(w) as c:
            c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            assert w._gate is None
        w.close()


def test_the_project_uses_the_gated_backend_on_sqlite():
    from django.db import connections

    if connections["default"].vendor == "sqlite":
        assert isinstance(connections["default"], gated.DatabaseWrapper)
