"""Nothing stuck: unpaid card orders expire, and pending payments are brought to what Stripe says.

Expiry cancels the PaymentIntent at Stripe first: once Stripe has cancelled it no success can land, so the
order is cancelled and its stock returned (once: order_status_change locks the order and returns only lines
still holding stock). If Stripe refuses to cancel because the intent succeeded, the payment is marked paid
instead. Reconciliation reads the intents of payments pending longer than a webhook takes and applies what
Stripe says, so lost webhooks heal; it also applies stored events left waiting and sends refunds left unsent.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from payments import gateway
from payments.models import Payment, PaymentStatus, Provider, Refund
from payments.services import state
from payments.services.events import events_apply_pending
from payments.services.refund_send import refund_send

# A payment pending longer than this is asked about (a webhook normally arrives within seconds).
RECONCILE_AFTER = timedelta(minutes=2)


def payment_sync(*, payment_id: int) -> str:
    """Read the payment's intent from Stripe and apply its state (succeeded, cancelled, failed attempt)."""
    payment = Payment.objects.get(id=payment_id)
    if payment.status != PaymentStatus.PENDING or not payment.intent_id:
        return f"ignored: {payment.status}"
    intent = gateway.intent_retrieve(intent_id=payment.intent_id, account=payment.stripe_account_id)
    if intent.status == "succeeded":
        return state.payment_mark_paid(payment_id=payment.id, amount=intent.amount, currency=intent.currency)
    if intent.status == "canceled":
        return state.payment_mark_canceled(payment_id=payment.id)
    return f"still {intent.status}"


def payment_expire(*, payment_id: int) -> str:
    """Cancel the intent at Stripe, then the order (stock returned once); paid instead if it succeeded."""
    payment = Payment.objects.get(id=payment_id)
    if payment.status != PaymentStatus.PENDING:
        return f"ignored: {payment.status}"
    if payment.intent_id:
        canceled = gateway.intent_cancel(
            payment_id=payment.id, intent_id=payment.intent_id, account=payment.stripe_account_id
        )
        if canceled is None:  # it can no longer be cancelled: it succeeded (or was cancelled already)
            return payment_sync(payment_id=payment.id)
    return state.payment_mark_canceled(payment_id=payment.id)


def payments_expire() -> dict[str, int]:
    """Expire every Stripe payment pending longer than PAYMENT_TIMEOUT_MINUTES. Returns outcome -> count.
    Manual payments (a bank transfer takes days) are left to the seller."""
    cutoff = timezone.now() - timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)
    outcomes: dict[str, int] = {}
    for payment_id in Payment.objects.filter(
        status=PaymentStatus.PENDING, provider=Provider.STRIPE, created_at__lt=cutoff
    ).values_list("id", flat=True):
        outcome = payment_expire(payment_id=payment_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def payments_reconcile(*, pending_for: timedelta = RECONCILE_AFTER) -> dict[str, int]:
    """Bring every Stripe payment pending longer than `pending_for` to its intent's state; apply waiting
    events; send unsent refunds. Returns outcome -> count."""
    outcomes: dict[str, int] = {"events applied": events_apply_pending()}
    cutoff = timezone.now() - pending_for
    for payment_id in (
        Payment.objects.filter(status=PaymentStatus.PENDING, provider=Provider.STRIPE, created_at__lt=cutoff)
        .exclude(intent_id="")
        .values_list("id", flat=True)
    ):
        outcome = payment_sync(payment_id=payment_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    for refund_id in Refund.objects.filter(Q(stripe_refund_id=""), created_at__lt=cutoff).values_list("id", flat=True):
        refund_send(refund_id=refund_id)
        outcomes["refunds sent"] = outcomes.get("refunds sent", 0) + 1
    return outcomes
