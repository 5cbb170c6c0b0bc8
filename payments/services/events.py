"""Stripe events in: verified with the SDK, stored once by id, applied once (the event's row is locked and
marked applied in the transaction that applies it). An event whose payment is not visible yet (its checkout
has not committed) stays unapplied and is applied again later (`events_apply_pending`)."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from payments import gateway
from payments.models import Payment, ShopPaymentSettings, StripeEvent
from payments.services import state
from payments.services.settings import stripe_account_update

WAITING = "waiting: no payment for this intent yet"


class InvalidWebhook(Exception):
    """The payload is not an event signed with our webhook secret within the tolerance."""


@dataclass(frozen=True)
class Received:
    event: StripeEvent
    created: bool  # False: this event id was received before (a redelivery)


def event_receive(*, payload: bytes, signature: str) -> Received:
    """Verify the signature and store the event (once per id) with the job that applies it
    (`payments.apply_event`, in the same transaction). InvalidWebhook when the signature is missing, wrong or
    stale, or the payload is not an event: nothing is written then."""
    if not signature:
        raise InvalidWebhook("Missing Stripe-Signature header.")
    try:
        event = gateway.event_construct(payload=payload, signature=signature)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidWebhook(str(error)) from None
    body = json.loads(payload)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise InvalidWebhook("Not an event.")
    existing = StripeEvent.objects.filter(event_id=event.id).first()
    if existing is not None:
        return Received(event=existing, created=False)
    try:
        with transaction.atomic():
            stored = StripeEvent.objects.create(
                event_id=event.id, type=str(event.type), account=body.get("account") or "", payload=body
            )
            app.configure_task("payments.apply_event").defer(event_id=stored.id)
    except IntegrityError:  # the same event delivered twice at once: the other delivery stored it
        return Received(event=StripeEvent.objects.get(event_id=event.id), created=False)
    return Received(event=stored, created=True)


def _intent_of(event_type: str, obj: dict[str, Any]) -> str:
    if event_type.startswith("payment_intent."):
        return str(obj.get("id") or "")
    intent = obj.get("payment_intent")
    return str(intent.get("id") if isinstance(intent, dict) else intent or "")


def _payment_of(event: StripeEvent, obj: dict[str, Any]) -> Payment | None:
    intent_id = _intent_of(event.type, obj)
    if not intent_id:
        return None
    payment = Payment.objects.filter(intent_id=intent_id).first()
    if payment is not None:
        return payment
    # Our process may have stopped between Stripe's answer and recording the intent: the metadata says whose.
    payment_id = str((obj.get("metadata") or {}).get("payment_id") or "")
    if event.type.startswith("payment_intent.") and payment_id.isdigit():
        updated = Payment.objects.filter(id=int(payment_id), intent_id="").update(intent_id=intent_id)
        if updated:
            return Payment.objects.get(id=int(payment_id))
    return None


def _succeeded(payment: Payment, obj: dict[str, Any]) -> str:
    return state.payment_mark_paid(payment_id=payment.id, amount=int(obj["amount"]), currency=str(obj["currency"]))


def _failed(payment: Payment, obj: dict[str, Any]) -> str:
    error = obj.get("last_payment_error") or {}
    return state.payment_record_failure(payment_id=payment.id, message=str(error.get("message") or "declined"))


def _canceled(payment: Payment, obj: dict[str, Any]) -> str:
    return state.payment_mark_canceled(payment_id=payment.id)


def _refunded(payment: Payment, obj: dict[str, Any]) -> str:
    return state.payment_record_refunded(payment_id=payment.id, refunded_total=int(obj["amount_refunded"]))


def _disputed(payment: Payment, obj: dict[str, Any]) -> str:
    return state.payment_record_dispute(payment_id=payment.id, dispute_status=str(obj.get("status") or "open"))


PAYMENT_EVENTS: dict[str, Callable[[Payment, dict[str, Any]], str]] = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _failed,
    "payment_intent.canceled": _canceled,
    "charge.refunded": _refunded,
    "charge.dispute.created": _disputed,
    "charge.dispute.updated": _disputed,
    "charge.dispute.closed": _disputed,
}


def _apply(event: StripeEvent) -> str | None:
    """What applying the event did, or None when it must wait (its payment is not visible yet)."""
    obj = event.payload["data"].get("object") or {}
    if event.type == "account.updated":
        if not ShopPaymentSettings.objects.filter(stripe_account_id=obj.get("id") or "-").exists():
            return "ignored: unknown account"
        stripe_account_update(account_id=obj["id"], charges_enabled=bool(obj.get("charges_enabled")))
        return "account updated"
    handler = PAYMENT_EVENTS.get(event.type)
    if handler is None:
        return f"ignored: {event.type} is not used"
    payment = _payment_of(event, obj)
    if payment is None:
        return None
    if event.account and payment.stripe_account_id and event.account != payment.stripe_account_id:
        return "ignored: another account's intent"
    return handler(payment, obj)


@transaction.atomic
def event_apply(*, event_id: int) -> str:
    """Apply the stored event once. Returns what it did (also kept in `outcome`)."""
    event = StripeEvent.objects.select_for_update().get(id=event_id)
    if event.applied_at is not None:
        return event.outcome
    outcome = _apply(event)
    if outcome is None:
        event.outcome = WAITING
        event.save(update_fields=["outcome"])
        return WAITING
    event.outcome = outcome[:255]
    event.applied_at = timezone.now()
    event.save(update_fields=["outcome", "applied_at"])
    return event.outcome


def events_apply_pending(*, received_before: timedelta = timedelta(0)) -> int:
    """Apply every stored event not applied yet (received at least `received_before` ago); how many applied."""
    cutoff = timezone.now() - received_before
    applied = 0
    for event_id in StripeEvent.objects.filter(applied_at__isnull=True, received_at__lte=cutoff).values_list(
        "id", flat=True
    ):
        if event_apply(event_id=event_id) != WAITING:
            applied += 1
    return applied
