import datetime as dt

import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Heads published by one test (or by the developer's own server) must not be checked by another.
    settings.AUDIT_HEAD_FILE = tmp_path / "audit-heads.log"


@pytest.fixture
def world(db):
    from core.testing import build_world

    return build_world()


@pytest.fixture
def as_user(client):
    """as_user(persona) -> a test client logged in as that persona."""
    from core.testing import login

    def _login(user):
        client.logout()
        return login(client, user)

    return _login


@pytest.fixture
def restore_migrations(transactional_db):
    """For tests that migrate back to an old schema: whatever the test does or fails, every app is migrated
    forward to its latest migration before the database is flushed, so later tests see the whole schema
    (rolling one app back also rolls back the apps that depend on it)."""
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def local_time(time_machine):
    """local_time(hour, minute=0): the clock moves to that time of today in the site's time zone and runs on.
    For tests whose steps must fall on one day ("a session later today", "record it after it starts"): run at
    23:00 Beijing time, now + 90 minutes is tomorrow, and CI runs at any hour."""
    from django.utils import timezone

    def _move(hour, minute=0):
        moment = dt.datetime.combine(timezone.localdate(), dt.time(hour, minute))
        time_machine.move_to(timezone.make_aware(moment), tick=True)
        return timezone.now()

    return _move
