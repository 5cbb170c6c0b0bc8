"""Whether a username or email is taken is told (400 naming the field), though mail could now tell it
privately: register answers with a session of the account it created (the frontend's contract), which no
answer for a taken email could fake without being found out at the next request (README, "Taken usernames and
emails"). So it is told only within the register throttle (THROTTLE_REGISTER per client address): registering
and changing one's username or email (PATCH auth/me/) draw on the same budget, so an account cannot probe
unthrottled."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.bodies import REGISTER_URL
from accounts.tests.clients import client_for
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/auth/me/"
TAKEN = {"email": ["A user with that email already exists."]}


def address(n: int) -> dict[str, Any]:
    return {"REMOTE_ADDR": f"10.0.1.{n}"}


def test_a_taken_email_is_told_only_within_the_register_budget(api_client: APIClient, throttle_clock: Any) -> None:
    UserFactory(username="victim", email="victim@example.com")
    probe = {"username": "prober", "email": "victim@example.com", "password": PASSWORD}

    answers = [api_client.post(REGISTER_URL, probe, format="json", **address(1)) for _ in range(11)]

    assert [answer.status_code for answer in answers] == [400] * 10 + [429]
    assert answers[0].json() == TAKEN
    assert "email" not in answers[10].json()
    assert User.objects.count() == 1


def test_changing_email_to_probe_draws_on_the_same_budget(throttle_clock: Any) -> None:
    UserFactory(username="victim", email="victim@example.com")
    prober = UserFactory(username="prober", email="prober@example.com")
    client = client_for(prober)

    answers = [client.patch(ME_URL, {"email": "victim@example.com"}, format="json", **address(2)) for _ in range(10)]
    throttled = client.patch(ME_URL, {"email": "victim@example.com"}, format="json", **address(2))
    register = APIClient().post(
        REGISTER_URL, {"username": "x", "email": "victim@example.com", "password": PASSWORD}, **address(2)
    )
    renamed = client.patch(ME_URL, {"first_name": "Pat"}, format="json", **address(2))

    assert {answer.status_code for answer in answers} == {400}
    assert answers[0].json() == TAKEN
    assert (throttled.status_code, register.status_code) == (429, 429)
    assert "Retry-After" in throttled
    # Other fields are never throttled, and nothing changed but the first name.
    assert renamed.status_code == 200
    prober.refresh_from_db()
    assert (prober.email, prober.first_name) == ("prober@example.com", "Pat")


def test_a_changed_email_that_is_free_waits_for_its_confirmation(throttle_clock: Any, user: Any) -> None:
    email = user.email
    response = client_for(user).patch(ME_URL, {"email": "new@example.com"}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.email, user.pending_email) == (email, "new@example.com")
