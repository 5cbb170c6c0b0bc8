"""POST /api/v1/auth/password/change/: a new password, and every other session logged out."""

import pytest
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import auth_token_issue
from accounts.tests.bodies import (
    INVALID_CREDENTIALS,
    INVALID_TOKEN,
    LOGIN_URL,
    ME_URL,
    NOT_AUTHENTICATED,
    PASSWORD_CHANGE_URL,
    auth_header,
)
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Strong-passw0rd?"


@pytest.fixture
def sessions(user: User) -> list[str]:
    """Three tokens of `user`: the first changes the password, the others are other devices."""
    return [auth_token_issue(user=user)[0] for _ in range(3)]


def assert_nothing_changed(user: User, sessions: list[str]) -> None:
    user.refresh_from_db()
    assert user.check_password(PASSWORD) is True
    assert set(AuthToken.objects.values_list("digest", flat=True)) == {hash_token(token) for token in sessions}


def test_password_change_sets_the_new_password_and_logs_out_other_sessions(
    api_client: APIClient, user: User, other_user: User, sessions: list[str]
) -> None:
    current, *others = sessions
    others_token, _ = auth_token_issue(user=other_user)

    response = api_client.post(
        PASSWORD_CHANGE_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, **auth_header(current)
    )

    assert response.status_code == 200
    assert response.json() == {"detail": "Password changed", "revoked": 2}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) is True
    assert set(AuthToken.objects.values_list("digest", flat=True)) == {hash_token(current), hash_token(others_token)}
    assert api_client.get(ME_URL, **auth_header(current)).status_code == 200
    for token in others:
        assert api_client.get(ME_URL, **auth_header(token)).json() == INVALID_TOKEN


def test_after_a_password_change_only_the_new_password_logs_in(
    api_client: APIClient, user: User, sessions: list[str]
) -> None:
    api_client.post(
        PASSWORD_CHANGE_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, **auth_header(sessions[0])
    )

    old = api_client.post(LOGIN_URL, {"identifier": user.username, "password": PASSWORD})
    new = api_client.post(LOGIN_URL, {"identifier": user.username, "password": NEW_PASSWORD})

    assert old.status_code == 400
    assert old.json() == INVALID_CREDENTIALS
    assert new.status_code == 200


def test_password_change_rejects_a_wrong_current_password(
    api_client: APIClient, user: User, sessions: list[str]
) -> None:
    response = api_client.post(
        PASSWORD_CHANGE_URL,
        {"current_password": "not-the-password", "new_password": NEW_PASSWORD},
        **auth_header(sessions[0]),
    )

    assert response.status_code == 400
    assert response.json() == {"current_password": ["The current password is not correct."]}
    assert_nothing_changed(user, sessions)


@pytest.mark.parametrize(
    ("new_password", "messages"),
    [
        ("Xy7!kq", ["This password is too short. It must contain at least 8 characters."]),
        ("password", ["This password is too common."]),
        ("83746592011", ["This password is entirely numeric."]),
    ],
    ids=["short", "common", "numeric"],
)
def test_password_change_rejects_a_weak_new_password(
    api_client: APIClient, user: User, sessions: list[str], new_password: str, messages: list[str]
) -> None:
    response = api_client.post(
        PASSWORD_CHANGE_URL, {"current_password": PASSWORD, "new_password": new_password}, **auth_header(sessions[0])
    )

    assert response.status_code == 400
    assert response.json() == {"new_password": messages}
    assert_nothing_changed(user, sessions)


def test_password_change_rejects_a_new_password_like_the_username(
    api_client: APIClient, user: User, sessions: list[str]
) -> None:
    User.objects.filter(id=user.id).update(username="margaret")

    response = api_client.post(
        PASSWORD_CHANGE_URL, {"current_password": PASSWORD, "new_password": "Margaret!"}, **auth_header(sessions[0])
    )

    assert response.status_code == 400
    assert response.json() == {"new_password": ["The password is too similar to the username."]}
    assert_nothing_changed(user, sessions)


def test_password_change_requires_both_fields(api_client: APIClient, user: User, sessions: list[str]) -> None:
    response = api_client.post(PASSWORD_CHANGE_URL, {}, **auth_header(sessions[0]))

    assert response.status_code == 400
    assert response.json() == {
        "current_password": ["This field is required."],
        "new_password": ["This field is required."],
    }
    assert_nothing_changed(user, sessions)


def test_password_change_requires_a_login(api_client: APIClient, user: User, sessions: list[str]) -> None:
    response = api_client.post(PASSWORD_CHANGE_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert_nothing_changed(user, sessions)
