"""Rate limits counted atomically, whatever the number of workers and instances: fixed windows, each one
counter that a single Redis script (when the cache is Redis) or a single PostgreSQL upsert (otherwise)
increments and reads at once. DRF's cache throttles read, decide, then write, so parallel requests all read
the same count and all get through; Django's database cache `incr` is a get and a set, no better.

A window opens at the first hit on its key and lasts the rate's period; its limit counts the requests it
admitted. A request's windows are taken in one round trip (one statement, or one script). A request refused
by any of its windows takes no slot in any of them (so a client that keeps hammering a full window does not
fill the next window, nor another key's), and the wait it is told is what is left of the window that refused
it (Retry-After)."""

import functools
import hashlib
import random
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from api.compiled import CompiledQuery
from api.errors import TryAgainLater

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


@functools.lru_cache(maxsize=256)
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


@dataclass(frozen=True)
class KeyedByRead:
    """A window whose ident PostgreSQL computes from the row of a read run in the same statement
    (`DatabaseCounters.take_after_read`): `ident_sql`, an SQL text expression over that row (named `read`), with
    its `params`. The key is `window`'s, made in SQL: "throttle:<scope>:" and the ident's sha256 in hex."""

    scope: str
    ident_sql: str
    params: tuple[Any, ...] = ()


class Counters(Protocol):
    def take(self, windows: Sequence[Window]) -> float | None:
        """`take` (below) in one round trip."""

    def give_back(self, *keys: str) -> None:
        """Remove one from each key's current window, never below zero (one round trip). Give the keys in the
        order their windows were taken."""


# `take` in one script: the windows in order, each INCR'd (and given its expiry when new); the first over its
# limit has every slot taken here given back (its own too) and its milliseconds left returned; nil: admitted.
# ARGV: limit and milliseconds of each window, in the order of KEYS.
REDIS_TAKE = """
for index, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local left = redis.call('PTTL', key)
  if count == 1 or left < 0 then
    left = tonumber(ARGV[2 * index])
    redis.call('PEXPIRE', key, left)
  end
  if count > tonumber(ARGV[2 * index - 1]) then
    for taken = 1, index do redis.call('DECR', KEYS[taken]) end
    return left
  end
end
return false
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

    def take(self, windows: Sequence[Window]) -> float | None:
        if not windows:
            return None
        keys = [self.cache.make_key(item.key) for item in windows]
        limits = [number for item in windows for number in (item.limit, item.seconds * 1000)]
        left_ms = self.client.eval(REDIS_TAKE, len(keys), *keys, *limits)
        return None if left_ms is None else int(left_ms) / 1000

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
    One `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` per hit (a request's hits chained in one statement):
    PostgreSQL locks the row for the update, so concurrent hits on one key are counted one after the other."""

    table = "api_throttlecounter"

    # A hit: a new window's row, or one more in the current window, or a fresh window in an expired row.
    UPSERT = """
        INSERT INTO {table} AS counter (key, count, expires_at) {source}
        ON CONFLICT (key) DO UPDATE SET
            count = CASE WHEN counter.expires_at <= %s THEN 1 ELSE counter.count + 1 END,
            expires_at = CASE WHEN counter.expires_at <= %s THEN EXCLUDED.expires_at ELSE counter.expires_at END
        RETURNING key, count, expires_at
    """

    def take(self, windows: Sequence[Window]) -> float | None:
        """One statement: a chain of upserts, each of which runs only if the window before it had room (it
        selects its row from the previous one's RETURNING, filtered by that window's limit), so a refusing
        window leaves the windows after it untouched. It answers (position, count, expiry) for every window it
        hit. A refusal then gives back, in a second statement, the slots it took (the refusing window's too),
        as one hit after another did. The rows are locked in the order given (held to the end of the
        statement): callers list their scopes in one fixed order, so two takes cannot deadlock."""
        if not windows:
            return None
        now = clock()
        statement = f"WITH {self._hits_sql(len(windows))} {self._answers_sql(len(windows))}"
        with connection.cursor() as cursor:
            cursor.execute(statement, self._params(windows, now))
            answers = cursor.fetchall()
            self._purge_sometimes(cursor, now)
        return self._wait(windows, answers, now)

    def take_with_read(self, windows: Sequence[Window], sql: str, params: list[Any]) -> tuple[float | None, list[Any]]:
        """`take` (of one window or more) and a read (`sql`, a SELECT, and its `params`) in one statement, so one
        round trip and one transaction: the wait (None: admitted) and the read's rows (in no particular order).
        The read runs whatever the windows answer; a refused caller drops its rows."""
        now = clock()
        # The read's rows beside the first window's answer (`found` marks one: a LEFT JOIN of no row gives
        # NULLs), NULLs beside the other windows'. Our parts and the caller's SQL: no input.
        statement = (
            f"WITH {self._hits_sql(len(windows))}, taken AS ({self._answers_sql(len(windows))}) "  # noqa: S608
            "SELECT taken.*, read.* FROM taken LEFT JOIN "
            f"(SELECT true AS found, query.* FROM ({sql}) AS query) AS read ON taken.position = 0"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, [*self._params(windows, now), *params])
            rows = cursor.fetchall()
            self._purge_sometimes(cursor, now)
        answers = {row[:3] for row in rows}
        return self._wait(windows, answers, now), [row[4:] for row in rows if row[3]]

    def take_after_read(
        self, read_sql: str, read_params: Sequence[Any], windows: Sequence[Window | KeyedByRead]
    ) -> tuple[float | None, tuple[Any, ...], list[Window]]:
        """A read (`read_sql`, a SELECT of exactly one row, and its `read_params`) and then `take` of windows
        some of which are keyed on that row (`KeyedByRead`), in one statement: one round trip where the
        windows' keys would otherwise wait for the read's answer. Returns the wait (None: admitted), the row,
        and the windows hit with their keys (all of them when admitted)."""
        now = clock()
        keys = tuple(None if isinstance(item, Window) else item.ident_sql for item in windows)
        # The read's row beside each window's answer (the read is one row, so one row per window hit). Our
        # parts and the caller's SQL: no input.
        statement = (
            f"WITH read AS ({read_sql}), {self._hits_sql(len(windows), keys)}, "  # noqa: S608
            f"taken AS ({self._answers_sql(len(windows), with_key=True)}) "
            "SELECT read.*, taken.* FROM read LEFT JOIN taken ON TRUE"
        )
        # The keyed windows' limits, as `window` reads them (their keys are known once the statement ran).
        sized = [item if isinstance(item, Window) else Window("", *rate_of(item.scope)) for item in windows]
        key_params = [
            [item.key] if isinstance(item, Window) else [f"throttle:{item.scope}:", *item.params] for item in windows
        ]
        with connection.cursor() as cursor:
            cursor.execute(statement, [*read_params, *self._params(sized, now, key_params)])
            rows = cursor.fetchall()
            self._purge_sometimes(cursor, now)
        width = len(rows[0]) - 4
        answers = {(row[width], row[width + 2], row[width + 3]) for row in rows if row[width] is not None}
        hit_keys = {row[width]: row[width + 1] for row in rows if row[width] is not None}
        hit = [
            Window(key=hit_keys[position], limit=item.limit, seconds=item.seconds)
            for position, item in enumerate(sized)
            if position in hit_keys
        ]
        return self._wait(hit, answers, now), rows[0][:width], hit

    @staticmethod
    def _params(windows: Sequence[Window], now: float, key_params: Sequence[Sequence[Any]] | None = None) -> list[Any]:
        """Per window: key (or `key_params`, those of its key's SQL), expiry, [the limit of the window before,]
        now, now."""
        moment = datetime.fromtimestamp(now, tz=UTC)
        params: list[Any] = []
        for position, item in enumerate(windows):
            params += [item.key] if key_params is None else key_params[position]
            params.append(datetime.fromtimestamp(now + item.seconds, tz=UTC))
            if position > 0:
                params.append(windows[position - 1].limit)
            params += [moment, moment]
        return params

    def _purge_sometimes(self, cursor: Any, now: float) -> None:
        if purge_due():
            self._purge(cursor, datetime.fromtimestamp(now, tz=UTC))

    def _wait(self, windows: Sequence[Window], answers: Iterable[tuple[int, int, float]], now: float) -> float | None:
        """None when every window had room; else the slots taken are given back and the seconds left in the
        refusing window returned."""
        for position, count, expires_at in sorted(answers):
            item = windows[position]
            if count > item.limit:
                self.give_back(*(held.key for held in windows[: position + 1]))
                return self._left(expires_at, now, item.seconds)
        return None

    @classmethod
    @functools.cache
    def _hits_sql(cls, windows: int, keyed: tuple[str | None, ...] | None = None) -> str:
        """The upserts of `take` for this many windows, as named parts of a WITH (the same text every time:
        built once, and PostgreSQL prepares the statement once per connection). `keyed` (of `take_after_read`):
        per window, None for a key given as a parameter, or the SQL of an ident over the row of `read`."""
        hits: list[str] = []
        for position in range(windows):
            ident = keyed[position] if keyed else None
            key = "%s" if ident is None else f"%s || encode(sha256(convert_to(({ident})::text, 'UTF8')), 'hex')"
            tables = [f"hit{position - 1}"] if position else []
            tables += ["read"] if ident is not None else []
            if not tables:
                source = f"VALUES ({key}, 1, %s::timestamptz)"
            else:
                where = f" WHERE hit{position - 1}.count <= %s" if position else ""
                source = f"SELECT {key}, 1, %s::timestamptz FROM {', '.join(tables)}{where}"  # noqa: S608
            hits.append(f"hit{position} AS ({cls.UPSERT.format(table=cls.table, source=source)})")
        return ", ".join(hits)

    @staticmethod
    @functools.cache
    def _answers_sql(windows: int, *, with_key: bool = False) -> str:
        """(position, [key,] count, expiry) of each window hit; the expiry in seconds since the epoch (a float
        loads for less than a timestamptz)."""
        key = "key, " if with_key else ""
        return " UNION ALL ".join(
            f"SELECT {position} AS position, {key}count, extract(epoch FROM expires_at)::float8 AS expires_at "  # noqa: S608
            f"FROM hit{position}"
            for position in range(windows)
        )

    @staticmethod
    def _left(expires_at: float, now: float, seconds: int) -> float:
        # Clamped: a window opened by a concurrent hit whose clock read a moment later ends a moment later.
        return min(max(expires_at - now, 0.0), float(seconds))

    # The rows are locked first, in the order given, which is the order `take` locks them in (its windows'
    # order): locked in scan order, two give-backs deadlocked; locked in key order, a give-back and a take of
    # the same windows did (PostgreSQL kills one, and its slots stay taken). {after} lets a caller run this
    # inside a statement of its own, after what that statement locks first (`give_back_statement`).
    GIVE_BACK = """
        UPDATE {table} AS counter SET count = counter.count - 1
        FROM (
            SELECT key FROM {table} WHERE key = ANY(%s) AND count > 0 AND expires_at > %s {after}
            ORDER BY array_position(%s, key) FOR UPDATE
        ) AS locked
        WHERE counter.key = locked.key
    """

    def give_back(self, *keys: str) -> None:
        statement = self.give_back_statement(*keys)
        if statement is not None:
            with connection.cursor() as cursor:
                cursor.execute(*statement)

    def give_back_statement(self, *keys: str, after: str = "") -> tuple[str, list[Any]] | None:
        """`give_back` as an UPDATE and its parameters, to run alone or as a part of another statement (None:
        no keys). `after`, SQL such as `AND EXISTS (SELECT FROM <an earlier part>)`, makes the rows wait for
        that part, so that a statement which also locks other rows always locks them first."""
        if not keys:
            return None
        ordered = list(dict.fromkeys(keys))
        moment = datetime.fromtimestamp(clock(), tz=UTC)
        return self.GIVE_BACK.format(table=self.table, after=after), [ordered, moment, ordered]

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
    """One slot in each window, in order, in one round trip. None when every window had room; otherwise the
    windows after the refusing one are not touched, the slots taken are given back (the refusing window's
    too) and the seconds left in the window that refused are returned."""
    return (store or counters()).take(windows)


def give_back(windows: Sequence[Window], *, store: Counters | None = None) -> None:
    """Return the slots of an attempt that should not count (a login that succeeded)."""
    (store or counters()).give_back(*(item.key for item in windows))


def give_back_statement(windows: Sequence[Window], *, after: str = "") -> tuple[str, list[Any]] | None:
    """`give_back` as SQL (with its parameters) for a caller to run within a write statement of its own, one
    round trip fewer, when the counters are in this database; None when there is nothing to give back or the
    counters are in Redis (then call `give_back`). See `DatabaseCounters.give_back_statement` on `after`."""
    store = counters()
    if not isinstance(store, DatabaseCounters):
        return None
    return store.give_back_statement(*(item.key for item in windows), after=after)


# A refusal's message before DRF adds "Expected available in N seconds." (as DRF's own throttles answer).
REFUSED = "Request was throttled."


def take_or_refuse(windows: Sequence[Window], *, store: Counters | None = None) -> None:
    """`take`, raising `TryAgainLater` (a 429 with Retry-After) when a window refuses: for code below the
    view that takes the windows a view deferred (`DeferredThrottleMixin`)."""
    wait = take(windows, store=store) if windows else None
    if wait is not None:
        raise TryAgainLater(REFUSED, wait_seconds=wait)


def take_with_rows(
    windows: Sequence[Window], query: "CompiledQuery[Any]", *, store: Counters | None = None, **values: Any
) -> list[tuple[Any, ...]]:
    """`take_or_refuse(windows)`, then `query.rows(**values)`: in one statement when the counters are in the
    query's database (one round trip and one transaction fewer: a cart add's product read carries its
    throttle), one after the other otherwise. A refusal raises once the read has run (a SELECT: nothing to
    undo)."""
    store = store or counters()
    if not windows or not isinstance(store, DatabaseCounters) or query.alias != DEFAULT_DB_ALIAS:
        take_or_refuse(windows, store=store)
        return query.rows(**values)
    sql, params = query.statement(**values)
    wait, rows = store.take_with_read(windows, sql, params)
    if wait is not None:
        raise TryAgainLater(REFUSED, wait_seconds=wait)
    return query.converted(rows)


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


class DeferredThrottleMixin:
    """For an APIView whose handler takes its throttles' windows itself, joined to a read of its own
    (`take_with_rows`): DRF's check before the handler only collects them into `throttle_windows`. The handler
    takes them on every path it answers from (`take_or_refuse` where it has no read to join them to)."""

    throttle_windows: list[Window]

    def check_throttles(self, request: Request) -> None:
        # Every throttle of such a view is a WindowThrottle: its windows, not its decision.
        self.throttle_windows = [
            item
            for throttle in self.get_throttles()  # type: ignore[attr-defined]
            for item in throttle.windows(request, self)
        ]
