"""Fixtures of the cart and order tests: `user`'s shop and another user's shop."""

from typing import Any

import pytest

from shops.models import Shop
from shops.tests.factories import ShopFactory


@pytest.fixture
def shop(user: Any) -> Shop:
    return ShopFactory(owner=user, name="Corner Shop", slug="corner-shop", currency="USD")


@pytest.fixture
def other_shop(other_user: Any) -> Shop:
    return ShopFactory(owner=other_user, name="Other Shop", slug="other-shop", currency="USD")
