"""The whole card flow against localstripe through the official SDK: checkout -> the buyer confirms -> Stripe's
signed webhook -> the order is paid; refund -> webhook -> refunded. And the manual provider."""

from decimal import Decimal

import pytest

from jobs.tests.running import queued_task_names, run_queued_jobs
from mail.tests.inbox import inbox as mail_inbox
from orders.models import Order, OrderItem, OrderStatus
from orders.tests.endpoints import CUSTOMER, checkout_url
from payments import gateway
from payments.models import Payment, PaymentStatus, Refund, StripeEvent
from payments.services.refunds import refund_create
from payments.services.settings import payment_settings_update
from payments.tests.factories import cart_with, stocked_product, stripe_shop
from payments.tests.localstripe import buyer_confirms, deliver, webhook_inbox
from shops.tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def test_card_checkout_then_confirmation_then_webhook_makes_the_order_paid(api_client, settings) -> None:
    inbox = webhook_inbox()
    shop = stripe_shop(currency="EUR")
    product = stocked_product(shop, stock=5, price="12.50")
    cart = cart_with(product, quantity=2)

    response = api_client.post(checkout_url(cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="c-1")

    assert response.status_code == 201
    order = Order.objects.get()
    payment = Payment.objects.get()
    assert response.json()["payment"] == {
        "provider": "stripe",
        "status": "pending",
        "next_action": "confirm_card_payment",
        "instructions": "",
        "stripe": {
            "client_secret": payment.client_secret,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "account_id": shop.payment_settings.stripe_account_id,
            "payment_intent_id": payment.intent_id,
        },
    }
    assert response.json()["total_amount"] == "25.00"
    assert (payment.amount, payment.currency, payment.application_fee_amount) == (2500, "EUR", 50)
    assert payment.client_secret.startswith(f"{payment.intent_id}_secret_")
    product.refresh_from_db()
    assert product.stock_quantity == 3
    mail_inbox().clear()
    assert run_queued_jobs() == ["mail.deliver", "mail.deliver"]
    buyer, seller = CUSTOMER["customer_email"], shop.owner.email
    number = order.order_number
    assert sorted((m.envelope_to[0], m.subject) for m in mail_inbox().messages()) == sorted(
        [(buyer, f"Your order {number} at {shop.name}"), (seller, f"New order {number} at {shop.name}: 25.00 EUR")]
    )

    buyer_confirms(intent_id=payment.intent_id, account=payment.stripe_account_id)
    [succeeded] = inbox.wait_for(intent_id=payment.intent_id, event_type="payment_intent.succeeded")
    answer = deliver(api_client, succeeded)
    assert queued_task_names() == ["payments.apply_event"]
    mail_inbox().clear()
    run_queued_jobs()
    assert sorted((m.envelope_to[0], m.subject) for m in mail_inbox().messages()) == sorted(
        [(buyer, f"Payment received for order {number}"), (seller, f"Order {number} is paid")]
    )

    assert (answer.status_code, answer.json()) == (200, {"received": True})
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (OrderStatus.PAID, PaymentStatus.PAID)
    event = StripeEvent.objects.get()
    assert (event.type, event.outcome, event.applied_at is not None) == ("payment_intent.succeeded", "paid", True)

    refund_create(payment=payment, amount=Decimal("25.00"), idempotency_key="r-1", restock_item_ids=[])
    [refunded] = inbox.wait_for(intent_id=payment.intent_id, event_type="charge.refunded")
    assert deliver(api_client, refunded).status_code == 200
    mail_inbox().clear()
    run_queued_jobs()
    assert sorted((m.envelope_to[0], m.subject) for m in mail_inbox().messages()) == sorted(
        [(buyer, f"Order {number} has been refunded"), (seller, f"Order {number} has been refunded")]
    )

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status, payment.refunded_amount) == (OrderStatus.REFUNDED, "refunded", 2500)
    assert StripeEvent.objects.get(type="charge.refunded").outcome == "ignored: nothing new"
    assert list(Refund.objects.values_list("amount", "idempotency_key")) == [(2500, "r-1")]
    product.refresh_from_db()
    assert product.stock_quantity == 3  # the seller returned no line to stock


def test_a_refund_made_outside_the_api_arrives_by_webhook_only(api_client) -> None:
    inbox = webhook_inbox()
    shop = stripe_shop()
    cart = cart_with(stocked_product(shop, stock=5, price="10.00"))
    api_client.post(checkout_url(cart.token), CUSTOMER, format="json")
    payment = Payment.objects.get()
    buyer_confirms(intent_id=payment.intent_id, account=payment.stripe_account_id)
    deliver(api_client, inbox.wait_for(intent_id=payment.intent_id, event_type="payment_intent.succeeded")[0])
    run_queued_jobs()
    gateway.refund_create(refund_id=999_999, intent_id=payment.intent_id, amount=400, account="")  # the dashboard
    [refunded] = inbox.wait_for(intent_id=payment.intent_id, event_type="charge.refunded")

    deliver(api_client, refunded)
    deliver(api_client, refunded)
    mail_inbox().clear()
    run_queued_jobs()

    number = Order.objects.get().order_number
    assert sorted((m.envelope_to[0], m.subject) for m in mail_inbox().messages()) == sorted(
        [
            (CUSTOMER["customer_email"], f"Order {number} has been partly refunded"),
            (shop.owner.email, f"Order {number} has been partly refunded"),
        ]
    )
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, 400)
    assert Order.objects.get().status == OrderStatus.PAID
    assert StripeEvent.objects.filter(type="charge.refunded").count() == 1


def test_a_shop_without_stripe_answers_its_manual_instructions(api_client) -> None:
    shop = ShopFactory()
    payment_settings_update(shop=shop, manual_instructions="IBAN DE00 1234, reference: your order number")
    cart = cart_with(stocked_product(shop, stock=1, price="3.00"))

    response = api_client.post(checkout_url(cart.token), CUSTOMER, format="json")

    assert response.status_code == 201
    assert response.json()["payment"] == {
        "provider": "manual",
        "status": "pending",
        "next_action": "follow_instructions",
        "instructions": "IBAN DE00 1234, reference: your order number",
        "stripe": None,
    }
    payment = Payment.objects.get()
    assert (payment.provider, payment.amount, payment.intent_id) == ("manual", 300, "")


def test_the_buyer_cannot_pick_a_provider_the_shop_does_not_take(api_client) -> None:
    shop = ShopFactory()
    cart = cart_with(stocked_product(shop, stock=1))

    response = api_client.post(checkout_url(cart.token), {**CUSTOMER, "payment_provider": "stripe"}, format="json")

    assert (response.status_code, response.json()) == (400, {"payment_provider": ["This shop takes: manual."]})
    assert (Order.objects.count(), Payment.objects.count(), OrderItem.objects.count()) == (0, 0, 0)


def test_a_total_stripe_cannot_charge_exactly_is_refused_and_nothing_is_written(api_client) -> None:
    shop = stripe_shop(currency="KWD")
    cart = cart_with(stocked_product(shop, stock=3, price="1.255"))

    response = api_client.post(checkout_url(cart.token), CUSTOMER, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"payment_provider": ["Stripe cannot charge exactly 1.255 KWD."]},
    )
    assert (Order.objects.count(), Payment.objects.count()) == (0, 0)
    assert cart.items.get().product.stock_quantity == 3


def test_a_replayed_checkout_returns_the_same_intent(api_client) -> None:
    shop = stripe_shop()
    cart = cart_with(stocked_product(shop, stock=3))
    first = api_client.post(checkout_url(cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k")

    second = api_client.post(checkout_url(cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert (first.status_code, second.status_code, second["Idempotent-Replayed"]) == (201, 201, "true")
    assert second.json() == first.json()
    assert Payment.objects.count() == 1


def test_stripe_down_at_checkout_is_a_503_that_keeps_the_order_and_a_retry_creates_the_intent(
    api_client, settings
) -> None:
    shop = stripe_shop()
    cart = cart_with(stocked_product(shop, stock=2, price="7.00"))
    reachable = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    down = api_client.post(checkout_url(cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert down.status_code == 503
    payment = Payment.objects.get()
    assert (payment.intent_id, Order.objects.get().status) == ("", "pending")
    settings.STRIPE_API_BASE = reachable

    retried = api_client.post(checkout_url(cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k")

    payment.refresh_from_db()
    assert (retried.status_code, retried["Idempotent-Replayed"]) == (201, "true")
    assert retried.json()["payment"]["stripe"]["payment_intent_id"] == payment.intent_id != ""
    assert Order.objects.count() == 1
