"""The test run: PostgreSQL and S3 from POSTGRES_* / SPACES_*, which the pytest plugin devservices.pytest_plugin
sets (embedded servers it starts and stops) when they are not set already. These settings only read them."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.env import postgres_configured, postgres_database, spaces_configured

if not (postgres_configured() and spaces_configured()):
    raise ImproperlyConfigured(
        "The test settings need POSTGRES_* and SPACES_*: run the tests with pytest (its plugin "
        "devservices.pytest_plugin starts an embedded PostgreSQL and a SeaweedFS when they are not set)."
    )

from .base import *

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

DATABASES = {"default": postgres_database(required=False)}

# No collectstatic before tests: plain static file names.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Hashing cost is not under test here (a test checks that Argon2 is the production hasher).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Most tests run inside one transaction whose on_commit hooks never run (so no storefront bump would) and
# change rows around the services to set up a case: the storefront cache is off here, and its own tests
# (shops/tests/test_storefront_cache.py) turn it on.
STOREFRONT_CACHE_SECONDS = 0

# Two test runs at once (e.g. several checkouts on one server) each name their own test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}

# The tests' webhook receivers listen on loopback; the SSRF tests turn this off.
WEBHOOKS_ALLOW_LOOPBACK = True
