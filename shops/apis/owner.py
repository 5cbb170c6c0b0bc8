"""The owner's endpoints under /api/v1/shops/: shops, categories, products and product images.

Every lookup goes through the owner's selectors, so another user's shop, product or image is a 404."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import authenticated_user
from api.pagination import OptionalPagination
from api.parsers import SafeJSONParser
from api.schema import PAGE_PARAMETERS, filter_parameters
from api.uploads import IMAGE_UPLOAD_REQUEST, image_upload_request, uploaded_file
from shops import selectors
from shops.apis.inputs import (
    CategoryInputSerializer,
    ProductImageReorderInputSerializer,
    ProductImageUpdateInputSerializer,
    ProductInputSerializer,
    ShopInputSerializer,
)
from shops.filters import OwnerProductFilter
from shops.models import Product, Shop
from shops.serializers import CategorySerializer, ProductImageSerializer, ProductSerializer, ShopSerializer
from shops.services import categories as category_services
from shops.services import images as image_services
from shops.services import products as product_services
from shops.services import shops as shop_services

ERRORS = {400: None, 401: None, 404: None}


def _paginated(view: APIView, request: Request, queryset: Any, serializer_class: type) -> Response:
    paginator = OptionalPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context={"request": request}).data)


class ShopListApi(APIView):
    pagination_class = OptionalPagination  # for the schema: a page or an array

    @extend_schema(
        responses={200: ShopSerializer(many=True)},
        parameters=PAGE_PARAMETERS,
    )
    def get(self, request: Request) -> Response:
        return _paginated(
            self, request, selectors.shop_list_for_owner(owner=authenticated_user(request)), ShopSerializer
        )

    @extend_schema(request=ShopInputSerializer, responses={201: ShopSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        data = ShopInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Over the plan's limit: `{"detail": "Shop limit reached for your plan ('free').", "max_shops": 1}`.
        shop = shop_services.shop_create(owner=authenticated_user(request), **data.validated_data)
        return Response(ShopSerializer(shop, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ShopDetailApi(APIView):
    def _shop(self, request: Request, shop_id: int) -> Shop:
        return selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)

    @extend_schema(responses={200: ShopSerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int) -> Response:
        return Response(ShopSerializer(self._shop(request, shop_id), context={"request": request}).data)

    @extend_schema(request=ShopInputSerializer, responses={200: ShopSerializer, **ERRORS})
    def put(self, request: Request, shop_id: int) -> Response:
        return self._update(request, shop_id, partial=False)

    @extend_schema(request=ShopInputSerializer(partial=True), responses={200: ShopSerializer, **ERRORS})
    def patch(self, request: Request, shop_id: int) -> Response:
        return self._update(request, shop_id, partial=True)

    def _update(self, request: Request, shop_id: int, *, partial: bool) -> Response:
        shop = self._shop(request, shop_id)
        data = ShopInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        shop = shop_services.shop_update(shop=shop, data=data.validated_data)
        return Response(ShopSerializer(shop, context={"request": request}).data)

    @extend_schema(responses={204: None, 401: None, 404: None})
    def delete(self, request: Request, shop_id: int) -> Response:
        shop_services.shop_delete(shop=self._shop(request, shop_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class _ShopImageApi(APIView):
    """Upload the shop's image (JPEG, PNG, WebP or GIF) in the multipart field `file` or `image`; the
    previous one is deleted."""

    parser_classes = [MultiPartParser, FormParser]
    kind: shop_services.ShopImageKind

    @extend_schema(
        request=IMAGE_UPLOAD_REQUEST,
        responses={
            200: inline_serializer("ShopEnvelope", {"shop": ShopSerializer()}),
            400: None,
            401: None,
            404: None,
            503: None,
        },
    )
    def post(self, request: Request, shop_id: int) -> Response:
        shop = selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)
        upload, field = uploaded_file(request)
        shop = shop_services.shop_image_set(shop=shop, kind=self.kind, file=upload, field=field)
        return Response({"shop": ShopSerializer(shop, context={"request": request}).data})


class ShopProfileImageApi(_ShopImageApi):
    kind = "profile_image"


class ShopCoverImageApi(_ShopImageApi):
    kind = "cover_image"


class CategoryListApi(APIView):
    pagination_class = OptionalPagination  # for the schema: a page or an array

    @extend_schema(
        responses={200: CategorySerializer(many=True), 401: None, 404: None},
        parameters=PAGE_PARAMETERS,
    )
    def get(self, request: Request, shop_id: int) -> Response:
        shop = selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)
        return _paginated(self, request, selectors.category_list(shop=shop), CategorySerializer)

    @extend_schema(request=CategoryInputSerializer, responses={201: CategorySerializer, **ERRORS})
    def post(self, request: Request, shop_id: int) -> Response:
        shop = selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)
        data = CategoryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = category_services.category_create(shop=shop, **data.validated_data)
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailApi(APIView):
    def _category(self, request: Request, shop_id: int, category_id: int) -> Any:
        shop = selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)
        return selectors.category_get(shop=shop, category_id=category_id)

    @extend_schema(responses={200: CategorySerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int, category_id: int) -> Response:
        return Response(CategorySerializer(self._category(request, shop_id, category_id)).data)

    @extend_schema(request=CategoryInputSerializer, responses={200: CategorySerializer, **ERRORS})
    def put(self, request: Request, shop_id: int, category_id: int) -> Response:
        return self._update(request, shop_id, category_id, partial=False)

    @extend_schema(request=CategoryInputSerializer(partial=True), responses={200: CategorySerializer, **ERRORS})
    def patch(self, request: Request, shop_id: int, category_id: int) -> Response:
        return self._update(request, shop_id, category_id, partial=True)

    def _update(self, request: Request, shop_id: int, category_id: int, *, partial: bool) -> Response:
        category = self._category(request, shop_id, category_id)
        data = CategoryInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        category = category_services.category_update(category=category, data=data.validated_data)
        return Response(CategorySerializer(category).data)

    @extend_schema(responses={204: None, 401: None, 404: None})
    def delete(self, request: Request, shop_id: int, category_id: int) -> Response:
        category_services.category_delete(category=self._category(request, shop_id, category_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductListApi(APIView):
    parser_classes = [SafeJSONParser]  # nested variants and nulls: a form cannot say them, and no client sends one
    pagination_class = OptionalPagination  # for the schema: a page or an array

    @extend_schema(
        parameters=[*filter_parameters(OwnerProductFilter), *PAGE_PARAMETERS],
        responses={200: ProductSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, shop_id: int) -> Response:
        shop = selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)
        products = selectors.product_list_for_owner(shop=shop, filters=request.query_params)
        return _paginated(self, request, products, ProductSerializer)

    @extend_schema(request=ProductInputSerializer, responses={201: ProductSerializer, **ERRORS})
    def post(self, request: Request, shop_id: int) -> Response:
        shop = selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)
        data = ProductInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = product_services.product_create(shop=shop, data=data.validated_data)  # or the plan's 400
        product = selectors.product_get_for_owner(shop=shop, product_id=product.id)
        return Response(ProductSerializer(product, context={"request": request}).data, status=status.HTTP_201_CREATED)


def owned_product(request: Request, shop_id: int, product_id: int, *, with_details: bool = False) -> Product:
    """The caller's product, or a 404. `with_details` prefetches what the product JSON shows."""
    shop = selectors.shop_get_for_owner(owner=authenticated_user(request), shop_id=shop_id)
    if with_details:
        return selectors.product_get_for_owner(shop=shop, product_id=product_id)
    return selectors.product_get_for_owner_plain(shop=shop, product_id=product_id)


class ProductDetailApi(APIView):
    parser_classes = [SafeJSONParser]

    @extend_schema(responses={200: ProductSerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int, product_id: int) -> Response:
        product = owned_product(request, shop_id, product_id, with_details=True)
        return Response(ProductSerializer(product, context={"request": request}).data)

    @extend_schema(request=ProductInputSerializer, responses={200: ProductSerializer, **ERRORS})
    def put(self, request: Request, shop_id: int, product_id: int) -> Response:
        return self._update(request, shop_id, product_id, partial=False)

    @extend_schema(request=ProductInputSerializer(partial=True), responses={200: ProductSerializer, **ERRORS})
    def patch(self, request: Request, shop_id: int, product_id: int) -> Response:
        return self._update(request, shop_id, product_id, partial=True)

    def _update(self, request: Request, shop_id: int, product_id: int, *, partial: bool) -> Response:
        product = owned_product(request, shop_id, product_id)
        data = ProductInputSerializer(data=request.data, partial=partial, context={"product": product})
        data.is_valid(raise_exception=True)
        product_services.product_update(product=product, data=data.validated_data)
        product = selectors.product_get_for_owner(shop=product.shop, product_id=product.id)
        return Response(ProductSerializer(product, context={"request": request}).data)

    @extend_schema(responses={204: None, 401: None, 404: None})
    def delete(self, request: Request, shop_id: int, product_id: int) -> Response:
        product_services.product_delete(product=owned_product(request, shop_id, product_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductImageListApi(APIView):
    @extend_schema(responses={200: ProductImageSerializer(many=True), 401: None, 404: None})
    def get(self, request: Request, shop_id: int, product_id: int) -> Response:
        product = owned_product(request, shop_id, product_id)
        images = selectors.product_image_list(product=product)
        return Response(ProductImageSerializer(images, many=True, context={"request": request}).data)


class ProductImageUploadApi(APIView):
    """Upload one image (JPEG, PNG, WebP or GIF) in the multipart field `file` or `image`."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=image_upload_request(
            "ProductImageUploadInput", alt_text=serializers.CharField(required=False, max_length=255)
        ),
        responses={201: ProductImageSerializer, 400: None, 401: None, 404: None, 503: None},
    )
    def post(self, request: Request, shop_id: int, product_id: int) -> Response:
        product = owned_product(request, shop_id, product_id)
        upload, field = uploaded_file(request)
        # A multipart form (this view's parsers): request.data is a QueryDict, never the list its type allows.
        alt_text = ProductImageUpdateInputSerializer(data={"alt_text": request.data.get("alt_text", "")})  # type: ignore[union-attr]
        alt_text.is_valid(raise_exception=True)
        image = image_services.product_image_upload(
            product=product, file=upload, alt_text=alt_text.validated_data["alt_text"], field=field
        )
        return Response(
            ProductImageSerializer(image, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class ProductImageDetailApi(APIView):
    def _image(self, request: Request, shop_id: int, product_id: int, image_id: int) -> Any:
        product = owned_product(request, shop_id, product_id)
        return selectors.product_image_get(product=product, image_id=image_id)

    @extend_schema(responses={200: ProductImageSerializer, 401: None, 404: None})
    def get(self, request: Request, shop_id: int, product_id: int, image_id: int) -> Response:
        image = self._image(request, shop_id, product_id, image_id)
        return Response(ProductImageSerializer(image, context={"request": request}).data)

    @extend_schema(request=ProductImageUpdateInputSerializer, responses={200: ProductImageSerializer, **ERRORS})
    def patch(self, request: Request, shop_id: int, product_id: int, image_id: int) -> Response:
        image = self._image(request, shop_id, product_id, image_id)
        data = ProductImageUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = image_services.product_image_update(image=image, alt_text=data.validated_data["alt_text"])
        return Response(ProductImageSerializer(image, context={"request": request}).data)

    @extend_schema(responses={204: None, 401: None, 404: None})
    def delete(self, request: Request, shop_id: int, product_id: int, image_id: int) -> Response:
        image_services.product_image_delete(image=self._image(request, shop_id, product_id, image_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductImageReorderApi(APIView):
    @extend_schema(
        request=ProductImageReorderInputSerializer,
        responses={200: ProductImageSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, shop_id: int, product_id: int) -> Response:
        product = owned_product(request, shop_id, product_id)
        data = ProductImageReorderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        images = image_services.product_images_reorder(product=product, order=data.validated_data["order"])
        return Response(ProductImageSerializer(images, many=True, context={"request": request}).data)
