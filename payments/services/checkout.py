"""Checkout with payment: the order (orders.services.checkout, stock taken under lock) and its payment in one
transaction, then, for Stripe, its PaymentIntent created after the commit (no lock is held over the network)."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.plans import platform_fee_basis_points
from api.compiled import CompiledInsert
from orders.models import Order
from orders.services.checkout import CheckoutResult, cart_checkout_in_transaction
from payments import gateway
from payments.models import Payment, Provider, ShopPaymentSettings
from payments.money import AmountNotChargeable, stripe_exponent, to_stripe_amount
from payments.services.settings import payment_settings_get
from shops.currencies import currency_exponent

BASIS_POINTS = 10_000
# A checkout's payment row, its INSERT compiled once per process (api.compiled).
_PAYMENT_INSERT = CompiledInsert(Payment)


@dataclass(frozen=True)
class CheckoutWithPayment:
    checkout: CheckoutResult
    payment: Payment
    instructions: str  # the shop's manual payment instructions


def providers_offered(*, shop_settings: ShopPaymentSettings) -> list[str]:
    """What the shop takes, Stripe first (the buyer picks among these only)."""
    offered: list[str] = []
    if gateway.stripe_available() and shop_settings.stripe_enabled and shop_settings.stripe_charges_enabled:
        offered.append(Provider.STRIPE)
    if shop_settings.manual_enabled:
        offered.append(Provider.MANUAL)
    return offered


def application_fee(*, amount: int, currency: str, basis_points: int) -> int:
    """The platform's fee, rounded down to what Stripe takes in the currency (integers only)."""
    fee = amount * basis_points // BASIS_POINTS
    step = 10 if stripe_exponent(currency) == 3 else 100 if currency.upper() == "ISK" else 1
    return fee - fee % step


def _payment_create(*, order: Order, provider: str | None, shop_settings: ShopPaymentSettings) -> Payment:
    offered = providers_offered(shop_settings=shop_settings)
    if not offered:
        raise ValidationError({"payment_provider": ["This shop takes no payments yet."]})
    chosen = provider or offered[0]
    if chosen not in offered:
        raise ValidationError({"payment_provider": [f"This shop takes: {', '.join(offered)}."]})
    payment = Payment(order=order, provider=chosen, currency=order.currency)
    if chosen == Provider.STRIPE:
        try:
            payment.amount = to_stripe_amount(order.total_amount, order.currency)
        except AmountNotChargeable as error:
            raise ValidationError({"payment_provider": [str(error)]}) from None
        payment.stripe_account_id = shop_settings.stripe_account_id
        payment.application_fee_amount = application_fee(
            amount=payment.amount, currency=order.currency, basis_points=platform_fee_basis_points(order.shop.owner)
        )
    else:
        # In the currency's ISO minor units (the seller is paid outside Stripe; no Stripe rule applies).
        payment.amount = int(order.total_amount.scaleb(currency_exponent(order.currency)))
    _PAYMENT_INSERT.insert([payment])  # no signals either way: nothing listens to a payment's save
    return payment


def checkout_with_payment(*, token: str, payment_provider: str | None = None, **fields: Any) -> CheckoutWithPayment:
    """Checkout (orders.services.checkout.cart_checkout takes `fields`) and the order's payment. A replay (same
    idempotency key) returns the first order and its payment, whatever `payment_provider` says now. For Stripe,
    the PaymentIntent is created after the commit; if Stripe does not answer, DependencyUnavailable (503): the
    order is kept pending (its stock taken) and a retry with the same idempotency key creates the intent."""
    with transaction.atomic():
        result = cart_checkout_in_transaction(token=token, **fields)
        shop_settings = payment_settings_get(shop=result.order.shop)
        payment = None if result.created else Payment.objects.filter(order=result.order).first()
        if payment is None:  # a new order (or one from before payments existed)
            payment = _payment_create(order=result.order, provider=payment_provider, shop_settings=shop_settings)
    if payment.provider == Provider.STRIPE and not payment.intent_id:
        payment = payment_intent_ensure(payment_id=payment.id)
    return CheckoutWithPayment(checkout=result, payment=payment, instructions=shop_settings.manual_instructions)


@transaction.atomic
def payment_intent_ensure(*, payment_id: int) -> Payment:
    """The payment's PaymentIntent, created once: the payment's row is locked over the call (only this
    payment's; no event can concern an intent that does not exist yet) and Stripe's idempotency key is derived
    from its id."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("order").get(id=payment_id)
    if payment.intent_id:
        return payment
    intent = gateway.intent_create(
        payment_id=payment.id,
        order_id=payment.order_id,
        amount=payment.amount,
        currency=payment.currency,
        account=payment.stripe_account_id,
        application_fee_amount=payment.application_fee_amount,
    )
    payment.intent_id = intent.id
    payment.client_secret = intent.client_secret or ""
    payment.save(update_fields=["intent_id", "client_secret", "updated_at"])
    return payment
