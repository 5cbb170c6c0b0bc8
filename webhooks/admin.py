"""Endpoints (registered, changed, rotated and pinged through the same services as the API, so the same checks
apply; a new secret is shown once, in the confirmation message), and the delivery log with a replay action."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from webhooks.models import (
    URL_MAX_LENGTH,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSettings,
)
from webhooks.services import endpoints as endpoint_services
from webhooks.services import log as log_services


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=URL_MAX_LENGTH, assume_scheme="https")
    event_types = forms.MultipleChoiceField(choices=[(name, name) for name in endpoint_services.EVENT_TYPES])

    class Meta:
        model = WebhookEndpoint
        fields = ["shop", "url", "event_types", "description", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            endpoint_services.url_checked(data.get("url", ""))
        except ValidationError as error:
            self.add_error("url", error.message_dict["url"])
        return data


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ("id", "shop", "url", "is_active", "failing_since", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "shop__name", "shop__slug")
    raw_id_fields = ("shop",)
    actions = ["rotate_secret", "ping"]

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            endpoint_services.endpoint_update(
                endpoint=obj,
                data={key: data[key] for key in ("url", "event_types", "description", "is_active")},
            )
            return
        created = endpoint_services.endpoint_create(
            shop=data["shop"], url=data["url"], event_types=data["event_types"], description=data["description"]
        )
        obj.pk = created.endpoint.pk
        self.message_user(request, f"Signing secret (shown once): {created.secret}", messages.WARNING)

    @admin.action(description="Rotate the signing secret (the old one signs for 24 more hours)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            rotated = endpoint_services.endpoint_secret_rotate(endpoint=endpoint)
            self.message_user(request, f"{endpoint.url}: new secret (shown once): {rotated.secret}", messages.WARNING)

    @admin.action(description="Send a test ping")
    def ping(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        active = list(queryset.filter(is_active=True).select_related("shop"))
        for endpoint in active:
            endpoint_services.endpoint_ping(endpoint=endpoint)
        self.message_user(request, f"{len(active)} ping(s) queued.", messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "succeeded", "status_code", "latency_ms", "response_snippet", "error")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "endpoint", "state", "attempts", "created_at", "finished_at")
    list_filter = ("state", "created_at")
    search_fields = ("event__id", "endpoint__url")
    list_select_related = ("event", "endpoint")
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Replay (a new delivery of the same event)")
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        deliveries = list(queryset.select_related("endpoint").filter(endpoint__is_active=True))
        for delivery in deliveries:
            log_services.delivery_replay(delivery=delivery)
        self.message_user(request, f"{len(deliveries)} delivery(ies) queued again.", messages.SUCCESS)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "shop", "created_at")
    list_filter = ("type",)
    search_fields = ("id",)
    readonly_fields = ("id", "type", "shop", "body", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookSettings)
class WebhookSettingsAdmin(admin.ModelAdmin):
    list_display = ("shop", "low_stock_threshold")
    raw_id_fields = ("shop",)
