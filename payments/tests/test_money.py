"""Order totals in Stripe's minor units: exact for random carts in every ISO 4217 currency (every exponent),
with Stripe's zero-, three-decimal and whole-króna rules; never a float."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payments.money import (
    STRIPE_THREE_DECIMAL,
    STRIPE_ZERO_DECIMAL,
    AmountNotChargeable,
    from_stripe_amount,
    stripe_exponent,
    to_stripe_amount,
)
from shops.currencies import currency_exponents

CURRENCIES = sorted(currency_exponents())


@st.composite
def carts(draw: st.DrawFn) -> tuple[str, Decimal, list[tuple[Decimal, int]]]:
    """A currency, and lines of (unit price with the currency's ISO decimals, quantity), as checkout sums them."""
    currency = draw(st.sampled_from(CURRENCIES))
    decimals = currency_exponents()[currency]
    lines = draw(
        st.lists(
            st.tuples(st.integers(min_value=0, max_value=10**9 - 1), st.integers(min_value=1, max_value=100)),
            min_size=1,
            max_size=100,
        )
    )
    priced = [(Decimal(minor).scaleb(-decimals), quantity) for minor, quantity in lines]
    total = sum((price * quantity for price, quantity in priced), Decimal(0))
    return currency, total, priced


@settings(max_examples=500, deadline=None)
@given(carts())
def test_the_amount_sent_is_the_order_total_in_minor_units_to_the_unit(cart) -> None:
    currency, total, lines = cart
    exact_minor_units = sum(price * quantity for price, quantity in lines) * 10 ** stripe_exponent(currency)
    try:
        amount = to_stripe_amount(total, currency)
    except AmountNotChargeable:
        # Refused only when Stripe cannot take it exactly: more decimals than Stripe's unit, or off its step.
        step = 10 if currency in STRIPE_THREE_DECIMAL else 100 if currency == "ISK" else 1
        assert exact_minor_units != int(exact_minor_units) or int(exact_minor_units) % step
        return
    assert isinstance(amount, int)
    assert amount == exact_minor_units
    assert from_stripe_amount(amount, currency) == total


def test_every_iso_exponent_is_covered() -> None:
    assert {currency_exponents()[code] for code in CURRENCIES} == {0, 2, 3, 4}


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("12.50", "USD", 1250),
        ("1200", "JPY", 1200),
        ("5000", "KRW", 5000),
        ("1.250", "KWD", 1250),
        ("0.990", "BHD", 990),
        ("10.00", "MGA", 10),  # two decimals in ISO 4217, zero-decimal at Stripe
        ("5000", "UGX", 5000),
        ("5", "ISK", 500),  # two decimals in Stripe's API, whole krónur only
        ("1234.56", "HUF", 123456),  # two-decimal charges (only payouts are whole forints)
        ("99.99", "TWD", 9999),
        ("0.00", "EUR", 0),
    ],
)
def test_stripes_documented_cases(amount: str, currency: str, expected: int) -> None:
    assert to_stripe_amount(Decimal(amount), currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.255", "KWD"), ("10.50", "MGA"), ("5.50", "ISK"), ("12.505", "USD"), ("-1.00", "USD"), ("NaN", "USD")],
)
def test_amounts_stripe_cannot_take_exactly_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(AmountNotChargeable):
        to_stripe_amount(Decimal(amount), currency)


def test_stripes_lists_are_iso_currencies() -> None:
    assert STRIPE_ZERO_DECIMAL | STRIPE_THREE_DECIMAL | {"ISK"} <= set(CURRENCIES)
