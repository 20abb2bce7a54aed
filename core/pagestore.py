"""Where kept pages (core/pagecache.py) live in production: files, shared by every gunicorn worker.

gunicorn runs two workers on two cores, and a user's requests reach whichever worker accepts the connection (a
browser's idle connection is closed after gunicorn's keep-alive, and a reverse proxy spreads its own connections).
With a cache in each worker's memory a page kept by one worker was worked out again by the other: in the
50-user benchmark with think time, 143 of 507 answers of the 工作台 were worked out where ≈ 80 meet no kept page
(each user's first request after a write, and the end of their slot; benchmarks/README.md).

Django's FileBasedCache is shared by the processes of one machine without a new service to run (the deployment is
one server, often on an intranet). Its directory is created 0700 and its files 0600 (mkstemp). What it lacks is
a sweep of expired entries: it deletes one only when it is read again, and a kept page is read under a key that
ends at the next write, so most are never read again. A page holds personal data; it should not stay on disk
longer than it could be served. So before writing, at most once per timeout, every file older than the timeout
is deleted (every page is kept for the cache's one TIMEOUT, so its age tells it has expired), then Django's
cull bounds the count.

A directory the service cannot write (a systemd unit's ProtectSystem, a full disk) must not cost a page: the store
then keeps nothing, the page is worked out as without a cache, and the failure is logged once per process.
"""

import logging
import os
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

logger = logging.getLogger(__name__)


class SharedPageStore(FileBasedCache):
    _swept = 0.0
    _warned = False

    def _unusable(self):
        if not SharedPageStore._warned:
            SharedPageStore._warned = True
            logger.warning("页面缓存目录 %s 不可写，页面不缓存（见 docs/deploy.md 的 PAGE_CACHE_DIR）", self._dir,
                           exc_info=True)

    def _createdir(self):
        try:
            super()._createdir()
        except OSError:
            self._unusable()

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except OSError:  # not readable: a miss, the page is worked out
            self._unusable()
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except OSError:  # not writable: nothing kept
            self._unusable()

    def _cull(self):
        now = time.time()
        if now - SharedPageStore._swept >= self.default_timeout:  # once per process (Django has a store per thread)
            SharedPageStore._swept = now
            self.sweep(now)
        super()._cull()

    def sweep(self, now=None):
        """Delete every kept page older than the timeout: none of them can be served any more."""
        limit = (time.time() if now is None else now) - self.default_timeout
        for fname in self._list_cache_files():
            try:
                if os.stat(fname).st_mtime < limit:
                    os.remove(fname)
            except FileNotFoundError:  # another worker swept it first
                pass
