"""JSON request bodies that no later step can choke on: at most JSON_MAX_DEPTH levels of nesting, no NUL
character and no lone surrogate in any key or string (PostgreSQL stores neither in text or jsonb)."""

from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Not valid Unicode (a lone surrogate)."


def _string_error(value: str) -> str | None:
    if "\x00" in value:
        return NUL_MESSAGE
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE_MESSAGE
    return None


def _first_problem(data: Any, max_depth: int) -> str | None:
    """The first reason to refuse `data` (a parsed JSON value), walked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            error = _string_error(value)
            if error:
                return error
        elif isinstance(value, dict | list):
            if depth > max_depth:
                return "too_deep"
            if isinstance(value, dict):
                for key, child in value.items():
                    error = _string_error(key)
                    if error:
                        return error
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in value)
    return None


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, plus: a nesting deeper than JSON_MAX_DEPTH (or deep enough to exhaust Python's
    recursion while parsing) is a parse error, and a NUL or a lone surrogate anywhere is a 400 naming the
    top-level field it is under (`{"detail": ...}` when the body is not an object, or the key itself is bad)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        max_depth = settings.JSON_MAX_DEPTH
        too_deep = exceptions.ParseError(f"JSON parse error - nested deeper than {max_depth} levels.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if isinstance(data, dict):
            for key, value in data.items():
                if error := _string_error(key):
                    # Not echoed: a key that cannot be stored cannot be rendered either (a lone surrogate).
                    raise exceptions.ValidationError({"detail": f"A field name: {error}"})
                error = _first_problem(value, max_depth - 1)
                if error == "too_deep":
                    raise too_deep
                if error:
                    raise exceptions.ValidationError({key: [error]})
            return data
        error = _first_problem(data, max_depth)
        if error == "too_deep":
            raise too_deep
        if error:
            raise exceptions.ValidationError({"detail": error})
        return data
