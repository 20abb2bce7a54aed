"""Django's database session store, reading the log-in session with a statement compiled once.

Every request reads its session; Django's store builds and compiles the same query each time (core.sql.prepared).
Everything else (saving, expiry, flushing, keys) is Django's own."""

from django.contrib.sessions.backends import db
from django.utils import timezone

from core import sql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        found = sql.prepared("accounts.session", _live_session, self.session_key, timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None


def _live_session(key, now):
    return db.SessionStore.get_model_class().objects.filter(session_key=key, expire_date__gt=now)[:1]
