"""Cookie mode for browser frontends: the token in an httpOnly cookie, and CSRF on unsafe requests."""

from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.middleware.csrf import CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH
from django.test import override_settings
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import auth_token_issue
from accounts.tests.bodies import (
    CSRF_URL,
    INVALID_TOKEN,
    LOGIN_URL,
    LOGOUT_ALL_URL,
    LOGOUT_URL,
    ME_URL,
    NOT_AUTHENTICATED,
    PASSWORD_CHANGE_URL,
    REGISTER_URL,
    auth_header,
    datetime_text,
    user_body,
)
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CSRF_MISSING = {"detail": "CSRF Failed: CSRF token missing."}


def log_in_with_cookie(client: APIClient, user: User) -> str:
    """Logs `client` in in cookie mode; returns the token the cookie holds."""
    response = client.post(LOGIN_URL, {"identifier": user.username, "password": PASSWORD, "cookie": True})
    assert response.status_code == 200
    return response.cookies[settings.AUTH_COOKIE].value


def csrf_header(client: APIClient) -> dict[str, str]:
    return {"HTTP_X_CSRFTOKEN": client.get(CSRF_URL).json()["csrf_token"]}


def test_cookie_login_sets_an_http_only_cookie_and_leaves_the_token_out_of_the_body(
    browser_client: APIClient, user: User, frozen_now: datetime
) -> None:
    response = browser_client.post(LOGIN_URL, {"identifier": user.username, "password": PASSWORD, "cookie": True})

    assert response.status_code == 200
    assert response.json() == {
        "user": user_body(user),
        "expiry": datetime_text(frozen_now + settings.AUTH_TOKEN_TTL),
    }
    cookie = response.cookies[settings.AUTH_COOKIE]
    assert settings.AUTH_COOKIE == "auth_token"
    assert AuthToken.objects.get().digest == hash_token(cookie.value)
    assert (cookie["httponly"], cookie["samesite"], cookie["path"], cookie["secure"]) == (True, "Lax", "/", "")
    assert cookie["max-age"] == int(settings.AUTH_TOKEN_TTL.total_seconds())
    # The CSRF cookie comes with it, for the unsafe requests that follow.
    assert len(response.cookies[settings.CSRF_COOKIE_NAME].value) == CSRF_SECRET_LENGTH


def test_cookie_is_secure_where_the_settings_say_so(browser_client: APIClient, user: User) -> None:
    with override_settings(AUTH_COOKIE_SECURE=True):
        response = browser_client.post(LOGIN_URL, {"identifier": user.username, "password": PASSWORD, "cookie": True})

    assert response.cookies[settings.AUTH_COOKIE]["secure"] is True


def test_cookie_register_sets_the_cookie_instead_of_answering_the_token(browser_client: APIClient) -> None:
    response = browser_client.post(
        REGISTER_URL, {"username": "margaret", "email": "margaret@example.com", "password": PASSWORD, "cookie": True}
    )

    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {"user": user_body(user), "expiry": datetime_text(AuthToken.objects.get().expiry)}
    assert AuthToken.objects.get().digest == hash_token(response.cookies[settings.AUTH_COOKIE].value)
    assert browser_client.get(ME_URL).json() == {"user": user_body(user)}


def test_the_cookie_alone_authenticates(browser_client: APIClient, user: User) -> None:
    log_in_with_cookie(browser_client, user)

    response = browser_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {"user": user_body(user)}


def test_an_invalid_cookie_on_a_protected_endpoint_says_the_token_is_invalid(browser_client: APIClient) -> None:
    browser_client.cookies[settings.AUTH_COOKIE] = "0" * 64

    response = browser_client.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_a_header_token_wins_over_the_cookie(browser_client: APIClient, user: User, other_user: User) -> None:
    log_in_with_cookie(browser_client, user)
    others_token, _ = auth_token_issue(user=other_user)

    response = browser_client.get(ME_URL, **auth_header(others_token))

    assert response.json() == {"user": user_body(other_user)}


def test_a_header_token_needs_no_csrf_token_even_with_a_cookie_present(browser_client: APIClient, user: User) -> None:
    token = log_in_with_cookie(browser_client, user)

    response = browser_client.patch(ME_URL, {"first_name": "Ada"}, **auth_header(token))

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.first_name == "Ada"


def test_csrf_endpoint_answers_a_token_and_sets_the_csrf_cookie(browser_client: APIClient) -> None:
    response = browser_client.get(CSRF_URL)

    assert response.status_code == 200
    assert list(response.json()) == ["csrf_token"]
    assert len(response.json()["csrf_token"]) == CSRF_TOKEN_LENGTH
    assert len(response.cookies[settings.CSRF_COOKIE_NAME].value) == CSRF_SECRET_LENGTH


def test_cookie_patch_without_a_csrf_token_is_forbidden(browser_client: APIClient, user: User) -> None:
    log_in_with_cookie(browser_client, user)

    response = browser_client.patch(ME_URL, {"first_name": "Ada"})

    assert response.status_code == 403
    assert response.json() == CSRF_MISSING
    user.refresh_from_db()
    assert user.first_name == ""


def test_cookie_patch_with_a_wrong_csrf_token_is_forbidden(browser_client: APIClient, user: User) -> None:
    log_in_with_cookie(browser_client, user)

    response = browser_client.patch(ME_URL, {"first_name": "Ada"}, HTTP_X_CSRFTOKEN="x" * CSRF_TOKEN_LENGTH)

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."}
    user.refresh_from_db()
    assert user.first_name == ""


def test_cookie_patch_with_the_csrf_token_succeeds(browser_client: APIClient, user: User) -> None:
    log_in_with_cookie(browser_client, user)

    response = browser_client.patch(ME_URL, {"first_name": "Ada"}, **csrf_header(browser_client))

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.first_name == "Ada"
    assert response.json() == {"user": user_body(user)}


def test_cookie_patch_from_the_frontend_origin_succeeds(browser_client: APIClient, user: User) -> None:
    log_in_with_cookie(browser_client, user)

    response = browser_client.patch(
        ME_URL, {"first_name": "Ada"}, HTTP_ORIGIN=settings.FRONTEND_URL, **csrf_header(browser_client)
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.first_name == "Ada"


def test_cookie_patch_from_another_origin_is_forbidden_even_with_the_csrf_token(
    browser_client: APIClient, user: User
) -> None:
    log_in_with_cookie(browser_client, user)

    response = browser_client.patch(
        ME_URL, {"first_name": "Ada"}, HTTP_ORIGIN="https://evil.example", **csrf_header(browser_client)
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."
    }
    user.refresh_from_db()
    assert user.first_name == ""


def test_cookie_logout_without_a_csrf_token_is_forbidden(browser_client: APIClient, user: User) -> None:
    token = log_in_with_cookie(browser_client, user)

    response = browser_client.post(LOGOUT_URL)

    assert response.status_code == 403
    assert response.json() == CSRF_MISSING
    assert list(AuthToken.objects.values_list("digest", flat=True)) == [hash_token(token)]


def test_cookie_logout_revokes_the_token_and_clears_the_cookie(browser_client: APIClient, user: User) -> None:
    token = log_in_with_cookie(browser_client, user)

    response = browser_client.post(LOGOUT_URL, **csrf_header(browser_client))

    assert response.status_code == 200
    assert response.json() == {"detail": "Logged out"}
    cookie = response.cookies[settings.AUTH_COOKIE]
    assert (cookie.value, cookie["max-age"], cookie["expires"]) == ("", 0, "Thu, 01 Jan 1970 00:00:00 GMT")
    assert AuthToken.objects.count() == 0
    assert browser_client.get(ME_URL).json() == NOT_AUTHENTICATED
    browser_client.cookies[settings.AUTH_COOKIE] = token
    assert browser_client.get(ME_URL).json() == INVALID_TOKEN


def test_cookie_logout_all_revokes_every_token_and_clears_the_cookie(browser_client: APIClient, user: User) -> None:
    log_in_with_cookie(browser_client, user)
    auth_token_issue(user=user)

    response = browser_client.post(LOGOUT_ALL_URL, **csrf_header(browser_client))

    assert response.status_code == 200
    assert response.json() == {"detail": "Logged out everywhere", "revoked": 2}
    assert response.cookies[settings.AUTH_COOKIE].value == ""
    assert AuthToken.objects.count() == 0


def test_cookie_password_change_keeps_the_cookie_session(browser_client: APIClient, user: User) -> None:
    token = log_in_with_cookie(browser_client, user)
    auth_token_issue(user=user)
    body: dict[str, Any] = {"current_password": PASSWORD, "new_password": "another-Strong-passw0rd?"}

    response = browser_client.post(PASSWORD_CHANGE_URL, body, **csrf_header(browser_client))

    assert response.status_code == 200
    assert response.json() == {"detail": "Password changed", "revoked": 1}
    assert list(AuthToken.objects.values_list("digest", flat=True)) == [hash_token(token)]
    assert browser_client.get(ME_URL).status_code == 200


def test_a_stale_cookie_does_not_block_logging_in_again(browser_client: APIClient, user: User) -> None:
    browser_client.cookies[settings.AUTH_COOKIE] = "0" * 64

    response = browser_client.post(LOGIN_URL, {"identifier": user.username, "password": PASSWORD, "cookie": True})

    assert response.status_code == 200
    assert AuthToken.objects.get().digest == hash_token(response.cookies[settings.AUTH_COOKIE].value)
