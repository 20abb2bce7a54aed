"""gunicorn settings for one 2-core server: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Four processes of two threads each. Threads give concurrency while a request waits on the database or a file,
but the threads of one process run Python one at a time (the GIL): with two processes of four threads, a burst of
pages not kept yet (fifty readers right after a write) queued behind one process while the other core idled, and
the 50-user think-time p95 on PostgreSQL was 105–417 ms against 67–302 ms with four of two (benchmarks/README.md,
2026-12-04 22:00–23:05 UTC). Four processes cost ≈ 100 MB more (PSS 323 against 223 MB for the whole server).
Every value can be overridden from the environment (docs/deploy.md).
"""

import os

# nginx on the same host forwards to this address; PORT and HOST are the same variables `./dev serve` reads.
bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Load Django once in the master and fork: workers start fast and share the imported code's memory.
# Django opens no database connection at import time, so no connection is shared across the fork.
preload_app = True
# Imports and .docx/.xlsx exports take seconds, not minutes; a request past this is stuck and is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so that a slow leak in a library never grows without bound. Not too often: a new
# worker has no compiled statements, kept answers or (on PostgreSQL) connection yet, and the old one's clients are
# cut off while it ends. After 2,000 requests each worker was replaced every 10–15 s under the 50-user benchmark,
# and the 工作台's think-time p95 on PostgreSQL rose to 110 ms (40 ms without); after 20,000 it is every few
# minutes at full load, and hours at a province's daytime rate.
max_requests = 20000
max_requests_jitter = 2000
# The proxy on this host sets X-Forwarded-Proto; Django reads it through SECURE_PROXY_SSL_HEADER.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
