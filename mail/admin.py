"""Every message with its state; a failed one can be queued again."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from mail.models import MailState, OutboundMail
from mail.services import mail_requeue


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to", "subject", "state", "attempts", "sent_at")
    list_filter = ("state", "kind", "created_at")
    search_fields = ("to", "subject", "reference", "message_id")
    readonly_fields = [field.name for field in OutboundMail._meta.fields]
    actions = ["requeue"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Queue the failed messages again")
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutboundMail]) -> None:
        failed = list(queryset.filter(state=MailState.FAILED))
        for mail in failed:
            mail_requeue(mail=mail)
        self.message_user(request, f"{len(failed)} message(s) queued again.", messages.SUCCESS)
