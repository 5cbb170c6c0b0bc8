"""Fixtures shared by every app's tests: API clients, users, the real S3 bucket, and image bytes."""

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.clients import client_for
from accounts.tests.factories import UserFactory
from api.tests.clock import ThrottleClock
from images.tests.samples import image_bytes


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-scale",
        type=int,
        default=1,
        help="Multiply the examples of api/tests/test_fuzz.py (make test-long runs it at 5).",
    )


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """The storefront pages live in the cache: every test starts with none. (Throttle counters live in
    PostgreSQL with the local-memory cache of the tests: rolled back or flushed with every test.)"""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_sampled_throttle_purge(monkeypatch: pytest.MonkeyPatch) -> None:
    """The throttle table purges expired rows on about one hit in 200, at random: one more statement in a
    request, which made exact query counts fail once in a while. Held off here; its own test turns it on."""
    monkeypatch.setattr("api.throttling.purge_due", lambda: False)


@pytest.fixture(autouse=True)
def _real_smtp(settings: Any) -> None:
    """Django's test setup swaps in the in-memory mail backend; ours deliver to the run's real SMTP server
    (devservices/smtp.py, read with mail/tests/inbox.py)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _uses_transactional_database(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    by_marker = marker is not None and bool(marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    return by_marker or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames


@pytest.fixture(autouse=True)
def _empty_job_queue(request: pytest.FixtureRequest, django_db_blocker: Any) -> Any:
    """procrastinate's tables are not Django-managed, so the flush after a transactional test leaves its jobs
    behind for the next test's worker: empty them too."""
    yield
    if _uses_transactional_database(request):
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
                "procrastinate_workers CASCADE"
            )


@pytest.fixture
def throttle_clock(monkeypatch: pytest.MonkeyPatch) -> ThrottleClock:
    """Throttles see time pass only when the test moves it, so the waits they announce are exact."""
    clock = ThrottleClock(1_900_000_000.0)
    monkeypatch.setattr("api.throttling.clock", lambda: clock.now)
    return clock


@pytest.fixture
def throttle_rates(settings: Any) -> Callable[..., None]:
    """`throttle_rates(login_account="2/min")`: override scopes of DEFAULT_THROTTLE_RATES for one test."""

    def set_rates(**rates: str) -> None:
        framework = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {
            **framework,
            "DEFAULT_THROTTLE_RATES": {**framework["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory()


@pytest.fixture
def other_user(db: Any) -> Any:
    return UserFactory()


@pytest.fixture
def owner_client(user: Any) -> APIClient:
    """An API client logged in as `user`."""
    return client_for(user)


@pytest.fixture
def other_client(other_user: Any) -> APIClient:
    """An API client logged in as `other_user`, who owns nothing of `user`'s."""
    return client_for(other_user)


class Bucket:
    """The S3 bucket the tests store into (SeaweedFS started by the test run, or SPACES_*)."""

    def __init__(self) -> None:
        options = settings.STORAGES["default"]["OPTIONS"]
        self.name: str = options["bucket_name"]
        self.root: str = options["location"]
        self.client = boto3.client(
            "s3",
            endpoint_url=options["endpoint_url"],
            aws_access_key_id=options["access_key"],
            aws_secret_access_key=options["secret_key"],
            region_name=options.get("region_name") or "us-east-1",
        )

    def keys(self, folder: str = "") -> set[str]:
        """Every key under the run's root folder (or under `folder` below it)."""
        prefix = f"{self.root}/{folder}".rstrip("/") + "/"
        keys: set[str] = set()
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix):
            keys.update(item["Key"] for item in page.get("Contents", []))
        return keys

    def head(self, key: str) -> dict[str, Any]:
        return self.client.head_object(Bucket=self.name, Key=key)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def empty(self) -> None:
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)


@pytest.fixture
def bucket() -> Any:
    """The real bucket, emptied of this run's objects before and after the test."""
    store = Bucket()
    store.empty()
    yield store
    store.empty()


@pytest.fixture
def make_image() -> Callable[..., bytes]:
    """`make_image("PNG", (20, 10))` -> the bytes of a real image of that format and size."""
    return image_bytes
