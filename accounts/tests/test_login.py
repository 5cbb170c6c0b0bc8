"""POST /api/v1/auth/login/: a new token for every login, and one error for every failure."""

import re
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.bodies import INVALID_CREDENTIALS, LOGIN_URL, ME_URL, auth_header, datetime_text, user_body
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(db: Any) -> User:
    return UserFactory(username="Bob", email="Bob@example.com")


@pytest.mark.parametrize(
    "identifier",
    ["Bob", "bob", "BOB", "  bob  ", "Bob@example.com", "bob@EXAMPLE.com", "BOB@EXAMPLE.COM"],
)
def test_login_by_username_or_email_in_any_case(
    api_client: APIClient, bob: User, identifier: str, frozen_now: datetime, settings: Any
) -> None:
    response = api_client.post(LOGIN_URL, {"identifier": identifier, "password": PASSWORD})

    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json() == {
        "user": user_body(bob),
        "token": token,
        "expiry": datetime_text(frozen_now + settings.AUTH_TOKEN_TTL),
    }
    assert list(AuthToken.objects.values_list("user_id", "digest")) == [(bob.id, hash_token(token))]


def test_login_token_authenticates_the_user(api_client: APIClient, bob: User) -> None:
    token = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD}).json()["token"]

    response = APIClient().get(ME_URL, **auth_header(token))

    assert response.status_code == 200
    assert response.json() == {"user": user_body(bob)}


def test_each_login_issues_a_new_token_and_keeps_the_earlier_ones(api_client: APIClient, bob: User) -> None:
    first = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD}).json()["token"]
    second = api_client.post(LOGIN_URL, {"identifier": "bob@example.com", "password": PASSWORD}).json()["token"]

    assert first != second
    assert AuthToken.objects.filter(user=bob).count() == 2
    for token in (first, second):
        assert APIClient().get(ME_URL, **auth_header(token)).status_code == 200


def test_login_stores_only_a_digest_of_the_token(api_client: APIClient, bob: User) -> None:
    token = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD}).json()["token"]

    row = AuthToken.objects.get()
    assert row.digest == hash_token(token)
    assert token not in (row.digest, row.token_key)
    assert AuthToken.objects.filter(digest=token).exists() is False
    assert AuthToken.objects.filter(token_key=token).exists() is False


def test_unknown_account_and_wrong_password_get_the_same_answer(api_client: APIClient, bob: User) -> None:
    unknown = api_client.post(LOGIN_URL, {"identifier": "nobody", "password": PASSWORD})
    unknown_email = api_client.post(LOGIN_URL, {"identifier": "nobody@example.com", "password": PASSWORD})
    wrong_password = api_client.post(LOGIN_URL, {"identifier": "bob", "password": "not-the-password"})

    for response in (unknown, unknown_email, wrong_password):
        assert response.status_code == 400
        assert response.json() == INVALID_CREDENTIALS
    assert AuthToken.objects.count() == 0


def test_login_refuses_an_inactive_user_like_a_wrong_password(api_client: APIClient) -> None:
    UserFactory(username="gone", email="gone@example.com", is_active=False)

    response = api_client.post(LOGIN_URL, {"identifier": "gone", "password": PASSWORD})

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert AuthToken.objects.count() == 0


def test_login_password_is_case_sensitive(api_client: APIClient, bob: User) -> None:
    response = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD.upper()})

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert AuthToken.objects.count() == 0


def test_login_does_not_trim_the_password(api_client: APIClient, bob: User) -> None:
    response = api_client.post(LOGIN_URL, {"identifier": "bob", "password": f" {PASSWORD} "})

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert AuthToken.objects.count() == 0


def test_login_rejects_missing_fields(api_client: APIClient, bob: User) -> None:
    response = api_client.post(LOGIN_URL, {})

    assert response.status_code == 400
    assert response.json() == {"identifier": ["This field is required."], "password": ["This field is required."]}
    assert AuthToken.objects.count() == 0


def test_login_ignores_a_stale_token_it_is_sent_with(api_client: APIClient, bob: User) -> None:
    response = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD}, **auth_header("stale" * 13))

    assert response.status_code == 200
    assert AuthToken.objects.filter(user=bob).count() == 1


def test_failed_logins_hash_the_password_once_whether_or_not_the_account_exists(
    api_client: APIClient, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So the time a failed login takes does not tell whether the account exists."""
    hashed: list[str] = []
    encode = MD5PasswordHasher.encode

    def counting_encode(self: MD5PasswordHasher, password: str, salt: str) -> str:
        hashed.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting_encode)

    api_client.post(LOGIN_URL, {"identifier": "nobody", "password": "guess-one"})
    api_client.post(LOGIN_URL, {"identifier": "bob", "password": "guess-two"})

    assert hashed == ["guess-one", "guess-two"]
    assert AuthToken.objects.count() == 0


def test_login_records_last_login(api_client, user) -> None:
    assert user.last_login is None
    response = api_client.post("/api/v1/auth/login/", {"identifier": user.username, "password": PASSWORD})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None


def _statements(run: Any) -> list[str]:
    """The statements `run()` sends, values and numbers replaced by "?", whitespace folded."""
    with CaptureQueriesContext(connection) as captured:
        run()
    literals = re.compile(r"'(?:[^']|'')*'|\b\d+\b")
    return [" ".join(literals.sub("?", query["sql"]).split()) for query in captured.captured_queries]


def test_a_login_runs_two_statements(api_client: APIClient, bob: User) -> None:
    statements = _statements(lambda: api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD}))

    # The account (whose row the password check then uses) with the client's and the account's throttle
    # windows keyed on it (one statement), then last_login, the account's windows given back and the token (one).
    assert [statement[:28] for statement in statements] == [
        "WITH read AS (SELECT UPPER(?",
        'WITH stamped AS (UPDATE "acc',
    ]
    assert "hit2 AS ( INSERT INTO api_throttlecounter" in statements[0]
    assert "given_back AS ( UPDATE api_throttlecounter AS counter" in statements[1]
    assert AuthToken.objects.filter(user=bob).count() == 1


def test_a_wrong_password_and_an_unknown_account_run_the_same_statements(api_client: APIClient, bob: User) -> None:
    wrong_password = _statements(lambda: api_client.post(LOGIN_URL, {"identifier": "bob", "password": "guess"}))
    unknown = _statements(lambda: api_client.post(LOGIN_URL, {"identifier": "nobody", "password": "guess"}))

    assert wrong_password == unknown
    assert [statement[:28] for statement in unknown] == ["WITH read AS (SELECT UPPER(?"]


def test_a_login_stamps_last_login_and_issues_the_token_at_the_same_moment(
    api_client: APIClient, bob: User, frozen_now: datetime, settings: Any
) -> None:
    token = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD}).json()["token"]

    bob.refresh_from_db()
    row = AuthToken.objects.get()
    assert (bob.last_login, row.created, row.expiry) == (frozen_now, frozen_now, frozen_now + settings.AUTH_TOKEN_TTL)
    assert (row.user_id, row.digest, row.token_key) == (bob.id, hash_token(token), token[:15])
