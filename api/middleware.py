"""HTTP caching of the public storefront: validators (ETag) and 304s for anonymous GETs."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

# Public, identical for every visitor: the storefront pages.
PUBLIC_CACHEABLE_PREFIXES = ("/api/v1/shops/slug/",)


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
        return get_conditional_response(request, etag=response["ETag"], response=response)

    @staticmethod
    def _cacheable(request: HttpRequest, response: HttpResponse) -> bool:
        return (
            is_anonymous_read(request)
            and response.status_code == 200
            and not response.streaming
            and request.path.startswith(PUBLIC_CACHEABLE_PREFIXES)
            and not response.has_header("Set-Cookie")
        )
