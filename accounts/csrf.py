"""Cross-site request forgery protection for cookie-authenticated requests: by where the request comes from
(Fetch Metadata, then Origin), with Django's double-submit token as the fallback.

The rule of Go 1.25's `net/http.CrossOriginProtection` and OWASP's CSRF cheat sheet ("Fetch Metadata
headers", "Verifying origin with standard headers"), with the allowed origins of CORS as its trusted ones:

1. Safe methods (GET, HEAD, OPTIONS, TRACE) pass.
2. `Sec-Fetch-Site: same-origin` or `none` (the browser says: this page of ours, or the user) passes.
3. `Sec-Fetch-Site: same-site` or `cross-site` passes only when `Origin` is one of the allowed origins
   (`FRONTEND_URL`, `CORS_ALLOWED_ORIGINS`); anything else is refused.
4. No `Sec-Fetch-Site` (browsers send it to https and loopback urls only): `Origin` decides, when there is
   one: an allowed origin or this API's own origin passes, any other (`null` too) is refused.
5. Neither header (a non-browser client that keeps cookies, or a browser too old to send `Origin`): the
   double-submit CSRF token (`GET auth/csrf/`, then `X-CSRFToken`) is required, as Django checks it.

Go's rule lets step 5 pass without a token; we keep the token there, so a browser old enough to send no
`Origin` on a form post cannot be made to write. A browser that names a foreign origin is refused even with a
valid token: only cookie tossing from a sibling subdomain could have given it one.
Written here because no maintained Django package checks Fetch Metadata, and Django's CSRF middleware always
wants the token; the fallback is Django's own check (`CSRFCheck`).
"""

from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.authentication import CSRFCheck

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_PORTS = {"http": 80, "https": 443}
SHOWN_ORIGIN_CHARS = 100


def normalized_origin(url: str) -> str | None:
    """`scheme://host[:port]` as browsers serialise an Origin (lower case, no default port), or None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS[parts.scheme] else "")


def allowed_origins() -> set[str]:
    return {origin for url in settings.CORS_ALLOWED_ORIGINS if (origin := normalized_origin(url))}


def _own_origin(request: HttpRequest) -> str | None:
    return normalized_origin(f"{request.scheme}://{request.get_host()}")


def _refusal(origin: str | None) -> str:
    shown = (origin or "(none)")[:SHOWN_ORIGIN_CHARS]
    return f"Origin checking failed - {shown} does not match any trusted origins."


def cross_origin_refusal(request: HttpRequest) -> str | None:
    """Why this request must be refused (a reason for the 403), or None when it may go on."""
    if request.method in SAFE_METHODS:
        return None
    site = request.META.get("HTTP_SEC_FETCH_SITE", "").strip().lower()
    origin = request.META.get("HTTP_ORIGIN")
    if site in ("same-origin", "none"):
        return None
    if site:
        return None if origin is not None and normalized_origin(origin) in allowed_origins() else _refusal(origin)
    if origin is not None:
        normalized = normalized_origin(origin)
        if normalized is not None and (normalized in allowed_origins() or normalized == _own_origin(request)):
            return None
        return _refusal(origin)
    return _token_refusal(request)


def _token_refusal(request: HttpRequest) -> str | None:
    def no_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse()  # never called: the checks below only read the request

    check = CSRFCheck(no_response)
    check.process_request(request)
    # DRF's CSRFCheck answers a refusal with its reason (its _reject returns the string), not with a response.
    return cast(str | None, check.process_view(request, no_response, (), {}))


def enforce(request: HttpRequest) -> None:
    """Raise a 403 unless the request may write with the auth cookie (see the module docstring)."""
    reason = cross_origin_refusal(request)
    if reason:
        raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")
