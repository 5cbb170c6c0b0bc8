"""Valid requests made from the OpenAPI schema alone: a body for any operation, so that tests enumerating the
schema's operations exercise new endpoints without a change (a parameter naming a new kind of object is added
to `World.path_values`, a field needing a particular value to `FIELD_VALUES`)."""

import io
import uuid
from typing import Any

from accounts.tests.factories import PASSWORD
from api.tests.world import World
from images.tests.samples import image_bytes

NEW_PASSWORD = "N3w-unusual-Pass!"
OMIT = object()  # a field left out: another field says the same and both together are refused


def field_values(world: World) -> dict[str, Any]:
    """Input fields whose valid value depends on the world (an id of the owner's) or on a rule."""
    return {
        "category_id": world.category.id,
        "order": [world.image.id],
        "identifier": world.owner.username,
        "password": PASSWORD,
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "username": f"fresh{uuid.uuid4().hex[:8]}",
        "email": f"fresh{uuid.uuid4().hex[:8]}@example.com",
        "currency": "USD",
        "content_type": "image/jpeg",
        "upload_id": str(uuid.uuid4()),
        "status": "active",
        "price": "3.00",
        "compare_at_price": "4.00",
        "base_price": OMIT,
        "discounted_price": OMIT,
        "category": OMIT,
        "cookie": False,
        # The cart: the World's product, added to the World's cart (its token), without a variant.
        "cart_token": world.cart.token,
        "product_id": world.product.id,
        "product_slug": OMIT,
        "inventory_item_id": OMIT,
        "quantity": 1,
        # A shop's featured categories are categories of its own; variant types and items in a payload are new.
        "featured_category_1": world.category.id,
        "featured_category_2": world.category.id,
        "featured_category_3": world.category.id,
        "id": OMIT,
        "color_hex": "#336699",
        # An inventory item's option, by the names of the type and option made in the same payload ("Something").
        "variant_type_id": OMIT,
        "variant_option_id": OMIT,
        "variant_type": "Something",
        "variant_option": "Something",
    }


# Operations whose valid body differs from what the field names alone give: the order's `status` is an order
# status (a product's is "active"), and the World's order is pending, so "paid" is a change it allows.
OPERATION_VALUES: dict[str, dict[str, Any]] = {
    "/api/v1/shops/{shop_id}/orders/{order_id}/": {"status": "paid"},
    # The World's product has no variant types: a line of it chooses no options.
    "/api/v1/shops/slug/{shop_slug}/cart/items/": {"options": OMIT},
    # A new shop has no categories yet.
    "/api/v1/shops/": {"featured_category_1": OMIT, "featured_category_2": OMIT, "featured_category_3": OMIT},
}


def resolve(schema: dict[str, Any], openapi: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            return resolve(schema[combined][0], openapi)
    return schema


def example(schema: dict[str, Any], openapi: dict[str, Any], name: str, world: World) -> Any:
    values = field_values(world)
    if name in values:
        return values[name]
    schema = resolve(schema, openapi)
    kind, fmt = schema.get("type"), schema.get("format")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        properties = schema.get("properties", {})
        fields = {key: example(value, openapi, key, world) for key, value in properties.items()}
        return {
            key: value
            for key, value in fields.items()
            if value is not OMIT and not resolve(properties[key], openapi).get("readOnly")
        }
    if kind == "array":
        return [example(schema.get("items", {}), openapi, name, world)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if fmt == "binary":
        return io.BytesIO(image_bytes("JPEG", (24, 18)))
    return {
        "email": "someone@example.com",
        "uuid": str(uuid.uuid4()),
        "date-time": "2030-01-01T00:00:00Z",
        "date": "2030-01-01",
        "uri": "https://example.com/",
        "decimal": "2.00",
    }.get(fmt or "", "Something")


def request_body(method: str, path: str, openapi: dict[str, Any], world: World) -> tuple[Any, str | None]:
    """(body, format) of a valid request to the operation: format "json", "multipart" or None (no body)."""
    content = openapi["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    for media_type, fmt in (("application/json", "json"), ("multipart/form-data", "multipart")):
        if media_type in content:
            body = example(content[media_type]["schema"], openapi, "", world)
            body = {**body, **OPERATION_VALUES.get(path, {})}
            return {key: value for key, value in body.items() if value is not OMIT}, fmt
    return None, None
