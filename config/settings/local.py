"""The dev server: DEBUG on, and with no POSTGRES_* set, an embedded PostgreSQL in .devdata/."""

from config.env import BASE_DIR, env, postgres_configured, postgres_database, require

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
    from devservices.postgres import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(BASE_DIR / ".devdata" / "pg")}
