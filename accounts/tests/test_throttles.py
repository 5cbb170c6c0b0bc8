"""Login is throttled per client, per account and client, and per account (a ceiling), counting failures against
the account whatever spelling reaches it; registration per client; password changes per client and per user."""

import json
from typing import Any

import pytest
from django.conf import settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.selectors import login_account_key, user_login_lookup
from accounts.tests.bodies import INVALID_CREDENTIALS, LOGIN_URL, PASSWORD_CHANGE_URL, REGISTER_URL
from accounts.tests.clients import client_for
from accounts.tests.factories import PASSWORD, UserFactory
from api.models import ThrottleCounter
from api.tests.clock import ThrottleClock
from api.throttling import window

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "An0ther-strong-passw0rd"


def address(n: int) -> dict[str, Any]:
    return {"REMOTE_ADDR": f"10.0.0.{n}"}


def throttled_body(seconds: int) -> dict[str, str]:
    return {"detail": f"Request was throttled. Expected available in {seconds} seconds."}


def login(client: APIClient, identifier: Any, password: str, n: int = 1) -> Any:
    return client.post(LOGIN_URL, {"identifier": identifier, "password": password}, **address(n))


def test_throttle_rates_are_the_documented_defaults() -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {
        "login_client": "20/min",
        "login_account_client": "5/15min",
        "login_account": "100/hour",
        "register": "10/hour",
        "password_change_client": "20/hour",
        "password_change_user": "5/hour",
        "password_reset_client": "10/hour",
        "password_reset_address": "5/hour",
        "account_link": "30/hour",
        "email_verify_resend": "3/hour",
        "cart": "120/min",
        "checkout": "10/min",
    }


# Spellings of one account: case, surrounding spaces, fullwidth letters and the Kelvin sign (NFKC, as usernames
# are saved), the email in any case. Each logs in (so reaches the account) and all share its budget.
KATE_SPELLINGS = [
    "kate",
    "KATE",
    " Kate ",
    "\uff4b\uff41\uff54\uff45",  # fullwidth kate
    "\u212aate",  # Kelvin sign K
    "kate.smith@example.com",
    "KATE.SMITH@Example.COM",
]


def test_every_spelling_that_reaches_an_account_logs_in(api_client: APIClient) -> None:
    kate = UserFactory(username="kate", email="kate.smith@example.com")
    for identifier in KATE_SPELLINGS:
        response = login(api_client, identifier, PASSWORD)
        assert (identifier, response.status_code, response.json()["user"]["id"]) == (identifier, 200, kate.id)
    # Logging in counts nothing against the account: 7 logins from one client, more than its 5 failures.
    assert AuthToken.objects.filter(user=kate).count() == len(KATE_SPELLINGS)


def test_failures_count_against_the_account_whatever_the_spelling(
    api_client: APIClient, throttle_clock: ThrottleClock
) -> None:
    UserFactory(username="kate", email="kate.smith@example.com")
    for identifier in KATE_SPELLINGS[1:6]:
        assert login(api_client, identifier, "guess").json() == INVALID_CREDENTIALS

    # The 6th attempt from this client waits, with the right password and a spelling not used yet.
    refused = login(api_client, KATE_SPELLINGS[6], PASSWORD)

    assert refused.status_code == 429
    assert refused.json() == throttled_body(900)
    assert refused["Retry-After"] == "900"
    assert AuthToken.objects.count() == 0


def test_spellings_the_database_folds_together_share_a_budget() -> None:
    """Whatever PostgreSQL's UPPER folds (dotless i, long s... as the collation says), the throttle folds alike:
    the key is the account the lookup finds, or the text as the lookup compares it."""
    kate = UserFactory(username="kate", email="kate.smith@example.com")
    kim = UserFactory(username="kims", email="kim@example.com")
    spellings = [
        (kate, ["kate", "KATE", "\u212aATE", "k\u0101te", "kate.smith@EXAMPLE.com", "kate@example.com"]),
        (kim, ["KIMS", "k\u0131ms", "K\u0130MS", "kim\u017f", "kim\u00df", "KIM@EXAMPLE.COM", "k\u0131m@example.com"]),
    ]
    for user, texts in spellings:
        for spelling in texts:
            reaches = user_login_lookup(identifier=spelling).filter(id=user.id).exists()
            assert (spelling, login_account_key(identifier=spelling) == f"user:{user.id}") == (spelling, reaches)
    # Unknown identifiers: spellings the lookup would take for one account share its key.
    assert login_account_key(identifier="Nobody") == login_account_key(identifier="NOBODY")
    fullwidth = "\uff2e\uff4f\uff42\uff4f\uff44\uff59"
    assert login_account_key(identifier=fullwidth) == login_account_key(identifier="nobody")
    assert login_account_key(identifier="nobody@example.com") == login_account_key(identifier="NOBODY@example.COM")
    assert login_account_key(identifier="nobody") != login_account_key(identifier="nobodies")


def test_an_unknown_identifier_is_throttled_exactly_like_an_account(
    api_client: APIClient, throttle_clock: ThrottleClock
) -> None:
    """The answers do not tell whether an account exists: same statuses, bodies and waits."""
    UserFactory(username="kate", email="kate.smith@example.com")

    def attempts(name: str, n: int) -> list[tuple[int, Any, str | None]]:
        spellings = [name, name.upper(), name.title(), f" {name} ", name, name]
        answers = [login(api_client, spelling, "guess", n) for spelling in spellings]
        return [(answer.status_code, answer.json(), answer.get("Retry-After")) for answer in answers]

    known = attempts("kate", 1)
    unknown = attempts("katie", 2)

    assert known == unknown == [(400, INVALID_CREDENTIALS, None)] * 5 + [(429, throttled_body(900), "900")]


def test_one_client_cannot_lock_the_owner_out(
    api_client: APIClient, throttle_clock: ThrottleClock, throttle_rates: Any
) -> None:
    throttle_rates(login_client="1000/min", login_account="8/hour")
    UserFactory(username="kate", email="kate.smith@example.com")
    for _ in range(5):
        assert login(api_client, "kate", "guess", n=66).status_code == 400
    # The attacker keeps trying: refused, and none of it reaches the account's ceiling (8).
    assert [login(api_client, "kate", "guess", n=66).status_code for _ in range(30)] == [429] * 30

    assert login(api_client, "kate", PASSWORD, n=1).status_code == 200


def test_many_clients_reach_the_account_ceiling(
    api_client: APIClient, throttle_clock: ThrottleClock, throttle_rates: Any
) -> None:
    """The ceiling bounds guessing from many machines; reaching it blocks every client until its window ends."""
    throttle_rates(login_account="8/hour")
    UserFactory(username="kate", email="kate.smith@example.com")
    statuses = [login(api_client, "kate", "guess", n=10 + n).status_code for n in range(3) for _ in range(4)]
    assert statuses == [400] * 8 + [429] * 4

    throttle_clock.advance(600)
    refused = login(api_client, "kate", PASSWORD, n=1)
    assert (refused.status_code, refused["Retry-After"]) == (429, "3000")

    throttle_clock.advance(3000)
    assert login(api_client, "kate", PASSWORD, n=1).status_code == 200


def test_the_account_window_reopens_after_its_period(api_client: APIClient, throttle_clock: ThrottleClock) -> None:
    UserFactory(username="kate", email="kate.smith@example.com")
    for _ in range(5):
        login(api_client, "kate", "guess")
    throttle_clock.advance(899)
    assert login(api_client, "kate", PASSWORD)["Retry-After"] == "1"

    throttle_clock.advance(1)

    assert login(api_client, "kate", PASSWORD).status_code == 200


def test_the_account_budget_leaves_other_accounts_alone(api_client: APIClient) -> None:
    UserFactory(username="alice", email="alice@example.com")
    for _ in range(5):
        login(api_client, "bob", "guess")

    response = login(api_client, "alice", PASSWORD)

    assert response.status_code == 200
    assert AuthToken.objects.count() == 1


def test_login_is_throttled_per_client_address_whatever_the_account(
    api_client: APIClient, throttle_clock: ThrottleClock
) -> None:
    UserFactory(username="bob", email="bob@example.com")
    for n in range(20):
        response = login(api_client, f"someone{n}", "guess", n=1)
        assert response.status_code == 400
        assert response.json() == INVALID_CREDENTIALS

    throttled = login(api_client, "bob", PASSWORD, n=1)
    elsewhere = login(api_client, "bob", PASSWORD, n=2)

    assert throttled.status_code == 429
    assert throttled.json() == throttled_body(60)
    assert throttled["Retry-After"] == "60"
    assert elsewhere.status_code == 200
    assert AuthToken.objects.count() == 1


def test_login_throttle_follows_the_configured_rate(api_client: APIClient, throttle_rates: Any) -> None:
    throttle_rates(login_account_client="2/min")
    UserFactory(username="bob", email="bob@example.com")
    for _ in range(2):
        assert login(api_client, "bob", "guess").status_code == 400

    response = login(api_client, "bob", PASSWORD)

    assert response.status_code == 429
    assert AuthToken.objects.count() == 0


def test_identifier_throttle_counts_a_numeric_identifier_sent_as_a_json_number(
    api_client: APIClient, throttle_clock: ThrottleClock
) -> None:
    """Login reads `12345` and `"12345"` as the same username, so the throttle must count them together."""
    UserFactory(username="12345", email="numbers@example.com")
    for n in range(5):
        identifier: Any = 12345 if n % 2 else "12345"
        assert login(api_client, identifier, "guess").status_code == 400

    response = login(api_client, 12345, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert AuthToken.objects.count() == 0


@pytest.mark.parametrize("identifier", ["", "x" * 255, "bob\x00", "bob\ud800", ["bob"], {"a": "b"}, True, None])
def test_an_identifier_the_login_refuses_takes_only_the_client_slot(api_client: APIClient, identifier: Any) -> None:
    UserFactory(username="bob", email="bob@example.com")
    for _ in range(6):
        # Raw JSON (escaped): a lone surrogate cannot be encoded by the test client, a client may send it.
        body = json.dumps({"identifier": identifier, "password": "guess"})
        response = api_client.post(LOGIN_URL, body, content_type="application/json")
        assert response.status_code == 400

    assert login(api_client, "bob", PASSWORD).status_code == 200


def test_register_is_throttled_per_client_address(api_client: APIClient, throttle_clock: ThrottleClock) -> None:
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


def change_password(client: APIClient, current: str, n: int = 1) -> Any:
    return client.post(PASSWORD_CHANGE_URL, {"current_password": current, "new_password": NEW_PASSWORD}, **address(n))


def test_password_change_is_throttled_per_user(throttle_clock: ThrottleClock) -> None:
    user, other = UserFactory(), UserFactory()
    client, other_client = client_for(user), client_for(other)
    for n in range(5):
        assert change_password(client, "guess", n).status_code == 400

    refused = change_password(client, PASSWORD, 9)

    assert refused.status_code == 429
    assert refused.json() == throttled_body(3600)
    assert refused["Retry-After"] == "3600"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert change_password(other_client, PASSWORD, 9).status_code == 200


def test_password_change_is_throttled_per_client(throttle_rates: Any) -> None:
    throttle_rates(password_change_client="3/hour")
    users = UserFactory.create_batch(4)
    assert [change_password(client_for(user), "guess").status_code for user in users] == [400, 400, 400, 429]
    assert change_password(client_for(users[3]), PASSWORD, 2).status_code == 200


# The last: "kate" in fullwidth letters, which the username's NFKC form folds to "kate".
KEYED_IDENTIFIERS = ["kate", "KATE@example.com", "nobody", "nöbody@exämple.com", "\uff4b\uff41\uff54\uff45"]


@pytest.mark.parametrize("identifier", KEYED_IDENTIFIERS)
def test_the_windows_keyed_in_sql_are_the_windows_keyed_in_python(api_client: APIClient, identifier: str) -> None:
    """The login takes its account windows in the lookup's statement, their keys made by PostgreSQL from the row
    it reads: they are `window`'s keys for `login_account_key` (what the give-back and the Redis store use)."""
    UserFactory(username="kate", email="kate@example.com")
    account = login_account_key(identifier=identifier)

    assert login(api_client, identifier, "guess").status_code == 400

    expected = {
        window("login_client", "10.0.0.1").key: 1,
        window("login_account_client", f"{account}|10.0.0.1").key: 1,
        window("login_account", account).key: 1,
    }
    assert dict(ThrottleCounter.objects.values_list("key", "count")) == expected


def test_a_login_gives_back_the_account_windows_it_took_in_the_lookups_statement(api_client: APIClient) -> None:
    user = UserFactory(username="kate")
    assert login(api_client, "kate", "guess").status_code == 400
    assert login(api_client, "KATE", PASSWORD).status_code == 200

    account = f"user:{user.id}"
    assert dict(ThrottleCounter.objects.values_list("key", "count")) == {
        window("login_client", "10.0.0.1").key: 2,
        window("login_account_client", f"{account}|10.0.0.1").key: 1,
        window("login_account", account).key: 1,
    }
