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


# Every error is JSON: {"detail": "..."} or {"field": ["reason", ...]} (nested for nested input).
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
    "description": '{"detail": "..."} or {"field": ["reason"]}',
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input.",
    "401": "Not logged in, or the token is invalid or expired.",
    "403": "Refused (e.g. the CSRF check of cookie authentication).",
    "404": "Not found, or not yours.",
    "409": "Conflict (e.g. an Idempotency-Key already used for another cart).",
    "415": "Unsupported body content type.",
    "422": "An Idempotency-Key already used with a different body.",
    "429": "Throttled: see Retry-After.",
    "503": "The database or the image storage is unavailable: retry after Retry-After seconds.",
}


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation declares the errors it can answer, with one JSON
    error schema. 400 with input, 415 with a body, 401/403 behind a login, 404 with path parameters or pages,
    429 when throttled, and 503 everywhere (the database can be down)."""
    throttled = {
        (path, method.lower())
        for path, _, method, view in generator.endpoints or []
        if getattr(getattr(view, "cls", None), "throttle_classes", None)
    }
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            codes = {"503"}
            if parameters or "requestBody" in operation:
                codes.add("400")
            if "requestBody" in operation:
                codes.add("415")
            if "security" in operation and {} not in operation["security"]:
                codes.update({"401", "403"})
            if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
                codes.add("404")
            if (path, method) in throttled:
                codes.add("429")
            responses = operation["responses"]
            for code in codes:
                responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code >= "400":
                    response["content"] = error_content
                    response["description"] = response.get("description") or ERROR_DESCRIPTIONS.get(code, "")
    return result


# Fields of a product body that exclude each other (the serializer refuses a body that has both of a pair).
PRODUCT_EXCLUSIVE_PAIRS = [
    ["price", "base_price"],
    ["price", "discounted_price"],
    ["compare_at_price", "base_price"],
    ["compare_at_price", "discounted_price"],
    ["category", "category_id"],
]
COLOR_HEX_PATTERN = "^(#[0-9a-fA-F]{6})?$"


def express_product_rules(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the product body's rules that a serializer field cannot state, so
    that clients (and the fuzzing) can send a valid product. A create needs `price` or `base_price`; the two
    ways of giving prices (and a category's name or id) exclude each other; `color_hex` is #rrggbb."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in ("ProductInputRequest", "PatchedProductInputRequest"):
        if name in schemas:
            schemas[name]["not"] = {"anyOf": [{"required": pair} for pair in PRODUCT_EXCLUSIVE_PAIRS]}
    option = schemas.get("VariantOptionInputRequest", {}).get("properties", {})
    if "color_hex" in option:
        option["color_hex"]["pattern"] = COLOR_HEX_PATTERN
    create = result.get("paths", {}).get("/api/v1/shops/{shop_id}/products/", {}).get("post")
    if create:
        for content in create["requestBody"]["content"].values():
            content["schema"] = {
                "allOf": [content["schema"]],
                "anyOf": [{"required": ["price"]}, {"required": ["base_price"]}],
            }
    return result


SHOP = "/api/v1/shops/{shop_id}/"
PRODUCT = "/api/v1/shops/{shop_id}/products/{product_id}/"
CART = "/api/v1/shops/carts/{token}/"
# (source path, method, status) -> links to the operations that take what it made: the stateful fuzzing follows
# them (create a product, then read, change, upload to and delete it; add to a cart, then read and check it out).
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("/api/v1/shops/", "post", "201"): {
        f"Shop{verb.title()}": (SHOP, verb, {"shop_id": "$response.body#/id"}) for verb in ("get", "patch", "delete")
    }
    | {"ShopProductCreate": ("/api/v1/shops/{shop_id}/products/", "post", {"shop_id": "$response.body#/id"})},
    ("/api/v1/shops/{shop_id}/products/", "post", "201"): {
        f"Product{verb.title()}": (
            PRODUCT + suffix,
            verb,
            {"shop_id": "$request.path.shop_id", "product_id": "$response.body#/id"},
        )
        for verb, suffix in (("get", ""), ("patch", ""), ("put", ""), ("delete", ""))
    }
    | {
        "ProductUploadUrl": (
            PRODUCT + "images/upload-url/",
            "post",
            {"shop_id": "$request.path.shop_id", "product_id": "$response.body#/id"},
        )
    },
    ("/api/v1/shops/slug/{shop_slug}/cart/items/", "post", "201"): {
        "CartGet": (CART, "get", {"token": "$response.body#/token"}),
        "CartCheckout": (CART + "checkout/", "post", {"token": "$response.body#/token"}),
    },
}


def add_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: OpenAPI links between the operations in LINKS."""
    paths = result.get("paths", {})
    for (path, method, code), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(code)
        if response is None:
            continue
        response["links"] = {
            name: {"operationId": paths[target][verb]["operationId"], "parameters": parameters}
            for name, (target, verb, parameters) in links.items()
            if verb in paths.get(target, {})
        }
    return result
