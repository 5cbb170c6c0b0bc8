"""Carts and checkout (public: the cart token is the secret) and the owner's orders, as the existing frontend
calls them under /api/v1/shops/.

The cart endpoints authenticate nobody: no user is involved, so a logged-in buyer's auth cookie is neither
needed nor CSRF-checked there, and a stale one never gets in the way."""

import re
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import authenticated_user
from api.pagination import OptionalPagination
from api.schema import PAGE_PARAMETERS
from api.throttling import DeferredThrottleMixin, take_or_refuse
from orders import selectors
from orders.models import OrderStatus
from orders.serializers import (
    CartSerializer,
    OrderDetailSerializer,
    OrderListSerializer,
    cart_json,
    order_detail_json,
)
from orders.services import carts as cart_services
from orders.services import checkout as checkout_services
from orders.services import orders as order_services
from orders.throttles import CartWriteThrottle, CheckoutThrottle
from shops import selectors as shop_selectors
from shops.variants import OPTION_KEYS, TYPE_KEYS

IDEMPOTENCY_HEADER = "Idempotency-Key"
ADDRESS_MAX_FIELDS = 20
MAX_ID = 2**63 - 1  # bigint, the type of every primary key


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This Idempotency-Key was already used for another checkout."
    default_code = "idempotency_key_reused"


class IdempotencyKeyMismatch(exceptions.APIException):
    """The IETF idempotency-key draft's answer to a key reused with another payload: 422."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was already used for this cart's checkout with a different body. "
        "Retry with the same body to get that order, or use a new key."
    )
    default_code = "idempotency_key_mismatch"


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "variant_type_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "variant_option_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        },
        "description": "Also spelled {type_id, option_id} or {variant_type, variant_option}.",
    }
)
class VariantChoiceField(serializers.Field):
    """`{variant_type_id, variant_option_id}`, also spelled `{type_id, option_id}` or
    `{variant_type, variant_option}` -> (type id, option id)."""

    default_error_messages = {
        "invalid": "Expected an object with variant_type_id and variant_option_id.",
        "not_an_id": "{name} must be a positive integer.",
    }

    def _id(self, data: dict[str, Any], keys: tuple[str, ...]) -> int:
        key = next((key for key in keys if data.get(key) is not None), None)
        if key is None:
            self.fail("invalid")
        value = data[key]
        # ASCII digits only: str.isdigit() also takes "²" (which int() refuses) and other scripts' digits.
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            self.fail("not_an_id", name=key)
        return value

    def to_internal_value(self, data: Any) -> tuple[int, int]:
        if not isinstance(data, dict):
            self.fail("invalid")
        return self._id(data, TYPE_KEYS), self._id(data, OPTION_KEYS)

    def to_representation(self, value: tuple[int, int]) -> dict[str, int]:
        return {"variant_type_id": value[0], "variant_option_id": value[1]}


class AddressField(serializers.DictField):
    """An address: an object of short strings (`{line1, city, postal_code}`), at most 20 of them."""

    child = serializers.CharField(max_length=255, allow_blank=True)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        value = super().to_internal_value(data)
        if len(value) > ADDRESS_MAX_FIELDS:
            raise serializers.ValidationError(f"At most {ADDRESS_MAX_FIELDS} fields.")
        if any(len(key) > 64 for key in value):
            raise serializers.ValidationError("Field names are at most 64 characters.")
        return value


class CartApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]


# A cart token as cart_token_new makes them (URL-safe base64) and a slug: nothing the serializer would trim or
# refuse.
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9_-]{1,255}")
_PLAIN_ADD_KEYS = frozenset(("product_id", "product_slug", "quantity", "cart_token", "inventory_item_id", "options"))


def _plain_id(value: Any) -> bool:
    # `type(...) is int`: a bool is an int the serializer refuses, a float or a string one it converts.
    return type(value) is int and 0 < value <= MAX_ID


def _plain_text(value: Any) -> bool:
    return type(value) is str and _PLAIN_TEXT.fullmatch(value) is not None


def _no_options(value: Any) -> bool:
    return type(value) is list and not value


def plain_cart_add_input(data: Any) -> dict[str, Any] | None:
    """What `CartItemAddApi.CartItemAddInputSerializer` gives for the bodies it plainly accepts (a product id or
    slug, a quantity within bounds, a well-formed token, an item id, no options: each given or null or left out),
    without building the serializer (~0.4 ms of a cart add's CPU: DRF deep-copies its fields for each instance);
    None for any other body, which the serializer then reads and words the errors of. Never looser than the
    serializer (test_cart_add_input.py compares both)."""
    if type(data) is not dict or not data.keys() <= _PLAIN_ADD_KEYS:
        return None
    quantity = data.get("quantity", 1)
    if type(quantity) is not int or not 0 < quantity <= cart_services.MAX_LINE_QUANTITY:  # as in _plain_id
        return None
    fields = {"quantity": quantity}
    for name, plain in (
        ("product_id", _plain_id),
        ("inventory_item_id", _plain_id),
        ("product_slug", _plain_text),
        ("cart_token", _plain_text),
        ("options", _no_options),
    ):
        if name in data:
            value = data[name]
            if value is not None and not plain(value):
                return None
            fields[name] = value
    if fields.get("product_id") is None and fields.get("product_slug") is None:
        return None
    return fields


class CartItemAddApi(DeferredThrottleMixin, CartApi):
    """The cart's throttle window is taken with the product's read, in one statement (`cart_item_add`'s
    `throttle`); a body the serializer refuses takes it too, before its answer. A body that is not JSON at all
    is a 400 before any of it: it costs no query to refuse."""

    throttle_classes = [CartWriteThrottle]

    class CartItemAddInputSerializer(serializers.Serializer):
        cart_token = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
        product_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
        product_slug = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
        quantity = serializers.IntegerField(default=1, min_value=1, max_value=cart_services.MAX_LINE_QUANTITY)
        inventory_item_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
        options = serializers.ListField(child=VariantChoiceField(), required=False, allow_null=True, max_length=10)

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if data.get("product_id") is None and not data.get("product_slug"):
                raise serializers.ValidationError({"product_id": ["Give product_id or product_slug."]})
            return data

    InputSerializer = CartItemAddInputSerializer

    @extend_schema(
        request=InputSerializer,
        responses={201: CartSerializer, 200: CartSerializer, 400: None, 404: None, 429: None},
        description="Add a line (201) or merge into the line of the same variant (200). A missing, unknown or "
        "no longer active cart_token starts a new cart.",
    )
    def post(self, request: Request, shop_slug: str) -> Response:
        fields = plain_cart_add_input(request.data)
        if fields is None:
            data = self.InputSerializer(data=request.data)
            if not data.is_valid():
                take_or_refuse(self.throttle_windows)
                shop_selectors.shop_get_public_plain(slug=shop_slug)  # an unknown shop's 404 before a bad body's 400
                raise exceptions.ValidationError(data.errors)
            fields = data.validated_data
        # The shop is read with the product, in one query, which takes the throttle's window too.
        added = cart_services.cart_item_add(shop_slug=shop_slug, throttle=self.throttle_windows, **fields)
        cart = selectors.cart_of_written(cart=added.cart, lines=added.lines)
        return Response(
            cart_json(cart, request=request),
            status=status.HTTP_201_CREATED if added.created else status.HTTP_200_OK,
        )


class CartDetailApi(CartApi):
    @extend_schema(responses={200: CartSerializer, 404: None}, description="A converted cart is a 404.")
    def get(self, request: Request, token: str) -> Response:
        return Response(CartSerializer(selectors.cart_get(token=token), context={"request": request}).data)


class CartItemDetailApi(CartApi):
    """Change or remove a line. A converted cart is a 404, an abandoned one 400 "Cart is not active"."""

    throttle_classes = [CartWriteThrottle]

    class CartItemUpdateInputSerializer(serializers.Serializer):
        quantity = serializers.IntegerField(min_value=1, max_value=cart_services.MAX_LINE_QUANTITY)

    InputSerializer = CartItemUpdateInputSerializer

    @extend_schema(request=InputSerializer, responses={200: CartSerializer, 400: None, 404: None, 429: None})
    def patch(self, request: Request, token: str, item_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = cart_services.cart_item_update(token=token, item_id=item_id, **data.validated_data)
        return Response(CartSerializer(selectors.cart_get(token=cart.token), context={"request": request}).data)

    @extend_schema(responses={200: CartSerializer, 400: None, 404: None, 429: None})
    def delete(self, request: Request, token: str, item_id: int) -> Response:
        cart = cart_services.cart_item_remove(token=token, item_id=item_id)
        return Response(CartSerializer(selectors.cart_get(token=cart.token), context={"request": request}).data)


class CartCheckoutApi(CartApi):
    throttle_classes = [CheckoutThrottle]

    class CheckoutInputSerializer(serializers.Serializer):
        customer_name = serializers.CharField(max_length=255)
        customer_email = serializers.EmailField()
        customer_phone = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=32)
        notes = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=2000)
        shipping_address = AddressField(required=False, allow_null=True)
        billing_address = AddressField(required=False, allow_null=True)
        idempotency_key = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)

    InputSerializer = CheckoutInputSerializer

    @extend_schema(
        request=InputSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="A retry with the same key returns the same order (same 201 body, with "
                "`Idempotent-Replayed: true`), never a second order; the same key with a different body is a 422. "
                "Also accepted as `idempotency_key` in the body.",
            )
        ],
        responses={201: OrderDetailSerializer, 400: None, 404: None, 409: None, 422: None, 429: None},
    )
    def post(self, request: Request, token: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {name: value for name, value in data.validated_data.items() if value is not None}
        header_key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if len(header_key) > 255:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: ["At most 255 characters."]})
        if header_key:
            values["idempotency_key"] = header_key
        try:
            result = checkout_services.cart_checkout(token=token, **values)
        except checkout_services.IdempotencyKeyConflict:
            raise Conflict() from None
        except checkout_services.IdempotencyKeyMismatch:
            raise IdempotencyKeyMismatch() from None
        if result.lines is not None:  # a new order: its answer built from what was written
            order = selectors.order_detail_of_written(order=result.order, lines=result.lines)
            body = order_detail_json(order, request=request)
        else:
            body = OrderDetailSerializer(
                selectors.order_get(order_id=result.order.id), context={"request": request}
            ).data
        return Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={} if result.created else {"Idempotent-Replayed": "true"},
        )


class OrderListApi(APIView):
    pagination_class = OptionalPagination  # for the schema: a page or an array

    @extend_schema(responses={200: OrderListSerializer(many=True), 401: None, 404: None}, parameters=PAGE_PARAMETERS)
    def get(self, request: Request, shop_id: int) -> Response:
        shop = shop_selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)
        paginator = OptionalPagination()
        page = paginator.paginate_queryset(selectors.order_list_for_owner(shop=shop), request, view=self)
        return paginator.get_paginated_response(OrderListSerializer(page, many=True).data)


class OrderDetailApi(APIView):
    class OrderStatusInputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=OrderStatus.choices)

    InputSerializer = OrderStatusInputSerializer

    def _order(self, request: Request, shop_id: int, order_id: int) -> Any:
        shop = shop_selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)
        return selectors.order_get_for_owner(shop=shop, order_id=order_id)

    @extend_schema(responses={200: OrderDetailSerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int, order_id: int) -> Response:
        order = self._order(request, shop_id, order_id)
        return Response(OrderDetailSerializer(order, context={"request": request}).data)

    @extend_schema(
        request=InputSerializer,
        responses={200: OrderDetailSerializer, 400: None, 401: None, 404: None},
        description="Allowed: pending -> paid | cancelled; paid -> fulfilled | refunded | cancelled; "
        "fulfilled -> refunded. Cancelling or refunding gives the stock back. The same status is a no-op.",
    )
    def patch(self, request: Request, shop_id: int, order_id: int) -> Response:
        order = self._order(request, shop_id, order_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_services.order_status_change(order=order, status=data.validated_data["status"])
        order = selectors.order_get_for_owner(shop=order.shop, order_id=order.id)
        return Response(OrderDetailSerializer(order, context={"request": request}).data)

    @extend_schema(
        request=InputSerializer,
        responses={200: OrderDetailSerializer, 400: None, 401: None, 404: None},
        description="As PATCH: only `status` can change.",
    )
    def put(self, request: Request, shop_id: int, order_id: int) -> Response:
        return self.patch(request, shop_id, order_id)
