"""Fixtures of the webhook tests: `user`'s shop, another user's shop, and real HTTP receivers on loopback."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shops.models import Shop
from shops.tests.factories import ShopFactory
from webhooks.tests.receiver import Receiver


@pytest.fixture
def shop(user: Any) -> Shop:
    return ShopFactory(owner=user, name="Corner Shop", slug="corner-shop", currency="USD")


@pytest.fixture
def other_shop(other_user: Any) -> Shop:
    return ShopFactory(owner=other_user, name="Other Shop", slug="other-shop", currency="USD")


@pytest.fixture
def make_receiver() -> Iterator[Callable[..., Receiver]]:
    receivers: list[Receiver] = []

    def make(**options: Any) -> Receiver:
        receivers.append(Receiver(**options))
        return receivers[-1]

    yield make
    for receiver in receivers:
        receiver.close()


@pytest.fixture
def receiver(make_receiver: Callable[..., Receiver]) -> Receiver:
    return make_receiver()
