"""The environment: `.env` at the repository root (real variables win), typed readers, and settings choice."""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Every variable the project reads; .env.example documents each (a test keeps the two in step).
KNOWN_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "DJANGO_SECRET_KEY_FALLBACKS",
    "DJANGO_DEBUG",
    "ALLOWED_HOSTS",
    "FRONTEND_URL",
    "CORS_ALLOWED_ORIGINS",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_HSTS_SECONDS",
    "NUM_PROXIES",
    "LOG_LEVEL",
    "ADMIN_ENABLED",
    "ADMIN_URL",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_CONN_MAX_AGE",
    "POSTGRES_CONN_HEALTH_CHECKS",
    "POSTGRES_CONNECT_TIMEOUT",
    "POSTGRES_PREPARED_STATEMENTS",
    "SPACES_ENDPOINT_URL",
    "SPACES_BUCKET_NAME",
    "SPACES_ACCESS_KEY_ID",
    "SPACES_SECRET_ACCESS_KEY",
    "SPACES_REGION",
    "SPACES_PUBLIC_BASE_URL",
    "SPACES_CACHE_CONTROL",
    "SPACES_ROOT_FOLDER",
    "SPACES_CONNECT_TIMEOUT",
    "SPACES_READ_TIMEOUT",
    "SPACES_MAX_ATTEMPTS",
    "MEDIA_ROOT",
    "IMAGE_MAX_BYTES",
    "IMAGE_MAX_PIXELS",
    "IMAGE_MAX_FRAMES",
    "IMAGE_MAX_TOTAL_PIXELS",
    "IMAGE_MAX_DECODE_BYTES",
    "PRODUCT_IMAGE_LIMIT",
    "IMAGE_RENDITION_WIDTHS",
    "STALE_UPLOAD_MINUTES",
    "DIRECT_UPLOAD_EXPIRY_SECONDS",
    "DIRECT_UPLOAD_MAX_PER_USER",
    "DIRECT_UPLOAD_MAX_PER_PRODUCT",
    "JSON_MAX_DEPTH",
    "UNPAGINATED_LIST_LIMIT",
    "STOREFRONT_CACHE_SECONDS",
    "STOREFRONT_CACHE_MAX_BYTES",
    "STOREFRONT_SHOP_PAGE_PRODUCTS",
    "STOREFRONT_GRID_DESCRIPTION_CHARS",
    "PRODUCT_MAX_INVENTORY_ITEMS",
    "PRODUCT_MAX_OPTIONS_PER_TYPE",
    "CART_ABANDON_DAYS",
    "REDIS_URL",
    "AUTH_COOKIE",
    "AUTH_COOKIE_SAMESITE",
    "AUTH_COOKIE_DOMAIN",
    "AUTH_TOKEN_TTL_HOURS",
    "PASSWORD_RESET_TIMEOUT_SECONDS",
    "EMAIL_VERIFICATION_TIMEOUT_SECONDS",
    "FRONTEND_PASSWORD_RESET_PATH",
    "FRONTEND_EMAIL_VERIFY_PATH",
    "ARGON2_MEMORY_COST_KIB",
    "ARGON2_TIME_COST",
    "ARGON2_PARALLELISM",
    "PASSWORD_HASH_CONCURRENCY",
    "THROTTLE_LOGIN_CLIENT",
    "THROTTLE_LOGIN_ACCOUNT_CLIENT",
    "THROTTLE_LOGIN_ACCOUNT",
    "THROTTLE_REGISTER",
    "THROTTLE_PASSWORD_CHANGE_CLIENT",
    "THROTTLE_PASSWORD_CHANGE_USER",
    "THROTTLE_PASSWORD_RESET_CLIENT",
    "THROTTLE_PASSWORD_RESET_ADDRESS",
    "THROTTLE_ACCOUNT_LINK",
    "THROTTLE_EMAIL_VERIFY_RESEND",
    "THROTTLE_CART",
    "THROTTLE_CHECKOUT",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_FILE_PATH",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "PAYMENT_TIMEOUT_MINUTES",
    "WEBHOOKS_ALLOW_LOOPBACK",
    "WEBHOOKS_TIMEOUT_SECONDS",
    "WEBHOOKS_MAX_ENDPOINTS_PER_SHOP",
    "WEBHOOKS_DISABLE_AFTER_HOURS",
    "WEBHOOKS_WORKER_CONCURRENCY",
    "TEST_DATABASE_NAME",
    "BENCH_RUNS",
    "BENCH_SECONDS",
    "BENCH_CONNECTIONS",
    "BENCH_WORKERS",
    "BENCH_PAYMENT_CARTS",
    "PROFILE_DATABASE",
)

env = environ.Env()
# Variables already in the environment win over the file (read_env never overwrites by default).
environ.Env.read_env(BASE_DIR / ".env")
# An empty value means "not set", so a copied .env.example with blanks keeps every default.
for _name in KNOWN_VARIABLES:
    if os.environ.get(_name) == "":
        del os.environ[_name]


def require(name: str) -> str:
    """The value of a variable that has no default; a clear message when it is missing or empty."""
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. With DJANGO_DEBUG=False (production) it has no default: "
            f"set it in the environment or in .env (see .env.example)."
        )
    return value


def debug_requested() -> bool:
    return env.bool("DJANGO_DEBUG", default=True)


def default_settings_module(*, for_server_entry_point: bool) -> str:
    """`manage.py` runs the local settings unless DJANGO_DEBUG=False; WSGI/ASGI run production unless
    DJANGO_DEBUG=True is said explicitly, so a server started without configuration fails closed."""
    if for_server_entry_point:
        return "config.settings.local" if env.bool("DJANGO_DEBUG", default=False) else "config.settings.production"
    return "config.settings.local" if debug_requested() else "config.settings.production"


def postgres_configured() -> bool:
    return any(env.str(f"POSTGRES_{part}", default="") for part in ("HOST", "DB", "USER"))


def postgres_database(*, required: bool) -> dict[str, object]:
    """Django's DATABASES entry from POSTGRES_*; every part is required when `required` is true."""
    if required:
        # The password may be empty (peer or trust authentication, or a ~/.pgpass file).
        name, user, host = require("POSTGRES_DB"), require("POSTGRES_USER"), require("POSTGRES_HOST")
    else:
        name = env.str("POSTGRES_DB", default="shopbuilder")
        user = env.str("POSTGRES_USER", default="postgres")
        host = env.str("POSTGRES_HOST", default="127.0.0.1")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": user,
        "PASSWORD": env.str("POSTGRES_PASSWORD", default=""),
        "HOST": host,
        "PORT": env.str("POSTGRES_PORT", default="5432"),
        # A server that does not answer (down, a dead host) fails the request in seconds (a 503), not minutes.
        "OPTIONS": {
            "connect_timeout": env.int("POSTGRES_CONNECT_TIMEOUT", default=5),
            **postgres_prepared_statements(),
        },
    }


def postgres_prepared_statements() -> dict[str, object]:
    """psycopg's options for server-side prepared statements (POSTGRES_PREPARED_STATEMENTS, on by default): the
    parameters sent apart from the SQL, and a statement run 5 times on a connection prepared there, so
    PostgreSQL parses and plans the hot statements once per connection instead of once per request. Off for a
    pooler that cannot keep them (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
    """
    if not env.bool("POSTGRES_PREPARED_STATEMENTS", default=True):
        return {}
    return {"server_side_binding": True, "prepare_threshold": 5}


def stripe_configured() -> bool:
    return bool(env.str("STRIPE_SECRET_KEY", default=""))


def spaces_configured() -> bool:
    return bool(env.str("SPACES_BUCKET_NAME", default=""))


def spaces_storage_options() -> dict[str, object]:
    """Options of django-storages' S3Storage for a DigitalOcean Spaces bucket (or any S3 API)."""
    from urllib.parse import urlparse

    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    options: dict[str, object] = {
        "bucket_name": require("SPACES_BUCKET_NAME"),
        "endpoint_url": require("SPACES_ENDPOINT_URL"),
        "access_key": require("SPACES_ACCESS_KEY_ID"),
        "secret_key": require("SPACES_SECRET_ACCESS_KEY"),
        "region_name": env.str("SPACES_REGION", default="") or None,
        "location": spaces_root_folder(),
        # Product photos are public: the storefront links them directly.
        "default_acl": "public-read",
        "querystring_auth": False,
        # Every name has 128 random bits: skipping the existence check saves a HEAD request per object.
        "file_overwrite": True,
        "object_parameters": {"CacheControl": env.str("SPACES_CACHE_CONTROL", default="public, max-age=86400")},
        # Fail fast when the bucket is unreachable: the client gets a 503 instead of a hung worker. The
        # signature version belongs here: S3Storage ignores its own `signature_version` once `client_config`
        # is given, and botocore would then sign presigned POSTs with SigV2 when no region is set.
        "client_config": Config(
            signature_version="s3v4",
            connect_timeout=env.float("SPACES_CONNECT_TIMEOUT", default=5),
            read_timeout=env.float("SPACES_READ_TIMEOUT", default=30),
            retries={"max_attempts": env.int("SPACES_MAX_ATTEMPTS", default=2), "mode": "standard"},
        ),
    }
    # Parts of a large object are sent one after another from the request's thread: boto3's default of 10
    # threads reads up to 10 parts of 8 MB into memory at once (+33 MB for a 25 MB upload, measured).
    options["transfer_config"] = TransferConfig(use_threads=False)
    # Urls are `{url_protocol}//{custom_domain}/{key}`, always: the public base url, else the bucket's
    # path-style url at the endpoint (what botocore builds for an endpoint_url), so S3Storage.url() is a
    # string format and not a botocore call.
    public_base_url = env.str("SPACES_PUBLIC_BASE_URL", default="").rstrip("/")
    if public_base_url:
        parsed = urlparse(public_base_url)
        options["custom_domain"] = parsed.netloc + parsed.path
    else:
        parsed = urlparse(str(options["endpoint_url"]).rstrip("/"))
        options["custom_domain"] = f"{parsed.netloc}{parsed.path}/{options['bucket_name']}"
    options["url_protocol"] = f"{parsed.scheme or 'https'}:"
    return options


def spaces_root_folder() -> str:
    return env.str("SPACES_ROOT_FOLDER", default="uploads").strip("/")
