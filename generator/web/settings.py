"""Django settings, driven by the environment `baocao web` sets before starting Django.

BAOCAO_WEB_DATA    folder for the database (SQLite), the secret key and the output cache
BAOCAO_WEB_DB      database URL: sqlite:///path/to/file.sqlite3 or postgresql://user:pw@host/db
BAOCAO_WEB_SHARED  "1": shared server (accounts, login); otherwise one local user, no login
BAOCAO_WEB_CACHE_MB  size of the output cache in MB (default 500); least recently used go first
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("baocao", appauthor=False))


DATA_DIR = Path(os.environ.get("BAOCAO_WEB_DATA") or default_data_dir())
SHARED = os.environ.get("BAOCAO_WEB_SHARED") == "1"


def _secret_key(folder: Path) -> str:
    """One key per installation, kept beside the database so sessions survive restarts."""
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="ascii")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="ascii").strip()


def database_from_url(url: str) -> dict:
    """sqlite:///file or postgresql://user:password@host:port/name (host may be a socket dir
    given as ?host=/run/postgresql)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        name = unquote(parts.path[1:] if parts.path.startswith("//") else parts.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            # concurrent uploads wait for the writer instead of failing "database is locked"
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
        }
    if parts.scheme in ("postgres", "postgresql"):
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(query.get("host", parts.hostname or "")),
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise ValueError(
        f"địa chỉ cơ sở dữ liệu không hỗ trợ: {parts.scheme}:// (dùng sqlite hoặc postgresql)"
    )


SECRET_KEY = os.environ.get("BAOCAO_WEB_SECRET_KEY") or _secret_key(DATA_DIR)
DEBUG = os.environ.get("BAOCAO_WEB_DEBUG") == "1"
ALLOWED_HOSTS = ["*"] if SHARED else ["127.0.0.1", "localhost", "testserver"]
if os.environ.get("BAOCAO_WEB_ALLOWED_HOSTS"):
    ALLOWED_HOSTS = os.environ["BAOCAO_WEB_ALLOWED_HOSTS"].split(",")

DATABASES = {
    "default": database_from_url(
        os.environ.get("BAOCAO_WEB_DB") or f"sqlite:///{DATA_DIR / 'baocao.sqlite3'}"
    )
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "generator.web.apps.WebConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "generator.web.access.LocalUserMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "generator.web.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "generator.web.access.context",
            ]
        },
    }
]
WSGI_APPLICATION = "generator.web.wsgi.application"

LANGUAGE_CODE = "vi"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "dang-nhap"
LOGIN_REDIRECT_URL = "trang-chu"
LOGOUT_REDIRECT_URL = "dang-nhap"

# uploads: 10 MB by default (BAOCAO_WEB_MAX_UPLOAD_MB); larger requests are refused by Django
UPLOAD_LIMIT = int(float(os.environ.get("BAOCAO_WEB_MAX_UPLOAD_MB", "10")) * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_LIMIT + 256 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_LIMIT + 256 * 1024

# login failures: at most this many per account name or address in LOGIN_WINDOW seconds
LOGIN_FAILURES = 5
LOGIN_WINDOW = 15 * 60

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "SAMEORIGIN"  # the PDF preview is shown in a frame of our own page
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if SHARED:
    # the shared server sits behind an HTTPS reverse proxy (README): cookies only over HTTPS,
    # unless started with --no-https for a trial on a closed network
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("BAOCAO_WEB_NO_HTTPS") != "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_AGE = 8 * 3600
    if os.environ.get("BAOCAO_WEB_ORIGINS"):
        CSRF_TRUSTED_ORIGINS = os.environ["BAOCAO_WEB_ORIGINS"].split(",")
    AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 10},
        },
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    ]

CACHE_DIR = DATA_DIR / "cache"
# Word, Excel, PDF and page images of the versions viewed, made again when needed
CACHE_MAX_BYTES = int(os.environ.get("BAOCAO_WEB_CACHE_MB") or 500) * 1024 * 1024
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"}},
}
