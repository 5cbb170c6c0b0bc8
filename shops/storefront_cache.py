"""Rendered anonymous storefront responses, cached per shop version: the keys, the versions and their bumps.

A page is cached under its shop's slug, today's date (availability windows change at midnight) and a digest of
the scheme, host, path (absolute urls carry the host) and the parameters that change the answer in canonical form
(`shops.storefront_query`; unknown ones ignored), with the rendered body (gzipped), its digest and the shop's
version it was rendered under as the value. A body over STOREFRONT_CACHE_MAX_BYTES is not kept. A token that cannot
log anyone in (garbage, unknown) counts as anonymous, as it does for the response. A hit costs one cache read of
two keys (the shop's current version and the page: one round trip) and no query; a page rendered under another
version than the current one is a miss. A client that accepts gzip gets the kept bytes as they are
(`Content-Encoding: gzip`, an ETag of its own, `Vary: Accept-Encoding`), any other the body ungzipped; a page
rendered on a miss is answered the same way. A write that changes what a storefront shows calls
`storefront_changed`; once the transaction commits the shop's version key is deleted, so the next read makes a
new version and renders afresh.
Versions are random tokens, never counters: a page rendered from rows read before a commit can only be stored
with a version that the commit's bump has already retired, and a deleted version is never made again. Time
alone changes a page only at midnight (availability windows are dates, and `today` is in the key), so a page
lives until the end of its day, at most STOREFRONT_CACHE_SECONDS: that maximum only bounds the staleness of a
write that no bump covers (a raw SQL update)."""

import gzip
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import quote_etag

from accounts.authentication import may_carry_login

logger = logging.getLogger(__name__)

# Headers of a rendered page that the view sets (the middleware adds the rest on a hit as on a miss).
KEPT_HEADERS = ("Content-Type", "Allow", "Vary")
# How the kept body is compressed: the database cache pickles and base64-encodes what it keeps, so a hit of a
# shop page of 100 cards read and decoded ~130 KB of text (~0.8 ms of base64 alone). At level 1 its 95 KB are
# 4.7 KB, made once per miss in ~0.2 ms and ungzipped in ~0.1 ms (level 6: 3.6 KB but ~0.7 ms a miss). No
# timestamp: a page gives the same bytes.
GZIP_LEVEL = 1
# As Django's GZipMiddleware reads Accept-Encoding.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def _version_key(slug: str) -> str:
    return f"storefront:version:{slug}"


def _new_version(key: str) -> str | None:
    """A version for a shop that has none (None when the cache keeps nothing). Made before the rows are read, so
    a bump that commits between the read and the store retires the version the page is stored with."""
    cache.add(key, secrets.token_hex(8), timeout=None)
    return cache.get(key)


def _page_key(request: HttpRequest, slug: str, params: list[tuple[str, str]], today: date) -> str:
    address = f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(params)}"
    digest = hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()
    # "gz": the kept body is compressed (pages kept before, with a plain body, are never read as one).
    return f"storefront:page:gz:{slug}:{today.isoformat()}:{digest}"


def page_lifetime(*, today: date, now: datetime) -> int:
    """Seconds a page keyed on `today` is worth keeping at `now`: until the next availability edge, which is
    the next local midnight (windows are dates), and at most STOREFRONT_CACHE_SECONDS. 0: not at all (the
    day turned while the page was rendered)."""
    edge = datetime.combine(today + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
    return max(0, min(settings.STOREFRONT_CACHE_SECONDS, int((edge - now).total_seconds())))


def _accepts_json(request: HttpRequest) -> bool:
    """What DRF's negotiation would answer with JSON (a cached page must not stand in for a 406)."""
    accept = request.headers.get("Accept", "*/*")
    return "*/*" in accept or "application/*" in accept or "application/json" in accept


def _accepts_gzip(request: HttpRequest) -> bool:
    return bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))


def _encode(response: HttpResponse, *, gzipped: bytes, digest: str, as_gzip: bool) -> None:
    """Answer with the gzipped body when the client accepts it, each encoding with its own strong ETag (`digest`
    is the plain body's md5), and say that the answer depends on Accept-Encoding. Public pages only: they hold
    no secret, so compressing them beside what a client sends (BREACH) reveals nothing."""
    if as_gzip:
        response.content = gzipped
        response["Content-Encoding"] = "gzip"
        response["ETag"] = quote_etag(f"{digest}-gzip")
    else:
        response["ETag"] = quote_etag(digest)
    patch_vary_headers(response, ("Accept-Encoding",))


@dataclass
class CachedPage:
    """Where a page is kept (`key`), the shop's version it is valid for, what the cache held there (the
    version, the gzipped body, the plain body's md5, the view's headers), and whether the client takes gzip."""

    key: str
    today: date
    version: str
    stored: tuple[str, bytes, str, dict[str, str]] | None
    accepts_gzip: bool = False

    def response(self) -> HttpResponse | None:
        """The stored page when it was rendered under the current version, else None (a miss)."""
        if self.stored is None:
            return None
        version, gzipped, digest, headers = self.stored
        if version != self.version:
            return None
        response = HttpResponse(gzipped if self.accepts_gzip else gzip.decompress(gzipped), headers=headers)
        _encode(response, gzipped=gzipped, digest=digest, as_gzip=self.accepts_gzip)
        return response

    def store(self, response: HttpResponse) -> None:
        """Keep a rendered 200 and answer it as a hit would be answered (its ETag set, as the conditional-GET
        middleware would; gzipped for a client that accepts it)."""
        if response.status_code != 200 or response.streaming:
            return
        body = response.content
        if len(body) > settings.STOREFRONT_CACHE_MAX_BYTES:
            logger.info("storefront page of %d bytes not cached: %s", len(body), self.key)
            return
        digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
        gzipped = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        _encode(response, gzipped=gzipped, digest=digest, as_gzip=self.accepts_gzip)
        lifetime = page_lifetime(today=self.today, now=timezone.now())
        if lifetime > 0:
            cache.set(self.key, (self.version, gzipped, digest, headers), timeout=lifetime)


def cached_page(request: HttpRequest, *, shop_slug: str, params: list[tuple[str, str]] | None) -> CachedPage | None:
    """Where this request's page is cached, or None when it must not be: the cache is off, a write, `params`
    is None (the view's parameters are invalid or not worth caching), an Accept that is not JSON, or a token
    that may log someone in (a logged-in client must see fresh data and be authenticated)."""
    if (
        settings.STOREFRONT_CACHE_SECONDS <= 0
        or request.method not in ("GET", "HEAD")
        or params is None
        or not _accepts_json(request)
        or may_carry_login(request)
    ):
        return None
    today = timezone.localdate()
    key, version_key = _page_key(request, shop_slug, params, today), _version_key(shop_slug)
    found = cache.get_many([version_key, key])  # one round trip
    version, stored = found.get(version_key), found.get(key)
    if version is None:
        version, stored = _new_version(version_key), None  # a new version: nothing is stored under it yet
        if version is None:
            return None
    return CachedPage(key, today, version, stored, accepts_gzip=_accepts_gzip(request))


# --- invalidation ---


@dataclass
class _PendingBumps:
    """The shops a transaction (at one savepoint depth) changed, bumped together once it commits: one callback
    and at most one query, however many rows a cascade deletes."""

    slugs: set[str] = field(default_factory=set)
    shop_ids: set[int] = field(default_factory=set)
    product_ids: set[int] = field(default_factory=set)
    variant_type_ids: set[int] = field(default_factory=set)

    def __call__(self) -> None:
        from shops.models import Shop

        slugs = set(self.slugs)
        condition = Q()
        if self.shop_ids:
            condition |= Q(id__in=self.shop_ids)
        if self.product_ids:
            condition |= Q(products__id__in=self.product_ids)
        if self.variant_type_ids:
            condition |= Q(products__variant_types__id__in=self.variant_type_ids)
        if condition:
            slugs.update(Shop.objects.filter(condition).values_list("slug", flat=True).distinct())
        if slugs:
            cache.delete_many([_version_key(slug) for slug in slugs])


def storefront_changed(
    *,
    slug: str | None = None,
    shop_id: int | None = None,
    product_id: int | None = None,
    variant_type_id: int | None = None,
) -> None:
    """The storefront of this shop (named by any of these) changed: bump its version once the current
    transaction commits (at once outside one)."""
    connection = transaction.get_connection()
    pending = None
    if connection.in_atomic_block:
        # Only a hook of this very savepoint: it is discarded exactly when this write is rolled back. (An
        # atomic block without a savepoint adds None: it rolls back with the block around it.)
        savepoints = set(connection.savepoint_ids) - {None}
        pending = next(
            (
                hook
                for sids, hook, _ in connection.run_on_commit
                if isinstance(hook, _PendingBumps) and sids - {None} == savepoints
            ),
            None,
        )
    is_new = pending is None
    pending = pending or _PendingBumps()
    if slug is not None:
        pending.slugs.add(slug)
    if shop_id is not None:
        pending.shop_ids.add(shop_id)
    if product_id is not None:
        pending.product_ids.add(product_id)
    if variant_type_id is not None:
        pending.variant_type_ids.add(variant_type_id)
    if is_new:
        # robust: the write has committed; a cache that is down leaves pages stale until they expire.
        transaction.on_commit(pending, robust=True)
