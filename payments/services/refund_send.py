"""Sending a recorded refund to Stripe, keyed on its id (a retry never refunds twice)."""

from payments import gateway
from payments.models import Refund


def refund_send(*, refund_id: int) -> Refund:
    """Send the refund to Stripe unless it was sent already; records Stripe's refund id. Not atomic on purpose:
    a network call; a refund left unsent (Stripe down) is sent again by the reconciliation."""
    refund = Refund.objects.select_related("payment").get(id=refund_id)
    if refund.stripe_refund_id or not refund.payment.intent_id:
        return refund
    sent = gateway.refund_create(
        refund_id=refund.id,
        intent_id=refund.payment.intent_id,
        amount=refund.amount,
        account=refund.payment.stripe_account_id,
    )
    Refund.objects.filter(id=refund.id, stripe_refund_id="").update(stripe_refund_id=sent.id)
    refund.stripe_refund_id = sent.id
    return refund
