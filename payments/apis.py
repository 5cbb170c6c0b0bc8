"""Payments over HTTP: the checkout (the orders' checkout and the order's payment, composed here because
payments sit above orders), Stripe's webhook, and the owner's payment settings, Connect onboarding, payments
and refunds."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import authenticated_user
from orders import apis as order_apis
from orders import selectors as order_selectors
from orders.serializers import OrderDetailSerializer, order_detail_json
from orders.services import checkout as checkout_services
from payments import selectors
from payments.models import Provider
from payments.serializers import CheckoutPaymentSerializer, PaymentSerializer, PaymentSettingsSerializer
from payments.services import settings as settings_services
from payments.services.checkout import checkout_with_payment
from payments.services.events import InvalidWebhook, event_receive
from payments.services.refunds import refund_create
from shops import selectors as shop_selectors

STRIPE_SIGNATURE_HEADER = "Stripe-Signature"


class CartCheckoutApi(order_apis.CartCheckoutApi):
    class CheckoutWithPaymentInputSerializer(order_apis.CartCheckoutApi.CheckoutInputSerializer):
        payment_provider = serializers.ChoiceField(choices=Provider.choices, required=False, allow_null=True)

    InputSerializer = CheckoutWithPaymentInputSerializer

    class CheckoutOutputSerializer(OrderDetailSerializer):
        """The order, as before, and its payment (the schema of the answer)."""

        payment = CheckoutPaymentSerializer(read_only=True)

        class Meta(OrderDetailSerializer.Meta):
            fields = [*OrderDetailSerializer.Meta.fields, "payment"]

    @extend_schema(
        request=InputSerializer,
        parameters=[
            OpenApiParameter(
                order_apis.IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="A retry with the same key returns the same order and payment (same 201 body, with "
                "`Idempotent-Replayed: true`), never a second order; the same key with a different body is a 422. "
                "Also accepted as `idempotency_key` in the body.",
            )
        ],
        responses={201: CheckoutOutputSerializer, 400: None, 404: None, 409: None, 422: None, 429: None, 503: None},
        description="The order, as before, and `payment`: what the buyer does next. `payment_provider` picks "
        "among what the shop takes (default: Stripe when the shop has it, else manual). With Stripe, a 503 "
        "means Stripe did not answer: the order is kept; retry with the same Idempotency-Key.",
    )
    def post(self, request: Request, token: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {name: value for name, value in data.validated_data.items() if value is not None}
        header_key = request.headers.get(order_apis.IDEMPOTENCY_HEADER, "").strip()
        if len(header_key) > 255:
            raise exceptions.ValidationError({order_apis.IDEMPOTENCY_HEADER: ["At most 255 characters."]})
        if header_key:
            values["idempotency_key"] = header_key
        try:
            result = checkout_with_payment(token=token, **values)
        except checkout_services.IdempotencyKeyConflict:
            raise order_apis.Conflict() from None
        except checkout_services.IdempotencyKeyMismatch:
            raise order_apis.IdempotencyKeyMismatch() from None
        if result.checkout.lines is not None:  # a new order: its answer built from what was written
            order = order_selectors.order_detail_of_written(order=result.checkout.order, lines=result.checkout.lines)
            body = order_detail_json(order, request=request)
        else:
            body = OrderDetailSerializer(
                order_selectors.order_get(order_id=result.checkout.order.id), context={"request": request}
            ).data
        body["payment"] = CheckoutPaymentSerializer(result.payment, context={"instructions": result.instructions}).data
        return Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={} if result.checkout.created else {"Idempotent-Replayed": "true"},
        )


class StripeWebhookApi(APIView):
    """Stripe's events (platform and connected accounts). Public: the signature is the authentication."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=None,
        responses={200: inline_serializer("WebhookAnswer", {"received": serializers.BooleanField()}), 400: None},
        description="Verified with the SDK against STRIPE_WEBHOOK_SECRET (a bad, missing or stale signature is "
        "a 400 and nothing is written); each event is stored once by id and applied once, by a job.",
    )
    def post(self, request: Request) -> Response:
        try:
            event_receive(payload=request.body, signature=request.headers.get(STRIPE_SIGNATURE_HEADER, ""))
        except InvalidWebhook as error:
            raise exceptions.ValidationError({"detail": str(error)}) from None
        return Response({"received": True})


class ShopPaymentsApi(APIView):
    def _shop(self, request: Request, shop_id: int) -> Any:
        return shop_selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)


class PaymentSettingsApi(ShopPaymentsApi):
    class PaymentSettingsInputSerializer(serializers.Serializer):
        manual_enabled = serializers.BooleanField(required=False)
        manual_instructions = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        stripe_enabled = serializers.BooleanField(required=False)

    InputSerializer = PaymentSettingsInputSerializer

    @extend_schema(responses={200: PaymentSettingsSerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int) -> Response:
        shop = self._shop(request, shop_id)
        return Response(PaymentSettingsSerializer(settings_services.payment_settings_get(shop=shop)).data)

    @extend_schema(request=InputSerializer, responses={200: PaymentSettingsSerializer, 400: None, 401: None, 404: None})
    def patch(self, request: Request, shop_id: int) -> Response:
        shop = self._shop(request, shop_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = settings_services.payment_settings_update(shop=shop, **data.validated_data)
        return Response(PaymentSettingsSerializer(updated).data)


class StripeConnectApi(ShopPaymentsApi):
    @extend_schema(
        request=None,
        responses={200: inline_serializer("StripeConnectLink", {"url": serializers.URLField()}), 400: None, 401: None},
        description="Start (or resume) the shop's Stripe onboarding: open `url` in the seller's browser; Stripe "
        "sends them back to the dashboard's payments page.",
    )
    def post(self, request: Request, shop_id: int) -> Response:
        return Response({"url": settings_services.stripe_connect_start(shop=self._shop(request, shop_id))})


class StripeAccountRefreshApi(ShopPaymentsApi):
    @extend_schema(request=None, responses={200: PaymentSettingsSerializer, 401: None, 404: None})
    def post(self, request: Request, shop_id: int) -> Response:
        updated = settings_services.stripe_account_refresh(shop=self._shop(request, shop_id))
        return Response(PaymentSettingsSerializer(updated).data)


class OrderPaymentApi(ShopPaymentsApi):
    @extend_schema(responses={200: PaymentSerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int, order_id: int) -> Response:
        payment = selectors.payment_get_for_owner(shop=self._shop(request, shop_id), order_id=order_id)
        return Response(PaymentSerializer(payment).data)


class OrderRefundApi(ShopPaymentsApi):
    class RefundInputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)
        restock_item_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), default=list, max_length=100
        )
        reason = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")

    InputSerializer = RefundInputSerializer

    @extend_schema(
        request=InputSerializer,
        parameters=[
            OpenApiParameter(
                order_apis.IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="A retry with the same key returns the same refund, never a second one.",
            )
        ],
        responses={201: PaymentSerializer, 400: None, 401: None, 404: None, 503: None},
        description="Refund `amount` (in the order's currency) of a card payment; `restock_item_ids` are the "
        "order lines whose stock comes back (the seller's choice; none by default).",
    )
    def post(self, request: Request, shop_id: int, order_id: int) -> Response:
        shop = self._shop(request, shop_id)
        order = order_selectors.order_get_for_owner(shop=shop, order_id=order_id)
        payment = selectors.payment_get_or_none(order=order)
        if payment is None:
            raise exceptions.ValidationError({"detail": "This order has no card payment to refund."})
        key = request.headers.get(order_apis.IDEMPOTENCY_HEADER, "").strip()
        if not key or len(key) > 255:
            raise exceptions.ValidationError({order_apis.IDEMPOTENCY_HEADER: ["Required, at most 255 characters."]})
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund_create(payment=payment, idempotency_key=key, **data.validated_data)
        payment = selectors.payment_get_for_owner(shop=shop, order_id=order_id)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)
