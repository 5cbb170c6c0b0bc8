"""URL map: /api/v1/auth/, /api/v1/shops/ (catalogue, carts and orders, the checkout and payments, webhooks),
/api/v1/payments/ (Stripe's webhook), the OpenAPI schema and docs, and the admin (at ADMIN_URL, when
ADMIN_ENABLED)."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.admin_login import admin_login
from api.health import HealthApi, LiveApi
from payments import urls as payments_urls

urlpatterns = [
    path("api/v1/auth/", include("accounts.urls")),
    path("api/v1/shops/", include("shops.urls")),
    path("api/v1/shops/", include("orders.urls")),
    path("api/v1/shops/", include("payments.urls")),
    path("api/v1/payments/", include(payments_urls.webhook_urlpatterns)),
    path("api/v1/shops/<int:shop_id>/webhooks/", include("webhooks.urls")),
    path("api/v1/health/", HealthApi.as_view(), name="health"),
    path("api/v1/health/live/", LiveApi.as_view(), name="health-live"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

if settings.ADMIN_ENABLED:
    # The login first: it shadows the admin's own, which has no throttle.
    urlpatterns += [
        path(f"{settings.ADMIN_URL}login/", admin_login, name="admin-login"),
        path(settings.ADMIN_URL, admin.site.urls),
    ]

if settings.DEBUG:
    # The dev server serves uploads from local storage (no bucket configured).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Errors outside DRF's views (an unhandled exception, a bad request, the database down) are JSON too.
handler400 = "rest_framework.exceptions.bad_request"
handler403 = "api.exceptions.permission_denied"
handler404 = "api.exceptions.not_found"
handler500 = "api.exceptions.server_error"
