"""OpenAPI helpers: the query parameters of a django-filter FilterSet that a selector applies."""

from typing import Any

from django_filters import BooleanFilter, ChoiceFilter, NumberFilter
from django_filters.rest_framework import FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter


def filter_parameters(filterset_class: type[FilterSet]) -> list[OpenApiParameter]:
    parameters = []
    for name, field in filterset_class.base_filters.items():
        kind: Any = OpenApiTypes.STR
        enum = None
        if isinstance(field, NumberFilter):
            kind = OpenApiTypes.NUMBER
        elif isinstance(field, BooleanFilter):
            kind = OpenApiTypes.BOOL
        if isinstance(field, ChoiceFilter):
            enum = [choice for choice, _ in field.extra["choices"]]
        parameters.append(
            OpenApiParameter(name, kind, enum=enum, description=str(field.extra.get("help_text", "") or ""))
        )
    return parameters


PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number (from 1)."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Items per page, at most 100."),
]
