"""The public storefront under /api/v1/shops/slug/<slug>/: no login; only active products."""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
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
from shops.storefront_query import canonical_list_query


class PublicApi(APIView):
    """Anonymous reads come from the storefront cache when they can: a hit skips DRF and the database."""

    permission_classes = [AllowAny]

    def cache_params(self, request: HttpRequest) -> list[tuple[str, str]] | None:
        """The query parameters that change the answer, canonical (None: do not cache). These pages have none:
        any query string shares the one entry."""
        return []

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        params = self.cache_params(request)
        page = storefront_cache.cached_page(request, shop_slug=kwargs["shop_slug"], params=params)
        if page is not None and (hit := page.response()) is not None:
            return hit
        response = super().dispatch(request, *args, **kwargs)
        if page is not None and response.status_code == 200:
            response.render()
            page.store(response)
        return response


class PublicShopApi(PublicApi):
    """The shop and its newest products on sale in grid shape (at most STOREFRONT_SHOP_PAGE_PRODUCTS; the
    paginated, filterable list is at .../products/, the variants on each product's page)."""

    @extend_schema(responses={200: PublicShopWithProductsSerializer, 404: None})
    def get(self, request: Request, shop_slug: str) -> Response:
        shop = selectors.shop_get_public(slug=shop_slug)
        products = selectors.product_list_public_for_shop_page(shop=shop)
        context = {"request": request, "products": products}
        return Response(PublicShopWithProductsSerializer(shop, context=context).data)


class CanonicalLinksPagination(StandardPagination):
    """Page links made of the canonical parameters, never of the client's own query string: a cached page
    is shared by every query string with the same answer, so it must not carry one client's extras."""

    def _canonical_url(self) -> str:
        params = canonical_list_query(self.request.query_params) or []
        url = self.request.build_absolute_uri(self.request.path)
        return f"{url}?{urlencode(params)}" if params else url

    def get_next_link(self) -> str | None:
        if not self.page.has_next():
            return None
        return replace_query_param(self._canonical_url(), self.page_query_param, self.page.next_page_number())

    def get_previous_link(self) -> str | None:
        if not self.page.has_previous():
            return None
        number = self.page.previous_page_number()
        if number == 1:
            return remove_query_param(self._canonical_url(), self.page_query_param)
        return replace_query_param(self._canonical_url(), self.page_query_param, number)


class PublicProductListApi(PublicApi):
    pagination_class = StandardPagination  # for the schema: the response is a page

    def cache_params(self, request: HttpRequest) -> list[tuple[str, str]] | None:
        params = canonical_list_query(request.GET)
        # A search is free text: every one would be an entry of its own, so none is kept.
        return None if params is None or any(name == "search" for name, _ in params) else params

    @extend_schema(
        parameters=[*filter_parameters(PublicProductFilter), *PAGE_PARAMETERS],
        responses={200: PublicProductListItemSerializer(many=True), 400: None, 404: None},
    )
    def get(self, request: Request, shop_slug: str) -> Response:
        shop = selectors.shop_get_public(slug=shop_slug)
        products = selectors.product_list_public(shop=shop, filters=request.query_params)
        paginator = CanonicalLinksPagination()
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
        categories = selectors.category_list(shop=shop)[: settings.UNPAGINATED_LIST_LIMIT]
        return Response(PublicCategorySerializer(categories, many=True).data)
