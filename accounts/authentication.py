"""Token authentication: knox tokens from the `Authorization: Token <t>` header or the auth cookie.

A token that is unknown or expired does not fail the request: it is treated as anonymous, so a stale
cookie never breaks the public storefront. Endpoints that need a login still answer 401, and the error
says the token was invalid (see `api.exceptions`).
"""

import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions
from rest_framework.request import Request

from accounts import csrf
from api.drf import django_request

if TYPE_CHECKING:
    from accounts.models import User
from api.errors import mark_token_invalid

# What knox makes: its prefix and AUTH_TOKEN_CHARACTER_LENGTH lower-case hex digits.
TOKEN_SHAPE = re.compile(
    re.escape(knox_settings.TOKEN_PREFIX) + f"[0-9a-f]{{{knox_settings.AUTH_TOKEN_CHARACTER_LENGTH}}}"
)


def may_carry_login(request: HttpRequest) -> bool:
    """Whether the request's token (the Authorization header, else the auth cookie) may log someone in: it has
    the shape of a token and a stored token has its key. Anything else is anonymous, as the authentication
    classes below treat it. At most one indexed query, none for a malformed token; a True may still be an
    expired or wrong token (authentication decides)."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if header:
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != knox_settings.AUTH_HEADER_PREFIX.lower():
            return False
        token = parts[1]
    else:
        token = request.COOKIES.get(settings.AUTH_COOKIE, "")
    if not TOKEN_SHAPE.fullmatch(token):
        return False
    return AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).exists()


class HeaderTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        # knox decodes the header as UTF-8 and lets the error out: a token of other bytes is just invalid.
        except (exceptions.AuthenticationFailed, UnicodeError):
            mark_token_invalid(django_request(request))
            return None


class CookieTokenAuthentication(TokenAuthentication):
    """The token in the httpOnly cookie named by AUTH_COOKIE. Used only when no Authorization header is
    sent. Because browsers send cookies on their own, unsafe methods must come from an allowed origin or carry
    the CSRF token (`accounts.csrf`)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        if request.META.get("HTTP_AUTHORIZATION"):
            return None
        token = request.COOKIES.get(settings.AUTH_COOKIE)
        if not token:
            return None
        try:
            user, auth_token = self.authenticate_credentials(token.encode())
        except exceptions.AuthenticationFailed:
            mark_token_invalid(django_request(request))
            return None
        csrf.enforce(django_request(request))
        return user, auth_token

    def authenticate_header(self, request: Request) -> str:
        return "Token"


def authenticated_user(request: Request) -> "User":
    """The user of a request that an `IsAuthenticated` permission let through (so never the anonymous one)."""
    from accounts.models import User

    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user
