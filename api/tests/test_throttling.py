"""The throttles' counters are atomic on both stores: parallel hits on one window admit exactly its limit, on
PostgreSQL (threads, each with its own connection) and on Redis (when one answers on 127.0.0.1:6379 or
REDIS_URL); rates parse as documented."""

import os
import secrets
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import QuerySet

from api.compiled import CompiledQuery
from api.errors import TryAgainLater
from api.models import ThrottleCounter
from api.tests.clock import ThrottleClock
from api.throttling import DatabaseCounters, RedisCounters, Window, parse_rate, take, take_with_rows

PARALLEL = 30
LIMIT = 5


def redis_location() -> str | None:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/0"
    except OSError:
        pass
    return None


@pytest.fixture
def redis_counters() -> Iterator[RedisCounters]:
    location = redis_location()
    if location is None:
        pytest.skip("no Redis reachable (REDIS_URL unset and nothing on 127.0.0.1:6379)")
    # A prefix of its own: the test shares the machine's Redis and deletes only its keys.
    prefix = f"test-throttle-{secrets.token_hex(6)}"
    redis_cache = RedisCache(location, {"KEY_PREFIX": prefix})
    yield RedisCounters(redis_cache, location)
    client = redis.Redis.from_url(location)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def close_connection() -> None:
    """Close this thread's own connection (each thread opens one)."""
    connection.close()


def admitted_in_parallel(store: Any, windows: list[Window], *, after: Any = None) -> list[float | None]:
    """`take(windows)` from PARALLEL threads released at once; each thread's answer."""
    barrier = threading.Barrier(PARALLEL)
    answers: list[float | None] = []

    def attempt() -> None:
        try:
            barrier.wait()
            answers.append(take(windows, store=store))
        finally:
            if after is not None:
                after()

    threads = [threading.Thread(target=attempt) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)  # generous: each thread opens its own connection, slow on a busy machine
    assert not any(thread.is_alive() for thread in threads), "a thread was still counting: the counts would race it"
    return answers


@pytest.mark.django_db(transaction=True)
def test_database_counters_admit_exactly_the_limit_in_parallel() -> None:
    window = Window(key="throttle:test:one", limit=LIMIT, seconds=60)

    answers = admitted_in_parallel(DatabaseCounters(), [window], after=close_connection)

    assert len(answers) == PARALLEL
    assert answers.count(None) == LIMIT
    assert all(wait is not None and 0 < wait <= 60 for wait in answers if wait is not None)
    # Refused hits gave their slot back: the row counts what was admitted.
    assert ThrottleCounter.objects.get(key=window.key).count == LIMIT


@pytest.mark.django_db(transaction=True)
def test_database_counters_admit_exactly_the_tightest_of_two_windows_in_parallel() -> None:
    wide = Window(key="throttle:test:wide", limit=20, seconds=60)
    narrow = Window(key="throttle:test:narrow", limit=LIMIT, seconds=60)

    answers = admitted_in_parallel(DatabaseCounters(), [wide, narrow], after=close_connection)

    assert len(answers) == PARALLEL  # no thread died (a deadlock between two give-backs killed some)
    assert answers.count(None) == LIMIT
    counts = dict(ThrottleCounter.objects.values_list("key", "count"))
    assert counts == {wide.key: LIMIT, narrow.key: LIMIT}


def test_redis_counters_admit_exactly_the_limit_in_parallel(redis_counters: RedisCounters) -> None:
    wide = Window(key="throttle:test:wide", limit=20, seconds=60)
    narrow = Window(key="throttle:test:narrow", limit=LIMIT, seconds=60)

    answers = admitted_in_parallel(redis_counters, [wide, narrow])

    assert answers.count(None) == LIMIT
    assert all(wait is not None and 59 < wait <= 60 for wait in answers if wait is not None)
    assert redis_counters.client.get(redis_counters.cache.make_key(narrow.key)) == str(LIMIT).encode()


def test_redis_window_expires_and_reopens(redis_counters: RedisCounters) -> None:
    window = Window(key="throttle:test:short", limit=1, seconds=1)
    assert take([window], store=redis_counters) is None
    wait = take([window], store=redis_counters)
    assert wait is not None
    assert 0 < wait <= 1

    redis_counters.client.pexpire(redis_counters.cache.make_key(window.key), 1)
    threading.Event().wait(0.05)

    assert take([window], store=redis_counters) is None


@pytest.mark.django_db
def test_database_window_reopens_after_its_period_and_wait_is_what_is_left(throttle_clock: ThrottleClock) -> None:
    store = DatabaseCounters()
    window = Window(key="throttle:test:clock", limit=2, seconds=100)
    assert [take([window], store=store) for _ in range(3)] == [None, None, 100.0]
    throttle_clock.advance(40)
    assert take([window], store=store) == 60.0
    throttle_clock.advance(60)
    assert take([window], store=store) is None
    assert ThrottleCounter.objects.get(key=window.key).count == 1


@pytest.mark.django_db
def test_the_counters_skip_the_write_ahead_log() -> None:
    # Every throttled request writes them (a login twice): an unlogged table writes no WAL and flushes none.
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = %s", [DatabaseCounters.table])
        assert cursor.fetchall() == [("u",)]


THREE_WINDOWS = [
    Window(key="throttle:test:before", limit=10, seconds=60),
    Window(key="throttle:test:full", limit=1, seconds=60),
    Window(key="throttle:test:after", limit=10, seconds=60),
]


@pytest.mark.django_db
def test_database_take_touches_no_window_after_the_one_that_refuses(throttle_clock: ThrottleClock) -> None:
    store = DatabaseCounters()
    assert take(THREE_WINDOWS, store=store) is None

    assert [take(THREE_WINDOWS, store=store) for _ in range(3)] == [60.0] * 3

    # The window before the refusing one had its slots back; the one after was never reached.
    counts = dict(ThrottleCounter.objects.values_list("key", "count"))
    assert counts == {"throttle:test:before": 1, "throttle:test:full": 1, "throttle:test:after": 1}


def test_redis_take_touches_no_window_after_the_one_that_refuses(redis_counters: RedisCounters) -> None:
    assert take(THREE_WINDOWS, store=redis_counters) is None

    waits = [take(THREE_WINDOWS, store=redis_counters) for _ in range(3)]

    assert all(wait is not None and 59 < wait <= 60 for wait in waits)
    counts = [redis_counters.client.get(redis_counters.cache.make_key(item.key)) for item in THREE_WINDOWS]
    assert counts == [b"1", b"1", b"1"]


# A read to join to a take: another key's counter row (the take's own rows would be read as they were before it).
def _other_row(key: str) -> QuerySet[Any]:  # values_list rows: the stubs type them apart from the model
    return ThrottleCounter.objects.filter(key=key).values_list("key", "count")


OTHER_ROW = CompiledQuery(_other_row, key="\x00stand-in")


def counts() -> dict[str, int]:
    return dict(ThrottleCounter.objects.exclude(key="throttle:test:other").values_list("key", "count"))


@pytest.mark.django_db
def test_a_read_taken_with_its_windows_gives_what_it_gives_alone(throttle_clock: ThrottleClock) -> None:
    ThrottleCounter.objects.create(key="throttle:test:other", count=7, expires_at="2100-01-01T00:00:00Z")
    store = DatabaseCounters()
    roomy = [
        Window(key="throttle:test:one", limit=10, seconds=60),
        Window(key="throttle:test:two", limit=10, seconds=60),
    ]

    found = take_with_rows(roomy, OTHER_ROW, store=store, key="throttle:test:other")
    missing = take_with_rows(roomy, OTHER_ROW, store=store, key="throttle:test:none")

    assert (found, missing) == ([("throttle:test:other", 7)], [])
    assert found == OTHER_ROW.rows(key="throttle:test:other")
    assert counts() == {"throttle:test:one": 2, "throttle:test:two": 2}


@pytest.mark.django_db
def test_a_read_taken_with_a_full_window_is_refused_as_take_refuses(throttle_clock: ThrottleClock) -> None:
    store = DatabaseCounters()
    assert take_with_rows(THREE_WINDOWS, OTHER_ROW, store=store, key="throttle:test:other") == []

    for _ in range(3):
        with pytest.raises(TryAgainLater) as refused:
            take_with_rows(THREE_WINDOWS, OTHER_ROW, store=store, key="throttle:test:other")
        assert (refused.value.detail, refused.value.wait_seconds) == ("Request was throttled.", 60.0)

    assert counts() == {"throttle:test:before": 1, "throttle:test:full": 1, "throttle:test:after": 1}


def test_a_read_with_windows_on_redis_takes_them_then_reads(redis_counters: RedisCounters, db: Any) -> None:
    ThrottleCounter.objects.create(key="throttle:test:other", count=7, expires_at="2100-01-01T00:00:00Z")
    assert take_with_rows(THREE_WINDOWS, OTHER_ROW, store=redis_counters, key="throttle:test:other") == [
        ("throttle:test:other", 7)
    ]

    with pytest.raises(TryAgainLater) as refused:
        take_with_rows(THREE_WINDOWS, OTHER_ROW, store=redis_counters, key="throttle:test:other")

    assert 59 < refused.value.wait_seconds <= 60
    found = [redis_counters.client.get(redis_counters.cache.make_key(item.key)) for item in THREE_WINDOWS]
    assert found == [b"1", b"1", b"1"]


@pytest.mark.django_db
def test_giving_back_never_goes_below_zero(throttle_clock: ThrottleClock) -> None:
    store = DatabaseCounters()
    take([Window(key="throttle:test:back", limit=100, seconds=60)], store=store)
    for _ in range(3):
        store.give_back("throttle:test:back")
    store.give_back("throttle:test:never-hit")
    assert list(ThrottleCounter.objects.values_list("key", "count")) == [("throttle:test:back", 0)]


@pytest.mark.django_db
def test_a_sampled_hit_purges_the_expired_rows_and_keeps_the_live_ones(
    throttle_clock: ThrottleClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = DatabaseCounters()
    take([Window(key="throttle:test:old", limit=100, seconds=10)], store=store)
    take([Window(key="throttle:test:live", limit=100, seconds=100)], store=store)
    throttle_clock.advance(50)
    monkeypatch.setattr("api.throttling.purge_due", lambda: True)

    take([Window(key="throttle:test:new", limit=100, seconds=10)], store=store)

    assert sorted(ThrottleCounter.objects.values_list("key", "count")) == [
        ("throttle:test:live", 1),
        ("throttle:test:new", 1),
    ]


def test_requests_are_not_atomic() -> None:
    """The database counters write in the request's connection: with ATOMIC_REQUESTS, a failed login (a 400
    rolls the request back) would roll its count back too, and guessing would be free."""
    from django.conf import settings

    assert settings.DATABASES["default"].get("ATOMIC_REQUESTS", False) is False


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("5/min", (5, 60)), ("5/15min", (5, 900)), ("100/hour", (100, 3600)), ("10/s", (10, 1)), ("1/2d", (1, 172800))],
)
def test_rates_parse(rate: str, parsed: tuple[int, int]) -> None:
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["", "5", "five/min", "5/fortnight", "-1/min"])
def test_an_invalid_rate_is_a_clear_configuration_error(rate: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="expected <count>/<period>"):
        parse_rate(rate)
