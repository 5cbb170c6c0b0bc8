"""The cart add's product lookup, compiled once per process (orders.services.carts), reads what the ORM reads,
alone or in one statement with the cart throttle's window."""

from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model

from api.throttling import window
from orders.services.carts import _PRODUCT_FIELDS, _SHOP_FIELDS, _product_with_shop_get
from shops.models import Product
from shops.tests.factories import ProductFactory, ProductImageFactory, VariantTypeFactory, variant_product

pytestmark = pytest.mark.django_db

THROTTLES = pytest.mark.parametrize(
    "throttle", [(), (window("cart", "198.51.100.7"),)], ids=["alone", "with the throttle"]
)


def read_as_the_orm(found: Model, orm: Model, fields: tuple[str, ...]) -> None:
    """`found` holds the ORM's value of each of `fields`, and no other field (each deferred)."""
    assert {name: getattr(found, name) for name in fields} == {name: getattr(orm, name) for name in fields}
    every = {field.attname for field in type(orm)._meta.concrete_fields}
    assert found.get_deferred_fields() == every - set(fields)


@THROTTLES
def test_the_compiled_lookup_reads_the_product_its_shop_and_flags_as_the_orm_does(
    shop, other_shop, throttle: Any
) -> None:
    simple = ProductFactory(shop=shop, price=Decimal("12.50"), compare_at_price=Decimal("15.00"))
    typed = ProductFactory(shop=shop)
    VariantTypeFactory(product=typed, name="Size")
    varied, _, _, _ = variant_product(shop=shop)
    ProductFactory(shop=other_shop, slug=simple.slug)

    for expected, has_items, has_types in ((simple, False, False), (typed, False, True), (varied, True, True)):
        orm = Product.objects.select_related("shop").get(id=expected.id)
        for found in (
            _product_with_shop_get(shop_slug=shop.slug, product_id=expected.id, product_slug=None, throttle=throttle),
            _product_with_shop_get(shop_slug=shop.slug, product_id=None, product_slug=expected.slug, throttle=throttle),
        ):
            assert found is not None
            read_as_the_orm(found, orm, _PRODUCT_FIELDS)
            read_as_the_orm(found.shop, orm.shop, _SHOP_FIELDS)
            flags = (getattr(found, "has_items", None), getattr(found, "has_types", None))  # annotations
            assert (*flags, found._state.adding) == (has_items, has_types, False)
            assert getattr(found, "first_image", "unset") is None  # annotated: none of them has images
    for wrong in (
        {"shop_slug": other_shop.slug, "product_id": simple.id, "product_slug": None},
        {"shop_slug": "nowhere", "product_id": None, "product_slug": simple.slug},
        {"shop_slug": shop.slug, "product_id": None, "product_slug": ""},
    ):
        assert _product_with_shop_get(**wrong, throttle=throttle) is None


@THROTTLES
def test_the_compiled_lookup_reads_the_first_image_by_position(shop, throttle: Any) -> None:
    product = ProductFactory(shop=shop)
    images = [
        ProductImageFactory(product=product, position=position, image=f"products/{position}.jpg")
        for position in (3, 1, 2)
    ]
    first = images[1]

    for found in (
        _product_with_shop_get(shop_slug=shop.slug, product_id=product.id, product_slug=None, throttle=throttle),
        _product_with_shop_get(shop_slug=shop.slug, product_id=None, product_slug=product.slug, throttle=throttle),
    ):
        assert getattr(found, "first_image", None) == (first.id, "products/1.jpg", "Photo 1")  # annotated
