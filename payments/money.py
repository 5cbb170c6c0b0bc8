"""Amounts as Stripe takes them: a Decimal in the currency's units -> an integer of Stripe's minor units, exact.

ISO 4217 says how many decimals a currency has (shops.currencies); Stripe's API mostly agrees, except for what
its "Supported currencies" page lists (https://docs.stripe.com/currencies):
- zero-decimal currencies: the amount is in whole units (500 JPY is 500), whatever ISO says (MGA has 2 in ISO);
- three-decimal currencies (BHD, JOD, KWD, OMR, TND): thousandths, and the last digit must be 0;
- ISK: two decimals in the API but whole krónur only (an amount divisible by 100);
- HUF and TWD: two decimals for charges (only payouts must be whole units), so nothing special here.
An amount that Stripe cannot take exactly is refused (never rounded: the buyer pays the order's total, to the
unit). No float is ever involved.
"""

from decimal import Decimal

from shops.currencies import currency_exponent

STRIPE_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Two decimals in the API, whole units only: the amount must be a multiple of 100.
STRIPE_WHOLE_UNITS_IN_TWO_DECIMALS = frozenset({"ISK"})


class AmountNotChargeable(ValueError):
    """Stripe cannot take this amount in this currency exactly."""


def stripe_exponent(currency: str) -> int:
    """The number of decimals of Stripe's minor unit for `currency` (ISO 4217 code, any case)."""
    code = currency.upper()
    if code in STRIPE_ZERO_DECIMAL:
        return 0
    if code in STRIPE_THREE_DECIMAL:
        return 3
    if code in STRIPE_WHOLE_UNITS_IN_TWO_DECIMALS:
        return 2
    return currency_exponent(code)


def _step(currency: str) -> int:
    """What every amount in Stripe's minor units must be a multiple of."""
    code = currency.upper()
    if code in STRIPE_THREE_DECIMAL:
        return 10
    if code in STRIPE_WHOLE_UNITS_IN_TWO_DECIMALS:
        return 100
    return 1


def to_stripe_amount(amount: Decimal, currency: str) -> int:
    """`amount` (units of `currency`) in Stripe's minor units, exactly; AmountNotChargeable when it has more
    precision than Stripe takes in that currency, or is negative."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise AmountNotChargeable(f"{amount!r} is not a finite Decimal.")
    scaled = amount.scaleb(stripe_exponent(currency))
    minor = int(scaled)
    if minor != scaled or minor < 0 or minor % _step(currency):
        raise AmountNotChargeable(f"Stripe cannot charge exactly {amount} {currency.upper()}.")
    return minor


def from_stripe_amount(minor: int, currency: str) -> Decimal:
    """Stripe's minor units back to a Decimal in units of `currency` (exact)."""
    return Decimal(minor).scaleb(-stripe_exponent(currency))
