"""Yanxun settings: one file, driven by environment variables.

Embedded default: SQLite (WAL) in the data folder, file cache, background work in-process.
Production: DATABASE_URL (PostgreSQL), REDIS_URL (cache + Celery broker), YANXUN_HTTPS=1.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DATA_DIR = Path(env("YANXUN_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a generated one kept in the data folder."""
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("YANXUN_DEBUG")
HTTPS = env_bool("YANXUN_HTTPS")
PUBLIC_URL = env("YANXUN_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = [h for h in env("YANXUN_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL] + [
    o for o in env("YANXUN_CSRF_TRUSTED_ORIGINS").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "yanxun.core",
    "yanxun.accounts",
    "yanxun.org",
    "yanxun.quality",
    "yanxun.training",
    "yanxun.review",
    "yanxun.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yanxun.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yanxun.core.middleware.RequestContextMiddleware",
    "yanxun.accounts.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "yanxun.urls"
WSGI_APPLICATION = "yanxun.wsgi.application"
ASGI_APPLICATION = "yanxun.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yanxun.core.context_processors.navigation",
                "yanxun.notifications.context_processors.unread_notifications",
            ],
        },
    }
]

DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("YANXUN_SQLITE_PATH", str(DATA_DIR / "yanxun.sqlite3")),
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE takes the write
                # lock at BEGIN so that two writers queue on busy_timeout instead of failing.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Keep each worker thread's connection (and SQLite's page cache with it) between
            # requests: opening one per request made a list page ~5 ms slower.
            "CONN_MAX_AGE": env_int("YANXUN_CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(DATA_DIR / "cache")}}
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
# Dotted-path prefixes that core.tasks.run_in_background may start (a broker message names one).
BACKGROUND_PREFIXES = ("yanxun.",)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["yanxun.accounts.backends.LoginNameOrPhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "yanxun.accounts.validators.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "yanxun.accounts.validators.MixedCharactersValidator"},
]
LOGIN_LOCKOUT_FAILURES = env_int("YANXUN_LOCKOUT_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("YANXUN_LOCKOUT_MINUTES", 10)

# Sessions are kept in the database; with Redis they are read through it (every page needs
# the session, and a Redis read costs less than a query). Without Redis they are read from the
# database: the file cache lists its folder on every write, which at thousands of logged-in
# teachers costs more than the query (see yanxun.accounts.sessions).
SESSION_ENGINE = ("yanxun.accounts.sessions.cached_db" if REDIS_URL
                  else "yanxun.accounts.sessions.db")
SESSION_COOKIE_AGE = env_int("YANXUN_SESSION_DAYS", 30) * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated):
# the client's address — in the 操作日志, the 登录日志 and the verify pages' rate limit — is
# the last address in that header not among them. Default: a proxy on the same machine.
TRUSTED_PROXIES = [p.strip() for p in env("YANXUN_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
                   if p.strip()]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    ("vendor/tabler", NODE_MODULES / "@tabler/core/dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org/dist"),
    ("vendor/echarts", NODE_MODULES / "echarts/dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# After collectstatic (which `yanxun serve` runs) WhiteNoise serves STATIC_ROOT; scanning the
# npm folders on every process start costs ~0.5 s, so finders are for development only.
WHITENOISE_USE_FINDERS = env_bool("YANXUN_STATIC_FINDERS", DEBUG)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("YANXUN_IMPORT_MAX_MB", 20) * 1024 * 1024
IMPORT_MAX_ROWS = env_int("YANXUN_IMPORT_MAX_ROWS", 200_000)
# Imports at or above this many rows run in the background with a progress bar.
IMPORT_BACKGROUND_ROWS = env_int("YANXUN_IMPORT_BACKGROUND_ROWS", 2000)

NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_MAX_LIMIT = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("YANXUN_LOG_LEVEL", "WARNING")},
}

if env_bool("YANXUN_FAST_HASHER"):
    # Tests and benchmarks only: PBKDF2 at Django's default cost takes ~0.23 s a hash here.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Benchmarks only (benchmarks/checkin_burst.py): a bare route of the same stack that writes one
# row, the ceiling the check-in is measured against. Never set in a deployment.
BENCHMARK_ROUTES = env_bool("YANXUN_BENCHMARK_ROUTES")
# A change to an exam's 任课表 rebuilds the per-teacher figures of schools with up to this
# many students at once, in the request; larger schools in the background.
QUALITY_INLINE_REFRESH_STUDENTS = env_int("YANXUN_QUALITY_INLINE_REFRESH_STUDENTS", 5000)
# 站内消息: read messages older than this many days are deleted by `yanxun notifications
# purge` (docs/notifications.md); unread ones are kept.
NOTIFICATIONS_RETENTION_DAYS = env_int("YANXUN_NOTIFICATIONS_RETENTION_DAYS", 180)
# 评比: the size limit of one file of an entry (documents, slides, images; lesson videos are
# links, not uploads).
REVIEW_ENTRY_FILE_MAX_BYTES = env_int("YANXUN_REVIEW_ENTRY_FILE_MAX_MB", 20) * 1024 * 1024
