"""The product lists cost the same few queries for one product or a page of thirty."""

import pytest

from shops.models import Product, ProductImage, Shop
from shops.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

# Token lookup (2), shop, count, products with category and shop, photos.
OWNER_LIST_QUERIES = 6
# Shop, count, products with category and shop, photos.
PUBLIC_LIST_QUERIES = 4


def stock(shop: Shop, count: int) -> list[Product]:
    """`count` active products, each in a category of its own and with two photos."""
    products = []
    for _ in range(count):
        product = ProductFactory(shop=shop, category=CategoryFactory(shop=shop))
        for position in (0, 1):
            ProductImage.objects.create(
                product=product,
                image=f"products/{product.id}-{position}.jpg",
                position=position,
                width=1,
                height=1,
                content_type="image/jpeg",
                size=1,
            )
        products.append(product)
    return products


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize("params", [{}, {"page": 1, "page_size": 30}], ids=["array", "paginated"])
def test_owner_product_list_queries_do_not_grow_with_the_page(
    owner_client, shop, django_assert_num_queries, count, params
) -> None:
    stock(shop, count)

    with django_assert_num_queries(OWNER_LIST_QUERIES):
        response = owner_client.get(f"/api/v1/shops/{shop.id}/products/", params)

    assert response.status_code == 200
    items = response.json() if not params else response.json()["results"]
    assert len(items) == count
    assert [len(item["images"]) for item in items] == [2] * count


@pytest.mark.parametrize("count", [1, 30])
def test_public_product_list_queries_do_not_grow_with_the_page(
    api_client, shop, django_assert_num_queries, count
) -> None:
    stock(shop, count)

    with django_assert_num_queries(PUBLIC_LIST_QUERIES):
        response = api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/", {"page_size": 30})

    assert response.status_code == 200
    assert response.json()["count"] == count
    assert [item["primary_image"]["position"] for item in response.json()["results"]] == [0] * count


@pytest.mark.parametrize("count", [1, 30])
def test_shop_page_queries_do_not_grow_with_the_products(api_client, shop, django_assert_num_queries, count) -> None:
    stock(shop, count)

    # Shop, products with category and shop, photos.
    with django_assert_num_queries(3):
        response = api_client.get(f"/api/v1/shops/slug/{shop.slug}/")

    assert response.status_code == 200
    assert len(response.json()["products"]) == count


@pytest.mark.parametrize("count", [1, 30])
def test_owner_category_and_shop_lists_cost_a_fixed_number_of_queries(
    owner_client, user, shop, django_assert_num_queries, count
) -> None:
    stock(shop, count)

    # Token lookup (2), shop, count, categories.
    with django_assert_num_queries(5):
        categories = owner_client.get(f"/api/v1/shops/{shop.id}/categories/")
    # Token lookup (2), count, shops.
    with django_assert_num_queries(4):
        shops = owner_client.get("/api/v1/shops/")

    assert len(categories.json()) == count
    assert len(shops.json()) == 1
