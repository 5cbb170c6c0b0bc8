"""Plans: the limits in one place, GET /api/v1/auth/plan/, and shop/product creates refused past the limit,
also when two creates race for the last slot."""

import threading
from typing import Any

import pytest
from django.db import connection

from accounts.models import User
from accounts.plans import LIMITS, PlanLimits, limits_of, plan_of
from accounts.tests.clients import client_for
from shops.models import Product, Shop
from shops.tests.factories import ProductFactory, ShopFactory

PLAN_URL = "/api/v1/auth/plan/"


def set_plan(user: User, plan: str) -> None:
    user.account_type = plan
    user.save(update_fields=["account_type"])


def test_the_limits_of_each_plan() -> None:
    limits = dict(LIMITS)

    assert limits == {
        "free": PlanLimits(max_shops=1, max_products_per_shop=20),
        "pro": PlanLimits(max_shops=5, max_products_per_shop=100),
        "enterprise": PlanLimits(max_shops=None, max_products_per_shop=None),
    }


@pytest.mark.parametrize("account_type", ["", "paid", "PRO", "unknown"])
def test_defect_20_an_empty_or_unknown_plan_is_free_not_unlimited(account_type) -> None:
    user = User(account_type=account_type)

    assert (plan_of(user), limits_of(user)) == ("free", PlanLimits(max_shops=1, max_products_per_shop=20))


@pytest.mark.django_db
def test_plan_endpoint_gives_plan_limits_and_usage(owner_client, user) -> None:
    set_plan(user, "pro")
    first, second = ShopFactory(owner=user), ShopFactory(owner=user)
    ProductFactory.create_batch(3, shop=first)
    ShopFactory()  # someone else's

    response = owner_client.get(PLAN_URL)

    assert response.status_code == 200
    assert response.json() == {
        "plan": "pro",
        "limits": {"max_shops": 5, "max_products_per_shop": 100},
        "usage": {"shops": 2, "products_per_shop": {str(first.id): 3, str(second.id): 0}},
    }


@pytest.mark.django_db
def test_plan_endpoint_shows_unlimited_as_null(owner_client, user) -> None:
    set_plan(user, "enterprise")

    response = owner_client.get(PLAN_URL)

    assert response.json() == {
        "plan": "enterprise",
        "limits": {"max_shops": None, "max_products_per_shop": None},
        "usage": {"shops": 0, "products_per_shop": {}},
    }


@pytest.mark.django_db
def test_defect_1_plan_endpoint_requires_a_login(api_client) -> None:
    response = api_client.get(PLAN_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.django_db
def test_a_free_user_gets_one_shop_then_the_frontends_400(owner_client, user) -> None:
    assert owner_client.post("/api/v1/shops/", {"name": "First"}).status_code == 201

    response = owner_client.post("/api/v1/shops/", {"name": "Second"})

    assert response.status_code == 400
    assert response.json() == {"detail": "Shop limit reached for your plan ('free').", "max_shops": 1}
    assert list(Shop.objects.values_list("name", flat=True)) == ["First"]


@pytest.mark.django_db
def test_a_free_shop_takes_twenty_products_then_the_frontends_400(owner_client, user) -> None:
    shop = ShopFactory(owner=user)
    ProductFactory.create_batch(20, shop=shop)

    response = owner_client.post(f"/api/v1/shops/{shop.id}/products/", {"name": "One more", "price": "1"})

    assert response.status_code == 400
    assert response.json() == {"detail": "Product limit reached for your plan ('free').", "max_products": 20}
    assert Product.objects.count() == 20


@pytest.mark.django_db
def test_defect_20_after_a_downgrade_nothing_more_can_be_created(owner_client, user) -> None:
    set_plan(user, "pro")
    shops = ShopFactory.create_batch(3, owner=user)
    ProductFactory.create_batch(25, shop=shops[0])
    set_plan(user, "free")

    shop_response = owner_client.post("/api/v1/shops/", {"name": "Fourth"})
    product_response = owner_client.post(f"/api/v1/shops/{shops[0].id}/products/", {"name": "More", "price": "1"})

    assert (shop_response.status_code, product_response.status_code) == (400, 400)
    assert (Shop.objects.count(), Product.objects.count()) == (3, 25)
    # What exists stays usable: a product can still be edited.
    product = Product.objects.first()
    assert product is not None
    edit = owner_client.patch(f"/api/v1/shops/{shops[0].id}/products/{product.id}/", {"name": "Renamed"})
    assert edit.status_code == 200


@pytest.mark.django_db
def test_the_pro_plan_allows_five_shops(owner_client, user) -> None:
    set_plan(user, "pro")
    ShopFactory.create_batch(4, owner=user)

    assert owner_client.post("/api/v1/shops/", {"name": "Fifth"}).status_code == 201
    sixth = owner_client.post("/api/v1/shops/", {"name": "Sixth"})
    assert sixth.json() == {"detail": "Shop limit reached for your plan ('pro').", "max_shops": 5}


def post_together(clients: list, url: str, payloads: list[dict[str, Any]]) -> list[Any]:
    """POST from one thread per client, all released at the same moment."""
    barrier = threading.Barrier(len(clients), timeout=10)
    responses: list[Any] = [None] * len(clients)

    def post(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = clients[index].post(url, payloads[index])
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


@pytest.mark.django_db(transaction=True)
def test_defect_19_two_concurrent_shop_creates_cannot_both_take_the_last_slot(user) -> None:
    clients = [client_for(user) for _ in range(4)]

    responses = post_together(clients, "/api/v1/shops/", [{"name": f"Shop {n}"} for n in range(4)])

    assert sorted(response.status_code for response in responses) == [201, 400, 400, 400]
    assert Shop.objects.filter(owner=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_defect_19_two_concurrent_product_creates_cannot_both_take_the_last_slot(user) -> None:
    shop = ShopFactory(owner=user)
    ProductFactory.create_batch(19, shop=shop)
    clients = [client_for(user) for _ in range(4)]

    responses = post_together(
        clients, f"/api/v1/shops/{shop.id}/products/", [{"name": f"Last {n}", "price": "1"} for n in range(4)]
    )

    assert sorted(response.status_code for response in responses) == [201, 400, 400, 400]
    refused = [response.json() for response in responses if response.status_code == 400]
    assert refused == [{"detail": "Product limit reached for your plan ('free').", "max_products": 20}] * 3
    assert Product.objects.filter(shop=shop).count() == 20
