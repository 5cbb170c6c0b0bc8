"""One exception handler: Django's errors become DRF's JSON errors (400, 401, 403, 404, 503); the database
being unreachable is a 503, inside DRF's views and out."""

import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions, status
from rest_framework.exceptions import server_error as drf_server_error
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from api.drf import django_request
from api.errors import INVALID_TOKEN_FLAG, DependencyUnavailable, RefusedWithFields, TryAgainLater
from api.renderers import json_response
from images.storage import StorageUnavailable


class ServiceUnavailable(exceptions.APIException):
    """A service we depend on (object storage, the database) is down: retry later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request needs is unavailable. Try again shortly."
    default_code = "service_unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    default_detail = "The database is unavailable. Nothing was saved; try again shortly."
    default_code = "database_unavailable"


class ImageStorageUnavailable(ServiceUnavailable):
    """images.storage.StorageUnavailable, answered."""

    default_detail = "Image storage is unavailable. Nothing was saved; try again shortly."
    default_code = "storage_unavailable"


class RequestBodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_body_too_large"

    def __init__(self) -> None:
        super().__init__(f"The request body may have at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")


# Raised when PostgreSQL cannot be reached or the connection broke (restart, failover): retry later.
DATABASE_DOWN_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = "5"


def _as_drf_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        if set(error.error_dict) == {"detail"}:
            # A service's error about the request as a whole, keyed "detail": a string, as the API documents.
            return exceptions.ValidationError({"detail": " ".join(error.messages)})
        return exceptions.ValidationError(as_serializer_error(error))
    # An error about the request as a whole, not one field: {"detail": "..."}.
    return exceptions.ValidationError({"detail": " ".join(error.messages)})


# The plain exceptions of the layers below, each answered as its DRF exception (the first that matches).
PLAIN_ANSWERS: tuple[tuple[type[Exception] | tuple[type[Exception], ...], Callable[[Any], Exception]], ...] = (
    (DjangoValidationError, _as_drf_validation_error),
    (DjangoPermissionDenied, lambda error: exceptions.PermissionDenied(str(error) or None)),
    (DATABASE_DOWN_ERRORS, lambda error: DatabaseUnavailable()),
    (StorageUnavailable, lambda error: ImageStorageUnavailable()),
    (DependencyUnavailable, lambda error: ServiceUnavailable()),
    (TryAgainLater, lambda error: exceptions.Throttled(wait=error.wait_seconds, detail=error.detail)),
    # DRF reads JSON and form bodies through request.body, which Django caps at DATA_UPLOAD_MAX_MEMORY_SIZE.
    (RequestDataTooBig, lambda error: RequestBodyTooLarge()),
    (Http404, lambda error: exceptions.NotFound()),
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Invalid input: `{field: [messages]}` (DRF's shape) or `{"detail": "..."}`; other errors `{"detail": ...}`."""
    if isinstance(exc, RefusedWithFields):
        set_rollback()  # as DRF's handler does for the errors it answers
        return Response({"detail": exc.message, **exc.fields}, status=status.HTTP_400_BAD_REQUEST)
    answer = next((answer for kind, answer in PLAIN_ANSWERS if isinstance(exc, kind)), None)
    if answer is not None:
        exc = answer(exc)
    elif isinstance(exc, exceptions.NotAuthenticated):
        request = context.get("request")
        if request is not None and getattr(django_request(request), INVALID_TOKEN_FLAG, False):
            invalid_token = exceptions.NotAuthenticated("Invalid or expired token.", code="invalid_token")
            # The view put the WWW-Authenticate challenge on the original; a 401 must keep it.
            # DRF's APIView sets auth_header on the exception it handles; its type does not declare it.
            invalid_token.auth_header = getattr(exc, "auth_header", None)  # type: ignore[attr-defined]
            exc = invalid_token
    response = drf_exception_handler(exc, context)
    if isinstance(exc, ServiceUnavailable) and response is not None:
        response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: a URL that matches no route (or an Http404 outside DRF's views), as DRF's views answer it."""
    return json_response({"detail": str(exceptions.NotFound.default_detail)}, status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: a PermissionDenied outside DRF's views (a middleware), as DRF's views answer it."""
    return json_response({"detail": str(exceptions.PermissionDenied.default_detail)}, status=403)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """handler500: an error outside DRF's views (a middleware, a plain Django view). A database that cannot be
    reached is a 503 there too; anything else is DRF's `{"error": "Server Error (500)"}`."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN_ERRORS):
        response = json_response({"detail": str(DatabaseUnavailable.default_detail)}, status=503)
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    return drf_server_error(request, *args, **kwargs)
