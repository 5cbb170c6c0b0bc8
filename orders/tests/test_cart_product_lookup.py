"""The cart add's product lookup, compiled once per process (orders.services.carts), reads what the ORM reads."""

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from orders.services.carts import _product_with_shop_get
from shops.models import Product
from shops.tests.factories import ProductFactory, ProductImageFactory, VariantTypeFactory, variant_product

pytestmark = pytest.mark.django_db


def test_the_compiled_lookup_reads_the_product_its_shop_and_flags_as_the_orm_does(shop, other_shop) -> None:
    simple = ProductFactory(shop=shop, price=Decimal("12.50"), compare_at_price=Decimal("15.00"))
    typed = ProductFactory(shop=shop)
    VariantTypeFactory(product=typed, name="Size")
    varied, _, _, _ = variant_product(shop=shop)
    ProductFactory(shop=other_shop, slug=simple.slug)

    for expected, has_items, has_types in ((simple, False, False), (typed, False, True), (varied, True, True)):
        orm = Product.objects.select_related("shop").get(id=expected.id)
        for found in (
            _product_with_shop_get(shop_slug=shop.slug, product_id=expected.id, product_slug=None),
            _product_with_shop_get(shop_slug=shop.slug, product_id=None, product_slug=expected.slug),
        ):
            assert found is not None
            assert (model_to_dict(found), found.created_at, found.updated_at) == (
                model_to_dict(orm),
                orm.created_at,
                orm.updated_at,
            )
            assert (model_to_dict(found.shop), found.shop.created_at) == (model_to_dict(orm.shop), orm.shop.created_at)
            flags = (getattr(found, "has_items", None), getattr(found, "has_types", None))  # annotations
            assert (*flags, found._state.adding) == (has_items, has_types, False)
            assert getattr(found, "first_image", "unset") is None  # annotated: none of them has images
    assert _product_with_shop_get(shop_slug=other_shop.slug, product_id=simple.id, product_slug=None) is None
    assert _product_with_shop_get(shop_slug="nowhere", product_id=None, product_slug=simple.slug) is None
    assert _product_with_shop_get(shop_slug=shop.slug, product_id=None, product_slug="") is None


def test_the_compiled_lookup_reads_the_first_image_by_position(shop) -> None:
    product = ProductFactory(shop=shop)
    images = [
        ProductImageFactory(product=product, position=position, image=f"products/{position}.jpg")
        for position in (3, 1, 2)
    ]
    first = images[1]

    for found in (
        _product_with_shop_get(shop_slug=shop.slug, product_id=product.id, product_slug=None),
        _product_with_shop_get(shop_slug=shop.slug, product_id=None, product_slug=product.slug),
    ):
        assert getattr(found, "first_image", None) == (first.id, "products/1.jpg", "Photo 1")  # annotated
