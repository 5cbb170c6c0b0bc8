"""The payment state machine: every change of a payment's state goes through here, under the payment's row
lock, and only moves forward, so duplicated, reordered and replayed events change nothing the second time.

    pending -> paid -> partially_refunded -> refunded
    pending -> canceled                     (the intent cancelled: the order is cancelled, its stock returned)
    canceled -> refunded                    (a success that lands after cancellation is refunded in full)

The order follows through orders.services.orders.order_status_change: paid -> the order paid (if it is still
pending), canceled -> the order cancelled, refunded in full -> the order refunded. A failed attempt is no
state (the buyer may try another card on the same intent): it is counted and `payment_failed_notify` is called.
"""

import logging

from django.db import transaction
from procrastinate.contrib.django import app

from orders.mails import order_payment_mails_queue
from orders.models import Order, OrderStatus
from orders.services.orders import order_status_change
from payments.models import Payment, PaymentStatus, Refund

logger = logging.getLogger(__name__)

RANK = {
    PaymentStatus.PENDING: 0,
    PaymentStatus.PAID: 1,
    PaymentStatus.CANCELED: 1,
    PaymentStatus.PARTIALLY_REFUNDED: 2,
    PaymentStatus.REFUNDED: 3,
}
LATE_SUCCESS_REFUND_KEY = "late-success"


def payment_failed_notify(*, payment: Payment) -> None:
    """A card attempt on this payment failed (the intent stays open for another): the buyer's and the seller's
    "payment failed" mails, queued in the transaction that records the attempt (once per failed attempt)."""
    logger.info("Payment %s of order %s: attempt failed (%s)", payment.id, payment.order_id, payment.failure_message)
    order_payment_mails_queue(order=payment.order, outcome="failed")


def payment_lock(*, payment_id: int) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).select_related("order").get(id=payment_id)


def _order_to(order: Order, status: str) -> None:
    order_status_change(order=order, status=status)


@transaction.atomic
def payment_mark_paid(*, payment_id: int, amount: int, currency: str) -> str:
    """The intent succeeded for `amount` (Stripe's minor units) in `currency`. Returns what it did."""
    payment = payment_lock(payment_id=payment_id)
    if amount != payment.amount or currency.upper() != payment.currency:
        logger.warning("Payment %s: Stripe reports %s %s, expected %s", payment.id, amount, currency, payment.amount)
        return f"ignored: amount {amount} {currency.upper()} is not {payment.amount} {payment.currency}"
    if payment.status == PaymentStatus.PENDING and payment.order.status == OrderStatus.CANCELLED:
        return _late_success_refund(payment)
    if payment.status == PaymentStatus.CANCELED:
        return _late_success_refund(payment)
    if payment.status != PaymentStatus.PENDING:
        return f"ignored: already {payment.status}"
    payment.status = PaymentStatus.PAID
    payment.save(update_fields=["status", "updated_at"])
    if payment.order.status == OrderStatus.PENDING:
        _order_to(payment.order, OrderStatus.PAID)
    order_payment_mails_queue(order=payment.order, outcome="paid")
    return "paid"


def _late_success_refund(payment: Payment) -> str:
    """The money arrived for an order that is cancelled (expired, or cancelled by the seller) and whose stock
    went back: the payment is refunded in full (README, "Payments"); the order stays cancelled."""
    refund, _ = Refund.objects.get_or_create(
        payment=payment,
        idempotency_key=LATE_SUCCESS_REFUND_KEY,
        defaults={"amount": payment.amount, "reason": "Paid after the order was cancelled"},
    )
    payment.status = PaymentStatus.REFUNDED
    payment.refunded_amount = payment.amount
    payment.note = "Succeeded after the order was cancelled: refunded in full."
    payment.save(update_fields=["status", "refunded_amount", "note", "updated_at"])
    # Sent by a job written in this transaction (retried while Stripe does not answer).
    app.configure_task("payments.send_refund").defer(refund_id=refund.id)
    return "refunded: succeeded after cancellation"


@transaction.atomic
def payment_mark_canceled(*, payment_id: int) -> str:
    """The intent is cancelled (no success can land any more): the order is cancelled, its stock returned once."""
    payment = payment_lock(payment_id=payment_id)
    if payment.status != PaymentStatus.PENDING:
        return f"ignored: already {payment.status}"
    payment.status = PaymentStatus.CANCELED
    payment.save(update_fields=["status", "updated_at"])
    if payment.order.status == OrderStatus.PENDING:
        _order_to(payment.order, OrderStatus.CANCELLED)
    return "canceled"


@transaction.atomic
def payment_record_failure(*, payment_id: int, message: str) -> str:
    payment = payment_lock(payment_id=payment_id)
    if payment.status != PaymentStatus.PENDING:
        return f"ignored: already {payment.status}"
    payment.failed_attempts += 1
    payment.failure_message = message[:500]
    payment.save(update_fields=["failed_attempts", "failure_message", "updated_at"])
    payment_failed_notify(payment=payment)
    return "failed attempt"


@transaction.atomic
def payment_record_refunded(*, payment_id: int, refunded_total: int) -> str:
    """Stripe says `refunded_total` of the payment has been refunded so far (a total, never a delta: the
    same event twice adds nothing). Refunded in full moves the order to refunded."""
    payment = payment_lock(payment_id=payment_id)
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
        return f"ignored: {payment.status} payments have no refunds"
    if not 0 < refunded_total <= payment.amount:
        return f"ignored: refunded total {refunded_total} out of range"
    if refunded_total <= payment.refunded_amount:
        return "ignored: nothing new"
    payment.refunded_amount = refunded_total
    full = refunded_total == payment.amount
    payment.status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    if full and payment.order.status in (OrderStatus.PAID, OrderStatus.FULFILLED):
        _order_to(payment.order, OrderStatus.REFUNDED)
    order_payment_mails_queue(order=payment.order, outcome="refunded" if full else "partially_refunded")
    return payment.status


@transaction.atomic
def payment_record_dispute(*, payment_id: int, dispute_status: str) -> str:
    """A dispute opened or changed: the payment is flagged (for good: a closed dispute stays on record)."""
    payment = payment_lock(payment_id=payment_id)
    payment.is_disputed = True
    payment.dispute_status = dispute_status[:40]
    payment.save(update_fields=["is_disputed", "dispute_status", "updated_at"])
    return f"disputed: {dispute_status}"
