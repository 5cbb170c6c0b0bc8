"""JSON shapes of payments: what the checkout answer adds (`payment`), the owner's view of a payment and of the
shop's payment settings. Amounts are decimal strings in the order's currency, as the order's are."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.models import Payment, Provider, Refund, ShopPaymentSettings
from payments.money import from_stripe_amount
from shops.currencies import currency_exponent, quantize_for_currency


def money(minor: int, currency: str) -> str:
    """Stripe's minor units as the order's decimal string ("35.00", "1200", "1.250")."""
    return str(from_stripe_amount(minor, currency).quantize(Decimal(1).scaleb(-currency_exponent(currency))))


class StripeNextSerializer(serializers.Serializer):
    client_secret = serializers.CharField()
    publishable_key = serializers.CharField()
    account_id = serializers.CharField()
    payment_intent_id = serializers.CharField()


class CheckoutPaymentSerializer(serializers.Serializer):
    """What the buyer does next: `confirm_card_payment` with Stripe.js (`stripe`: its client secret, our
    publishable key, the shop's connected account), or `follow_instructions` (manual: the shop's text)."""

    provider = serializers.ChoiceField(choices=Provider.choices)
    status = serializers.CharField()
    next_action = serializers.SerializerMethodField()
    instructions = serializers.SerializerMethodField()
    stripe = serializers.SerializerMethodField()

    def get_next_action(self, payment: Payment) -> str:
        return "confirm_card_payment" if payment.provider == Provider.STRIPE else "follow_instructions"

    def get_instructions(self, payment: Payment) -> str:
        if payment.provider != Provider.MANUAL:
            return ""
        if "instructions" in self.context:
            return str(self.context["instructions"])
        shop_settings = ShopPaymentSettings.objects.filter(shop_id=payment.order.shop_id).first()
        return shop_settings.manual_instructions if shop_settings is not None else ""

    @extend_schema_field(StripeNextSerializer(allow_null=True))
    def get_stripe(self, payment: Payment) -> dict[str, Any] | None:
        if payment.provider != Provider.STRIPE:
            return None
        return {
            "client_secret": payment.client_secret,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "account_id": payment.stripe_account_id,
            "payment_intent_id": payment.intent_id,
        }


class RefundSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    restocked_item_ids = serializers.SerializerMethodField()

    class Meta:
        model = Refund
        fields = ["id", "amount", "reason", "stripe_refund_id", "restocked_item_ids", "created_at"]

    def get_amount(self, refund: Refund) -> str:
        return money(refund.amount, refund.payment.currency)

    def get_restocked_item_ids(self, refund: Refund) -> list[int]:
        return sorted(item.id for item in refund.restocked_items.all())


class PaymentSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    refunded_amount = serializers.SerializerMethodField()
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "order_id",
            "provider",
            "status",
            "currency",
            "amount",
            "refunded_amount",
            "intent_id",
            "failed_attempts",
            "failure_message",
            "is_disputed",
            "dispute_status",
            "note",
            "refunds",
            "created_at",
            "updated_at",
        ]

    def get_amount(self, payment: Payment) -> str:
        return str(quantize_for_currency(payment.order.total_amount, payment.currency))

    def get_refunded_amount(self, payment: Payment) -> str:
        return money(payment.refunded_amount, payment.currency)


class PaymentSettingsSerializer(serializers.ModelSerializer):
    stripe_available = serializers.SerializerMethodField()

    class Meta:
        model = ShopPaymentSettings
        fields = [
            "manual_enabled",
            "manual_instructions",
            "stripe_enabled",
            "stripe_account_id",
            "stripe_charges_enabled",
            "stripe_available",
        ]

    def get_stripe_available(self, shop_settings: ShopPaymentSettings) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)
