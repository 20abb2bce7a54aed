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
longer than it could be served. So at a read or a write, at most once per timeout and process, every file older
than the timeout is deleted (every page is kept for the cache's one TIMEOUT, so its age tells it has expired),
and so is a temporary file a worker killed mid-write left behind; Django's cull then bounds the count. A worker's
first read or write sweeps what an earlier run left.

Django unpickles what it reads there, so the directory must be the service's own: one that exists with another
owner or open to group or others (a pre-created /dev/shm folder) is refused, and nothing is kept.

A directory the service cannot use (a systemd unit's ProtectSystem, a full disk) must not cost a page: the store
then keeps nothing, the page is worked out as without a cache, and each kind of failure is logged once per
process. The directory is made at the first write, not when the store is opened: Django's system checks open
every cache, and `manage.py migrate` under the web unit's sandbox would otherwise warn about a folder it never
uses.
"""

import logging
import os
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.filebased import FileBasedCache

logger = logging.getLogger(__name__)


class SharedPageStore(FileBasedCache):
    _swept = 0.0  # per process (Django opens a store per thread); a race only sweeps twice
    _warned = set()
    _checked = set()  # directories found to be the service's own, 0700

    def __init__(self, dir, params):
        BaseCache.__init__(self, params)  # FileBasedCache would make the directory here (see the module's doc)
        self._dir = os.path.abspath(dir)

    def _unusable(self, why):
        if why not in SharedPageStore._warned:
            SharedPageStore._warned.add(why)
            logger.warning("页面缓存目录 %s %s，页面不缓存（见 docs/deploy.md 的 PAGE_CACHE_DIR）", self._dir, why,
                           exc_info=why == "不可用")

    def _own(self, create=False):
        """The directory exists (made 0700 by FileBasedCache if `create`), is this process's user's and is closed to
        everyone else. Checked once per process."""
        if self._dir in SharedPageStore._checked:
            return True
        if create:
            super()._createdir()
        try:
            st = os.stat(self._dir)
        except FileNotFoundError:
            return False
        if st.st_uid != os.geteuid() or st.st_mode & 0o077:
            self._unusable(f"属主或权限不安全（{oct(st.st_mode & 0o777)}，应为本服务用户的 0700）")
            return False
        SharedPageStore._checked.add(self._dir)
        return True

    def get(self, key, default=None, version=None):
        try:
            if not self._own():
                return default
            self._maybe_sweep()
            return super().get(key, default, version)
        except OSError:  # not readable: a miss, the page is worked out
            self._unusable("不可用")
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            if self._own(create=True):
                super().set(key, value, timeout, version)  # sweeps in _cull first
        except OSError:  # not writable: nothing kept
            self._unusable("不可用")

    def _cull(self):
        self._maybe_sweep()
        super()._cull()

    def _maybe_sweep(self):
        now = time.time()
        if now - SharedPageStore._swept >= self.default_timeout:
            SharedPageStore._swept = now
            self.sweep(now)

    def sweep(self, now=None):
        """Delete every kept page older than the timeout (none can be served any more), and any temporary file a
        worker killed mid-write left (Django writes to tmp… and renames)."""
        limit = (time.time() if now is None else now) - self.default_timeout
        with os.scandir(self._dir) as entries:
            for entry in entries:
                if not entry.name.endswith(self.cache_suffix) and not entry.name.startswith("tmp"):
                    continue
                try:
                    if entry.stat().st_mtime < limit:
                        os.remove(entry.path)
                except FileNotFoundError:  # another worker swept it first
                    pass
