"""Old carts do not pile up: idle ones are abandoned (defect 17 of FRONTEND-API.md: `abandoned` was never
used and carts were never cleaned up)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import Cart, CartItem, CartStatus
from orders.tests.factories import CartFactory, CartItemFactory

pytestmark = pytest.mark.django_db


def _idle(cart: Cart, days: int) -> None:
    Cart.objects.filter(id=cart.id).update(updated_at=timezone.now() - timedelta(days=days))


def test_abandon_stale_carts_abandons_idle_carts_and_deletes_long_abandoned_ones(capsys) -> None:
    fresh = CartFactory()
    CartItemFactory(cart=fresh)
    idle = CartFactory()
    CartItemFactory(cart=idle)
    _idle(idle, 31)
    long_abandoned = CartFactory(status=CartStatus.ABANDONED)
    _idle(long_abandoned, 61)
    converted = CartFactory(status=CartStatus.CONVERTED)
    _idle(converted, 365)

    call_command("abandon_stale_carts")

    assert capsys.readouterr().out == "Abandoned 1 carts idle for 30 days; deleted 1 abandoned carts.\n"
    assert dict(Cart.objects.values_list("id", "status")) == {
        fresh.id: CartStatus.ACTIVE,
        idle.id: CartStatus.ABANDONED,
        converted.id: CartStatus.CONVERTED,
    }
    assert list(CartItem.objects.values_list("cart_id", flat=True)) == [fresh.id]


def test_abandon_stale_carts_twice_changes_nothing_more(capsys) -> None:
    idle = CartFactory()
    _idle(idle, 40)
    call_command("abandon_stale_carts")
    capsys.readouterr()

    call_command("abandon_stale_carts")

    assert capsys.readouterr().out == "Abandoned 0 carts idle for 30 days; deleted 0 abandoned carts.\n"
    assert Cart.objects.get(id=idle.id).status == CartStatus.ABANDONED
