"""Carts (public) and the owner's orders, mounted under /api/v1/shops/ after the catalogue. The checkout
endpoint is payments.apis.CartCheckoutApi (it composes the order and its payment, a layer above)."""

from django.urls import path

from orders import apis

urlpatterns = [
    path("slug/<slug:shop_slug>/cart/items/", apis.CartItemAddApi.as_view(), name="cart-item-add"),
    path("carts/<str:token>/", apis.CartDetailApi.as_view(), name="cart-detail"),
    path("carts/<str:token>/items/<int:item_id>/", apis.CartItemDetailApi.as_view(), name="cart-item-detail"),
    path("<int:shop_id>/orders/", apis.OrderListApi.as_view(), name="order-list"),
    path("<int:shop_id>/orders/<int:order_id>/", apis.OrderDetailApi.as_view(), name="order-detail"),
]
