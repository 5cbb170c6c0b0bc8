"""The owner's webhooks, mounted under /api/v1/shops/<shop_id>/webhooks/."""

from django.urls import path

from webhooks import apis

urlpatterns = [
    path("settings/", apis.WebhookSettingsApi.as_view(), name="webhook-settings"),
    path("endpoints/", apis.EndpointListApi.as_view(), name="webhook-endpoint-list"),
    path("endpoints/<int:endpoint_id>/", apis.EndpointDetailApi.as_view(), name="webhook-endpoint-detail"),
    path(
        "endpoints/<int:endpoint_id>/rotate-secret/",
        apis.EndpointSecretRotateApi.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path("endpoints/<int:endpoint_id>/ping/", apis.EndpointPingApi.as_view(), name="webhook-endpoint-ping"),
    path("endpoints/<int:endpoint_id>/replay/", apis.EndpointReplayApi.as_view(), name="webhook-endpoint-replay"),
    path("endpoints/<int:endpoint_id>/deliveries/", apis.DeliveryListApi.as_view(), name="webhook-delivery-list"),
    path(
        "endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/",
        apis.DeliveryDetailApi.as_view(),
        name="webhook-delivery-detail",
    ),
    path(
        "endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/replay/",
        apis.DeliveryReplayApi.as_view(),
        name="webhook-delivery-replay",
    ),
]
