"""Settings for the Minato budget records system.

Every value that differs between a laptop and production comes from the environment
(cookiecutter-django style); the defaults make development work out of the box.
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core ------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env(
    "SECRET_KEY",
    default="django-insecure-development-only-key-change-me-in-production",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "simple_history",
    "budgets.axes_app.AxesConfig",  # django-axes, its admin section in Japanese
    "django.contrib.sitemaps",
    "rest_framework",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "budgets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # open data's CORS headers (a preflight too), before anything answers a request
    "corsheaders.middleware.CorsMiddleware",
    # static files, compressed, before anything else spends time on the request
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last, as django-axes asks: it turns a lockout into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's cached loader, constant {% translate %}, {% url %} and
            # {% static %} tags rendered once (budgets/rendered_once.py;
            # benchmarks/LOAD.md)
            "loaders": [
                (
                    "budgets.rendered_once.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# SQLite by default; PostgreSQL when DATABASE_URL says so
# (postgres://postgres@127.0.0.1:5432/test).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Readers keep reading while an import writes (WAL); writers queue for the lock
    # instead of failing at once (IMMEDIATE transactions, a 20 s busy timeout).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Parameters bound by the server, and a statement run five times on a connection
    # prepared there (parsed and planned once): a project page the cache has not seen
    # costs PostgreSQL about a sixth of the CPU (benchmarks/load_pages.py; README,
    # Performance). Set DATABASE_PREPARED_STATEMENTS=false behind a connection pooler
    # in transaction mode (PgBouncer's), which cannot keep them.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#server-side-parameters-binding
    # config/postgresql tells Django the 65,535 parameters a bound statement holds.
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Passwords -------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation --------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/i18n/
# Japanese first (the data is Japanese); English through locale/en.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# https://whitenoise.readthedocs.io/en/stable/django.html
# WhiteNoise serves the files collected into STATIC_ROOT (`manage.py collectstatic`),
# with gzip and Brotli copies made at collection. STATIC_MANIFEST=true (production)
# adds content hashes to the names, so browsers keep them for a year; the site then
# needs collectstatic before it starts.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=False)
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}

# --- Cache -----------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/cache/
# Public pages are cached and invalidated on every data change (budgets/caching.py):
# the data version that keys them lives in the database, so every process sees a
# change whatever the backend. Local memory by default, one cache per process; set
# REDIS_URL (redis://127.0.0.1:6379/0) so the workers of a server share the pages (a
# page rendered by one serves them all).
REDIS_URL = env("REDIS_URL", default="")
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600 if REDIS_URL else 300)
# A streamed CSV larger than this is sent every time, never kept in the cache.
PAGE_CACHE_MAX_BYTES = env.int("PAGE_CACHE_MAX_BYTES", default=8 * 1024 * 1024)
# Each process keeps its latest pages too, and reads the data version from the
# database at most this often (one query): a change shows in every process within
# that many seconds.
PAGE_CACHE_LOCAL_BYTES = env.int("PAGE_CACHE_LOCAL_BYTES", default=32 * 1024 * 1024)
PAGE_CACHE_VERSION_SECONDS = env.float("PAGE_CACHE_VERSION_SECONDS", default=1.0)
CACHES = {
    "default": (
        {
            # Django's, keeping one client per process (budgets/redis_cache.py)
            "BACKEND": "budgets.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="minato-budgets"),
            "TIMEOUT": PAGE_CACHE_SECONDS,
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "minato-budgets",
            "TIMEOUT": PAGE_CACHE_SECONDS,
            "OPTIONS": {"MAX_ENTRIES": 1000},
        }
    )
}

# --- Import / export -------------------------------------------------------
# https://django-import-export.readthedocs.io/en/latest/installation.html#settings
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- The admin's uploads (budgets/uploads.py) --------------------------------
# An uploaded table waits between the preview and the confirm step in a private
# folder of its own (never under MEDIA_URL or static, served by nothing), under a
# name the server chose; the library's temp-folder storage is not used.
UPLOAD_ROOT = Path(env("UPLOAD_ROOT", default=str(BASE_DIR / "private" / "uploads")))
STORAGES["uploads"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": UPLOAD_ROOT / "files",
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}
# The largest file the admin's import accepts (the command has no limit): 20 MB
# admits a 20,000-row table (7 MB as CSV, 6 MB as text, 1.5 MB as XLSX) and a
# 50-page PDF with room to spare.
ADMIN_UPLOAD_MAX_BYTES = env.int("ADMIN_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# The most projects the admin's import takes; a larger table is refused at the
# preview with a sentence naming the command. At 20,000 rows the preview and the
# confirm each take under 10 s on a busy 2-CPU machine, at 60,000 up to 16 s
# (benchmarks/admin_import.py), against gunicorn's 30 s worker timeout.
ADMIN_IMPORT_MAX_ROWS = env.int("ADMIN_IMPORT_MAX_ROWS", default=20_000)
# An upload not confirmed within this time is removed (`manage.py purge_uploads`).
UPLOAD_EXPIRY_SECONDS = env.int("UPLOAD_EXPIRY_SECONDS", default=60 * 60)
# Django's own spooled uploads (files above FILE_UPLOAD_MAX_MEMORY_SIZE) go into
# the private folder too, so that purge_uploads removes what a killed worker left.
FILE_UPLOAD_TEMP_DIR = str(UPLOAD_ROOT / "incoming")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, 2.5 MB, then to disk
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # the non-file fields of a request
DATA_UPLOAD_MAX_NUMBER_FILES = 10  # the import sends one file

# --- The files imports read (budgets/source_files.py) -------------------------
# Each import keeps the file it read, named by its SHA-256, in a private folder
# (served by nothing: staff download it through a view that checks permission).
# In production any storage will do: point STORAGES["sources"] at it.
SOURCE_ROOT = Path(env("SOURCE_ROOT", default=str(BASE_DIR / "private" / "sources")))
STORAGES["sources"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": SOURCE_ROOT,
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}

# --- Downloads and the files of /data/ (budgets/downloads.py, opendata_build.py) ---
# The files of /data/ are built once per data version (`manage.py build_open_data`,
# started in the background after every change commits) into this private folder
# and served from it; the previous build is served while the next one is written.
OPEN_DATA_ROOT = Path(
    env("OPEN_DATA_ROOT", default=str(BASE_DIR / "private" / "opendata"))
)
OPEN_DATA_BUILD_AFTER_CHANGE = env.bool("OPEN_DATA_BUILD_AFTER_CHANGE", default=True)
# A workbook is written in the request before its first byte leaves: above this many
# rows a filtered /projects.xlsx points to the same rows as CSV. 50,000 rows took 15 s
# on this 2-CPU machine under load (benchmarks/downloads.py), half gunicorn's 30 s
# timeout; 20,000 keep a wide margin and exceed any real filtered list (a year has a
# few hundred projects). Excel's own limit is 1,048,576 rows.
XLSX_MAX_ROWS = env.int("XLSX_MAX_ROWS", default=20_000)

PAGE_SIZE = env.int("PAGE_SIZE", default=50)
SITE_NAME = _("港区 新規事業及びレベルアップ事業一覧")

# --- Logging ---------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/logging/
# Every unhandled error (a 500) is written with its traceback to standard error,
# DEBUG on or off: gunicorn puts it in its error log (`--error-logfile`, standard error
# by default), runserver on the terminal. LOG_LEVEL=INFO adds the import's progress.
# Django's default sends such errors only to ADMINS by mail, which is not set here:
# with DEBUG off a 500 left no trace anywhere.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "format": "{asctime} {levelname} {name} {process:d}: {message}",
            "style": "{",
        },
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
        },
    },
    "loggers": {
        "django.request": {
            "handlers": ["stderr"],
            "level": "ERROR",
            "propagate": False,
        },
        "budgets": {"handlers": ["stderr"], "level": env.str("LOG_LEVEL", "WARNING")},
        # pdfminer (under pdfplumber) warns about every font descriptor it repairs;
        # what the import cannot read it refuses with a message of its own
        "pdfminer": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
    },
}

# --- Security --------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# Behind HTTPS in production set HTTPS=true: secure cookies, HSTS, redirects.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", False) else None
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): everything from this site only.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Login throttling (django-axes) ------------------------------------------
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "budgets/lockout.html"
AXES_RESET_ON_SUCCESS = True

# --- History (django-simple-history) -----------------------------------------
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Open data API (Django REST framework, drf-spectacular) ---------------------
# https://www.django-rest-framework.org/api-guide/settings/
# Read-only and public: no authentication, no sessions, so no CSRF either.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "budgets.api.negotiation.FormatsNamed",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "budgets.api.errors.readable_exception_handler",
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "港区 新規事業及びレベルアップ事業一覧 API",
    "DESCRIPTION": (
        "Read-only open data API of Minato City's yearly tables of new and level-up "
        "projects. Only published fiscal years are served. Amounts are integers in "
        "thousands of yen (千円); null means not applicable, 0 is a real amount. "
        "An invalid parameter, or a year, theme, department or section that is not "
        "published, is answered 400 with the reasons per parameter. "
        "Licence: CC BY 4.0 (compatible with 政府標準利用規約 第2.0版)."
    ),
    "VERSION": "1",
    "LICENSE": {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}


# Open data: any web page may read the API, the list's downloads, the files of /data/
# and the feed (django-cors-headers), with no credentials, and its scripts may read
# the headers that say which version they got and send a conditional request.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/(api|data|feeds)/|^/projects\.(csv|xlsx)$"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = (
    "accept",
    "accept-language",
    "if-modified-since",
    "if-none-match",
)
CORS_EXPOSE_HEADERS = (
    "Content-Disposition",
    "ETag",
    "Last-Modified",
    "X-Data-Version",
)
CORS_PREFLIGHT_MAX_AGE = 86_400
