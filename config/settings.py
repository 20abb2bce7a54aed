"""Settings come from the environment; every default is safe for a laptop demo on SQLite.

Production (`DJANGO_DEBUG=0`) turns on the transport-security flags that `check --deploy` wants.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_thresholds(name, kind=None):
    """"writing=0.5,plan=0.45" → {"writing": 0.5, "plan": 0.45}; with `kind`, the variable is one bare number for
    that kind. The kinds are checked by integrity's system check (integrity/checks.py); a value that is not a
    number in (0, 1] stops the start here, naming the entry."""
    out, text = {}, os.environ.get(name, "").replace("，", ",")
    if kind and text.strip():
        text = f"{kind}={text.strip()}"
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, value = part.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not kind.strip() or number is None or not 0 < number <= 1:
            raise RuntimeError(f"{name} 中的“{part}”不正确：应写成 类别=0 到 1 之间的数，如 writing=0.55")
        out[kind.strip()] = number
    return out


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789abcdef")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise RuntimeError("生产环境必须设置 DJANGO_SECRET_KEY")
# seed_demo refuses production databases. Not settings.DEBUG itself: test runners switch DEBUG off.
DEMO_DATA_ALLOWED = DEBUG
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "core",
    "accounts",
    "orgs",
    "materials",
    "plans",
    "meetings",
    "workdays",
    "writings",
    "research",
    "integrity",
    "stats",
    "supervision",
    "assessment",
    "django_tasks",
    "django_tasks_db",
    "notices",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.RequestContextMiddleware",
    "core.middleware.HostileInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    }
]

# SQLite by default. IMMEDIATE transactions make concurrent writers queue on busy_timeout instead of
# failing with "database is locked" when a deferred transaction tries to upgrade its lock.
# Connections are kept between requests in production: opening one costs more than most pages' queries (on SQLite
# ≈7 ms, the schema parsed again and the PRAGMAs run; on PostgreSQL a backend forked), against 0.1–0.5 ms per query.
# The development server starts a thread per request, where a kept connection is never reused, so 0 there.
# Health checks let a connection the database dropped (a PostgreSQL restart) be replaced instead of failing a page.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 60), conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend with writers queued at a gate before SQLite's lock, so a burst is served in turn instead of
    # by whoever asks just as SQLite's busy handler wakes (core/sqlite/base.py).
    if env_bool("SQLITE_WRITER_GATE", True):
        DATABASES["default"]["ENGINE"] = "core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 5,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        " PRAGMA foreign_keys=ON;",
    }
    # ":memory:" said outright (Django reads None the same way): pytest-django recognises an in-memory test database
    # by Django's engine name or by this, and would otherwise give each xdist worker a file named after the engine's.
    DATABASES["default"]["TEST"] = {"NAME": env("SQLITE_TEST_NAME") or ":memory:"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server and statements prepared on a kept connection once asked DB_PREPARE_THRESHOLD
    # times: a page asks the same 12–24 statements each time, and planning them anew was a third of their time
    # in the database (the 工作台 on the demo city: 6.4 of 17.7 ms; prepared, 9–12 ms in all). Django leaves both off
    # for connection poolers in transaction mode (PgBouncer), which lose a connection's prepared statements:
    # behind one, set DB_PREPARE_THRESHOLD=0.
    DB_PREPARE_THRESHOLD = env_int("DB_PREPARE_THRESHOLD", 2)
    if DB_PREPARE_THRESHOLD > 0:
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True,
                                                              prepare_threshold=DB_PREPARE_THRESHOLD)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# ModelBackend, with the person read in the same query as the account (accounts/backends.py). Sessions made
# under the plain ModelBackend name end once, at the first request after an upgrade (docs/deploy.md).
AUTHENTICATION_BACKENDS = ["accounts.backends.UserBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# ---- 等保 2.0 level 3: identification and sessions -------------------------------------------
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 8)
PASSWORD_MIN_CLASSES = env_int("PASSWORD_MIN_CLASSES", 3)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5)
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
# Broader limits within the same window: one address guessing many usernames, one username guessed from
# many addresses. Neither applies to a browser that has logged in as the username before.
LOGIN_ADDRESS_MAX_FAILURES = env_int("LOGIN_ADDRESS_MAX_FAILURES", 20)
LOGIN_USERNAME_MAX_FAILURES = env_int("LOGIN_USERNAME_MAX_FAILURES", 10)
KNOWN_DEVICE_DAYS = env_int("KNOWN_DEVICE_DAYS", 180)
# Addresses or networks of the reverse proxies (nginx) whose X-Forwarded-For is believed; empty = none,
# so a client cannot pick its own address by sending the header.
TRUSTED_PROXIES = [p.strip() for p in env("DJANGO_TRUSTED_PROXIES", "").split(",") if p.strip()]
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
# TOTP through django-otp: each failure doubles the wait before the next code is checked (1, 2, 4 … s).
OTP_TOTP_ISSUER = "中心组学习"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 200)  # ≥ 6 months
# The audit chain is keyed (HMAC-SM3) with a key kept out of the database and its backups: hex in
# AUDIT_HMAC_KEY, or a file only the app user can read (AUDIT_HMAC_KEY_FILE). Without one a development
# key is derived from SECRET_KEY; production refuses to start, like it does without a secret key.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", "")
AUDIT_HMAC_KEY_FILE = env("AUDIT_HMAC_KEY_FILE", "")
if not DEBUG and not (AUDIT_HMAC_KEY or AUDIT_HMAC_KEY_FILE):
    raise RuntimeError("生产环境必须设置 AUDIT_HMAC_KEY 或 AUDIT_HMAC_KEY_FILE（审计链密钥）")
# Where `publish_audit_head` appends the chain head each day (make it append-only: chattr +a).
AUDIT_HEAD_FILE = Path(env("AUDIT_HEAD_FILE", str(BASE_DIR / "var" / "audit-heads.log")))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.LengthValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
    {"NAME": "accounts.validators.HistoryValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Django's database store, with the read every request makes compiled once (accounts/session_store.py).
SESSION_ENGINE = "accounts.session_store"
# The cookie lives as long as the absolute limit; the idle limit is enforced by our middleware,
# because Django's own expiry is either idle-only or absolute-only, never both.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# ---- Uploads -------------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
IMPORT_MAX_UNZIPPED_BYTES = env_int("IMPORT_MAX_UNZIPPED_BYTES", 50 * 1024 * 1024)
# One XML part of an .xlsx/.docx inflated (a parser's memory grows ~10× this), and the text kept from a file.
UPLOAD_MAX_MEMBER_BYTES = env_int("UPLOAD_MAX_MEMBER_BYTES", 20 * 1024 * 1024)
EXTRACT_MAX_CHARS = env_int("EXTRACT_MAX_CHARS", 500_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 100)

# SM4 key for personal fields at rest (32 hex chars). Derived from SECRET_KEY when unset so that a demo
# works out of the box; a deployment sets its own and keeps it out of the database backup.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", "")

# ---- Study work ------------------------------------------------------------------------------
# A session recorded more than this many days after it was held is flagged 补录 everywhere.
MEETINGS_LATE_RECORD_DAYS = env_int("MEETINGS_LATE_RECORD_DAYS", 7)
MEETINGS_MAKEUP_DAYS = env_int("MEETINGS_MAKEUP_DAYS", 10)  # working days (workdays.selectors.add_workdays)
# 宣讲 and 党课 each member gives a year (research/): kind -> at least how many.
RESEARCH_LECTURE_REQUIREMENTS = {"party_lesson": env_int("RESEARCH_PARTY_LESSONS", 1),
                                 "publicity": env_int("RESEARCH_PUBLICITY_TALKS", 1)}
# integrity (真学真记): reuse thresholds per text kind override integrity.reuse_report.DEFAULT_THRESHOLDS, e.g.
# INTEGRITY_REUSE_THRESHOLDS=writing=0.5,plan=0.45 in the environment; a device that checks in this many people for one session raises a signal; sessions
# entered late by one account within INTEGRITY_BATCH_HOURS, this many of them, are a 集中补录.
# PLAN_COPY_THRESHOLD: the earlier name of the plans' threshold, still honoured (INTEGRITY_REUSE_THRESHOLDS wins).
INTEGRITY_REUSE_THRESHOLDS = {**env_thresholds("PLAN_COPY_THRESHOLD", kind="plan"),
                              **env_thresholds("INTEGRITY_REUSE_THRESHOLDS")}
# A re-check page request over at most this many texts runs at once; a larger scope goes to the task worker.
INTEGRITY_RECHECK_INLINE = env_int("INTEGRITY_RECHECK_INLINE", 200)
INTEGRITY_DEVICE_PEOPLE = env_int("INTEGRITY_DEVICE_PEOPLE", 2)
INTEGRITY_BATCH_SESSIONS = env_int("INTEGRITY_BATCH_SESSIONS", 3)
INTEGRITY_BATCH_HOURS = env_int("INTEGRITY_BATCH_HOURS", 2)
MEETINGS_WEBHOOK_URL = env("MEETINGS_WEBHOOK_URL", "")  # 钉钉/企业微信 group bot; empty = off
MEETINGS_EMAIL_NOTICES = env_bool("MEETINGS_EMAIL_NOTICES", False)
PLAN_REPORT_DEADLINE = env("PLAN_REPORT_DEADLINE", "01-31")  # MM-DD of the plan's year
# 巡听旁听: 备案 this many working days before the session; feedback within N working days, at most M characters.
SUPERVISION_FILING_WORKDAYS = env_int("SUPERVISION_FILING_WORKDAYS", 2)
SUPERVISION_FEEDBACK_WORKDAYS = env_int("SUPERVISION_FEEDBACK_WORKDAYS", 5)
SUPERVISION_FEEDBACK_MAX_CHARS = env_int("SUPERVISION_FEEDBACK_MAX_CHARS", 500)
SUPERVISION_FOCUS_WEIGHT = float(env("SUPERVISION_FOCUS_WEIGHT", "3"))  # 重点对象 are this many times as likely
# Fonts named in generated .docx: those government offices install (WPS may name 仿宋 instead).
DOCUMENT_FONTS = {
    "body": env("DOCX_FONT_BODY", "仿宋_GB2312"),
    "title": env("DOCX_FONT_TITLE", "方正小标宋简体"),
    "heading": env("DOCX_FONT_HEADING", "黑体"),
    "h1": env("DOCX_FONT_HEADING", "黑体"),
    "h2": env("DOCX_FONT_KAI", "楷体_GB2312"),
    "page": env("DOCX_FONT_PAGE", "宋体"),
}
# The 工作台 asks each study app what needs doing (core/dashboard.py).
DASHBOARD_PROVIDERS = ["meetings.dashboard.cards", "plans.dashboard.cards", "materials.dashboard.cards",
                       "writings.dashboard.cards",
                       "supervision.dashboard.cards", "reports.dashboard.cards"]
# Background work (django-tasks with its database backend: no server beyond the database). Run
# `manage.py db_worker` beside the web server; e-mail and group-bot copies of notices go through it.
# The assessment ranking: subtrees of up to RANKING_LIVE_GROUPS groups are scored on every view; larger ones
# (a province) read a snapshot the task worker recomputes after writes, or after RANKING_MAX_AGE seconds.
RANKING_LIVE_GROUPS = env_int("RANKING_LIVE_GROUPS", 1000)
RANKING_MAX_AGE = env_int("RANKING_MAX_AGE", 1800)
# The sessions overview of more than OVERVIEW_CACHE_GROUPS groups keeps its scope-wide sums (and the groups'
# order) for OVERVIEW_CACHE_SECONDS in each process's memory; the page's own rows are always read fresh.
OVERVIEW_CACHE_GROUPS = env_int("OVERVIEW_CACHE_GROUPS", 500)
OVERVIEW_CACHE_SECONDS = env_int("OVERVIEW_CACHE_SECONDS", 60)
# The main pages (工作台, a session, the plan, the material search, the overview) are kept whole for each log-in
# session under the data version that every write moves (core/pagecache.py): a page asked for again before anything
# was written anywhere is served as it was kept. PAGE_CACHE_SECONDS bounds how far such a page can lag the clock
# (a session that has just begun, a new day is a new key anyway); 0 turns the cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 30)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    # Kept compressed (a page of 35 KB takes ≈5 KB), so 2,000 pages take ≈10 MB.
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages",
              "TIMEOUT": PAGE_CACHE_SECONDS or 1, "OPTIONS": {"MAX_ENTRIES": 2000}},
    # A reader's roles and scopes, kept across their pages in each process (core/pagecache.kept_answer). Their key
    # holds the data version and the day, so no timeout is needed; ≈ 1 KB each.
    "answers": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "answers",
                "TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 5000}},
}
# In production the kept pages are files every gunicorn worker reads (core/pagestore.py): in each worker's memory,
# a page kept by one worker was worked out again by the other. PAGE_CACHE_DIR may point at a tmpfs (/run/…); it
# must be the service user's own, 0700 (made so at the first write if missing).
# Development and the tests keep them in memory (one process).
PAGE_CACHE_DIR = env("PAGE_CACHE_DIR", "" if DEBUG else str(BASE_DIR / "var" / "cache" / "pages"))
if PAGE_CACHE_DIR:
    CACHES["pages"].update(BACKEND="core.pagestore.SharedPageStore", LOCATION=PAGE_CACHE_DIR)
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "noreply@localhost")
# SMTP relay for DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (docs/deploy.md).
EMAIL_HOST = env("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20

# ---- Production transport security --------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp), in every mode so that tests and the demo see what production sends.
# No inline script and no eval anywhere: scripts come only from our static files, and templates pass data
# through data- attributes (static/js/confirm.js, static/js/app.js). Styles allow 'unsafe-inline' because
# templates, Bootstrap and Swagger UI use style attributes; a style cannot run script, and text a user typed
# is HTML-escaped wherever it lands. Bootstrap draws its checkboxes and select arrows as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.tokens.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "中心组学习管理平台 API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several models have a "status" or "kind"; name each enum so client code generated from the schema
    # keeps stable names (otherwise they are hashes that change with the choices).
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "orgs.models.UnitKind",
        "PlanStatusEnum": "plans.models.Status",
        "TopicKindEnum": "plans.models.Kind",
        "SessionStatusEnum": "meetings.models.SessionStatus",
        "AttendanceStatusEnum": "meetings.models.AttendanceStatus",
        "MaterialKindEnum": "materials.models.MaterialKind",
        "WritingKindEnum": "writings.models.Kind",
        "WritingStatusEnum": "writings.models.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
}
