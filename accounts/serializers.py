"""The user as every API shows it."""

from rest_framework import serializers

from accounts.models import User
from images.storage import object_url


def absolute_object_url(serializer: serializers.Serializer, name: str) -> str | None:
    """The public url of a stored object (absolute: local storage gives a path, made absolute with the
    request's host), or None when there is no object."""
    if not name:
        return None
    url = object_url(name)
    request = serializer.context.get("request")
    if url.startswith("/") and request is not None:
        return request.build_absolute_uri(url)
    return url


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
        return absolute_object_url(self, user.profile_image.name)
