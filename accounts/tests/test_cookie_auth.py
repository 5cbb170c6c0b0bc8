"""Cookie mode for browser frontends: the token in an httpOnly cookie; unsafe requests only from an allowed
origin (Fetch Metadata, then Origin) or with the double-submit CSRF token."""

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


FROM_FRONTEND = {"HTTP_ORIGIN": settings.FRONTEND_URL, "HTTP_SEC_FETCH_SITE": "same-site"}


def log_in_with_cookie(client: APIClient, user: User) -> str:
    """Logs `client` in in cookie mode from the frontend's page; returns the token the cookie holds."""
    response = client.post(
        LOGIN_URL, {"identifier": user.username, "password": PASSWORD, "cookie": True}, **FROM_FRONTEND
    )
    assert response.status_code == 200
    return response.cookies[settings.AUTH_COOKIE].value


def csrf_header(client: APIClient) -> dict[str, Any]:
    return {"HTTP_X_CSRFTOKEN": client.get(CSRF_URL).json()["csrf_token"]}


def test_cookie_login_sets_an_http_only_cookie_and_leaves_the_token_out_of_the_body(
    browser_client: APIClient, user: User, frozen_now: datetime
) -> None:
    response = browser_client.post(
        LOGIN_URL, {"identifier": user.username, "password": PASSWORD, "cookie": True}, **FROM_FRONTEND
    )

    assert response.status_code == 200
    assert response.json() == {
        "user": user_body(user),
        "expiry": datetime_text(frozen_now + settings.AUTH_TOKEN_TTL),
    }
    cookie = response.cookies[settings.AUTH_COOKIE]
    assert settings.AUTH_COOKIE == "auth_token"
    assert AuthToken.objects.get().digest == hash_token(cookie.value)
    assert (cookie["httponly"], cookie["samesite"], cookie["path"], cookie["secure"]) == (True, "Lax", "/", "")
    assert cookie["domain"] == ""  # this host only, unless AUTH_COOKIE_DOMAIN says otherwise
    assert cookie["max-age"] == int(settings.AUTH_TOKEN_TTL.total_seconds())
    # The CSRF cookie comes with it, for the unsafe requests that follow.
    assert len(response.cookies[settings.CSRF_COOKIE_NAME].value) == CSRF_SECRET_LENGTH


def test_cookie_is_secure_where_the_settings_say_so(browser_client: APIClient, user: User) -> None:
    with override_settings(AUTH_COOKIE_SECURE=True):
        response = browser_client.post(
            LOGIN_URL, {"identifier": user.username, "password": PASSWORD, "cookie": True}, **FROM_FRONTEND
        )

    assert response.cookies[settings.AUTH_COOKIE]["secure"] is True


def test_the_cookie_domain_is_the_one_configured_for_setting_and_clearing(
    browser_client: APIClient, user: User
) -> None:
    with override_settings(AUTH_COOKIE_DOMAIN="example.com"):
        login = browser_client.post(
            LOGIN_URL, {"identifier": user.username, "password": PASSWORD, "cookie": True}, **FROM_FRONTEND
        )
        logout = browser_client.post(LOGOUT_URL, **FROM_FRONTEND)

    assert (login.status_code, logout.status_code) == (200, 200)
    assert login.cookies[settings.AUTH_COOKIE]["domain"] == "example.com"
    assert (logout.cookies[settings.AUTH_COOKIE].value, logout.cookies[settings.AUTH_COOKIE]["domain"]) == (
        "",
        "example.com",
    )


def test_cookie_register_sets_the_cookie_instead_of_answering_the_token(browser_client: APIClient) -> None:
    response = browser_client.post(
        REGISTER_URL,
        {"username": "margaret", "email": "margaret@example.com", "password": PASSWORD, "cookie": True},
        **FROM_FRONTEND,
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

    response = browser_client.post(
        LOGIN_URL, {"identifier": user.username, "password": PASSWORD, "cookie": True}, **FROM_FRONTEND
    )

    assert response.status_code == 200
    assert AuthToken.objects.get().digest == hash_token(response.cookies[settings.AUTH_COOKIE].value)


# Writes by origin (Fetch Metadata, then Origin): what the existing frontend's browser code sends.


def bad_origin(origin: str) -> dict[str, Any]:
    return {"detail": f"CSRF Failed: Origin checking failed - {origin} does not match any trusted origins."}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(FROM_FRONTEND, id="same-site-from-the-frontend"),
        pytest.param({"HTTP_ORIGIN": settings.FRONTEND_URL, "HTTP_SEC_FETCH_SITE": "cross-site"}, id="cross-site"),
        pytest.param({"HTTP_SEC_FETCH_SITE": "same-origin"}, id="same-origin"),
        pytest.param({"HTTP_ORIGIN": settings.FRONTEND_URL}, id="origin-without-fetch-metadata"),
        pytest.param({"HTTP_ORIGIN": "http://testserver"}, id="the-apis-own-origin"),
    ],
)
def test_cookie_write_from_an_allowed_origin_needs_no_csrf_token(
    browser_client: APIClient, user: User, headers: dict[str, Any]
) -> None:
    log_in_with_cookie(browser_client, user)

    response = browser_client.patch(ME_URL, {"first_name": "Ada"}, **headers)

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.first_name == "Ada"


def test_an_extra_cors_origin_is_allowed_as_the_frontend(browser_client: APIClient, user: User) -> None:
    log_in_with_cookie(browser_client, user)

    with override_settings(CORS_ALLOWED_ORIGINS=[settings.FRONTEND_URL, "https://Admin.Example.com:443/"]):
        response = browser_client.patch(
            ME_URL, {"first_name": "Ada"}, HTTP_ORIGIN="https://admin.example.com", HTTP_SEC_FETCH_SITE="cross-site"
        )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("headers", "shown"),
    [
        pytest.param({"HTTP_ORIGIN": "http://localhost:3001", "HTTP_SEC_FETCH_SITE": "same-site"}, None, id="sibling"),
        pytest.param({"HTTP_ORIGIN": "https://evil.example", "HTTP_SEC_FETCH_SITE": "cross-site"}, None, id="cross"),
        pytest.param({"HTTP_SEC_FETCH_SITE": "cross-site"}, "(none)", id="cross-site-without-origin"),
        pytest.param({"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "cross-site"}, None, id="null-origin"),
        pytest.param({"HTTP_ORIGIN": "null"}, None, id="null-origin-without-fetch-metadata"),
        pytest.param({"HTTP_ORIGIN": "http://localhost:3000.evil.example"}, None, id="prefix-of-the-frontend"),
        pytest.param({"HTTP_ORIGIN": "https://localhost:3000"}, None, id="other-scheme"),
    ],
)
def test_cookie_write_from_another_origin_is_refused_even_with_the_csrf_token(
    browser_client: APIClient, user: User, headers: dict[str, Any], shown: str | None
) -> None:
    log_in_with_cookie(browser_client, user)
    token = csrf_header(browser_client)

    response = browser_client.patch(ME_URL, {"first_name": "Ada"}, **headers, **token)

    assert response.status_code == 403
    assert response.json() == bad_origin(shown or headers["HTTP_ORIGIN"])
    user.refresh_from_db()
    assert user.first_name == ""


def test_a_header_token_is_not_checked_for_origin(api_client: APIClient, user: User) -> None:
    token, _ = auth_token_issue(user=user)

    response = api_client.patch(
        ME_URL,
        {"first_name": "Ada"},
        HTTP_ORIGIN="https://evil.example",
        HTTP_SEC_FETCH_SITE="cross-site",
        **auth_header(token),
    )

    assert response.status_code == 200


# Login CSRF: no cross-site request can log a browser in.


def login_body(user: User) -> dict[str, Any]:
    return {"identifier": user.username, "password": PASSWORD, "cookie": True}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGIN": "https://evil.example", "HTTP_SEC_FETCH_SITE": "cross-site"}, id="cross-site"),
        pytest.param({"HTTP_ORIGIN": "http://localhost:3001", "HTTP_SEC_FETCH_SITE": "same-site"}, id="sibling"),
        pytest.param({"HTTP_ORIGIN": "https://evil.example"}, id="origin-only"),
    ],
)
def test_cookie_login_and_register_from_another_origin_set_no_cookie(
    browser_client: APIClient, user: User, headers: dict[str, Any]
) -> None:
    login = browser_client.post(LOGIN_URL, login_body(user), **headers)
    register = browser_client.post(
        REGISTER_URL,
        {"username": "mallory", "email": "mallory@example.com", "password": PASSWORD, "cookie": True},
        **headers,
    )

    for response in (login, register):
        assert response.status_code == 403
        assert response.json() == bad_origin(headers["HTTP_ORIGIN"])
        assert settings.AUTH_COOKIE not in response.cookies
    assert AuthToken.objects.count() == 0
    assert list(User.objects.values_list("username", flat=True)) == [user.username]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "identifier={u}&password={p}&cookie=true"),
        (
            "multipart/form-data; boundary=b",
            '--b\r\nContent-Disposition: form-data; name="cookie"\r\n\r\ntrue\r\n--b--',
        ),
        ("text/plain", '{{"identifier": "{u}", "password": "{p}", "cookie": true, "x": "="}}'),
    ],
)
def test_a_cross_site_form_cannot_log_a_browser_in(
    browser_client: APIClient, user: User, content_type: str, body: str
) -> None:
    # What an HTML form on another site can send: only these three types, and no custom header.
    response = browser_client.generic(
        "POST",
        LOGIN_URL,
        body.format(u=user.username, p=PASSWORD),
        content_type=content_type,
        HTTP_ORIGIN="https://evil.example",
        HTTP_SEC_FETCH_SITE="cross-site",
    )

    assert response.status_code == 415
    assert response.json() == {"detail": f'Unsupported media type "{content_type}" in request.'}
    assert settings.AUTH_COOKIE not in response.cookies
    assert AuthToken.objects.count() == 0


def test_cookie_login_with_neither_origin_nor_csrf_token_is_refused(browser_client: APIClient, user: User) -> None:
    response = browser_client.post(LOGIN_URL, login_body(user))

    assert (response.status_code, response.json()) == (403, {"detail": "CSRF Failed: CSRF cookie not set."})
    assert AuthToken.objects.count() == 0


def test_cookie_login_with_the_csrf_token_and_no_origin_succeeds(browser_client: APIClient, user: User) -> None:
    response = browser_client.post(LOGIN_URL, login_body(user), **csrf_header(browser_client))

    assert response.status_code == 200
    assert AuthToken.objects.get().digest == hash_token(response.cookies[settings.AUTH_COOKIE].value)


def test_login_without_the_cookie_flag_answers_the_token_whatever_the_origin(
    browser_client: APIClient, user: User
) -> None:
    # Nothing is set in the browser: the token is in a body that another origin cannot read (CORS).
    response = browser_client.post(
        LOGIN_URL,
        {"identifier": user.username, "password": PASSWORD},
        HTTP_ORIGIN="https://evil.example",
        HTTP_SEC_FETCH_SITE="cross-site",
    )

    assert response.status_code == 200
    assert settings.AUTH_COOKIE not in response.cookies
    assert "Access-Control-Allow-Origin" not in response
