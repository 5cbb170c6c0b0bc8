"""Errors that escape the views are JSON, not HTML pages."""

from unittest import mock

import pytest
from rest_framework.test import APIClient

from accounts.tests.clients import client_for


@pytest.mark.django_db
def test_an_unhandled_error_is_a_json_500(user) -> None:
    client: APIClient = client_for(user)
    client.raise_request_exception = False
    with mock.patch("shops.selectors.shop_list_for_owner", side_effect=RuntimeError("boom")):
        response = client.get("/api/v1/shops/")
    assert response.status_code == 500
    assert response.json() == {"error": "Server Error (500)"}


@pytest.mark.django_db
def test_errors_answered_outside_the_views_are_the_same_bytes_as_a_views() -> None:
    """A handler or middleware renders its JSON like DRF's views do (compact), so clients and tests that
    compare bodies see one form, inside the views or out."""
    client = APIClient()

    unknown_route = client.get("/api/v1/no-such-route/")
    unknown_shop = client.get("/api/v1/shops/slug/no-such-shop/")
    null_in_query = client.get("/api/v1/shops/slug/no-such-shop/?q=%00")

    assert (unknown_route.status_code, unknown_route.content) == (404, b'{"detail":"Not found."}')
    assert (unknown_shop.status_code, unknown_shop.content) == (404, b'{"detail":"Not found."}')
    assert (null_in_query.status_code, null_in_query.content) == (
        400,
        b'{"detail":"Null characters are not allowed in the query string."}',
    )
