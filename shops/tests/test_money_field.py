"""`MoneyField`: the amount at `source` as `money` writes it, in the currency at the dotted path `currency`."""

from decimal import Decimal
from types import SimpleNamespace

from rest_framework import serializers

from shops.serializers import MoneyField


class LineSerializer(serializers.Serializer):
    unit_price = MoneyField(currency="order.currency")
    discount = MoneyField(source="discount_amount", currency="order.currency")


def line(currency: str, price: Decimal, discount: Decimal | None) -> SimpleNamespace:
    return SimpleNamespace(unit_price=price, discount_amount=discount, order=SimpleNamespace(currency=currency))


def test_each_currency_has_its_own_decimals_and_none_stays_none() -> None:
    assert [
        LineSerializer(line(*args)).data
        for args in [
            ("USD", Decimal("12.5"), None),
            ("JPY", Decimal(1200), Decimal(0)),
            ("KWD", Decimal("1.25"), Decimal("0.1")),
        ]
    ] == [
        {"unit_price": "12.50", "discount": None},
        {"unit_price": "1200", "discount": "0"},
        {"unit_price": "1.250", "discount": "0.100"},
    ]


def test_it_is_output_only() -> None:
    data = LineSerializer(data={"unit_price": "1.00"})
    assert (data.is_valid(), data.validated_data) == (True, {})
