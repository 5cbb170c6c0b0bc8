"""The multipart image upload every image API takes: the file under `file`, or `image` as the existing
frontend may send it."""

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.request import Request

NO_FILE = "No file was submitted. Send the image in the multipart field 'file' (or 'image')."


def uploaded_file(request: Request) -> tuple[UploadedFile, str]:
    """The multipart file under `file` (or `image`) and the name of its field (errors name it)."""
    field = "file" if "file" in request.FILES else "image"
    upload = request.FILES.get(field)
    if upload is None:
        raise serializers.ValidationError({"file": [NO_FILE]})
    return upload, field


def image_upload_request(name: str = "ImageUploadInput", **extra: serializers.Field) -> dict[str, object]:
    """The OpenAPI request body of an image upload (with `extra` form fields)."""
    fields = {
        "file": serializers.FileField(required=False, help_text="The image (or send it as `image`)."),
        "image": serializers.FileField(required=False),
        **extra,
    }
    return {"multipart/form-data": inline_serializer(name, fields)}


IMAGE_UPLOAD_REQUEST = image_upload_request()
