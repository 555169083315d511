"""Django settings for the stpkit web service. Everything secret or site-specific comes from the
environment (docs/web.md lists each variable); nothing secret is in the repository.

- ``STPKIT_DATA``: the data folder (default ``./stpkit-data``): the SQLite database, and the
  development secret key when none is given.
- ``STPKIT_SECRET_KEY``: the secret key; without it a random key is made once and kept in
  ``STPKIT_DATA/secret_key`` (readable by its owner only).
- ``DATABASE_URL``: ``postgres://user:password@host:port/name`` for PostgreSQL (psycopg 3);
  SQLite in the data folder when unset.
- ``STPKIT_DEBUG=1``: Django's debug pages (development only; never on otherwise).
- ``STPKIT_ALLOWED_HOSTS``: comma-separated host names (default: localhost and 127.0.0.1).
- ``STPKIT_BEHIND_PROXY=1``: believe X-Forwarded-Proto from the proxy that ends HTTPS.
- ``STPKIT_SITE_URL``: the site's address as emails give it (default http://127.0.0.1:8000).
- ``STPKIT_EMAIL_HOST`` (with ``STPKIT_EMAIL_PORT``, ``STPKIT_EMAIL_USER``,
  ``STPKIT_EMAIL_PASSWORD``, ``STPKIT_EMAIL_FROM``): send the workflow's emails by SMTP (with
  STARTTLS); without it they are printed on the console, as in development."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from stpkit.inputs.submission.read import MAX_WORKBOOK_BYTES
from stpkit.inputs.yaml_safe import MAX_FILE_BYTES

DATA_DIR = Path(os.environ.get("STPKIT_DATA", "stpkit-data")).resolve()
DEBUG = os.environ.get("STPKIT_DEBUG") == "1"


def _secret_key() -> str:
    given = os.environ.get("STPKIT_SECRET_KEY")
    if given:
        return given
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        # Created readable by the owner only, and never replaced: sessions survive restarts.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def database_from_url(url: str | None, data_dir: Path) -> dict:
    """Django's DATABASES entry for ``url`` (postgres://...), or SQLite in ``data_dir``."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / "stpkit.sqlite3"),
            "OPTIONS": {
                # Readers do not wait for a writer (WAL); a writer waits up to 20 s for another
                # (the busy timeout) and takes its lock at the start of a transaction, so two
                # writers never deadlock upgrading a read lock. Django turns foreign keys on.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL: expected postgres://user:password@host:port/name, got scheme {parts.scheme!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "stpkit",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
    }


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("STPKIT_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",  # the OpenAPI page's script and styles, from django-ninja
    "ninja",
    "stpkit.web.apps.WebConfig",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "stpkit.web.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "stpkit.web.urls"
TEMPLATES = [
    {
        # The pages: Jinja2 with the NHS.UK design system's macros (stpkit/web/jinja2/).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "stpkit.web.jinja.environment", "autoescape": True},
    },
    {
        # django-ninja's OpenAPI page.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ]
        },
    }
]

# Argon2 first: new passwords are hashed with it; the others only read old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's own backend behind the sign-in throttle (stpkit.web.throttle).
AUTHENTICATION_BACKENDS = ["stpkit.web.throttle.ThrottledModelBackend"]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "my-footprint"
LOGOUT_REDIRECT_URL = "sign-in"

# Cookies: never readable by scripts, not sent on cross-site posts, HTTPS-only outside development.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365  # sent on HTTPS responses only; the proxy redirects HTTP
if os.environ.get("STPKIT_BEHIND_PROXY") == "1":
    # Behind a proxy that ends HTTPS and sets this header itself; served directly, a client
    # could claim HTTPS with it, so it is believed only when said.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
#: No inline script or style and nothing from other sites; pages work without JavaScript.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

#: The largest upload accepted: the largest file the plan readers accept (a workbook). A plan
#: sent as text in a form or JSON body is held to the plan file limit, with room for the rest.
MAX_UPLOAD_BYTES = max(MAX_FILE_BYTES, MAX_WORKBOOK_BYTES)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_FILE_BYTES + 64_000
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES  # an accepted upload is read in memory, never spooled to disk
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Emails on submission, return, agreement, publication and answered challenges (``notify``).
SITE_URL = os.environ.get("STPKIT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("STPKIT_EMAIL_FROM", "stpkit <no-reply@localhost>")
if os.environ.get("STPKIT_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["STPKIT_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("STPKIT_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("STPKIT_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("STPKIT_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = True
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

USE_TZ = True
TIME_ZONE = "Europe/London"
LANGUAGE_CODE = "en-gb"
USE_I18N = False
STATIC_URL = "/static/"
#: The NHS.UK design system's styles, scripts and images, from the nhsuk-frontend npm package
#: that ``npm ci`` installs at the top of the checkout (package.json pins its version), served
#: under /static/nhsuk/. STPKIT_FRONTEND names another copy of its dist/nhsuk folder.
FRONTEND_DIR = Path(
    os.environ.get("STPKIT_FRONTEND", Path(__file__).resolve().parents[3] / "node_modules/nhsuk-frontend/dist/nhsuk")
)
STATICFILES_DIRS = [("nhsuk", str(FRONTEND_DIR))]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "WARNING"}},
}
