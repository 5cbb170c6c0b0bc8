"""The owner's webhook endpoints under /api/v1/shops/<shop_id>/webhooks/: endpoints, their secret, a ping, the
delivery log and replays, and the shop's low-stock threshold. Every lookup goes through the owner's shop, so
another user's endpoint or delivery is a 404."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import authenticated_user
from api.pagination import OptionalPagination
from api.schema import PAGE_PARAMETERS
from shops.models import Shop
from shops.selectors import shop_get_for_owner
from webhooks import selectors
from webhooks.models import URL_MAX_LENGTH, DeliveryState, WebhookEndpoint
from webhooks.serializers import (
    DeliveryDetailSerializer,
    DeliverySerializer,
    EndpointSerializer,
    EndpointWithSecretSerializer,
)
from webhooks.services import endpoints as endpoint_services
from webhooks.services import log as log_services

ERRORS = {400: None, 401: None, 404: None}


def _shop(request: Request, shop_id: int) -> Shop:
    return shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)


def _endpoint(request: Request, shop_id: int, endpoint_id: int) -> WebhookEndpoint:
    return selectors.endpoint_get(shop=_shop(request, shop_id), endpoint_id=endpoint_id)


class EndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=URL_MAX_LENGTH)
    event_types = serializers.ListField(child=serializers.CharField(max_length=64), max_length=20)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class EndpointListApi(APIView):
    pagination_class = OptionalPagination  # for the schema: a page or an array

    @extend_schema(responses={200: EndpointSerializer(many=True), 401: None, 404: None}, parameters=PAGE_PARAMETERS)
    def get(self, request: Request, shop_id: int) -> Response:
        paginator = OptionalPagination()
        page = paginator.paginate_queryset(selectors.endpoint_list(shop=_shop(request, shop_id)), request, view=self)
        return paginator.get_paginated_response(EndpointSerializer(page, many=True).data)

    @extend_schema(
        request=EndpointInputSerializer,
        responses={201: EndpointWithSecretSerializer, **ERRORS},
        description="The answer holds the signing secret (`whsec_...`): it is shown this once.",
    )
    def post(self, request: Request, shop_id: int) -> Response:
        shop = _shop(request, shop_id)
        data = EndpointInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {key: value for key, value in data.validated_data.items() if key != "is_active"}
        created = endpoint_services.endpoint_create(shop=shop, **fields)
        return Response(EndpointWithSecretSerializer(created.endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetailApi(APIView):
    @extend_schema(responses={200: EndpointSerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int, endpoint_id: int) -> Response:
        return Response(EndpointSerializer(_endpoint(request, shop_id, endpoint_id)).data)

    @extend_schema(request=EndpointInputSerializer(partial=True), responses={200: EndpointSerializer, **ERRORS})
    def patch(self, request: Request, shop_id: int, endpoint_id: int) -> Response:
        endpoint = _endpoint(request, shop_id, endpoint_id)
        data = EndpointInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        endpoint = endpoint_services.endpoint_update(endpoint=endpoint, data=data.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None, 401: None, 404: None})
    def delete(self, request: Request, shop_id: int, endpoint_id: int) -> Response:
        endpoint_services.endpoint_delete(endpoint=_endpoint(request, shop_id, endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointSecretRotateApi(APIView):
    class RotateInputSerializer(serializers.Serializer):
        previous_valid_hours = serializers.IntegerField(required=False, min_value=0)

    @extend_schema(
        request=RotateInputSerializer,
        responses={200: EndpointWithSecretSerializer, **ERRORS},
        description="A new secret, shown this once; the old one keeps signing (a second signature) for "
        "`previous_valid_hours` (default 24, at most 168, 0 to stop at once).",
    )
    def post(self, request: Request, shop_id: int, endpoint_id: int) -> Response:
        endpoint = _endpoint(request, shop_id, endpoint_id)
        data = self.RotateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rotated = endpoint_services.endpoint_secret_rotate(endpoint=endpoint, **data.validated_data)
        return Response(EndpointWithSecretSerializer(rotated.endpoint).data)


class EndpointPingApi(APIView):
    @extend_schema(request=None, responses={202: DeliverySerializer, **ERRORS})
    def post(self, request: Request, shop_id: int, endpoint_id: int) -> Response:
        delivery = endpoint_services.endpoint_ping(endpoint=_endpoint(request, shop_id, endpoint_id))
        delivery = selectors.delivery_get(endpoint=delivery.endpoint, delivery_id=delivery.id)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class EndpointReplayApi(APIView):
    class ReplayInputSerializer(serializers.Serializer):
        since = serializers.DateTimeField()
        only_failed = serializers.BooleanField(default=False)

    @extend_schema(
        request=ReplayInputSerializer,
        responses={202: inline_serializer("WebhookReplayQueued", {"queued": serializers.IntegerField()}), **ERRORS},
        description="Sends again every event this endpoint was sent since `since` (or only those never delivered, "
        "with `only_failed`), with the same webhook-id; at most 1000 per call.",
    )
    def post(self, request: Request, shop_id: int, endpoint_id: int) -> Response:
        endpoint = _endpoint(request, shop_id, endpoint_id)
        data = self.ReplayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        queued = log_services.endpoint_replay_since(endpoint=endpoint, **data.validated_data)
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)


class DeliveryListApi(APIView):
    pagination_class = OptionalPagination  # for the schema: a page or an array

    @extend_schema(
        responses={200: DeliverySerializer(many=True), 401: None, 404: None},
        parameters=[*PAGE_PARAMETERS, OpenApiParameter("state", enum=DeliveryState.values)],
    )
    def get(self, request: Request, shop_id: int, endpoint_id: int) -> Response:
        endpoint = _endpoint(request, shop_id, endpoint_id)
        state = request.query_params.get("state")
        deliveries = selectors.delivery_list(endpoint=endpoint, state=state if state in DeliveryState.values else None)
        paginator = OptionalPagination()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)


class DeliveryDetailApi(APIView):
    @extend_schema(responses={200: DeliveryDetailSerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int, endpoint_id: int, delivery_id: int) -> Response:
        endpoint = _endpoint(request, shop_id, endpoint_id)
        return Response(
            DeliveryDetailSerializer(selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)).data
        )


class DeliveryReplayApi(APIView):
    @extend_schema(request=None, responses={202: DeliverySerializer, **ERRORS})
    def post(self, request: Request, shop_id: int, endpoint_id: int, delivery_id: int) -> Response:
        endpoint = _endpoint(request, shop_id, endpoint_id)
        replay = log_services.delivery_replay(
            delivery=selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)
        )
        replay = selectors.delivery_get(endpoint=endpoint, delivery_id=replay.id)
        return Response(DeliverySerializer(replay).data, status=status.HTTP_202_ACCEPTED)


class WebhookSettingsApi(APIView):
    class SettingsSerializer(serializers.Serializer):
        low_stock_threshold = serializers.IntegerField(min_value=0, max_value=1_000_000)

    @extend_schema(responses={200: SettingsSerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int) -> Response:
        shop = _shop(request, shop_id)
        return Response({"low_stock_threshold": selectors.low_stock_threshold_get(shop=shop)})

    @extend_schema(request=SettingsSerializer, responses={200: SettingsSerializer, **ERRORS})
    def put(self, request: Request, shop_id: int) -> Response:
        shop = _shop(request, shop_id)
        data = self.SettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = endpoint_services.webhook_settings_update(shop=shop, **data.validated_data)
        return Response({"low_stock_threshold": row.low_stock_threshold})
