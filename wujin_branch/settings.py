"""Settings for the 党支部规范化建设 platform.

One module for every environment; production differs only by environment variables
(read through django-environ). Without DATABASE_URL a SQLite file in the project is used,
without REDIS_URL Celery runs tasks eagerly, so a local demo needs nothing installed.
"""

import copy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local, git-ignored .env (made by `make install` with a random SECRET_KEY) lets plain
# `manage.py` commands run in a checkout; real environment variables always win.
ENV_FILE = Path(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Set by `make test`: a non-debug configuration without HTTPS redirects or manifest storage.
TESTING = env.bool("TESTING", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-local-development-key-only-used-with-debug-on-0123456789"
    else:
        raise ImproperlyConfigured("SECRET_KEY 未设置：关闭 DEBUG 时必须提供 SECRET_KEY 环境变量。")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "treebeard",
    "axes",
    "django_filters",
    "django_htmx",
    "wujin_branch.apps.KernelConfig",
    "branches",
    "ledgers",
    "assessment",
    "review",
]

MIDDLEWARE = [
    "wujin_branch.logs.RequestIdMiddleware",  # first: every later log line carries the request id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "branches.middleware.FirstPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wujin_branch.urls"
WSGI_APPLICATION = "wujin_branch.wsgi.application"

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
                "branches.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs on SQLite, which has no row locks (select_for_update is ignored). A
    # transaction takes the write lock when it begins (IMMEDIATE), so a second reviewer acting
    # at the same moment waits up to SQLITE_TIMEOUT seconds, then reads the state the first one
    # left and gets the same message as on PostgreSQL. With the default (DEFERRED) both read,
    # and the one that writes second fails at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=env.int("SQLITE_TIMEOUT", default=20), transaction_mode="IMMEDIATE"
    )
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_POOL", default=False):
    # psycopg's pool in each process (Django's OPTIONS["pool"]); it replaces persistent
    # connections, so CONN_MAX_AGE must be 0. Behind PgBouncer (transaction mode) leave it off
    # and keep CONN_MAX_AGE=0: the bouncer is the pool then (README, 配置).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
if TESTING and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that ``--reuse-db`` skips the migrations on the next local run.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite (demo only) cannot enforce NULLS NOT DISTINCT; PostgreSQL does.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

# A read replica for dashboards, exports and the benchmark (wujin_branch/replica.py). In the
# tests it is a mirror of default, used only where a test turns DATABASE_REPLICA_READS on.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_READS = bool(DATABASE_REPLICA_URL)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    for _key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        DATABASES["replica"][_key] = DATABASES["default"][_key]
elif TESTING:
    DATABASES["replica"] = {**copy.deepcopy(DATABASES["default"]), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["wujin_branch.replica.ReplicaRouter"]

AUTH_USER_MODEL = "branches.User"
# AxesStandaloneBackend only refuses locked-out users (its authenticate() returns None
# otherwise, and AxesBackend inherits that method), so ModelBackend must follow it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if TESTING:
    # Hashing is most of what building a user costs; tests and their demo seeding need no strength.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock an account/IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
# pathlib paths: env.path() returns environ.Path, which has no "/" operator.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Object storage: the media in an S3-compatible bucket (SeaweedFS, Ceph RGW, a cloud's) when
# the four AWS_* below are set, through django-storages (wujin_branch.s3); otherwise MEDIA_ROOT.
# Half a configuration is refused: media written to the wrong place would be lost to the rest.
_S3_REQUIRED = ("AWS_S3_ENDPOINT_URL", "AWS_STORAGE_BUCKET_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
_s3_missing = [name for name in _S3_REQUIRED if not env.str(name, default="")]
USE_S3 = not _s3_missing
if _s3_missing and len(_s3_missing) < len(_S3_REQUIRED):
    raise ImproperlyConfigured(f"对象存储配置不完整，缺少：{'、'.join(_s3_missing)}（四项须同时设置，或都不设置）。")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="")
if USE_S3 and urlsplit(AWS_S3_ENDPOINT_URL).scheme not in ("http", "https"):
    raise ImproperlyConfigured("AWS_S3_ENDPOINT_URL 应为 http:// 或 https:// 开头的地址。")
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="")
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="")
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
AWS_LOCATION = env.str("AWS_LOCATION", default="").strip("/")  # a key prefix, to share a bucket
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="path")  # what self-hosted stores speak
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_DEFAULT_ACL = None  # never public-read: the bucket's policy (private) applies
AWS_QUERYSTRING_AUTH = True
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)  # seconds a presigned link is valid
AWS_S3_FILE_OVERWRITE = False  # as on the filesystem: a taken name gets another
# Where browsers reach the bucket; when set, photos and downloads are presigned redirects
# there, otherwise the web process streams them (wujin_branch.storage.stored_response).
AWS_S3_PUBLIC_ENDPOINT_URL = env.str("AWS_S3_PUBLIC_ENDPOINT_URL", default="")
if USE_S3:
    STORAGES["default"] = {"BACKEND": "wujin_branch.s3.BucketStorage"}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000  # attendance grids of large branches

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@wujin-branch.local")
# Only behind a proxy that overwrites X-Forwarded-For (used to throttle public objections).
PUBLIC_TRUST_X_FORWARDED_FOR = env.bool("PUBLIC_TRUST_X_FORWARDED_FOR", default=False)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")  # links in mails

# Celery: with a broker (CELERY_BROKER_URL, by default REDIS_URL) tasks go to the worker;
# without one they run eagerly in-process so the SQLite demo needs no other service.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://"
# Nothing reads task results (jobs report through their Job row), so none are stored.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A worker killed mid-task: its message goes back to the queue, not lost (acks_late alone
# acknowledges a task whose process died). Redis hands an unacknowledged message to another
# worker after the visibility timeout: longer than the longest task (a bulk export of the whole
# district, about 10 minutes); long jobs resume from their checkpoint (wujin_branch.jobs).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # the broker away: a saved change answers within about a second, its work waits in the outbox
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 1,  # reconnecting retries once, at once, then the caller sees the error
    "interval_start": 0,
    "interval_step": 1,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A job whose worker has not beaten for this long shows 已中断 with 继续; a redelivered job
# takes over from a silent runner after JOB_TAKEOVER_AFTER seconds.
JOB_STALE_AFTER = env.int("JOB_STALE_AFTER", default=300)
JOB_TAKEOVER_AFTER = env.int("JOB_TAKEOVER_AFTER", default=60)
BULK_EXPORT_CHUNK = env.int("BULK_EXPORT_CHUNK", default=50)  # sheets per stored part (review.exports)
# Queues by kind of work: PDF layout and bulk exports (memory-hungry, slow) on "pdf", mail
# on "mail", everything else on "default". A worker started without -Q consumes all three
# (the zero-set-up default); docker-compose runs one worker service per queue.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = tuple(Queue(name) for name in ("default", "pdf", "mail"))
CELERY_TASK_ROUTES = {
    "ledgers.books.tasks.build_life_ledger_pdf": {"queue": "pdf"},
    "ledgers.books.tasks.build_member_ledger_pdf": {"queue": "pdf"},
    "review.tasks.bulk_export_task": {"queue": "pdf"},
    "wujin_branch.tasks.mail_notices": {"queue": "mail"},
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=50)
CELERY_TIMEZONE = TIME_ZONE
# Task modules outside an app's tasks.py (autodiscovery only loads tasks.py).
# Task modules of the ledgers subjects (autodiscovery finds only each app's own tasks.py).
CELERY_IMPORTS = ("ledgers.activities.tasks", "ledgers.books.tasks", "ledgers.dues.tasks")
# 党组织生活台账 and 党员信息台账 (masked) PDFs are built by a worker this many seconds after a
# change (ledgers.books.pdfs): a burst of edits costs one build, and the download is a file read.
LEDGER_PDF_PREBUILD = env.bool("LEDGER_PDF_PREBUILD", default=True)
LEDGER_PDF_DELAY = env.int("LEDGER_PDF_DELAY", default=60)
# The parts of a 党组织生活台账 not stored yet are laid out in this many forked processes at
# once (0: one per CPU; 1: in the process itself), all within LEDGER_PDF_TIMEOUT seconds.
LEDGER_PDF_PROCESSES = env.int("LEDGER_PDF_PROCESSES", default=0)
LEDGER_PDF_TIMEOUT = env.int("LEDGER_PDF_TIMEOUT", default=120)
# A record counts (calendar, counts, suggested scores) only with a topic and minutes of at
# least this many characters (内容形式符合要求, issue #17).
RECORD_MIN_MINUTES_CHARS = env.int("RECORD_MIN_MINUTES_CHARS", default=20)
RECORD_MIN_TOPIC_CHARS = env.int("RECORD_MIN_TOPIC_CHARS", default=2)
CELERY_BEAT_SCHEDULE = {
    "daily-reminders": {
        "task": "review.tasks.daily_reminders",
        "schedule": crontab(minute=30, hour=8),
    },
    "outbox-dispatch": {  # background work that waited for the broker
        "task": "wujin_branch.tasks.outbox_dispatch",
        "schedule": 60.0,
    },
    "kernel-tidy": {  # expired form tokens and photos kept for forms never saved
        "task": "wujin_branch.tasks.tidy",
        "schedule": crontab(minute=15, hour=3),
    },
    "dues-monthly-digest": {
        "task": "ledgers.dues.tasks.dues_monthly_digest",
        "schedule": crontab(minute=0, hour=8, day_of_month=5),
    },
}

# Nothing reads task results (jobs report through their Job row).
CELERY_TASK_IGNORE_RESULT = True


def _next_redis_db(url: str) -> str:
    """redis://host:6379/0 -> redis://host:6379/1 (no index means 0); other URLs unchanged."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return url
    index = parts.path.strip("/") or "0"
    return urlunsplit(parts._replace(path=f"/{int(index) + 1}")) if index.isdigit() else url


# Broker and cache apart: queued tasks must never be evicted, cache keys may be. CACHE_URL
# defaults to REDIS_URL's server with the next database index (/0 -> /1); docker-compose
# runs two Redis servers instead (`redis` without eviction, `cache` with LRU).
CACHE_URL = env.str("CACHE_URL", default="") or _next_redis_db(REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # a cache that is down fails a request in about a second instead of hanging it
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    # each process's memory (the local demo); Django's default of 300 entries would evict the
    # branch pages of a few dozen branches
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 5000}}}  # fmt: skip

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # docker's health checks come over plain http from inside the container
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# One line per event with time, level, logger, request id (a task's id in Celery), user id and
# path (wujin_branch.logs); LOG_FORMAT=json gives one JSON object per line for a log collector.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT 只能是 text 或 json。")
_LOG_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(user_id)s %(path)s %(message)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "wujin_branch.logs.RequestContextFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [request=%(request_id)s user=%(user_id)s "
            "path=%(path)s] %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": _LOG_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
    },
}

# Errors to Sentry when SENTRY_DSN is set; no personal data (user names, IPs, cookies) is sent.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
    )

# Domain settings that are configuration, not code.
ELECTION_DUE_SOON_DAYS = 90
ROSTER_IMPORT_MAX_ROWS = 5000
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)  # a 100-megapixel PNG is refused
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
PHOTOS_PER_ACTIVITY = 12
LATE_ENTRY_DAYS = 30
PHOTO_TIME_TOLERANCE_DAYS = 3
# Records judged by a submitted self-assessment cannot be edited.
ACTIVITY_FROZEN_CHECK = "assessment.services.activity_is_frozen"
