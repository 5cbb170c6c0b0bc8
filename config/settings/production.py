"""Production: no secret or database has a default; HTTPS everywhere; `check --deploy` is clean."""

from config.env import env, postgres_database, require

from .base import *

DEBUG = False
# Serves collected static files (admin, API docs) from the app server itself, compressed and cached.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware"
)
SECRET_KEY = require("DJANGO_SECRET_KEY")
# Old keys still verify signatures while sessions and tokens signed with them expire: rotation without logouts.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
# No admin on a public host unless asked for (ADMIN_ENABLED=True, best with an ADMIN_URL of your own).
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=False)
if not ALLOWED_HOSTS:
    require("ALLOWED_HOSTS")

DATABASES = {"default": postgres_database(required=True)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("POSTGRES_CONN_MAX_AGE", default=60)
# Off by default: it sends `SELECT 1` before the first query of every request (a round trip each, measured
# by `make bench`); without it a connection that broke fails one request with a 503 and is then dropped.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("POSTGRES_CONN_HEALTH_CHECKS", default=False)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$", r"^api/v1/health/live/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
AUTH_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
