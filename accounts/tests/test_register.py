"""POST /api/v1/auth/register/: a new account and its first token, or a 400 naming the field."""

from datetime import datetime
from typing import Any

import pytest
from django.test import override_settings
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from accounts.tests.bodies import ME_URL, REGISTER_URL, auth_header, datetime_text, user_body
from accounts.tests.factories import PASSWORD, UserFactory
from config.settings import base as base_settings

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = {"username": "Margaret", "email": "Margaret@Example.COM", "password": PASSWORD}


def assert_nothing_written(*, users: int = 0) -> None:
    assert User.objects.count() == users
    assert AuthToken.objects.count() == 0


def test_register_creates_the_user_and_answers_with_it_and_a_token(
    api_client: APIClient, frozen_now: datetime, settings: Any
) -> None:
    response = api_client.post(REGISTER_URL, NEW_ACCOUNT)

    assert response.status_code == 201
    user = User.objects.get()
    token = AuthToken.objects.get()
    assert response.json() == {
        "user": {
            "id": user.id,
            "username": "Margaret",
            # The domain is lower-cased, the local part kept as typed.
            "email": "Margaret@example.com",
            "first_name": "",
            "last_name": "",
            "profile_image_url": None,
            "account_type": "free",
            "date_joined": datetime_text(user.date_joined),
            "email_verified": False,
            "pending_email": None,
        },
        "token": response.json()["token"],
        "expiry": datetime_text(frozen_now + settings.AUTH_TOKEN_TTL),
    }
    assert token.user == user
    assert token.digest == hash_token(response.json()["token"])
    assert token.expiry == frozen_now + settings.AUTH_TOKEN_TTL
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, False, False)


def test_register_stores_only_a_hash_of_the_password(api_client: APIClient) -> None:
    api_client.post(REGISTER_URL, NEW_ACCOUNT)

    user = User.objects.get()
    assert user.password.startswith("md5$")  # the test settings' hasher
    assert PASSWORD not in user.password
    assert user.check_password(PASSWORD) is True


def test_register_token_authenticates_the_new_user(api_client: APIClient) -> None:
    token = api_client.post(REGISTER_URL, NEW_ACCOUNT).json()["token"]

    response = APIClient().get(ME_URL, **auth_header(token))

    assert response.status_code == 200
    assert response.json() == {"user": user_body(User.objects.get())}


def test_register_hashes_passwords_with_argon2_in_production(api_client: APIClient) -> None:
    with override_settings(PASSWORD_HASHERS=base_settings.PASSWORD_HASHERS):
        api_client.post(REGISTER_URL, NEW_ACCOUNT)
        user = User.objects.get()

        assert user.password.startswith("argon2$argon2id$")
        assert user.check_password(PASSWORD) is True


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_rejects_a_missing_field(api_client: APIClient, field: str) -> None:
    body = {name: value for name, value in NEW_ACCOUNT.items() if name != field}

    response = api_client.post(REGISTER_URL, body)

    assert response.status_code == 400
    assert response.json() == {field: ["This field is required."]}
    assert_nothing_written()


def test_register_rejects_an_empty_body_naming_every_field(api_client: APIClient) -> None:
    response = api_client.post(REGISTER_URL, {})

    assert response.status_code == 400
    assert response.json() == {
        "username": ["This field is required."],
        "email": ["This field is required."],
        "password": ["This field is required."],
    }
    assert_nothing_written()


def test_register_rejects_an_invalid_email(api_client: APIClient) -> None:
    response = api_client.post(REGISTER_URL, {**NEW_ACCOUNT, "email": "margaret.example.com"})

    assert response.status_code == 400
    assert response.json() == {"email": ["Enter a valid email address."]}
    assert_nothing_written()


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("Xy7!kq", ["This password is too short. It must contain at least 8 characters."]),
        ("password", ["This password is too common."]),
        ("83746592011", ["This password is entirely numeric."]),
        ("Margaret!", ["The password is too similar to the username."]),
        (
            "1234",
            [
                "This password is too short. It must contain at least 8 characters.",
                "This password is too common.",
                "This password is entirely numeric.",
            ],
        ),
    ],
    ids=["short", "common", "numeric", "like-the-username", "everything-wrong"],
)
def test_register_rejects_a_weak_password(api_client: APIClient, password: str, messages: list[str]) -> None:
    response = api_client.post(REGISTER_URL, {**NEW_ACCOUNT, "password": password})

    assert response.status_code == 400
    assert response.json() == {"password": messages}
    assert_nothing_written()


def test_register_rejects_a_username_with_an_at_sign(api_client: APIClient) -> None:
    response = api_client.post(REGISTER_URL, {**NEW_ACCOUNT, "username": "margaret@home"})

    assert response.status_code == 400
    assert response.json() == {
        "username": ["Enter a valid username: letters, digits and . + - _ only (no @ or spaces)."]
    }
    assert_nothing_written()


def test_register_rejects_a_username_with_a_space(api_client: APIClient) -> None:
    response = api_client.post(REGISTER_URL, {**NEW_ACCOUNT, "username": "margaret smith"})

    assert response.status_code == 400
    assert response.json() == {
        "username": ["Enter a valid username: letters, digits and . + - _ only (no @ or spaces)."]
    }
    assert_nothing_written()


@pytest.mark.parametrize("taken", ["Bob", "bob", "BOB"])
def test_register_rejects_a_username_taken_in_another_case(api_client: APIClient, taken: str) -> None:
    UserFactory(username=taken, email="first@example.com")

    response = api_client.post(REGISTER_URL, {**NEW_ACCOUNT, "username": "bOb"})

    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}
    assert_nothing_written(users=1)


@pytest.mark.parametrize("email", ["bob@x.com", "Bob@X.com", "BOB@X.COM"])
def test_register_rejects_an_email_taken_in_another_case(api_client: APIClient, email: str) -> None:
    UserFactory(username="first", email="BOB@x.com")

    response = api_client.post(REGISTER_URL, {**NEW_ACCOUNT, "email": email})

    assert response.status_code == 400
    assert response.json() == {"email": ["A user with that email already exists."]}
    assert_nothing_written(users=1)


def test_register_rejects_a_username_that_normalizes_to_a_taken_one(api_client: APIClient) -> None:
    UserFactory(username="Bob", email="first@example.com")

    # Full-width letters: Unicode normalization (NFKC) makes this "bob".
    response = api_client.post(REGISTER_URL, {**NEW_ACCOUNT, "username": "\uff42\uff4f\uff42"})

    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}
    assert_nothing_written(users=1)


def test_register_names_both_fields_when_username_and_email_are_taken(api_client: APIClient) -> None:
    UserFactory(username="margaret", email="margaret@example.com")

    response = api_client.post(REGISTER_URL, NEW_ACCOUNT)

    assert response.status_code == 400
    assert response.json() == {
        "username": ["A user with that username already exists."],
        "email": ["A user with that email already exists."],
    }
    assert_nothing_written(users=1)


def test_register_losing_a_race_for_the_username_answers_400_not_500(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request creates the account between the check and the insert: the database constraint
    catches it and the answer still names the field."""
    check = services._raise_if_taken
    calls: list[dict[str, Any]] = []

    def check_that_runs_before_the_other_insert(**kwargs: Any) -> None:
        calls.append(kwargs)
        if len(calls) > 1:
            check(**kwargs)

    monkeypatch.setattr(services, "_raise_if_taken", check_that_runs_before_the_other_insert)
    UserFactory(username="MARGARET", email="other@example.com")

    response = api_client.post(REGISTER_URL, NEW_ACCOUNT)

    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}
    assert list(User.objects.values_list("username", flat=True)) == ["MARGARET"]
    assert AuthToken.objects.count() == 0
