"""The product lists cost the same few queries for one product or a page of thirty, each with images,
variant types, options and inventory items."""

import pytest

from shops.models import Product, ProductImage, ProductInventoryItem, ProductVariantOption, ProductVariantType, Shop
from shops.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

# Variant types, their options, inventory items, the items' options with their types.
VARIANT_QUERIES = 4
# Token lookup (2), shop, count, products with category and shop, photos, variants.
OWNER_LIST_QUERIES = 6 + VARIANT_QUERIES
# One: the page of products with their shop, category, primary image, a has-variants flag and a window count
# of every match; no variant queries in the grid.
PUBLIC_LIST_QUERIES = 1


def stock(shop: Shop, count: int) -> list[Product]:
    """`count` active products, each in a category of its own, with two photos, two variant types of two
    options each and an inventory item per combination."""
    products = []
    for _ in range(count):
        product = ProductFactory(shop=shop, category=CategoryFactory(shop=shop))
        for position in (1, 2):
            ProductImage.objects.create(
                product=product,
                image=f"products/{product.id}-{position}.jpg",
                position=position,
                width=1,
                height=1,
                content_type="image/jpeg",
                size=1,
            )
        sizes = ProductVariantType.objects.create(product=product, name="Size", position=0)
        colors = ProductVariantType.objects.create(product=product, name="Color", position=1, input_type="color")
        size_options = [ProductVariantOption.objects.create(variant_type=sizes, name=n) for n in ("S", "M")]
        color_options = [
            ProductVariantOption.objects.create(variant_type=colors, name=n, color_hex=h)
            for n, h in (("Red", "#ff0000"), ("Blue", "#0000ff"))
        ]
        for position, (size, color) in enumerate((s, c) for s in size_options for c in color_options):
            item = ProductInventoryItem.objects.create(
                product=product,
                option_key="-".join(str(i) for i in sorted((size.id, color.id))),
                stock_quantity=position,
                position=position,
                is_default=position == 0,
            )
            item.options.set([size, color])
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
    assert [len(item["inventory_items"]) for item in items] == [4] * count
    assert {item["inventory_items"][3]["option_label"] for item in items} == {"Size: M / Color: Blue"}


@pytest.mark.parametrize("count", [1, 30])
def test_public_product_list_queries_do_not_grow_with_the_page(
    api_client, shop, django_assert_num_queries, count
) -> None:
    stock(shop, count)

    with django_assert_num_queries(PUBLIC_LIST_QUERIES):
        response = api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/", {"page_size": 30})

    assert response.status_code == 200
    assert response.json()["count"] == count
    assert [item["primary_image"]["sort_order"] for item in response.json()["results"]] == [1] * count
    assert [item["has_variants"] for item in response.json()["results"]] == [True] * count


@pytest.mark.parametrize("count", [1, 30])
def test_shop_page_queries_do_not_grow_with_the_products(api_client, shop, django_assert_num_queries, count) -> None:
    stock(shop, count)

    # Shop with its featured categories; products with category, shop, primary photo and whether they have
    # variants: the shop page embeds grid cards, no variants.
    with django_assert_num_queries(2):
        response = api_client.get(f"/api/v1/shops/slug/{shop.slug}/")

    assert response.status_code == 200
    assert [(len(p["images"]), p["has_variants"]) for p in response.json()["products"]] == [(1, True)] * count


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
