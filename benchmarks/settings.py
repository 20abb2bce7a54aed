"""Production-like settings for benchmarks: DEBUG off (no query log), plain HTTP on loopback."""

import os

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
# Production refuses to start without the audit chain's key; a benchmark database is thrown away, so a fixed one.
if not (os.environ.get("AUDIT_HMAC_KEY") or os.environ.get("AUDIT_HMAC_KEY_FILE")):
    os.environ["AUDIT_HMAC_KEY"] = "benchmark-only-audit-key-" + "0" * 40

from config.settings import *  # noqa: E402,F403

ROOT_URLCONF = "benchmarks.urls"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
