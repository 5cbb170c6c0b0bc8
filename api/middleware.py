"""Requests refused before any view (a NUL character in the URL or a header), and HTTP caching of the public
storefront: validators (ETag) and 304s for anonymous GETs."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

from api.renderers import json_response

# Public, identical for every visitor: the storefront pages.
PUBLIC_CACHEABLE_PREFIXES = ("/api/v1/shops/slug/",)


class RejectNullCharactersMiddleware:
    """A NUL character in the path, the query string or a header is a 400, whatever the view: PostgreSQL
    stores no NUL in text, and a path parameter, filter or header (Idempotency-Key, the token) may reach it.
    JSON bodies are checked by `api.parsers.SafeJSONParser`, form fields by DRF's CharField."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = self._nul_in(request)
        if where:
            return json_response({"detail": f"Null characters are not allowed in the {where}."}, status=400)
        return self.get_response(request)

    @staticmethod
    def _nul_in(request: HttpRequest) -> str | None:
        if "\x00" in request.path_info:
            return "URL"
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:  # "%00" always decodes to NUL ("%2500" holds no "%00")
            return "query string"
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
                return key.removeprefix("HTTP_").replace("_", "-").title() + " header"
        return None


def is_anonymous_read(request: HttpRequest) -> bool:
    """A GET or HEAD with no credential (no token header, no auth cookie)."""
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.AUTH_COOKIE not in request.COOKIES
    )


class StorefrontConditionalGetMiddleware:
    """Anonymous GET/HEAD of a storefront page: a strong ETag of the body, `Cache-Control: public, no-cache`
    (a browser or CDN keeps the page but asks again each time), and 304 Not Modified when `If-None-Match`
    names the current ETag.

    No Last-Modified: deleting a product or changing an image moves no `updated_at` that the page shows, so a
    date could claim "not modified" for a page that changed; the ETag is computed from the bytes, so it cannot.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not self._cacheable(request, response):
            return response
        if not response.has_header("ETag"):  # a page from the storefront cache comes with its ETag
            set_response_etag(response)
        patch_cache_control(response, public=True, no_cache=True)
        # A 304 or 412 when a condition applies, else the response given (typed as optional, never None here).
        return get_conditional_response(request, etag=response["ETag"], response=response) or response

    @staticmethod
    def _cacheable(request: HttpRequest, response: HttpResponse) -> bool:
        return (
            is_anonymous_read(request)
            and response.status_code == 200
            and not response.streaming
            and request.path.startswith(PUBLIC_CACHEABLE_PREFIXES)
            and not response.has_header("Set-Cookie")
        )
