"""How the OpenAPI schema describes our authentication: a token header, or the auth cookie."""

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class HeaderTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.HeaderTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`, the token from register or login.",
        }


class CookieTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.CookieTokenAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.AUTH_COOKIE,
            "description": "Set by login with `cookie: true`; unsafe methods also need the X-CSRFToken header.",
        }
