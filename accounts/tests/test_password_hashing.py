"""Password hashing in production: Argon2id at OWASP's minimum cost, configurable, old hashes upgraded on login."""

from typing import Any

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.bodies import LOGIN_URL
from accounts.tests.factories import PASSWORD, UserFactory
from config.settings import base as base_settings

pytestmark = pytest.mark.django_db

PRODUCTION_HASHERS = override_settings(PASSWORD_HASHERS=base_settings.PASSWORD_HASHERS)


def argon2_parameters(encoded: str) -> tuple[int, int, int, argon2.Type]:
    parameters = argon2.extract_parameters(encoded.removeprefix("argon2"))
    return parameters.memory_cost, parameters.time_cost, parameters.parallelism, parameters.type


@pytest.fixture
def hash_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """The (memory, time, lanes) of every Argon2 hash computed, new hashes and verifications alike."""
    calls: list[tuple[int, int, int]] = []
    hash_secret, verify_secret = argon2.low_level.hash_secret, argon2.low_level.verify_secret

    def counting_hash(secret: bytes, salt: bytes, **options: Any) -> bytes:
        calls.append((options["memory_cost"], options["time_cost"], options["parallelism"]))
        return hash_secret(secret, salt, **options)

    def counting_verify(encoded: bytes, secret: bytes, kind: argon2.Type) -> bool:
        parameters = argon2.extract_parameters(encoded.decode())
        calls.append((parameters.memory_cost, parameters.time_cost, parameters.parallelism))
        return verify_secret(encoded, secret, kind)

    monkeypatch.setattr(argon2.low_level, "hash_secret", counting_hash)
    monkeypatch.setattr(argon2._password_hasher, "verify_secret", counting_verify)
    return calls


def test_production_hashes_are_argon2id_at_the_owasp_minimum() -> None:
    with PRODUCTION_HASHERS:
        user = UserFactory()
        user.set_password(PASSWORD)

        assert identify_hasher(user.password).algorithm == "argon2"
        assert argon2_parameters(user.password) == (19 * 1024, 2, 1, argon2.Type.ID)
        assert user.check_password(PASSWORD) is True


def test_the_argon2_cost_comes_from_settings() -> None:
    with PRODUCTION_HASHERS, override_settings(ARGON2_MEMORY_COST_KIB=12288, ARGON2_TIME_COST=3, ARGON2_PARALLELISM=2):
        user = UserFactory()
        user.set_password(PASSWORD)

        assert argon2_parameters(user.password) == (12288, 3, 2, argon2.Type.ID)


def test_a_hash_of_the_old_cost_is_upgraded_on_the_next_successful_login(api_client: APIClient) -> None:
    with PRODUCTION_HASHERS:
        user = UserFactory(username="bob", password=PASSWORD)
        old_hash = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())  # Django's 100 MiB, 8 lanes
        User.objects.filter(pk=user.pk).update(password=old_hash)

        failed = api_client.post(LOGIN_URL, {"identifier": "bob", "password": "wrong-password"})
        assert failed.status_code == 400
        assert User.objects.get(pk=user.pk).password == old_hash  # a failed login changes nothing

        response = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD})

        assert response.status_code == 200
        upgraded = User.objects.get(pk=user.pk).password
        assert argon2_parameters(old_hash) == (102400, 2, 8, argon2.Type.ID)
        assert argon2_parameters(upgraded) == (19 * 1024, 2, 1, argon2.Type.ID)
        assert User.objects.get(pk=user.pk).check_password(PASSWORD) is True


def test_an_unknown_account_costs_one_hash_at_the_same_cost_as_a_wrong_password(
    api_client: APIClient, hash_calls: list[tuple[int, int, int]]
) -> None:
    with PRODUCTION_HASHERS:
        UserFactory(username="bob", password=PASSWORD)
        hash_calls.clear()

        wrong_password = api_client.post(LOGIN_URL, {"identifier": "bob", "password": "wrong-password"})
        wrong_password_calls = list(hash_calls)
        hash_calls.clear()
        unknown_account = api_client.post(LOGIN_URL, {"identifier": "nobody", "password": "wrong-password"})

        assert wrong_password.status_code == unknown_account.status_code == 400
        assert wrong_password.json() == unknown_account.json()
        assert wrong_password_calls == hash_calls == [(19 * 1024, 2, 1)]


def test_a_successful_login_computes_exactly_one_hash(
    api_client: APIClient, hash_calls: list[tuple[int, int, int]]
) -> None:
    """The verification only: no dummy hash on the way, no re-hash of a hash already at the configured cost."""
    with PRODUCTION_HASHERS:
        user = UserFactory(username="bob", password=PASSWORD)
        stored = User.objects.get(pk=user.pk).password
        hash_calls.clear()

        response = api_client.post(LOGIN_URL, {"identifier": "bob", "password": PASSWORD})

        assert response.status_code == 200
        assert hash_calls == [(19 * 1024, 2, 1)]
        assert User.objects.get(pk=user.pk).password == stored
