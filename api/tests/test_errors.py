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
