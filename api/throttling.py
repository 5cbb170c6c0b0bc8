"""Rate limits counted atomically, whatever the number of workers and instances: fixed windows, each one
counter that a single Redis script (when the cache is Redis) or a single PostgreSQL upsert (otherwise)
increments and reads at once. DRF's cache throttles read, decide, then write, so parallel requests all read
the same count and all get through; Django's database cache `incr` is a get and a set, no better.

A window opens at the first hit on its key and lasts the rate's period; its limit counts the requests it
admitted. A request refused by any of its windows takes no slot in any of them (so a client that keeps
hammering a full window does not fill the next window, nor another key's), and the wait it is told is
what is left of the window that refused it (Retry-After)."""

import functools
import hashlib
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")
# Expired database rows are deleted on about one hit in this many, a bounded batch at a time.
PURGE_EVERY = 200
PURGE_BATCH = 500


def purge_due() -> bool:
    """Whether this hit also purges expired rows: about one in PURGE_EVERY, at random (the tests hold it off,
    as it adds a statement to a request at random)."""
    return random.randrange(PURGE_EVERY) == 0  # noqa: S311 - not a secret, a sampling


def clock() -> float:
    """Seconds since the epoch (the database store's notion of now; tests freeze it)."""
    return time.time()


def parse_rate(rate: str) -> tuple[int, int]:
    """`"5/min"` → (5, 60); the period may carry a multiplier: `"5/15min"` → (5, 900). Units: s, m, h, d
    (anything after the letter is ignored, as in DRF: sec, min, hour, day)."""
    match = RATE.match(rate)
    if match is None:
        raise ImproperlyConfigured(f"Invalid rate {rate!r}: expected <count>/<period>, e.g. 5/min, 5/15min, 100/hour.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * UNITS[unit]


def rate_of(scope: str) -> tuple[int, int]:
    """(limit, seconds) of a scope of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read at every call (so a
    changed setting applies at once)."""
    return parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope])


@dataclass(frozen=True)
class Window:
    key: str
    limit: int
    seconds: int


def window(scope: str, ident: str) -> Window:
    """The window of `scope` for `ident` (hashed: the key stays short whatever the client sends)."""
    limit, seconds = rate_of(scope)
    return Window(key=f"throttle:{scope}:{hashlib.sha256(ident.encode()).hexdigest()}", limit=limit, seconds=seconds)


class Counters(Protocol):
    def hit(self, key: str, seconds: int) -> tuple[int, float]:
        """Add one to the key's window (opening one of `seconds` when there is none): (count, seconds left)."""

    def give_back(self, *keys: str) -> None:
        """Remove one from each key's current window, never below zero (one round trip)."""


# INCR and the expiry of a new window in one script: Redis runs a script alone, so no two clients see the same
# count. PEXPIRE again when a key has none (a crash between the two cannot happen in a script; belt and braces).
REDIS_HIT = """
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if count == 1 or left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
"""
REDIS_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
"""


class RedisCounters:
    """Counters in the Redis of a Django RedisCache, keyed as that cache keys (its prefix and version apply).
    The counters need EVAL (one atomic script per hit) and Django's RedisCache has no public handle on its
    client, so they talk to its write server (the first location) through a redis-py client of their own."""

    def __init__(self, redis_cache: Any, location: str | list[str]) -> None:
        self.cache = redis_cache
        self.client = _redis_client(_write_server(location))

    def hit(self, key: str, seconds: int) -> tuple[int, float]:
        key = self.cache.make_key(key)
        count, left_ms = self.client.eval(REDIS_HIT, 1, key, seconds * 1000)
        return int(count), int(left_ms) / 1000

    def give_back(self, *keys: str) -> None:
        if keys:
            made = [self.cache.make_key(key) for key in keys]
            self.client.eval(REDIS_GIVE_BACK, len(made), *made)


def _write_server(location: str | list[str]) -> str:
    """The server Django's RedisCache writes to: the first of its locations (a list or comma-separated)."""
    servers = location if isinstance(location, list | tuple) else location.split(",")
    return servers[0].strip()


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    """One client (and connection pool) per server and process; redis-py's pool reconnects after a fork."""
    return redis.Redis.from_url(url)


class DatabaseCounters:
    """Counters in PostgreSQL (`api.ThrottleCounter`), apart from the database cache's table: that table is
    culled when full (storefront pages fill it), which would reset counters, and its values are pickles.
    One `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` per hit: PostgreSQL locks the row for the update,
    so concurrent hits on one key are counted one after the other."""

    table = "api_throttlecounter"

    def hit(self, key: str, seconds: int) -> tuple[int, float]:
        now = clock()
        moment = datetime.fromtimestamp(now, tz=UTC)
        expires = datetime.fromtimestamp(now + seconds, tz=UTC)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {self.table} AS counter (key, count, expires_at) VALUES (%s, 1, %s)
                ON CONFLICT (key) DO UPDATE SET
                    count = CASE WHEN counter.expires_at <= %s THEN 1 ELSE counter.count + 1 END,
                    expires_at = CASE WHEN counter.expires_at <= %s THEN EXCLUDED.expires_at
                                      ELSE counter.expires_at END
                RETURNING count, expires_at
                """,  # noqa: S608 - the table name is a constant
                [key, expires, moment, moment],
            )
            count, expires_at = cursor.fetchone()
            if purge_due():
                self._purge(cursor, moment)
        # Clamped: a window opened by a concurrent hit whose clock read a moment later ends a moment later.
        return int(count), min(max(expires_at.timestamp() - now, 0.0), float(seconds))

    def give_back(self, *keys: str) -> None:
        if not keys:
            return
        moment = datetime.fromtimestamp(clock(), tz=UTC)
        # The rows are locked in key order first: two give-backs of the same keys locking them in scan order
        # deadlocked (PostgreSQL kills one, and its slots stayed taken).
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {self.table} AS counter SET count = counter.count - 1
                FROM (
                    SELECT key FROM {self.table} WHERE key = ANY(%s) AND count > 0 AND expires_at > %s
                    ORDER BY key FOR UPDATE
                ) AS locked
                WHERE counter.key = locked.key
                """,  # noqa: S608 - the table name is a constant
                [sorted(set(keys)), moment],
            )

    def _purge(self, cursor: Any, moment: datetime) -> None:
        # Rows locked by a hit in progress are skipped, so the purge never waits for (or undoes) one.
        cursor.execute(
            f"""
            DELETE FROM {self.table} WHERE key IN (
                SELECT key FROM {self.table} WHERE expires_at <= %s LIMIT %s FOR UPDATE SKIP LOCKED
            )
            """,  # noqa: S608 - the table name is a constant
            [moment, PURGE_BATCH],
        )


def counters() -> Counters:
    """Redis when the default cache is Redis (REDIS_URL), PostgreSQL otherwise (the database cache in
    production, the local-memory cache of the tests)."""
    if settings.CACHES["default"]["BACKEND"].endswith(".RedisCache"):
        return RedisCounters(cache, settings.CACHES["default"]["LOCATION"])
    return DatabaseCounters()


def take(windows: Sequence[Window], *, store: Counters | None = None) -> float | None:
    """One slot in each window, in order. None when every window had room; otherwise the slots taken are
    given back (the refusing window's too) and the seconds left in the window that refused are returned."""
    store = store or counters()
    taken: list[Window] = []
    for item in windows:
        count, left = store.hit(item.key, item.seconds)
        if count > item.limit:
            store.give_back(*(held.key for held in [*taken, item]))
            return left
        taken.append(item)
    return None


def give_back(windows: Sequence[Window], *, store: Counters | None = None) -> None:
    """Return the slots of an attempt that should not count (a login that succeeded)."""
    (store or counters()).give_back(*(item.key for item in windows))


def client_ident(request: HttpRequest | Request) -> str:
    """The client address every window keys on, as DRF's throttles see it (NUM_PROXIES, X-Forwarded-For),
    for Django views too (the admin's login)."""
    # get_ident reads only request.META, which a Django request has too; DRF types it for its own Request.
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


class WindowThrottle(BaseThrottle):
    """A DRF throttle on atomic windows: one per client address for `scope` unless `windows` says otherwise.
    Refused: 429 with Retry-After (DRF's `Throttled`, JSON through the project's exception handler)."""

    scope = ""

    def windows(self, request: Request, view: Any) -> list[Window]:
        return [window(self.scope, client_ident(request))]

    def allow_request(self, request: Request, view: Any) -> bool:
        self.wait_seconds = take(self.windows(request, view))
        return self.wait_seconds is None

    def wait(self) -> float | None:
        return self.wait_seconds
