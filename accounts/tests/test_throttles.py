"""Login is throttled per account identifier and per client address, registration per address."""

from typing import Any

import pytest
from django.conf import settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.bodies import INVALID_CREDENTIALS, LOGIN_URL, REGISTER_URL
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.throttles import LoginIdentifierThrottle

pytestmark = pytest.mark.django_db


def address(n: int) -> dict[str, str]:
    return {"REMOTE_ADDR": f"10.0.0.{n}"}


def throttled_body(seconds: int) -> dict[str, str]:
    return {"detail": f"Request was throttled. Expected available in {seconds} seconds."}


def test_throttle_rates_are_the_documented_defaults() -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {
        "login_client": "20/min",
        "login_identifier": "5/min",
        "register": "10/hour",
        "cart": "120/min",
        "checkout": "10/min",
    }


def test_login_is_throttled_per_identifier_from_any_address(
    api_client: APIClient, frozen_throttle_clock: float
) -> None:
    UserFactory(username="bob", email="bob@example.com")
    # The identifier is counted without regard to case or surrounding spaces.
    for n, identifier in enumerate(["bob", "BOB", " Bob ", "bob", "bOb"]):
        response = api_client.post(LOGIN_URL, {"identifier": identifier, "password": "guess"}, **address(n))
        assert response.status_code == 400

    # The right password, from an address never seen before, does not get through either.
    response = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD}, **address(99))

    assert response.status_code == 429
    assert response.json() == throttled_body(60)
    assert response["Retry-After"] == "60"
    assert AuthToken.objects.count() == 0


def test_identifier_throttle_leaves_other_accounts_alone(api_client: APIClient) -> None:
    UserFactory(username="alice", email="alice@example.com")
    for _ in range(5):
        api_client.post(LOGIN_URL, {"identifier": "bob", "password": "guess"})

    response = api_client.post(LOGIN_URL, {"identifier": "alice", "password": PASSWORD})

    assert response.status_code == 200
    assert AuthToken.objects.count() == 1


def test_login_is_throttled_per_client_address_whatever_the_account(
    api_client: APIClient, frozen_throttle_clock: float
) -> None:
    UserFactory(username="bob", email="bob@example.com")
    for n in range(20):
        response = api_client.post(LOGIN_URL, {"identifier": f"someone{n}", "password": "guess"}, **address(1))
        assert response.status_code == 400
        assert response.json() == INVALID_CREDENTIALS

    throttled = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD}, **address(1))
    elsewhere = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD}, **address(2))

    assert throttled.status_code == 429
    assert throttled.json() == throttled_body(60)
    assert throttled["Retry-After"] == "60"
    assert elsewhere.status_code == 200
    assert AuthToken.objects.count() == 1


def test_login_throttle_follows_the_configured_rate(api_client: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF reads the rates when the throttle class is defined, so override_settings would not reach it.
    rates = {**LoginIdentifierThrottle.THROTTLE_RATES, "login_identifier": "2/min"}
    monkeypatch.setattr(LoginIdentifierThrottle, "THROTTLE_RATES", rates)
    UserFactory(username="bob", email="bob@example.com")
    for _ in range(2):
        assert api_client.post(LOGIN_URL, {"identifier": "bob", "password": "guess"}).status_code == 400

    response = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD})

    assert response.status_code == 429
    assert AuthToken.objects.count() == 0


def test_register_is_throttled_per_client_address(api_client: APIClient, frozen_throttle_clock: float) -> None:
    for n in range(10):
        # Invalid requests count too: the throttle runs before the input is read.
        response = api_client.post(REGISTER_URL, {"username": f"user{n}"}, **address(1))
        assert response.status_code == 400

    account: dict[str, Any] = {"username": "margaret", "email": "margaret@example.com", "password": PASSWORD}
    throttled = api_client.post(REGISTER_URL, account, **address(1))

    assert throttled.status_code == 429
    assert throttled.json() == throttled_body(3600)
    assert throttled["Retry-After"] == "3600"
    assert User.objects.count() == 0
    assert AuthToken.objects.count() == 0

    elsewhere = api_client.post(REGISTER_URL, account, **address(2))
    assert elsewhere.status_code == 201
    assert list(User.objects.values_list("username", flat=True)) == ["margaret"]


def test_identifier_throttle_counts_a_numeric_identifier_sent_as_a_json_number(
    api_client: APIClient, frozen_throttle_clock: float
) -> None:
    """Login reads `12345` and `"12345"` as the same username, so the throttle must count them together."""
    UserFactory(username="12345", email="numbers@example.com")
    for n in range(5):
        identifier: Any = 12345 if n % 2 else "12345"
        response = api_client.post(LOGIN_URL, {"identifier": identifier, "password": "guess"}, **address(n))
        assert response.status_code == 400

    response = api_client.post(LOGIN_URL, {"identifier": 12345, "password": PASSWORD}, **address(99))

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert AuthToken.objects.count() == 0
