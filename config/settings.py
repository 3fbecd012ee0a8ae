"""Settings for the claim tracker: one file, configured by environment variables.

Without DJANGO_DEBUG=true the site is in production mode: the secret key and the
host list must be given, or it refuses to start. Development needs DJANGO_DEBUG=true
and nothing else: a debug site on an embedded SQLite database.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    """Read a boolean variable; anything but a plain true/false word is an error."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    word = value.strip().lower()
    if word in ("1", "true", "on"):
        return True
    if word in ("0", "false", "off"):
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use true or false (also 1/0, on/off)."
    )


def env_int(name, default, minimum=0):
    """Read a whole number of at least `minimum`; anything else is an error naming the variable."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number of at least {minimum}.")
    return number


def env_list(name, default=""):
    """Read a comma-separated list, ignoring blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url, variable="DATABASE_URL"):
    """Turn DATABASE_URL (or `variable`) into a DATABASES entry: postgres://... or sqlite:///path."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"{variable} {url!r} names no database.")
        pooled = env_bool("DATABASE_POOL", False)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # A worker keeps its connection between requests (checked before each is reused), so a
            # page does not pay for a new PostgreSQL backend; a pool manages connections itself.
            "CONN_MAX_AGE": 0 if pooled else env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # A database that is down, unreachable or frozen costs a request seconds, not a
                # worker: pages answer 503 well inside gunicorn's 30-second worker timeout.
                "connect_timeout": 3,
                "options": f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT', 10)}s",
                **({"pool": {"timeout": 3}} if pooled else {}),
            },
        }
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise ImproperlyConfigured(f"{variable} {url!r} names no SQLite file.")
        # sqlite:///relative.db is relative to the project; sqlite:////abs.db is absolute.
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / path[1:],
            # Each transaction takes the write lock when it begins, so two saves take turns
            # instead of one failing with "database is locked" half way through.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    raise ImproperlyConfigured(
        f"{variable} {url!r} is not supported: use postgres://user:pass@host:port/name "
        "or sqlite:///file.sqlite3."
    )


# Production unless told otherwise: a forgotten variable must not serve a debug site.
DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

if DEBUG:
    SECRET_KEY = SECRET_KEY or "development-only-not-secret"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set in production mode; for development, set DJANGO_DEBUG=true."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must be set in production mode; for development, set DJANGO_DEBUG=true."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # HTTPS only, and browsers told to remember it for a year. A server that browsers reach
    # only over plain HTTP on loopback turns both off with false and 0.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "analysts",
    "claims",
]

MIDDLEWARE = [
    # An id for every request, in its log lines and on the error page.
    "config.middleware.request_id",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.permissions_policy",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.admin_content_security_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A public page's 304, or its copy from the page cache, without the rest of the stack.
    "claims.public.PublicPageMiddleware",
    # ETag on every page, for GET and HEAD, and 304 for a conditional request that matches it.
    "config.middleware.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Public pages live under /zh-hant/ and /en/; / goes to the browser's language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Puts the logged-in analyst on every history row written during the request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a login that django-axes locked out into the lockout page (analysts.logins.lockout).
    "axes.middleware.AxesMiddleware",
    # Last, so it sees a view's error first: 503 and Retry-After when the database is out of reach.
    "config.middleware.DatabaseUnavailableMiddleware",
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
                "django.template.context_processors.i18n",
                "claims.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3"))
}
# A PostgreSQL streaming replica of that database: the public pages read from it (config/routers.py).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_from_url(os.environ["DATABASE_REPLICA_URL"], "DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # the tests have one database, read through both names
    DATABASE_ROUTERS = ["config.routers.PublicReadsRouter"]

# Public pages learn the revision from PostgreSQL's notices on a connection each process keeps
# (claims/revision_listener.py) instead of asking on every request. Only where they read the
# primary: a replica can lag behind the notices, so with one they ask the replica.
REVISION_LISTEN = (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and "replica" not in DATABASES
    and env_bool("DATABASE_REVISION_LISTEN", True)
)

# Rendered public pages are cached, keyed by the data revision (claims.models.Revision), the
# language and the address, for at most this many seconds; 0 turns the page cache off. The cache
# is this process's memory unless REDIS_URL names a Redis server that several app servers share.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 2000}}}

AUTH_USER_MODEL = "analysts.Analyst"

# django-axes refuses a locked-out login before any password is hashed; ModelBackend then logs in.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Logins are throttled per account and, separately, per address: either one reaching the limit
# locks it out for the cool-off, and every refused attempt restarts the cool-off.
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "analysts.logins.lockout"
AXES_CLIENT_IP_CALLABLE = "analysts.logins.client_address"
AXES_VERBOSE = False  # no start-up banner on every command; failures are still logged
# How many proxies in front of the site append to X-Forwarded-For. At 0 the header is ignored and
# the connection's address counts: a client can write anything in it.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND_PATH = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("DJANGO_EMAIL_PORT", "587")),
        "username": os.environ.get("DJANGO_EMAIL_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", True),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "tracker@localhost")

# Each line names the request it is about by the id its error page shows ("-" outside requests).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.middleware.RequestIdFilter"}},
    "formatters": {"request": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "request"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Reasons for changes are sentences, not labels: keep them whole.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# dumpdata and loaddata keep the audit history's times to the microsecond (see "Backup and restore").
SERIALIZATION_MODULES = {"json": "config.serializers"}

# In development, whitenoise serves files straight from the apps' static folders.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# No inline script or style anywhere: pages load their CSS from static files only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
