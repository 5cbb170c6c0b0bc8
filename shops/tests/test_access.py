"""Who may reach the owner's endpoints: nobody anonymous (401), and nobody but the owner (404, as if the
shop, category or product did not exist). A refused request writes nothing."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from shops.models import Category, Product, Shop
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory
from shops.tests.snapshots import catalogue_rows

pytestmark = pytest.mark.django_db


@dataclass
class Owned:
    shop: Shop
    category: Category
    product: Product


@pytest.fixture
def owned(shop: Shop) -> Owned:
    category = CategoryFactory(shop=shop, name="Toys", slug="toys")
    product = ProductFactory(shop=shop, category=category, name="Train", slug="train", price=Decimal("8"))
    return Owned(shop=shop, category=category, product=product)


URLS = {
    "shop": "/api/v1/shops/{shop}/",
    "categories": "/api/v1/shops/{shop}/categories/",
    "category": "/api/v1/shops/{shop}/categories/{category}/",
    "products": "/api/v1/shops/{shop}/products/",
    "product": "/api/v1/shops/{shop}/products/{product}/",
}

# Every owner endpoint and method on one of `owned`'s objects, with a payload that the owner could send.
REQUESTS = [
    ("get", "shop", None),
    ("put", "shop", {"name": "Taken over", "currency": "EUR"}),
    ("patch", "shop", {"name": "Taken over"}),
    ("delete", "shop", None),
    ("get", "categories", None),
    ("post", "categories", {"name": "Planted"}),
    ("get", "category", None),
    ("put", "category", {"name": "Taken over"}),
    ("patch", "category", {"name": "Taken over"}),
    ("delete", "category", None),
    ("get", "products", None),
    ("post", "products", {"name": "Planted", "price": "1"}),
    ("get", "product", None),
    ("put", "product", {"name": "Taken over", "price": "1"}),
    ("patch", "product", {"price": "1"}),
    ("delete", "product", None),
]
REQUEST_IDS = [f"{method} {endpoint}" for method, endpoint, _ in REQUESTS]


def url_of(endpoint: str, owned: Owned) -> str:
    return URLS[endpoint].format(shop=owned.shop.id, category=owned.category.id, product=owned.product.id)


def send(client, method: str, url: str, payload: dict | None):
    return getattr(client, method)(url, payload) if payload is not None else getattr(client, method)(url)


@pytest.mark.parametrize(("method", "endpoint", "payload"), REQUESTS, ids=REQUEST_IDS)
def test_anonymous_requests_are_401_and_write_nothing(api_client, owned, method, endpoint, payload) -> None:
    before = catalogue_rows()

    response = send(api_client, method, url_of(endpoint, owned), payload)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"
    assert catalogue_rows() == before


@pytest.mark.parametrize(("method", "endpoint", "payload"), REQUESTS, ids=REQUEST_IDS)
def test_an_invalid_token_is_401_and_writes_nothing(api_client, owned, method, endpoint, payload) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    before = catalogue_rows()

    response = send(api_client, method, url_of(endpoint, owned), payload)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or expired token."}
    assert catalogue_rows() == before


@pytest.mark.parametrize(("method", "endpoint", "payload"), REQUESTS, ids=REQUEST_IDS)
def test_another_users_requests_are_404_and_write_nothing(other_client, owned, method, endpoint, payload) -> None:
    before = catalogue_rows()

    response = send(other_client, method, url_of(endpoint, owned), payload)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert catalogue_rows() == before


@pytest.mark.parametrize(
    ("method", "endpoint", "payload"),
    [request for request in REQUESTS if request[1] in ("category", "product")],
    ids=[request_id for request_id in REQUEST_IDS if request_id.split()[1] in ("category", "product")],
)
def test_another_user_cannot_reach_an_object_through_their_own_shop(
    other_client, other_shop, owned, method, endpoint, payload
) -> None:
    url = URLS[endpoint].format(shop=other_shop.id, category=owned.category.id, product=owned.product.id)
    before = catalogue_rows()

    response = send(other_client, method, url, payload)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert catalogue_rows() == before


def test_another_user_cannot_file_a_product_under_a_category_of_someone_elses(other_client, other_shop, owned) -> None:
    before = catalogue_rows()

    response = other_client.post(
        f"/api/v1/shops/{other_shop.id}/products/", {"name": "Mine", "price": "1", "category_id": owned.category.id}
    )

    assert response.status_code == 400
    assert response.json() == {"category_id": ["This shop has no category with this id."]}
    assert catalogue_rows() == before


def test_anonymous_shop_list_and_create_are_401(api_client, owned) -> None:
    before = catalogue_rows()

    listed = api_client.get("/api/v1/shops/")
    created = api_client.post("/api/v1/shops/", {"name": "Planted"})

    assert [listed.status_code, created.status_code] == [401, 401]
    assert catalogue_rows() == before


def test_another_user_sees_only_their_own_shops(other_client, owned, other_user) -> None:
    theirs = ShopFactory(owner=other_user)

    response = other_client.get("/api/v1/shops/")

    assert response.status_code == 200
    assert [shop["id"] for shop in response.json()] == [theirs.id]
