"""The user as every API shows it."""

from rest_framework import serializers

from accounts.models import User
from images.storage import object_url


class UserSerializer(serializers.ModelSerializer):
    profile_image_url = serializers.SerializerMethodField(help_text="Set by uploading to me/profile-image/.")

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
        ]
        read_only_fields = fields

    def get_profile_image_url(self, user: User) -> str | None:
        name = user.profile_image.name
        return object_url(name, request=self.context.get("request")) if name else None
