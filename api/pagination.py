"""Pagination: page-number pages, and the unpaginated arrays that the existing frontend reads."""

from typing import Any

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response


class StandardPagination(PageNumberPagination):
    """`?page=N&page_size=M` (at most 100): `{count, next, previous, results}`."""

    page_size: int = 24
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        return super().get_page_size(request) or self.page_size  # never None: there is a default size


class OptionalPagination(StandardPagination):
    """Paginated when the client asks (`page` or `page_size` in the query); otherwise a plain array, as the
    existing dashboard expects, capped at UNPAGINATED_LIST_LIMIT items. The `X-Total-Count` header always
    gives the full count, so a client can tell when a plain array was cut."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        if self.page_query_param in request.query_params or self.page_size_query_param in request.query_params:
            self.unpaginated_total = None
            return super().paginate_queryset(queryset, request, view)
        self.unpaginated_total = queryset.count()
        self.request = request
        return list(queryset[: settings.UNPAGINATED_LIST_LIMIT])

    def get_paginated_response(self, data: Any) -> Response:
        if self.unpaginated_total is None:
            response = super().get_paginated_response(data)
            response["X-Total-Count"] = str(response.data["count"])
            return response
        return Response(data, headers={"X-Total-Count": str(self.unpaginated_total)})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # `schema` is the list's schema (an array): the page wraps it, the plain form is it.
        return {"oneOf": [super().get_paginated_response_schema(schema), schema]}
