"""Mailed links followed several times at once, on real PostgreSQL (threads, each on its own connection,
released together): a link works once, whatever the timing."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts import links
from accounts.models import User
from accounts.services import user_email_confirm, user_password_reset
from accounts.tests.factories import UserFactory
from api.tests.races import race
from mail.models import OutboundMail

pytestmark = pytest.mark.django_db(transaction=True)

CALLERS = 8


def refusals(results: list[Any]) -> list[str]:
    return [result.messages[0] for result in results if isinstance(result, ValidationError)]


def test_a_reset_link_followed_eight_times_at_once_sets_one_password() -> None:
    bob = UserFactory(username="bob", email="bob@example.com")
    uid, token = links.uid_encode(bob), links.password_reset_tokens.make_token(bob)
    passwords = [f"racing-Strong-passw0rd-{n}" for n in range(CALLERS)]

    def follow(password: str) -> Callable[[], int]:
        return lambda: user_password_reset(uid=uid, token=token, new_password=password)

    results = race([follow(password) for password in passwords])

    winners = [n for n, result in enumerate(results) if isinstance(result, int)]
    assert len(winners) == 1
    assert refusals(results) == ["The password reset link is invalid or has expired."] * (CALLERS - 1)
    assert User.objects.get(id=bob.id).check_password(passwords[winners[0]])
    assert OutboundMail.objects.filter(kind="password_changed").count() == 1


def test_an_email_link_followed_eight_times_at_once_moves_the_account_once() -> None:
    bob = UserFactory(username="bob", email="bob@example.com", pending_email="new@example.net")
    token = links.email_verify_token(user=bob, email="new@example.net")

    results = race([lambda: user_email_confirm(token=token) for _ in range(CALLERS)])

    assert sum(isinstance(result, User) for result in results) == 1
    assert refusals(results) == ["The confirmation link is invalid or has expired."] * (CALLERS - 1)
    assert User.objects.values_list("email", "pending_email").get(id=bob.id) == ("new@example.net", "")
    assert OutboundMail.objects.filter(kind="email_changed").count() == 1
