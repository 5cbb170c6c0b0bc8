"""GET and PATCH /api/v1/auth/me/: the logged-in user, and the profile fields they may change."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import auth_token_issue
from accounts.tests.bodies import INVALID_TOKEN, ME_URL, NOT_AUTHENTICATED, auth_header, user_body
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def profile(user: User) -> dict[str, Any]:
    user.refresh_from_db()
    return {
        field: getattr(user, field)
        for field in ("username", "email", "first_name", "last_name", "account_type", "is_staff", "is_superuser")
    }


# GET


def test_me_answers_the_user_of_the_token(owner_client: APIClient, user: User, other_user: User) -> None:
    response = owner_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {"user": user_body(user)}


def test_me_requires_a_login(api_client: APIClient) -> None:
    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "authorization",
    ["Token not-a-token", "Token " + "0" * 64, "Token", "Token two parts", "token not-a-token"],
    ids=["unknown", "unknown-hex", "no-token", "spaces", "lower-case-prefix"],
)
def test_me_with_an_invalid_token_says_the_token_is_invalid(
    api_client: APIClient, user: User, authorization: str
) -> None:
    auth_token_issue(user=user)

    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN
    assert response["WWW-Authenticate"] == "Token"
    assert AuthToken.objects.count() == 1


def test_me_with_a_token_of_characters_outside_ascii_says_the_token_is_invalid(api_client: APIClient) -> None:
    response = api_client.get(ME_URL, HTTP_AUTHORIZATION="Token tökén")

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_me_with_another_scheme_is_anonymous(api_client: APIClient) -> None:
    response = api_client.get(ME_URL, HTTP_AUTHORIZATION="Bearer abc")

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_me_with_an_expired_token_says_the_token_is_invalid(api_client: APIClient, user: User) -> None:
    token, _ = auth_token_issue(user=user)
    assert api_client.get(ME_URL, **auth_header(token)).status_code == 200
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))

    response = api_client.get(ME_URL, **auth_header(token))

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN
    # knox deletes an expired token when it is presented.
    assert AuthToken.objects.count() == 0


def test_me_token_expires_after_the_configured_lifetime(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch, frozen_now: datetime, settings: Any
) -> None:
    token, expiry = auth_token_issue(user=user)
    assert expiry == frozen_now + settings.AUTH_TOKEN_TTL
    monkeypatch.setattr("django.utils.timezone.now", lambda: expiry - timedelta(microseconds=1))
    assert api_client.get(ME_URL, **auth_header(token)).status_code == 200

    monkeypatch.setattr("django.utils.timezone.now", lambda: expiry + timedelta(microseconds=1))
    response = api_client.get(ME_URL, **auth_header(token))

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN
    assert AuthToken.objects.count() == 0


def test_me_refuses_the_token_of_a_deactivated_user(api_client: APIClient, user: User) -> None:
    token, _ = auth_token_issue(user=user)
    User.objects.filter(id=user.id).update(is_active=False)

    response = api_client.get(ME_URL, **auth_header(token))

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


# PATCH


def test_patch_me_changes_the_profile_fields(owner_client: APIClient, user: User) -> None:
    email = user.email
    response = owner_client.patch(
        ME_URL, {"first_name": "Ada", "last_name": "Lovelace", "username": "ada", "email": "Ada@Example.com"}
    )

    assert response.status_code == 200
    # The new address waits for its confirmation (test_email_verification.py); the rest is set at once.
    assert profile(user) == {
        "username": "ada",
        "email": email,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "account_type": "free",
        "is_staff": False,
        "is_superuser": False,
    }
    assert response.json() == {"user": user_body(user)}
    assert response.json()["user"]["pending_email"] == "Ada@example.com"


def test_patch_me_changes_only_the_fields_sent(owner_client: APIClient, user: User) -> None:
    before = profile(user)

    response = owner_client.patch(ME_URL, {"last_name": "Lovelace"})

    assert response.status_code == 200
    assert profile(user) == {**before, "last_name": "Lovelace"}


def test_patch_me_can_clear_the_names(owner_client: APIClient, user: User) -> None:
    User.objects.filter(id=user.id).update(first_name="Ada", last_name="Lovelace")

    response = owner_client.patch(ME_URL, {"first_name": "", "last_name": ""})

    assert response.status_code == 200
    assert (response.json()["user"]["first_name"], response.json()["user"]["last_name"]) == ("", "")
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("", "")


def test_patch_me_may_change_the_case_of_the_own_username(owner_client: APIClient, user: User) -> None:
    response = owner_client.patch(ME_URL, {"username": user.username.upper()})

    assert response.status_code == 200
    assert profile(user)["username"] == user.username.upper()


def test_patch_me_ignores_fields_that_are_not_in_the_profile(owner_client: APIClient, user: User) -> None:
    before = profile(user)
    user_id, password_hash, date_joined = user.id, user.password, user.date_joined

    response = owner_client.patch(
        ME_URL,
        {
            "id": user_id + 100,
            "account_type": "enterprise",
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "password": "a-new-passw0rd!",
            "date_joined": "2000-01-01T00:00:00Z",
        },
    )

    assert response.status_code == 200
    assert response.json() == {"user": user_body(user)}
    user.refresh_from_db()
    assert profile(user) == before
    assert (user.id, user.password, user.date_joined, user.is_active) == (user_id, password_hash, date_joined, True)
    assert user.check_password(PASSWORD) is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "BOB", "A user with that username already exists."),
        ("email", "bob@X.COM", "A user with that email already exists."),
    ],
)
def test_patch_me_rejects_a_username_or_email_taken_in_another_case(
    owner_client: APIClient, user: User, field: str, value: str, message: str
) -> None:
    UserFactory(username="Bob", email="BOB@x.com")
    before = profile(user)

    response = owner_client.patch(ME_URL, {field: value, "first_name": "Changed"})

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert profile(user) == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"username": "ada@home"},
            {"username": ["Enter a valid username: letters, digits and . + - _ only (no @ or spaces)."]},
        ),
        ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"email": ""}, {"email": ["This field may not be blank."]}),
        ({"username": ""}, {"username": ["This field may not be blank."]}),
        ({"first_name": "x" * 151}, {"first_name": ["Ensure this field has no more than 150 characters."]}),
    ],
    ids=["username-with-at", "invalid-email", "blank-email", "blank-username", "long-first-name"],
)
def test_patch_me_rejects_invalid_values(
    owner_client: APIClient, user: User, body: dict[str, str], errors: dict[str, list[str]]
) -> None:
    before = profile(user)

    response = owner_client.patch(ME_URL, {**body, "last_name": "Changed"})

    assert response.status_code == 400
    assert response.json() == errors
    assert profile(user) == before


def test_patch_me_requires_a_login(api_client: APIClient, user: User) -> None:
    before = profile(user)

    response = api_client.patch(ME_URL, {"first_name": "Ada"})

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert profile(user) == before
