"""Every call to Stripe, through the official SDK (a `StripeClient` built from the settings), with an
idempotency key derived from our own ids. Nothing else in the project imports `stripe` for API calls."""

from functools import cache
from typing import Any

import stripe
from django.conf import settings

from api.errors import DependencyUnavailable

# Stripe answers in well under a second; a call that hangs fails the request instead of holding a worker.
NETWORK_RETRIES = 2


class StripeNotConfigured(Exception):
    """STRIPE_SECRET_KEY is not set: the platform offers no card payments."""


def stripe_available() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


@cache
def _client(secret_key: str, api_base: str) -> stripe.StripeClient:
    base_addresses: dict[str, str] = {"api": api_base, "connect": api_base} if api_base else {}
    return stripe.StripeClient(
        secret_key,
        base_addresses=base_addresses,  # type: ignore[arg-type]  # a TypedDict of optional strings
        max_network_retries=NETWORK_RETRIES,
    )


def client() -> stripe.StripeClient:
    if not stripe_available():
        raise StripeNotConfigured
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def _options(*, idempotency_key: str = "", account: str = "") -> Any:
    options: dict[str, str] = {}
    if idempotency_key:
        options["idempotency_key"] = idempotency_key
    if account:
        options["stripe_account"] = account
    return options


def _unavailable(error: stripe.StripeError) -> DependencyUnavailable:
    return DependencyUnavailable(f"Stripe did not answer: {error.user_message or error.__class__.__name__}")


def intent_create(
    *, payment_id: int, order_id: int, amount: int, currency: str, account: str, application_fee_amount: int
) -> stripe.PaymentIntent:
    """A PaymentIntent for `amount` on the connected `account` (a direct charge: the money is the seller's,
    the fee the platform's). Keyed on our payment's id: a retry returns the same intent."""
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency.lower(),
        "metadata": {"payment_id": str(payment_id), "order_id": str(order_id)},
    }
    if application_fee_amount:
        params["application_fee_amount"] = application_fee_amount
    try:
        return client().v1.payment_intents.create(
            params=params,  # type: ignore[arg-type]
            options=_options(idempotency_key=f"payment-{payment_id}-intent", account=account),
        )
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
        raise _unavailable(error) from error


def intent_retrieve(*, intent_id: str, account: str) -> stripe.PaymentIntent:
    return client().v1.payment_intents.retrieve(intent_id, options=_options(account=account))


def intent_cancel(*, payment_id: int, intent_id: str, account: str) -> stripe.PaymentIntent | None:
    """Cancel the intent; None when Stripe refuses because it can no longer be cancelled (it succeeded, or
    was cancelled already): the caller reads the intent to learn which."""
    try:
        return client().v1.payment_intents.cancel(
            intent_id, options=_options(idempotency_key=f"payment-{payment_id}-cancel", account=account)
        )
    except stripe.InvalidRequestError:
        return None


def refund_create(*, refund_id: int, intent_id: str, amount: int, account: str) -> stripe.Refund:
    try:
        return client().v1.refunds.create(
            params={"payment_intent": intent_id, "amount": amount},
            options=_options(idempotency_key=f"refund-{refund_id}", account=account),
        )
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
        raise _unavailable(error) from error


def account_create(*, shop_id: int, email: str) -> stripe.Account:
    """An Express connected account for the shop (onboarded on Stripe's own pages)."""
    try:
        params: dict[str, Any] = {"type": "express", "metadata": {"shop_id": str(shop_id)}}
        if email:
            params["email"] = email
        return client().v1.accounts.create(
            params=params,  # type: ignore[arg-type]
            options=_options(idempotency_key=f"shop-{shop_id}-account"),
        )
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
        raise _unavailable(error) from error


def account_retrieve(*, account: str) -> stripe.Account:
    return client().v1.accounts.retrieve(account)


def account_link_create(*, account: str, return_url: str, refresh_url: str) -> stripe.AccountLink:
    try:
        return client().v1.account_links.create(
            params={
                "account": account,
                "return_url": return_url,
                "refresh_url": refresh_url,
                "type": "account_onboarding",
            }
        )
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
        raise _unavailable(error) from error


def event_construct(*, payload: bytes, signature: str) -> stripe.Event:
    """The event, if `signature` (the Stripe-Signature header) signs `payload` with our webhook secret within
    the SDK's tolerance (5 minutes); stripe.SignatureVerificationError or ValueError otherwise."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
