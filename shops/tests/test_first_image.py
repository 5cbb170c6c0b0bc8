"""shops.first_image: the first image by position, the same whether annotated in a query or read after."""

import pytest
from django.db.models import OuterRef

from shops.first_image import first_image_annotation, first_image_of_column, first_images_of
from shops.models import Product, ProductImage
from shops.tests.factories import ProductFactory, ProductImageFactory, ShopFactory

pytestmark = pytest.mark.django_db


def image(product: Product, *, position: int, name: str) -> ProductImage:
    return ProductImageFactory(product=product, position=position, image=name, alt_text=f"alt {name}")


def test_annotated_and_read_after_agree_on_the_lowest_position(user) -> None:
    shop = ShopFactory(owner=user)
    with_images, without = ProductFactory(shop=shop), ProductFactory(shop=shop)
    image(with_images, position=3, name="c.jpg")
    first = image(with_images, position=1, name="a.jpg")
    image(with_images, position=2, name="b.jpg")

    annotated = Product.objects.filter(shop=shop).annotate(first_image=first_image_annotation(OuterRef("pk")))
    got = {product.id: first_image_of_column(product.first_image) for product in annotated}

    assert got == {with_images.id: (first.id, "a.jpg", "alt a.jpg"), without.id: None}
    assert first_images_of(product_ids={with_images.id, without.id}) == {with_images.id: got[with_images.id]}
    assert first_images_of(product_ids=set()) == {}
