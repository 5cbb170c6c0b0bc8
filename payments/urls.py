"""The checkout (under /api/v1/shops/, where the frontend calls it) and the owner's payment endpoints."""

from django.urls import path

from payments import apis

urlpatterns = [
    path("carts/<str:token>/checkout/", apis.CartCheckoutApi.as_view(), name="cart-checkout"),
    path("<int:shop_id>/payments/settings/", apis.PaymentSettingsApi.as_view(), name="payment-settings"),
    path("<int:shop_id>/payments/stripe/connect/", apis.StripeConnectApi.as_view(), name="stripe-connect"),
    path("<int:shop_id>/payments/stripe/refresh/", apis.StripeAccountRefreshApi.as_view(), name="stripe-refresh"),
    path("<int:shop_id>/orders/<int:order_id>/payment/", apis.OrderPaymentApi.as_view(), name="order-payment"),
    path("<int:shop_id>/orders/<int:order_id>/refunds/", apis.OrderRefundApi.as_view(), name="order-refunds"),
]

webhook_urlpatterns = [
    path("stripe/webhook/", apis.StripeWebhookApi.as_view(), name="stripe-webhook"),
]
