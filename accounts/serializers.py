"""The user as every API shows it."""

from rest_framework import serializers

from accounts.models import User
from images.storage import object_url


class UserSerializer(serializers.ModelSerializer):
    profile_image_url = serializers.SerializerMethodField(help_text="Set by uploading to me/profile-image/.")
    email_verified = serializers.SerializerMethodField(help_text="Whether `email` was confirmed from its inbox.")
    pending_email = serializers.SerializerMethodField(
        help_text="A new address asked for, which replaces `email` once confirmed from its inbox; null when none."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "profile_image_url",
            "account_type",
            "date_joined",
            "email_verified",
            "pending_email",
        ]
        read_only_fields = fields

    def get_profile_image_url(self, user: User) -> str | None:
        name = user.profile_image.name
        return object_url(name, request=self.context.get("request")) if name else None

    def get_email_verified(self, user: User) -> bool:
        return user.email_verified_at is not None

    def get_pending_email(self, user: User) -> str | None:
        return user.pending_email or None
