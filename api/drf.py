"""The Django request under a DRF request."""

from django.http import HttpRequest
from rest_framework.request import Request


def django_request(request: Request) -> HttpRequest:
    """The HttpRequest that `request` wraps. Code that sets attributes on the request (the invalid-token flag,
    CSRF's cookie) or that Django types as taking an HttpRequest needs this one, not DRF's proxy."""
    # DRF keeps the wrapped request as `Request._request` and offers no public accessor; this is its only use.
    return request._request  # noqa: SLF001
