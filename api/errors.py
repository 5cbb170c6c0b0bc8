"""What the code below the HTTP layer raises or records for `api.exceptions` to answer, in plain Django terms:
no DRF here, so accounts and the catalogue stay free of HTTP (and this imports nothing that loads DRF's
settings, which import the authentication classes that use it)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

# Set on the Django request by the authentication classes when the request carried a token that logs nobody in
# (`mark_token_invalid`): the request goes on as anonymous, and a 401 then says the token was invalid.
INVALID_TOKEN_FLAG = "_auth_token_invalid"  # noqa: S105 - an attribute name, not a secret


def mark_token_invalid(request: HttpRequest) -> None:
    """The request's token logs nobody in: a 401 for it answers "Invalid or expired token."."""
    setattr(request, INVALID_TOKEN_FLAG, True)


class RefusedWithFields(ValidationError):
    """A service's refusal of the request as a whole whose 400 body carries `fields` beside `detail`, as they
    are (numbers stay numbers): `{"detail": "...", "max_shops": 1}`. A plain Django ValidationError, so the
    service that raises it knows nothing of HTTP; `exception_handler` writes the body."""

    def __init__(self, message: str, *, code: str, fields: dict[str, Any]) -> None:
        super().__init__(message, code=code)
        self.fields = fields


class TryAgainLater(Exception):
    """A service refuses for now (a cap that frees up with time): a 429 with `Retry-After: wait_seconds`."""

    def __init__(self, detail: str, *, wait_seconds: float) -> None:
        super().__init__(detail)
        self.detail = detail
        self.wait_seconds = wait_seconds


class DependencyUnavailable(Exception):
    """A service this request needs (object storage read back, say) did not answer: a 503, retry later."""
