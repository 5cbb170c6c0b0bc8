"""A product's first image, defined once for every read that shows one image of a product (a cart line, a
checkout's answer): its images ordered by position, then id (the model's ordering), the first of them; read as
`first_image` = (id, object name, alt text), or None for a product without images.

Two ways to read it, one order: `first_image_annotation` in the product's own query (one subquery, one JSON
array: three scalar subqueries scanned the images three times), `first_images_of` for products already read."""

from collections.abc import Collection
from typing import Any

from django.db import connections, router
from django.db.models import Func, JSONField, OuterRef, Subquery

from shops.models import ProductImage

FirstImage = tuple[int, str, str]

# Field names that are also the columns (the raw query below orders by them).
FIRST_IMAGE_ORDER = ("position", "id")


def first_image_annotation(product: OuterRef) -> Subquery:
    """The first image of `product` (an OuterRef to a product's id) as a JSON array [id, object name, alt text],
    or NULL: annotate it, then read the column with `first_image_of_column`."""
    first = Func("id", "image", "alt_text", function="JSONB_BUILD_ARRAY", output_field=JSONField())
    images = ProductImage.objects.filter(product=product).order_by(*FIRST_IMAGE_ORDER)
    return Subquery(images.values_list(first)[:1], output_field=JSONField())


def first_image_of_column(value: list[Any] | None) -> FirstImage | None:
    """`first_image_annotation`'s column as the ORM gives it (its JSON loaded) -> (id, object name, alt text)."""
    if value is None:
        return None
    image_id, name, alt_text = value
    return image_id, name, alt_text


# What the ORM's DISTINCT ON query gives, written once: compiling it, an IN list as long as the products, took more
# CPU than running it. One array parameter, whatever the number of products.
_FIRST_IMAGES_SQL = f"""
    SELECT DISTINCT ON (product_id) product_id, id, image, alt_text FROM {ProductImage._meta.db_table}
    WHERE product_id = ANY(%s) ORDER BY product_id, {", ".join(FIRST_IMAGE_ORDER)}
"""  # noqa: S608 - the model's table and the constant order above


def first_images_of(*, product_ids: Collection[int]) -> dict[int, FirstImage]:
    """The first image of each of these products that has one, by product id (one query, none without ids)."""
    if not product_ids:
        return {}
    with connections[router.db_for_read(ProductImage)].cursor() as cursor:
        cursor.execute(_FIRST_IMAGES_SQL, [sorted(product_ids)])
        return {product_id: (image_id, name, alt_text) for product_id, image_id, name, alt_text in cursor}
