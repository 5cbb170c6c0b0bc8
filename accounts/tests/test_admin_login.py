"""The admin login shares the API login's throttles; ADMIN_ENABLED and ADMIN_URL decide whether and where the
admin is served."""

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import clear_url_caches

import config.urls
from accounts.tests.bodies import LOGIN_URL
from accounts.tests.factories import PASSWORD, UserFactory
from api.tests.clock import ThrottleClock

pytestmark = pytest.mark.django_db


def admin_post(client: Client, username: str, password: str, path: str = "/admin/login/") -> Any:
    return client.post(path, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR="10.0.2.1")


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff() -> Any:
    return UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True)


def test_the_sixth_wrong_admin_password_is_refused_and_so_is_the_right_one(
    staff: Any, throttle_clock: ThrottleClock
) -> None:
    client = Client()
    for _ in range(5):
        response = admin_post(client, "root", "guess")
        assert response.status_code == 200  # the form again, with its error
        assert "Please enter the correct username and password" in response.content.decode()

    refused = [admin_post(client, "root", "guess"), admin_post(client, "ROOT", PASSWORD)]

    assert [(r.status_code, r["Retry-After"], r["Content-Type"]) for r in refused] == [
        (429, "900", "text/plain"),
        (429, "900", "text/plain"),
    ]
    assert not logged_in(client)

    throttle_clock.advance(900)
    response = admin_post(client, "root", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert logged_in(client)


def test_admin_and_api_guesses_add_up(staff: Any, api_client: Any) -> None:
    for _ in range(3):
        api_client.post(LOGIN_URL, {"identifier": "root@example.com", "password": "guess"}, REMOTE_ADDR="10.0.2.1")
    client = Client()
    assert [admin_post(client, "Root", "guess").status_code for _ in range(3)] == [200, 200, 429]


def test_an_admin_login_does_not_count_as_a_failure(staff: Any) -> None:
    for _ in range(7):
        client = Client()
        assert admin_post(client, "root", PASSWORD).status_code == 302
        assert logged_in(client)


@pytest.fixture
def reload_urls() -> Iterator[Any]:
    """Rebuild the URL map under the settings of the test, and the normal one afterwards."""

    def reload() -> None:
        importlib.reload(config.urls)
        clear_url_caches()

    yield reload
    reload()


def test_admin_disabled_is_not_served(staff: Any, reload_urls: Any) -> None:
    with override_settings(ADMIN_ENABLED=False):
        reload_urls()
        client = Client()
        client.force_login(staff)
        responses = [client.get("/admin/"), client.get("/admin/login/"), admin_post(Client(), "root", PASSWORD)]

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert not any(b"Django administration" in response.content for response in responses)


def test_admin_at_a_configured_path(staff: Any, reload_urls: Any) -> None:
    with override_settings(ADMIN_URL="ops-7f3k2/"):
        reload_urls()
        client = Client()
        moved = admin_post(client, "root", PASSWORD, path="/ops-7f3k2/login/")
        old = Client().get("/admin/login/")
        index = client.get("/ops-7f3k2/")

    assert (moved.status_code, moved["Location"]) == (302, "/admin/")  # `next` as posted
    assert old.status_code == 404
    assert index.status_code == 200
    assert b"Django administration" in index.content
