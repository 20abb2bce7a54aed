"""Whole pages kept for the log-in session that asked for them, until a table they read is written.

A main page costs 30–60 ms of one core (the ORM building 12–23 queries, the templates), and its reader asks for
it again and again (back from a form, a second tab, the overview paged through and back). `cached_page` keeps
the answer under a key made of:
- the log-in session and the CSRF cookie: the same person with the same rights, and forms whose token fits this
  browser's secret. Two sessions of one person never share an entry, and a browser whose CSRF cookie changed (or
  that has none yet: nothing is kept or served then) gets its page worked out with a token that fits;
- the account and its person as the log-in read them, before any view (what every page is worked out for: the
  navigation follows the account's role). In the key rather than among the tables read: a change to another
  account does not end this reader's pages, nor does a log-in elsewhere, which writes its own last_login;
- the path with its query string, the htmx headers and the language: the same question;
- the day and a PAGE_CACHE_SECONDS slot of the clock: what only the clock changes ("已开始", what is due
  today) lags it by PAGE_CACHE_SECONDS at most. Each log-in session's slots are shifted by an offset drawn from
  its key (slot_of): with one boundary for everyone, every reader's kept pages ended in the same second and
  fifty users missed at once and queued (p95 up to 1 s on PostgreSQL, benchmarks/README.md); shifted, the misses
  are spread over the slot. The bound stays PAGE_CACHE_SECONDS.

With the answer are kept the data version (core/dataversion.py) read before the view read anything, and the
tables the view's statements read (every FROM and JOIN, the answers of `kept_answer` included). It is served
while none of those tables was written after that number: a grant of rights writes the memberships every page
reads, a check-in writes attendance, which the session pages and the overview read and the 工作台 does not.

Only a plain 200 answer that set no header but its type and no cookie, and that showed no message, is kept;
a request with a message waiting is never answered from the cache (the message would be lost), nor is a hard
reload (Cache-Control: no-cache, what a browser sends on Ctrl+F5), whose fresh answer is kept instead. A hit still
passes every middleware (the session policy's idle and absolute limits, the second factor) and still sets the
CSRF cookie as the page would.

Why not Django's cache_page: it keys by URL and headers, not by session, and keeps pages for a fixed time
whatever is written; here a kept page ends at the next write to what it shows.
"""

import hashlib
import re
import time
import zlib
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from . import dataversion

_HEADERS = ("HX-Request", "HX-Target", "HX-Trigger", "HX-Trigger-Name", "HX-Boosted")
_KEPT_HEADERS = {"content-type"}


def _store():
    return caches["pages"]


def _messages_waiting(request):
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def slot_of(session_key, seconds, now=None):
    """The clock's slot for this log-in session: PAGE_CACHE_SECONDS long, shifted by an offset from the key."""
    offset = int.from_bytes(hashlib.sha256(session_key.encode()).digest()[:4], "big") % seconds
    return (int(time.time() if now is None else now) + offset) // seconds


def _account(user):
    """The account and its person as the log-in read them, last_login aside (each log-in writes its own)."""
    values = [(f.attname, getattr(user, f.attname)) for f in user._meta.concrete_fields if f.name != "last_login"]
    person = getattr(user, "person", None)
    if person is not None:
        values += [(f.attname, getattr(person, f.attname)) for f in person._meta.concrete_fields]
    return repr(values)


def key_for(request, name):
    session_key = request.session.session_key
    parts = [name, session_key, request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""), _account(request.user),
             request.get_full_path(), getattr(request, "LANGUAGE_CODE", ""),
             *(request.headers.get(h, "") for h in _HEADERS),
             timezone.localdate().isoformat(), str(slot_of(session_key, settings.PAGE_CACHE_SECONDS))]
    return "page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# Every table a statement reads from: Django names them after FROM and JOIN, quoted; core/sql.py's statements
# too, unquoted. A name caught that is no table (a column after EXTRACT(… FROM …)) is no model's table, and only
# makes its page end at any write (dataversion.changed_since): never less exact, only less kept.
_READS = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z_]\w*)', re.IGNORECASE)


class reading:
    """`with reading() as tables:` notes in `tables` every table the statements inside read, on this thread's
    connection, and what `note_read` adds while it runs (nested: each one open notes everything)."""

    def __enter__(self):
        self.tables = set()
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.connection.__dict__.setdefault("_reading", []).append(self.tables)
        self.wrapper = self.connection.execute_wrapper(self._statement)
        self.wrapper.__enter__()
        return self.tables

    def __exit__(self, *exc):
        self.wrapper.__exit__(*exc)
        self.connection._reading.pop()  # nested: the innermost ends first

    def _statement(self, execute, sql, params, many, context):
        self.tables.update(_READS.findall(sql))
        return execute(sql, params, many, context)


def note_read(tables):
    """What was read in an earlier request and kept (an answer, the overview's sums) belongs to every page (and
    answer) worked out with it now."""
    for noted in connections[DEFAULT_DB_ALIAS].__dict__.get("_reading", ()):
        noted.update(tables)


def cached_page(name):
    """Keep the view's GET answers for the session (see the module's doc). Put it under @login_required."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if (settings.PAGE_CACHE_SECONDS <= 0 or request.method != "GET" or not request.user.is_authenticated
                    or not request.session.session_key or settings.CSRF_COOKIE_NAME not in request.COOKIES
                    or _messages_waiting(request)):
                return view(request, *args, **kwargs)
            number = dataversion.current()
            if number is None:
                return view(request, *args, **kwargs)
            key = key_for(request, name)
            kept = None if _reload(request) else _store().get(key)
            if kept is not None and not dataversion.changed_since(kept[2], kept[3], now=number):
                get_token(request)  # keeps the CSRF cookie's lifetime going, as rendering the page's forms would
                response = HttpResponse(zlib.decompress(kept[1]), content_type=kept[0])
                response["X-Page-Cache"] = "hit"
                return response
            # The access modules' answers about this reader (roles, scopes) may be kept too, under the same number.
            request.user.__dict__[_ANSWERS_UNDER] = f"{request.session.session_key}:{number}:{timezone.localdate()}"
            with reading() as tables:
                response = view(request, *args, **kwargs)
                if getattr(response, "is_rendered", True) is False:
                    response.render()
            if _keepable(request, response):
                _store().set(key, (response["Content-Type"], zlib.compress(response.content, 1),
                                   frozenset(tables), number), settings.PAGE_CACHE_SECONDS)
            return response

        return wrapper

    return decorate


def _reload(request):
    """A hard reload (Ctrl+F5, Shift+reload) sends no-cache: whoever doubts a page gets it worked out anew."""
    return "no-cache" in request.headers.get("Cache-Control", "") or "no-cache" in request.headers.get("Pragma", "")


def _keepable(request, response):
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and {h.lower() for h in response.headers} <= _KEPT_HEADERS and not _messages_waiting(request))


def clear():
    _store().clear()
    caches["answers"].clear()


# ---- What the access modules answer about a user, kept across that user's pages -----------------------------
#
# A page a reader has not opened yet (the first one after a write, another page of the same reader) is worked out
# whole, and 3–5 of its 15–24 queries ask again what the last page asked: the reader's roles today, the subtrees
# they supervise, the groups they manage or observe, their unread notices. Inside a `cached_page` view those
# answers are kept in this process under the page's own terms: the log-in session, the data version read before
# the view read anything, and the day. So they are exactly as fresh as a kept page: any write makes a new version,
# and the day ends them. The session, not the account, keys them, as the pages: two sessions never share one, and
# on SQLite a number taken back with a rolled-back write (the tests' transactions) never meets another's answers.
# In each process's memory (Django's LocMemCache, the "answers" cache: pickled, so a caller that changes what it
# got changes no other's, and bounded), not the shared page store: a file read would cost what the query does.

_ANSWERS_UNDER = "_kept_answers_under"
_MISSING = object()


def kept_answer(user, key, compute):
    """compute(), or what it answered for this user under the same session, data version and day (see above).
    Outside a kept page's view (a POST, a page not cached, caching off) it is simply compute(). The tables it read
    are kept with it, and belong to the page that uses it, whenever it was computed."""
    under = user.__dict__.get(_ANSWERS_UNDER)
    if under is None:
        return compute()
    answers, full_key = caches["answers"], f"{under}:{user.pk}:{key}"
    kept = answers.get(full_key, _MISSING)
    if kept is _MISSING:
        with reading() as tables:
            value = compute()
        kept = (value, frozenset(tables))
        answers.set(full_key, kept)
    note_read(kept[1])
    return kept[0]
