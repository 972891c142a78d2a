"""Settings for COM-B Tracker, read from environment variables (see the README's table).

With no environment at all the project runs in its embedded mode: SQLite under var/, no Redis
(Celery tasks run in-process). DEBUG is off unless asked for, and then a development secret key
is allowed. The module imports without any environment (type checkers and tools load it), but
without SECRET_KEY and DEBUG the web app refuses to start (see wsgi.py), as production should.
"""

import os
import tempfile
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
DEMO_MODE = env.bool("DEMO_MODE", default=DEBUG)

# Left empty outside DEBUG, Django refuses every use of the key, and wsgi.py refuses to start.
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "insecure-development-key-only-for-debug" if DEBUG else ""
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "comb_tracker.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "simple_history",
    "comb_tracker.apps.ProjectConfig",
    "accounts",
    "assessments",
    "supervision",
    "cpd",
    "service_actions",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "comb_tracker.sessions.session_expiry",
    "accounts.second_factor.require_second_factor",
    "simple_history.middleware.HistoryRequestMiddleware",
    "comb_tracker.middleware.no_store_when_signed_in",
    # Last, as django-axes asks: it turns a lockout raised by the backend into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "comb_tracker.urls"
WSGI_APPLICATION = "comb_tracker.wsgi.application"

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
                "accounts.context_processors.roles",
                "supervision.context_processors.reviews_waiting",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction begins and wait for it (instead of failing
    # with "database is locked" mid-transaction); WAL lets pages read while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    # Tests use a file, not the in-memory shared-cache database, which locks whole tables and
    # so cannot show how concurrent requests behave. One file per test process, so that runs
    # going on at once (unit and browser tests, whose xdist workers are all named gw0, gw1...)
    # never open or delete each other's database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"comb-tracker-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Argon2 hashes new passwords; the PBKDF2 hashers stay so that existing hashes still verify, and
# Django re-hashes each with Argon2 at its owner's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in goes through django-allauth only (no Django login view is mounted, and the admin's
# login redirects to allauth), so the second factor cannot be skipped. django-axes's backend
# comes first: it refuses a locked-out account before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
# Accounts are made by administrators; nobody signs themselves up.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "COM-B Tracker: "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "COM-B Tracker"
# Roles that must sign in with a second factor: the people who read others' answers (supervisors,
# service leads) and administrators ("admin" means staff). Empty turns the rule off; `make run`'s
# development configuration does so, as its demo logins are shared.
MFA_REQUIRED_ROLES = [
    role for role in env.list("MFA_REQUIRED_ROLES", default=["supervisor", "lead", "admin"]) if role
]

# Lockout (django-axes): 5 failures lock the account for everyone (whatever address guesses it)
# and the address for every account (whatever account it guesses), until an administrator unlocks
# them or the cool-off passes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
# allauth hands axes its credentials under "username"; the callable counts them in lower case.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.adapters.lockout_username"
# allauth's own limit (5 failures per username per 5 minutes) would answer before axes with a
# 200; it is loosened so that axes locks and says so, and stays as a second net.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,10/5m/key"}
# The reset form answers the same whether or not an account has the address, and sends nothing
# to an unknown address (no mail to strangers).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# The client's address: REMOTE_ADDR, unless PROXY_COUNT trusted proxies sit in front and append
# to X-Forwarded-For (a client could otherwise forge that header to rotate its address).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (CPD evidence): outside the static root and never served by URL; each is
# sent only through a view that checks who asks (cpd/views/activities.py).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="COM-B Tracker <no-reply@localhost>")

# Cache (profile chart bars and rendered charts): Redis when configured, else in-process memory.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL_FOR_CACHE}
        if (REDIS_URL_FOR_CACHE := env.str("REDIS_URL", default=""))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: with REDIS_URL unset, tasks run eagerly in the web process (the embedded mode).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Sessions are read from the cache (Redis in production) and written through to the database,
# which saves a query on every signed-in page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
# A session ends after this long without a request, and in any case this long after signing in
# (comb_tracker/sessions.py::session_expiry).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_COOKIE_AGE = env.int("SESSION_MAX_HOURS", default=10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), enforced: scripts and styles only from our own static
# files, so no inline script, style attribute or event handler runs. Images may be data: URLs
# (the QR code of two-factor enrolment).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# History (django-simple-history) records who made each change, and is never reverted.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every sign-in at INFO; lockouts (WARNING) are what an operator needs.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Aggregates over people are shown only for groups of at least this many (DOMAIN.md section 9).
SMALL_GROUP_MIN = env.int("SMALL_GROUP_MIN", default=5)

# Largest request body accepted; a questionnaire page is far smaller (comments are capped).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# The framework shipped with the product (and loaded by `manage.py setup_demo`).
FRAMEWORK_FIXTURE = BASE_DIR / "fixtures" / "framework" / "comb-pd.yaml"
# Earlier published versions of the shipped framework, oldest first: the demo loads them before
# the current one, so its history spans versions.
FRAMEWORK_FIXTURE_HISTORY = [
    BASE_DIR / "fixtures" / "framework" / "history" / "comb-pd-v1.yaml",
    BASE_DIR / "fixtures" / "framework" / "history" / "comb-pd-v2.yaml",
]
FRAMEWORK_SLUG = env.str("FRAMEWORK_SLUG", default="comb-pd")

# Personal data of leavers (accounts/personal_data.py, `manage.py apply_retention`): people whose
# roles all ended this many days ago, or whose account is inactive, and who have not signed in
# since, are anonymised. The NHS Records Management Code of Practice keeps the formal staff and
# training record (in the employer's HR system) for years after leaving; this tool holds working
# self-assessments, not that record, so it keeps a leaver identifiable only long enough for
# references and supervision queries: two years by default. Their ratings stay, anonymously.
LEAVER_RETENTION_DAYS = env.int("LEAVER_RETENTION_DAYS", default=730)

# Supervision hours (supervision/hours.py; BABCP's supervision guidance for accredited
# therapists, DOMAIN.md section 10): 1.5 hours a month for full-time clinical practice, pro rata
# to contracted weekly hours (full time as below) but never under 45 minutes; group supervision
# counts in full for groups of at most six.
SUPERVISION_MONTHLY_HOURS_FULL_TIME = env.float("SUPERVISION_MONTHLY_HOURS_FULL_TIME", default=1.5)
FULL_TIME_WEEKLY_HOURS = env.float("FULL_TIME_WEEKLY_HOURS", default=37.5)
SUPERVISION_MINIMUM_MONTHLY_MINUTES = env.int("SUPERVISION_MINIMUM_MONTHLY_MINUTES", default=45)
SUPERVISION_GROUP_MAX_COUNTED = env.int("SUPERVISION_GROUP_MAX_COUNTED", default=6)

# CPD evidence files (cpd/evidence.py): the largest upload accepted, 5 MB by default.
CPD_EVIDENCE_MAX_BYTES = env.int("CPD_EVIDENCE_MAX_BYTES", default=5 * 1024 * 1024)
