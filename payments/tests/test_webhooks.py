"""Stripe's webhook endpoint: only events signed with our secret, within the tolerance, get in; each is stored
once and applied once; the state machine only moves forward; amounts and currencies are checked."""

import time
from typing import Any

import pytest

from jobs.tests.running import queued_task_names, run_queued_jobs
from mail.tests.inbox import inbox as mail_inbox
from orders.models import Order, OrderStatus
from orders.services.orders import order_status_change
from orders.tests.endpoints import CUSTOMER, checkout_url
from payments.models import Payment, PaymentStatus, StripeEvent
from payments.tasks import EventWaiting
from payments.tests.factories import cart_with, stocked_product, stripe_shop
from payments.tests.localstripe import buyer_confirms, deliver, signed, webhook_inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def card_payment(api_client) -> Payment:
    shop = stripe_shop()
    api_client.post(
        checkout_url(cart_with(stocked_product(shop, stock=4, price="10.00")).token), CUSTOMER, format="json"
    )
    run_queued_jobs()  # the checkout's mails: the queue starts empty
    return Payment.objects.get()


def intent_event(payment: Payment, event_type: str, **fields: Any) -> dict[str, Any]:
    intent = {"id": payment.intent_id, "object": "payment_intent", "amount": payment.amount, "currency": "usd"}
    return {
        "id": f"evt_{event_type}_{fields.pop('suffix', '')}",
        "type": event_type,
        "data": {"object": {**intent, **fields}},
    }


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Missing Stripe-Signature header."),
        ({"HTTP_STRIPE_SIGNATURE": "t=1,v1=00"}, None),
        ({"HTTP_STRIPE_SIGNATURE": "garbage"}, None),
    ],
)
def test_a_missing_or_wrong_signature_is_a_400_and_nothing_changes(api_client, card_payment, headers, detail) -> None:
    payload = signed(intent_event(card_payment, "payment_intent.succeeded")).payload

    response = api_client.post(
        "/api/v1/payments/stripe/webhook/", data=payload, content_type="application/json", **headers
    )

    assert response.status_code == 400
    if detail:
        assert response.json() == {"detail": detail}
    assert StripeEvent.objects.count() == 0
    card_payment.refresh_from_db()
    assert (card_payment.status, Order.objects.get().status) == ("pending", "pending")


def test_an_event_signed_with_another_secret_is_refused(api_client, card_payment) -> None:
    delivery = signed(intent_event(card_payment, "payment_intent.succeeded"), secret="whsec_someone_else")

    response = deliver(api_client, delivery)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("No signatures found matching the expected signature")
    assert (StripeEvent.objects.count(), Payment.objects.get().status) == (0, "pending")


def test_a_stale_signature_is_refused(api_client, card_payment) -> None:
    delivery = signed(intent_event(card_payment, "payment_intent.succeeded"), at=int(time.time()) - 301)

    response = deliver(api_client, delivery)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Timestamp outside the tolerance zone")
    assert (StripeEvent.objects.count(), Payment.objects.get().status) == (0, "pending")


def test_the_same_event_three_times_is_stored_and_applied_once(api_client, card_payment) -> None:
    inbox = webhook_inbox()
    buyer_confirms(intent_id=card_payment.intent_id, account=card_payment.stripe_account_id)
    [succeeded] = inbox.wait_for(intent_id=card_payment.intent_id, event_type="payment_intent.succeeded")

    answers = [deliver(api_client, succeeded).status_code for _ in range(3)]
    assert queued_task_names() == ["payments.apply_event"]
    run_queued_jobs()

    assert answers == [200, 200, 200]
    assert list(StripeEvent.objects.values_list("type", "outcome")) == [("payment_intent.succeeded", "paid")]
    assert (Payment.objects.get().status, Order.objects.get().status) == ("paid", "paid")


def test_events_out_of_order_never_move_a_payment_back(api_client, card_payment) -> None:
    paid = signed(intent_event(card_payment, "payment_intent.succeeded"))
    failed_late = signed(
        intent_event(card_payment, "payment_intent.payment_failed", last_payment_error={"message": "Declined"})
    )
    canceled_late = signed(intent_event(card_payment, "payment_intent.canceled"))

    for delivery in (paid, failed_late, canceled_late):
        assert deliver(api_client, delivery).status_code == 200
    run_queued_jobs()

    card_payment.refresh_from_db()
    assert (card_payment.status, card_payment.failed_attempts, Order.objects.get().status) == ("paid", 0, "paid")
    assert dict(StripeEvent.objects.values_list("type", "outcome")) == {
        "payment_intent.succeeded": "paid",
        "payment_intent.payment_failed": "ignored: already paid",
        "payment_intent.canceled": "ignored: already paid",
    }


def test_a_success_for_another_amount_or_currency_does_not_pay_the_order(api_client, card_payment) -> None:
    deliver(api_client, signed(intent_event(card_payment, "payment_intent.succeeded", amount=1, suffix="a")))
    deliver(api_client, signed(intent_event(card_payment, "payment_intent.succeeded", currency="eur", suffix="c")))
    run_queued_jobs()

    assert (Payment.objects.get().status, Order.objects.get().status) == ("pending", "pending")
    assert sorted(StripeEvent.objects.values_list("outcome", flat=True)) == [
        "ignored: amount 1 USD is not 1000 USD",
        "ignored: amount 1000 EUR is not 1000 USD",
    ]


def test_a_declined_card_counts_an_attempt_and_mails_the_buyer_and_the_seller(api_client, card_payment) -> None:
    inbox = webhook_inbox()
    mail_inbox().clear()
    with pytest.raises(Exception, match="declined"):
        buyer_confirms(
            intent_id=card_payment.intent_id, account=card_payment.stripe_account_id, card="pm_card_chargeCustomerFail"
        )
    [failed] = inbox.wait_for(intent_id=card_payment.intent_id, event_type="payment_intent.payment_failed")

    deliver(api_client, failed)
    deliver(api_client, failed)  # the same event again: one attempt, one pair of mails
    run_queued_jobs()

    card_payment.refresh_from_db()
    assert (card_payment.status, card_payment.failed_attempts) == ("pending", 1)
    assert card_payment.failure_message == "Your card was declined."
    order = card_payment.order
    assert sorted((m.envelope_to[0], m.subject) for m in mail_inbox().messages()) == sorted(
        [
            (order.customer_email, f"Your payment for order {order.order_number} did not go through"),
            (order.shop.owner.email, f"A payment attempt for order {order.order_number} failed"),
        ]
    )


def test_a_dispute_flags_the_payment_and_leaves_the_order(api_client, card_payment) -> None:
    deliver(api_client, signed(intent_event(card_payment, "payment_intent.succeeded")))
    run_queued_jobs()
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": card_payment.intent_id, "status": "needs_response"}

    deliver(api_client, signed({"id": "evt_dispute", "type": "charge.dispute.created", "data": {"object": dispute}}))
    run_queued_jobs()

    card_payment.refresh_from_db()
    assert (card_payment.is_disputed, card_payment.dispute_status, card_payment.status) == (
        True,
        "needs_response",
        "paid",
    )
    assert Order.objects.get().status == OrderStatus.PAID


def test_an_event_for_an_unknown_intent_waits_unapplied(api_client) -> None:
    event = {"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_unknown", "amount": 5}}}

    response = deliver(api_client, signed(event))
    with pytest.raises(EventWaiting):
        run_queued_jobs()  # the job fails, and is retried with backoff

    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert (stored.applied_at, stored.outcome) == (None, "waiting: no payment for this intent yet")


def test_a_success_after_cancellation_is_refunded_in_full(api_client, card_payment) -> None:
    order_status_change(order=card_payment.order, status=OrderStatus.CANCELLED)  # the seller cancels
    buyer_confirms(intent_id=card_payment.intent_id, account=card_payment.stripe_account_id)
    [succeeded] = webhook_inbox().wait_for(intent_id=card_payment.intent_id, event_type="payment_intent.succeeded")

    deliver(api_client, succeeded)
    # the buyer's "cancelled" mail (it says a payment will be refunded), then the late success and its refund
    assert run_queued_jobs() == ["mail.deliver", "payments.apply_event", "payments.send_refund"]

    card_payment.refresh_from_db()
    assert (card_payment.status, card_payment.refunded_amount) == (PaymentStatus.REFUNDED, 1000)
    assert card_payment.note == "Succeeded after the order was cancelled: refunded in full."
    refund = card_payment.refunds.get()
    assert (refund.amount, refund.stripe_refund_id.startswith("re_")) == (1000, True)
    assert Order.objects.get().status == OrderStatus.CANCELLED
