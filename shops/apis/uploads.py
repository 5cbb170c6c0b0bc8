"""Direct-to-bucket product image uploads: ask for a presigned upload, send the bytes, complete."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import authenticated_user
from shops.apis.owner import owned_product
from shops.serializers import ProductImageSerializer
from shops.services import direct_uploads


class UploadUrlInputSerializer(serializers.Serializer):
    content_type = serializers.CharField(max_length=50, help_text="image/jpeg, image/png, image/webp or image/gif")


class UploadTargetSerializer(serializers.Serializer):
    upload_id = serializers.UUIDField(source="upload.id")
    key = serializers.CharField(source="upload.key")
    method = serializers.CharField(default="POST")
    url = serializers.CharField(help_text="POST a multipart form here: every field of `fields`, then `file`.")
    # DRF's metaclass moves declared fields off the class, so this does not replace Serializer.fields; the
    # output key is `fields` (the presigned post's form fields).
    fields = serializers.DictField(child=serializers.CharField())  # type: ignore[assignment]
    content_type = serializers.CharField(source="upload.content_type")
    max_bytes = serializers.IntegerField(source="upload.max_bytes")
    expires_at = serializers.DateTimeField(source="upload.expires_at")


class CompleteInputSerializer(serializers.Serializer):
    upload_id = serializers.UUIDField()
    alt_text = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ProductImageUploadUrlApi(APIView):
    """Step 1: a presigned POST for one new object, bound to a content type and IMAGE_MAX_BYTES. At most
    DIRECT_UPLOAD_MAX_PER_USER / _PER_PRODUCT of them waiting to complete: beyond, 429 with Retry-After."""

    @extend_schema(
        request=UploadUrlInputSerializer,
        responses={201: UploadTargetSerializer, 400: None, 401: None, 404: None, 429: None, 503: None},
    )
    def post(self, request: Request, shop_id: int, product_id: int) -> Response:
        product = owned_product(request, shop_id, product_id)
        data = UploadUrlInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = direct_uploads.direct_upload_start(
            user=authenticated_user(request),
            product=product,
            content_type=data.validated_data["content_type"],
        )
        url = request.build_absolute_uri(target.url)  # a bucket's url as it is; this server's path made absolute
        body = UploadTargetSerializer({"upload": target.upload, "url": url, "fields": target.fields}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ProductImageCompleteApi(APIView):
    """Step 3: after the bytes reached the bucket, check them and create the image (201 ProductImage)."""

    @extend_schema(
        request=CompleteInputSerializer, responses={201: ProductImageSerializer, 400: None, 401: None, 404: None}
    )
    def post(self, request: Request, shop_id: int, product_id: int) -> Response:
        product = owned_product(request, shop_id, product_id)
        data = CompleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = direct_uploads.direct_upload_complete(
            user=authenticated_user(request),
            product=product,
            upload_id=data.validated_data["upload_id"],
            alt_text=data.validated_data["alt_text"],
        )
        return Response(
            ProductImageSerializer(image, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class LocalDirectUploadApi(APIView):
    """Step 2 without a bucket: this server receives the bytes the way the bucket would (204)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "LocalDirectUploadInput",
                {"Content-Type": serializers.CharField(), "file": serializers.FileField()},
            )
        },
        responses={204: None, 400: None},
        auth=[],
    )
    def post(self, request: Request, token: str) -> Response:
        direct_uploads.direct_upload_receive_locally(
            token=token,
            file=request.FILES.get("file"),
            # A multipart form (this view's parsers): request.data is a QueryDict, never the list its type allows.
            content_type=request.data.get("Content-Type", ""),  # type: ignore[union-attr]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
