"""Logout (this token, or every token), and public endpoints that ignore a token they cannot use."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import auth_token_issue
from accounts.tests.bodies import (
    CSRF_URL,
    INVALID_TOKEN,
    LOGOUT_ALL_URL,
    LOGOUT_URL,
    ME_URL,
    NOT_AUTHENTICATED,
    auth_header,
)
from shops.tests.factories import CategoryFactory, ShopFactory

pytestmark = pytest.mark.django_db


def digests(user: User) -> set[str]:
    return set(AuthToken.objects.filter(user=user).values_list("digest", flat=True))


def test_logout_revokes_only_the_token_it_was_sent_with(api_client: APIClient, user: User) -> None:
    used, _ = auth_token_issue(user=user)
    other_device, _ = auth_token_issue(user=user)

    response = api_client.post(LOGOUT_URL, **auth_header(used))

    assert response.status_code == 200
    assert response.json() == {"detail": "Logged out"}
    assert digests(user) == {hash_token(other_device)}
    assert api_client.get(ME_URL, **auth_header(other_device)).status_code == 200


def test_a_logged_out_token_no_longer_authenticates(api_client: APIClient, user: User) -> None:
    token, _ = auth_token_issue(user=user)
    api_client.post(LOGOUT_URL, **auth_header(token))

    response = api_client.get(ME_URL, **auth_header(token))

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_logout_twice_with_the_same_token_is_refused(api_client: APIClient, user: User) -> None:
    token, _ = auth_token_issue(user=user)
    api_client.post(LOGOUT_URL, **auth_header(token))

    response = api_client.post(LOGOUT_URL, **auth_header(token))

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_logout_requires_a_login(api_client: APIClient, user: User) -> None:
    token, _ = auth_token_issue(user=user)

    response = api_client.post(LOGOUT_URL)

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert digests(user) == {hash_token(token)}


def test_logout_all_revokes_every_token_of_the_user_and_no_one_elses(
    api_client: APIClient, user: User, other_user: User
) -> None:
    tokens = [auth_token_issue(user=user)[0] for _ in range(3)]
    others_token, _ = auth_token_issue(user=other_user)

    response = api_client.post(LOGOUT_ALL_URL, **auth_header(tokens[0]))

    assert response.status_code == 200
    assert response.json() == {"detail": "Logged out everywhere", "revoked": 3}
    assert digests(user) == set()
    assert digests(other_user) == {hash_token(others_token)}
    for token in tokens:
        assert api_client.get(ME_URL, **auth_header(token)).json() == INVALID_TOKEN


def test_logout_all_requires_a_login(api_client: APIClient, user: User) -> None:
    token, _ = auth_token_issue(user=user)

    response = api_client.post(LOGOUT_ALL_URL, **auth_header("0" * 64))

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN
    assert digests(user) == {hash_token(token)}


STOREFRONT_URL = "/api/v1/shops/slug/acme/categories/"


@pytest.fixture
def storefront_categories(db: None) -> list[dict[str, object]]:
    """A public shop "acme" with one category; returns what its category list shows."""
    category = CategoryFactory(shop=ShopFactory(slug="acme"), name="Hats", slug="hats")
    return [{"id": category.id, "name": "Hats", "slug": "hats", "description": ""}]


@pytest.mark.parametrize("authorization", ["Token " + "0" * 64, "Token not-a-token", "Token", "Token tökén"])
def test_a_public_endpoint_ignores_an_invalid_token(
    api_client: APIClient, storefront_categories: list[dict[str, object]], authorization: str
) -> None:
    response = api_client.get(STOREFRONT_URL, HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 200
    assert response.json() == storefront_categories


def test_a_public_endpoint_ignores_an_expired_token(
    api_client: APIClient, storefront_categories: list[dict[str, object]], user: User
) -> None:
    token, _ = auth_token_issue(user=user)
    AuthToken.objects.update(expiry=timezone.now() - timedelta(minutes=1))

    response = api_client.get(STOREFRONT_URL, **auth_header(token))

    assert response.status_code == 200
    assert response.json() == storefront_categories


def test_a_public_endpoint_ignores_a_stale_auth_cookie(
    api_client: APIClient, storefront_categories: list[dict[str, object]], user: User
) -> None:
    token, _ = auth_token_issue(user=user)
    api_client.post(LOGOUT_URL, **auth_header(token))
    api_client.cookies[settings.AUTH_COOKIE] = token

    response = api_client.get(STOREFRONT_URL)

    assert response.status_code == 200
    assert response.json() == storefront_categories


def test_the_csrf_endpoint_ignores_an_invalid_token_and_a_stale_cookie(api_client: APIClient) -> None:
    api_client.cookies[settings.AUTH_COOKIE] = "0" * 64

    with_cookie = api_client.get(CSRF_URL)
    with_header = api_client.get(CSRF_URL, **auth_header("0" * 64))

    assert (with_cookie.status_code, with_header.status_code) == (200, 200)
    assert list(with_cookie.json()) == list(with_header.json()) == ["csrf_token"]
