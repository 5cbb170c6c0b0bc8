"""Login and registration throttles: per client address and per account identifier (429 + Retry-After)."""

import hashlib
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class LoginClientThrottle(SimpleRateThrottle):
    """Login attempts per client address, whatever account they try."""

    scope = "login_client"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginIdentifierThrottle(SimpleRateThrottle):
    """Login attempts per account identifier, from any address: stops guessing one account's password
    from many machines."""

    scope = "login_identifier"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        identifier = request.data.get("identifier") if hasattr(request.data, "get") else None
        if isinstance(identifier, int | float) and not isinstance(identifier, bool):
            # The login serializer reads a JSON number as its text: count it under the same account.
            identifier = str(identifier)
        if not isinstance(identifier, str) or not identifier.strip():
            return None
        # Hashed: the key stays short whatever the client sends.
        ident = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class RegisterThrottle(SimpleRateThrottle):
    """Account creation per client address."""

    scope = "register"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class NameProbeThrottle(RegisterThrottle):
    """A change of username or email (PATCH auth/me/) tells whether the name is taken, as registering does:
    counted in the register budget of the client address, so that an account cannot probe names unthrottled."""

    def allow_request(self, request: Request, view: Any) -> bool:
        data = request.data if hasattr(request.data, "keys") else {}
        if request.method not in ("PATCH", "PUT") or not {"username", "email"} & set(data.keys()):
            return True
        return super().allow_request(request, view)
