"""Two app instances on different ports sharing PostgreSQL, the bucket and the cache (Redis when there is one,
the database cache otherwise): what one does, the other knows."""

import secrets
from collections.abc import Iterator

import pytest

from bench.api import Gunicorn
from tests.load.conftest import PASSWORD, Services, call, register

CACHES = ["redis", "database"]


@pytest.fixture(params=CACHES)
def two_instances(request: pytest.FixtureRequest, services: Services) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    overrides = {"THROTTLE_LOGIN_ACCOUNT_CLIENT": "5/15min"}
    if request.param == "redis":
        if services.redis_url is None:
            pytest.skip("no Redis reachable (REDIS_URL unset and nothing on 127.0.0.1:6379)")
        overrides["REDIS_URL"] = services.redis_url
    env = services.env(**overrides)
    with Gunicorn(env, workers=2) as first, Gunicorn(env, workers=2) as second:
        yield first, second


def test_a_token_revoked_on_one_instance_is_refused_on_the_other(two_instances: tuple[Gunicorn, Gunicorn]) -> None:
    first, second = two_instances
    token = register(first.base_url, f"inst{secrets.token_hex(4)}")

    assert call(second.base_url, "GET", "/api/v1/auth/me/", token=token)[0] == 200
    assert call(second.base_url, "POST", "/api/v1/auth/logout/", token=token)[0] == 200

    status, body = call(first.base_url, "GET", "/api/v1/auth/me/", token=token)
    assert (status, body) == (401, {"detail": "Invalid or expired token."})
    assert call(second.base_url, "GET", "/api/v1/auth/me/", token=token)[0] == 401


def test_the_login_throttle_counts_attempts_made_on_both_instances(two_instances: tuple[Gunicorn, Gunicorn]) -> None:
    first, second = two_instances
    name = f"thr{secrets.token_hex(4)}"
    register(first.base_url, name)
    wrong = {"identifier": name, "password": "not-" + PASSWORD}

    statuses = [call(server.base_url, "POST", "/api/v1/auth/login/", wrong)[0] for server in [first, second] * 3]
    right = call(second.base_url, "POST", "/api/v1/auth/login/", {"identifier": name, "password": PASSWORD})

    # 5 failures per 15 minutes on one account from one client, whichever instance is asked: the 6th attempt and
    # the right password wait.
    assert statuses == [400, 400, 400, 400, 400, 429]
    assert right[0] == 429
