"""The public storefront under /api/v1/shops/slug/<slug>/: no login; only active products."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import StandardPagination
from api.schema import PAGE_PARAMETERS, filter_parameters
from shops import selectors, storefront_cache
from shops.filters import PublicProductFilter
from shops.serializers import (
    PublicCategorySerializer,
    PublicProductListItemSerializer,
    PublicProductSerializer,
    PublicShopWithProductsSerializer,
)


class PublicApi(APIView):
    """Anonymous reads come from the storefront cache when they can: a hit skips DRF and the database."""

    permission_classes = [AllowAny]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        page = storefront_cache.cached_page(request, shop_slug=kwargs["shop_slug"])
        if page is not None and (hit := page.response()) is not None:
            return hit
        response = super().dispatch(request, *args, **kwargs)
        if page is not None and response.status_code == 200:
            response.render()
            page.store(response)
        return response


class PublicShopApi(PublicApi):
    """The shop and its active products (newest first, at most UNPAGINATED_LIST_LIMIT; the paginated,
    filterable list is at .../products/)."""

    @extend_schema(responses={200: PublicShopWithProductsSerializer, 404: None})
    def get(self, request: Request, shop_slug: str) -> Response:
        shop = selectors.shop_get_public(slug=shop_slug)
        products = selectors.product_list_public_with_variants(shop=shop)[: settings.UNPAGINATED_LIST_LIMIT]
        context = {"request": request, "products": products}
        return Response(PublicShopWithProductsSerializer(shop, context=context).data)


class PublicProductListApi(PublicApi):
    pagination_class = StandardPagination  # for the schema: the response is a page

    @extend_schema(
        parameters=[*filter_parameters(PublicProductFilter), *PAGE_PARAMETERS],
        responses={200: PublicProductListItemSerializer(many=True), 400: None, 404: None},
    )
    def get(self, request: Request, shop_slug: str) -> Response:
        shop = selectors.shop_get_public(slug=shop_slug)
        products = selectors.product_list_public(shop=shop, filters=request.query_params)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(products, request, view=self)
        data = PublicProductListItemSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class PublicProductDetailApi(PublicApi):
    @extend_schema(responses={200: PublicProductSerializer, 404: None})
    def get(self, request: Request, shop_slug: str, product_slug: str) -> Response:
        shop = selectors.shop_get_public(slug=shop_slug)
        product = selectors.product_get_public(shop=shop, slug=product_slug)
        return Response(PublicProductSerializer(product, context={"request": request}).data)


class PublicCategoryListApi(PublicApi):
    @extend_schema(responses={200: PublicCategorySerializer(many=True), 404: None})
    def get(self, request: Request, shop_slug: str) -> Response:
        shop = selectors.shop_get_public(slug=shop_slug)
        return Response(PublicCategorySerializer(selectors.category_list(shop=shop), many=True).data)
