"""Migration 0003 numbers the images stored before it (from 0, or with gaps) 1, 2, 3... per product."""

import importlib

import pytest
from django.db import connection

from shops.models import ProductImage
from shops.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("shops.migrations.0003_image_positions_from_1")


def image(product, position: int) -> ProductImage:
    return ProductImage.objects.create(
        product=product,
        image=f"x/{position}.jpg",
        position=position,
        width=1,
        height=1,
        content_type="image/jpeg",
        size=1,
    )


def test_existing_images_are_numbered_from_1_in_their_order_and_back() -> None:
    mug, tee = ProductFactory(), ProductFactory()
    mug_images = [image(mug, 0), image(mug, 1), image(mug, 2)]
    tee_images = [image(tee, 7), image(tee, 3)]

    with connection.cursor() as cursor:
        cursor.execute(migration.RENUMBER.format(offset=0))
    numbered = dict(ProductImage.objects.values_list("id", "position"))
    with connection.cursor() as cursor:
        cursor.execute(migration.RENUMBER.format(offset=-1))

    assert [numbered[i.id] for i in mug_images] == [1, 2, 3]
    assert [numbered[i.id] for i in tee_images] == [2, 1]
    assert [p for _, p in sorted(ProductImage.objects.filter(product=mug).values_list("id", "position"))] == [0, 1, 2]
