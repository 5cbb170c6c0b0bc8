"""The storefront queries compiled once (shops.storefront_sql): recompiled when a setting they inline changes,
the shop row in the shape the shop page's builder reads, an unknown shop."""

from typing import Any

import pytest
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from shops import selectors
from shops.models import ProductImage, Shop
from shops.serializers import PublicShopWithProductsSerializer
from shops.tests.factories import CategoryFactory, ProductFactory
from shops.tests.test_storefront_bounds import catalogue

pytestmark = pytest.mark.django_db


def test_a_product_page_follows_the_item_limit_after_its_query_was_compiled(shop: Shop, settings: Any) -> None:
    [product] = catalogue(shop, products=1, items=6)
    url = f"/api/v1/shops/slug/{shop.slug}/products/{product.slug}/"
    settings.PRODUCT_MAX_INVENTORY_ITEMS = 5
    assert len(APIClient().get(url).json()["inventory_items"]) == 5

    settings.PRODUCT_MAX_INVENTORY_ITEMS = 2

    assert [item["option_label"] for item in APIClient().get(url).json()["inventory_items"]] == ["Size: S0", "Size: S1"]


def test_the_shop_page_with_images_and_a_gap_among_featured_categories_is_what_the_serializer_gives(
    shop: Shop,
) -> None:
    mugs, bowls = CategoryFactory(shop=shop, name="Mugs", slug="mugs"), CategoryFactory(shop=shop, name="Bowls")
    Shop.objects.filter(id=shop.id).update(
        featured_category_2=mugs,
        featured_category_3=bowls,
        profile_image="shop_images/profile.jpg",
        contact_email="hello@example.com",
    )
    ProductFactory(shop=shop, category=mugs)
    expected_shop = selectors.shop_get_public(slug=shop.slug)
    products = selectors.product_list_public_for_shop_page(shop=expected_shop)
    prefetch_related_objects(products, Prefetch("images", queryset=ProductImage.objects.filter(position=1)))
    request = Request(APIRequestFactory().get("/"))
    expected = PublicShopWithProductsSerializer(expected_shop, context={"request": request, "products": products}).data

    page = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/").json()

    assert page == expected
    assert [category["slug"] for category in page["featured_categories"]] == ["mugs", bowls.slug]
    assert page["profile_image_url"].endswith("shop_images/profile.jpg")
    assert page["cover_image_url"] is None


def test_an_unknown_shop_is_a_404_in_one_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        response = APIClient().get("/api/v1/shops/slug/nowhere/")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    with pytest.raises(Http404):
        selectors.shop_get_public_page(slug="nowhere")
    assert selectors.product_grid_for_shop_page(shop_slug="nowhere") == []
