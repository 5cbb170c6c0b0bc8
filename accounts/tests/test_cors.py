"""CORS: the frontend may call the auth API with credentials (the cookie); other origins may not."""

from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.tests.bodies import CSRF_URL, LOGIN_URL

pytestmark = pytest.mark.django_db

OTHER_ORIGIN = "https://evil.example"


def preflight(client: APIClient, origin: str) -> Any:
    return client.options(
        LOGIN_URL,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-csrftoken",
    )


def test_preflight_from_the_frontend_allows_credentials(api_client: APIClient) -> None:
    response = preflight(api_client, settings.FRONTEND_URL)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == settings.FRONTEND_URL
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrftoken" in response["Access-Control-Allow-Headers"].split(", ")
    assert "POST" in response["Access-Control-Allow-Methods"].split(", ")


def test_request_from_the_frontend_allows_credentials(api_client: APIClient) -> None:
    response = api_client.get(CSRF_URL, HTTP_ORIGIN=settings.FRONTEND_URL)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == settings.FRONTEND_URL
    assert response["Access-Control-Allow-Credentials"] == "true"


def test_preflight_from_another_origin_is_not_allowed(api_client: APIClient) -> None:
    response = preflight(api_client, OTHER_ORIGIN)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_request_from_another_origin_is_not_allowed(api_client: APIClient) -> None:
    response = api_client.get(CSRF_URL, HTTP_ORIGIN=OTHER_ORIGIN)

    assert "Access-Control-Allow-Origin" not in response
