"""The dev server: DEBUG on. With no POSTGRES_* set, `manage.py` (so `make run`) starts an embedded PostgreSQL
in .devdata/ and sets them (see devservices/); these settings only read them."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env, postgres_configured, postgres_database, require

from .base import *

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "0.0.0.0"])  # noqa: S104
else:
    SECRET_KEY = require("DJANGO_SECRET_KEY")

if postgres_configured() or not DEBUG:
    DATABASES = {"default": postgres_database(required=not DEBUG)}
else:
    raise ImproperlyConfigured(
        "No POSTGRES_* variables are set: `manage.py` (and so `make run`) starts an embedded PostgreSQL for the "
        "DEBUG dev server; any other entry point needs POSTGRES_HOST, POSTGRES_DB and POSTGRES_USER "
        "(see .env.example)."
    )

# Webhooks to a receiver on this machine (http://localhost:...) while developing.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=DEBUG)
