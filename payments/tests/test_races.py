"""Payments under concurrency, on real PostgreSQL and localstripe: concurrent paid checkouts with every webhook
delivered three times, shuffled, some while the checkout's transaction is still open; webhooks dropped and healed
by reconciliation; expiry racing a late success. (`make test-long` runs the first with 200 buyers.)"""

import os
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from api.tests.races import in_pool, race
from jobs.tests.running import run_queued_jobs
from orders.models import Order, OrderStatus
from orders.tests.endpoints import CUSTOMER
from payments import gateway
from payments.models import Payment, PaymentStatus, StripeEvent
from payments.services import state
from payments.services.checkout import checkout_with_payment
from payments.services.events import event_apply
from payments.services.expiry import payment_expire, payments_reconcile
from payments.tests.factories import cart_with, stocked_product, stripe_shop
from payments.tests.localstripe import Delivery, buyer_confirms, deliver, webhook_inbox

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = int(os.environ.get("PAYMENT_RACE_BUYERS", "20"))
DELIVERIES_PER_EVENT = 3
CONCURRENT_BUYERS = 32


def delivered_status(delivery: Delivery) -> int:
    return int(deliver(APIClient(), delivery).status_code)


@pytest.fixture
def transitions(monkeypatch) -> Counter[tuple[int, str]]:
    """Every order status change the state machine makes: (order id, new status) -> how many times."""
    seen: Counter[tuple[int, str]] = Counter()
    change = state._order_to

    def counted(order: Order, status: str) -> None:
        seen[(order.id, status)] += 1
        change(order, status)

    monkeypatch.setattr(state, "_order_to", counted)
    return seen


def test_concurrent_paid_checkouts_with_every_webhook_thrice_shuffled_pay_each_order_once(transitions) -> None:
    inbox = webhook_inbox()
    shop = stripe_shop()
    product = stocked_product(shop, stock=BUYERS, price="9.99")
    carts = [cart_with(product) for _ in range(BUYERS)]
    held_open = set(range(0, BUYERS, 4))  # these deliver their webhooks before their checkout commits
    early_answers: list[Any] = []
    early_outcomes: list[Any] = []

    def buy(index: int) -> Any:
        if index not in held_open:
            result = checkout_with_payment(token=carts[index].token, **CUSTOMER)
            buyer_confirms(intent_id=result.payment.intent_id, account=result.payment.stripe_account_id)
            return result.payment.intent_id
        with transaction.atomic():
            result = checkout_with_payment(token=carts[index].token, **CUSTOMER)
            buyer_confirms(intent_id=result.payment.intent_id, account=result.payment.stripe_account_id)
            [delivery] = inbox.wait_for(intent_id=result.payment.intent_id, event_type="payment_intent.succeeded")
            early_answers.extend(race([lambda: deliver(APIClient(), delivery).status_code] * DELIVERIES_PER_EVENT))
            early_outcomes.append(StripeEvent.objects.get(event_id=delivery.event["id"]).applied_at)
        return result.payment.intent_id

    # At most 32 at once: each buyer holds a connection (three more while its webhooks race), and PostgreSQL
    # takes 100.
    intents = in_pool([partial(buy, index) for index in range(BUYERS)], workers=min(BUYERS, CONCURRENT_BUYERS))
    assert all(isinstance(intent, str) for intent in intents), intents
    deliveries: list[Delivery] = []
    for intent in intents:
        deliveries += inbox.wait_for(intent_id=intent, event_type="payment_intent.succeeded") * DELIVERIES_PER_EVENT
    random.Random(13).shuffle(deliveries)  # noqa: S311 - a reproducible order, not a secret

    answers = in_pool([partial(delivered_status, delivery) for delivery in deliveries], workers=8)
    # Workers applying the events at once, each event three times over, then the queued jobs themselves.
    event_ids = list(StripeEvent.objects.values_list("id", flat=True)) * DELIVERIES_PER_EVENT
    in_pool([partial(event_apply, event_id=event_id) for event_id in event_ids], workers=8)
    run_queued_jobs()

    assert early_answers == [200] * DELIVERIES_PER_EVENT * len(held_open)
    assert early_outcomes == [None] * len(held_open)  # stored (committed) while their checkout was still open
    assert answers == [200] * len(deliveries)
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() == BUYERS
    assert Order.objects.filter(status=OrderStatus.PAID).count() == BUYERS
    assert set(Payment.objects.values_list("intent_id", flat=True)) == set(intents)  # no payment without an order
    assert StripeEvent.objects.count() == BUYERS
    assert Counter(StripeEvent.objects.values_list("outcome", flat=True)) == {"paid": BUYERS}
    assert set(transitions.values()) == {1}
    assert len(transitions) == BUYERS
    product.refresh_from_db()
    assert product.stock_quantity == 0


def test_webhooks_dropped_for_a_batch_are_healed_by_one_reconciliation_pass() -> None:
    shop = stripe_shop()
    product = stocked_product(shop, stock=20, price="5.00")
    results = [checkout_with_payment(token=cart_with(product).token, **CUSTOMER) for _ in range(8)]
    for result in results[:6]:  # six pay, and not one webhook reaches us
        buyer_confirms(intent_id=result.payment.intent_id, account=result.payment.stripe_account_id)
    gateway.intent_cancel(payment_id=results[6].payment.id, intent_id=results[6].payment.intent_id, account="")

    outcomes = payments_reconcile(pending_for=timedelta(0))

    assert outcomes == {"events applied": 0, "paid": 6, "canceled": 1, "still requires_payment_method": 1}
    statuses = [Payment.objects.get(id=result.payment.id).status for result in results]
    assert statuses == ["paid"] * 6 + ["canceled", "pending"]
    assert [Order.objects.get(id=result.checkout.order.id).status for result in results] == ["paid"] * 6 + [
        "cancelled",
        "pending",
    ]
    product.refresh_from_db()
    assert product.stock_quantity == 20 - 7
    assert payments_reconcile(pending_for=timedelta(0)) == {"events applied": 0, "still requires_payment_method": 1}


def test_expiry_racing_a_late_success_returns_stock_at_most_once(transitions) -> None:
    inbox = webhook_inbox()
    shop = stripe_shop()
    races = 10
    product = stocked_product(shop, stock=races * 2, price="4.00")
    results = [checkout_with_payment(token=cart_with(product, quantity=2).token, **CUSTOMER) for _ in range(races)]

    def pay(payment: Payment) -> str:
        buyer_confirms(intent_id=payment.intent_id, account=payment.stripe_account_id)
        [delivery] = inbox.wait_for(intent_id=payment.intent_id, event_type="payment_intent.succeeded")
        return str(deliver(APIClient(), delivery).status_code)

    calls: list[Callable[[], Any]] = []
    for result in results:
        calls += [partial(pay, result.payment), partial(payment_expire, payment_id=result.payment.id)]
    outcomes = race(calls)
    run_queued_jobs()
    for payment_id in [result.payment.id for result in results]:  # expiry again, and every webhook again
        payment_expire(payment_id=payment_id)
    for delivery in list(inbox.deliveries):
        if delivery.intent_id in {result.payment.intent_id for result in results}:
            deliver(APIClient(), delivery)
    run_queued_jobs()

    paid = cancelled = 0
    for index, result in enumerate(results):
        payment = Payment.objects.get(id=result.payment.id)
        order = Order.objects.get(id=result.checkout.order.id)
        buyer, expiry = outcomes[2 * index], outcomes[2 * index + 1]
        if payment.status == PaymentStatus.PAID:
            paid += 1
            assert (order.status, buyer, expiry) == (OrderStatus.PAID, "200", "paid")
        else:
            cancelled += 1
            assert (payment.status, order.status, expiry) == (PaymentStatus.CANCELED, OrderStatus.CANCELLED, "canceled")
            assert "InvalidRequestError" in type(buyer).__name__, buyer  # Stripe refused to confirm a cancelled intent
    print(f"expiry race: {paid} paid, {cancelled} cancelled")
    assert paid + cancelled == races
    product.refresh_from_db()
    assert product.stock_quantity == races * 2 - paid * 2  # each cancelled order's stock back exactly once
    assert set(transitions.values()) == {1}
