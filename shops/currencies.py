"""ISO 4217 currencies (the iso4217 package): which codes exist and how many decimals each uses."""

from decimal import Decimal
from functools import cache

from django.core.exceptions import ValidationError
from iso4217 import Currency


@cache
def currency_exponents() -> dict[str, int]:
    """Code -> number of decimal places, for every currency that has minor units defined (not funds or metals)."""
    return {currency.code: currency.exponent for currency in Currency if currency.exponent is not None}


def validate_currency_code(value: str) -> None:
    if value not in currency_exponents():
        raise ValidationError(f"'{value}' is not an ISO 4217 currency code.", code="invalid_currency")


def currency_exponent(code: str) -> int:
    return currency_exponents().get(code, 2)


def amount_fits_currency(amount: Decimal, code: str) -> bool:
    """Whether `amount` has no more decimal places than `code` allows (12.50 fits USD; 12.505 does not)."""
    step = Decimal(1).scaleb(-currency_exponent(code))
    return amount == amount.quantize(step)


@cache
def _smallest_unit(code: str) -> Decimal:
    return Decimal(1).scaleb(-currency_exponent(code))


def quantize_for_currency(amount: Decimal, code: str) -> Decimal:
    return amount.quantize(_smallest_unit(code))
