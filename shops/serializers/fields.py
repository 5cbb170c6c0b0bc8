"""Field helpers of the shop serializers: money with the currency's decimals (`money`, `MoneyField`),
optional formats."""

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_attribute

from shops.currencies import quantize_for_currency


def datetime_text(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """As DRF's DateTimeField writes it, for JSON built by plain code: in the current time zone (`zone` when the
    caller has it), ISO 8601, UTC as "Z"."""
    if value is None:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def money(amount: Decimal | None, currency: str) -> str | None:
    """A decimal string with the currency's own number of decimals: "12.50" USD, "1200" JPY, "1.250" KWD."""
    return None if amount is None else str(quantize_for_currency(amount, currency))


@extend_schema_field({"type": "string", "nullable": True})
class MoneyField(serializers.Field):
    """An amount read from the object as `money` writes it, with the currency at the dotted path `currency`
    of the same object (`MoneyField(currency="order.currency")`). Output only."""

    def __init__(self, *, currency: str, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)
        self.currency_attrs = currency.split(".")

    def get_attribute(self, instance: Any) -> tuple[Decimal | None, str]:
        return super().get_attribute(instance), get_attribute(instance, self.currency_attrs)

    def to_representation(self, value: tuple[Decimal | None, str]) -> str | None:
        amount, currency = value
        return money(amount, currency)


@extend_schema_field({"type": "string", "anyOf": [{"format": "email"}, {"maxLength": 0}]})
class BlankOrEmailField(serializers.CharField):
    """An email address, or "" when none is given (the format of an EmailField alone refuses "")."""


@extend_schema_field({"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}]})
class BlankOrUrlField(serializers.CharField):
    """A URL, or "" when none is given (the format of a URLField alone refuses "")."""


class StockQuantityWhenShownField(serializers.IntegerField):
    """The exact stock when the shop shows stock quantities; otherwise 0 or HIDDEN_STOCK_QUANTITY (the
    serializer sets it). For output only."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            help_text="The exact stock when the shop shows stock quantities; otherwise 0 when none can be bought "
            "and 99 when some can (the count is not told).",
            **kwargs,
        )
