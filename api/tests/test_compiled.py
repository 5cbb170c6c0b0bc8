"""api.compiled: a query compiled once gives what its queryset gives, for every call's values."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import JSONObject

from api.compiled import CompiledInsert, CompiledQuery
from shops.models import Product, ProductInventoryItem
from shops.tests.factories import ProductFactory, ShopFactory, variant_product

pytestmark = pytest.mark.django_db


def by_products(shop_id: int) -> Any:
    return (
        Product.objects.filter(shop_id=shop_id)
        .select_related("shop__owner")
        .annotate(has_items=Exists(ProductInventoryItem.objects.filter(product=OuterRef("pk"))))
        .order_by("id")
    )


def fields(product: Product) -> tuple[Any, ...]:
    return (
        [(field.attname, getattr(product, field.attname)) for field in Product._meta.concrete_fields],
        [(field.attname, getattr(product.shop, field.attname)) for field in product.shop._meta.concrete_fields],
        product.shop.owner.email,
        product.has_items,  # type: ignore[attr-defined]
    )


def test_runs_give_what_the_queryset_gives_with_related_models_and_annotations(user, other_user) -> None:
    shops = [ShopFactory(owner=user), ShopFactory(owner=other_user)]
    for shop in shops:
        ProductFactory(shop=shop)
        variant_product(shop=shop)
    compiled = CompiledQuery(by_products, shop_id=-1)

    for shop in [*shops, *shops]:  # compiled on the first run, reused after
        got = compiled.run(shop_id=shop.id)
        assert [fields(product) for product in got] == [fields(product) for product in by_products(shop.id)]
        assert {product.has_items for product in got} == {True, False}
    assert compiled.run(shop_id=0) == []


def test_with_the_queryset_s_locks(user, django_assert_num_queries) -> None:
    product = ProductFactory(shop=ShopFactory(owner=user))
    compiled = CompiledQuery(
        lambda product_id: Product.objects.select_for_update().filter(id=product_id), product_id=-1
    )
    with transaction.atomic():
        [locked] = compiled.run(product_id=product.id)
        with django_assert_num_queries(1) as captured:
            compiled.run(product_id=product.id)
    assert locked == product
    assert captured.captured_queries[0]["sql"].endswith("FOR UPDATE")


def test_rows_give_what_values_list_gives_with_converted_columns(user, other_user) -> None:
    def rows_of(shop_slug: str, price: Decimal) -> Any:
        return (
            Product.objects.filter(shop__slug=shop_slug, price__gte=price)
            .annotate(
                has_items=Exists(ProductInventoryItem.objects.filter(product=OuterRef("pk"))),
                # A JSON column: the ORM loads its text (a converter), as rows must too.
                facts=JSONObject(name="name", shop="shop__slug"),
            )
            .order_by("id")
            .values_list("id", "name", "shop__owner__email", "has_items", "facts")
        )

    shops = [ShopFactory(owner=user), ShopFactory(owner=other_user)]
    for shop in shops:
        ProductFactory(shop=shop, price=Decimal("2.00"))
        ProductFactory(shop=shop, price=Decimal("0.50"))
        variant_product(shop=shop)
    compiled = CompiledQuery(rows_of, shop_slug="\x00slug", price=Decimal(-1))

    for shop in [*shops, *shops]:  # compiled on the first run, reused after
        for price in (Decimal(0), Decimal(1)):
            got = compiled.rows(shop_slug=shop.slug, price=price)
            assert got == list(rows_of(shop.slug, price))
            assert {type(row[-1]) for row in got} == {dict}
    assert compiled.rows(shop_slug="no-such-shop", price=Decimal(0)) == []
    with pytest.raises(TypeError, match="call rows"):
        compiled.run(shop_slug=shops[0].slug, price=Decimal(0))


def test_a_stand_in_the_sql_does_not_take_as_given_is_refused(user) -> None:
    # An __in list puts each element in the SQL apart: one stand-in for the whole list is not found there.
    compiled = CompiledQuery(lambda ids: Product.objects.filter(id__in=ids), ids=[-1, -2])
    with pytest.raises(RuntimeError, match="each stand-in once"):
        compiled.run(ids=[1, 2])


def test_an_insert_writes_what_bulk_create_writes(user) -> None:
    shop = ShopFactory(owner=user)
    compiled = CompiledInsert(Product)

    def new(name: str) -> Product:
        return Product(shop=shop, name=name, slug=name, price=Decimal("1.50"), short_description='"<q>" \\ \'')

    def stored(products: list[Product]) -> list[tuple[Any, ...]]:
        rows = Product.objects.filter(id__in=[product.id for product in products]).order_by("id")
        ignored = {"id", "name", "slug", "created_at", "updated_at"}
        return [tuple(v for k, v in row.items() if k not in ignored) for row in rows.values()]

    for run, count in enumerate((1, 3, 3)):  # compiled once per number of rows
        mine = compiled.insert([new(f"mine-{run}-{index}") for index in range(count)])
        theirs = Product.objects.bulk_create([new(f"theirs-{run}-{index}") for index in range(count)])
        assert all(product.pk and not product._state.adding for product in mine)
        assert [product.name for product in Product.objects.filter(id__in=[p.id for p in mine]).order_by("id")] == [
            product.name for product in mine
        ]
        assert stored(mine) == stored(theirs)
        assert all(product.created_at and product.updated_at for product in mine)
    assert compiled.insert([]) == []


def test_an_insert_refuses_an_unsaved_related_object(user) -> None:
    unsaved = ShopFactory.build(owner=user)
    with pytest.raises(ValueError, match="unsaved related object"):
        CompiledInsert(Product).insert([Product(shop=unsaved, name="x", slug="x", price=Decimal(1))])
