from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "account_type", "is_active", "is_staff", "date_joined")
    list_filter = ("account_type", "is_active", "is_staff", "is_superuser")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Email confirmation", {"fields": ("email_verified_at", "pending_email")}),
        ("Plan", {"fields": ("account_type",)}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),)
