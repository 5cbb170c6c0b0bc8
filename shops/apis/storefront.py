"""The public storefront under /api/v1/shops/slug/<slug>/: no login; only active products."""

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from api.drf import django_request
from api.pagination import StandardPagination
from api.schema import PAGE_PARAMETERS, filter_parameters
from shops import selectors, storefront_cache, storefront_json
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
        if page is not None and response.status_code == 200 and isinstance(response, Response):
            response.render()
            page.store(response)
        return response


class PublicShopApi(PublicApi):
    """The shop and its newest products on sale in grid shape (at most STOREFRONT_SHOP_PAGE_PRODUCTS; the
    paginated, filterable list is at .../products/, the variants on each product's page)."""

    @extend_schema(responses={200: PublicShopWithProductsSerializer, 404: None})
    def get(self, request: Request, shop_slug: str) -> Response:
        shop = selectors.shop_get_public_page(slug=shop_slug)
        products = selectors.product_grid_for_shop_page(shop_slug=shop.slug)
        return Response(storefront_json.shop_page_json(shop, products, storefront_json.url_maker(request)))


MAX_PAGE_NUMBER = 2**40


def list_params(request: HttpRequest) -> list[tuple[str, str]] | None:
    """The product list's canonical parameters, parsed once per request (the cache key and both page links
    use them)."""
    try:
        return request.storefront_list_params  # type: ignore[attr-defined] # set below, once per request
    except AttributeError:
        params = canonical_list_query(request.GET)
        request.storefront_list_params = params  # type: ignore[attr-defined] # a per-request memo
        return params


class CanonicalLinksPagination(StandardPagination):
    """Page links made of the canonical parameters, never of the client's own query string: a cached page
    is shared by every query string with the same answer, so it must not carry one client's extras."""

    # Set by the view before it asks for a link (the base class types them as optional).
    request: Request
    page: Page[Any]

    def _canonical_url(self) -> str:
        params = list_params(django_request(self.request)) or []
        url = self.request.build_absolute_uri(self.request.path)
        return f"{url}?{urlencode(params)}" if params else url

    def page_link(self, number: int) -> str:
        if number == 1:
            return remove_query_param(self._canonical_url(), self.page_query_param)
        return replace_query_param(self._canonical_url(), self.page_query_param, number)

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
        params = list_params(request)
        # A search is free text: every one would be an entry of its own, so none is kept.
        return None if params is None or any(name == "search" for name, _ in params) else params

    @extend_schema(
        parameters=[*filter_parameters(PublicProductFilter), *PAGE_PARAMETERS],
        responses={200: PublicProductListItemSerializer(many=True), 400: None, 404: None},
    )
    def get(self, request: Request, shop_slug: str) -> Response:
        # PageNumberPagination's answers (same page size, same 404 "Invalid page."), but the page, its shop
        # and the count come in one query: a window count over the filtered rows.
        paginator = CanonicalLinksPagination()
        paginator.request = request
        size = paginator.get_page_size(request)
        raw = request.query_params.get(paginator.page_query_param) or "1"
        filters = request.query_params
        count: int | None
        if raw in paginator.last_page_strings:
            shop = selectors.shop_get_public_plain(slug=shop_slug)
            count = selectors.product_count_public(shop=shop, filters=filters)
            number = max(1, -(-count // size))
        else:
            try:
                number = int(raw)
            except ValueError:
                number = 0
        if not 1 <= number <= MAX_PAGE_NUMBER:  # beyond: an OFFSET PostgreSQL refuses, and no shop is that big
            selectors.shop_get_public_plain(slug=shop_slug)
            raise NotFound(paginator.invalid_page_message)
        products, count = selectors.product_page_public(
            shop_slug=shop_slug, filters=filters, offset=(number - 1) * size, limit=size
        )
        if count is None:  # an empty page: the shop may not exist, or the page may be past the last
            selectors.shop_get_public_plain(slug=shop_slug)
            if number > 1:
                raise NotFound(paginator.invalid_page_message)
            count = 0
        url_for, zone = storefront_json.url_maker(request), timezone.get_current_timezone()
        pages = max(1, -(-count // size))
        return Response(
            {
                "count": count,
                "next": paginator.page_link(number + 1) if number < pages else None,
                "previous": paginator.page_link(number - 1) if number > 1 else None,
                "results": [storefront_json.grid_card(product, url_for, zone=zone) for product in products],
            }
        )


class PublicProductDetailApi(PublicApi):
    @extend_schema(responses={200: PublicProductSerializer, 404: None})
    def get(self, request: Request, shop_slug: str, product_slug: str) -> Response:
        product = selectors.product_get_public_page(shop_slug=shop_slug, product_slug=product_slug)
        return Response(storefront_json.product_page_json(product, storefront_json.url_maker(request)))


class PublicCategoryListApi(PublicApi):
    @extend_schema(responses={200: PublicCategorySerializer(many=True), 404: None})
    def get(self, request: Request, shop_slug: str) -> Response:
        categories = selectors.category_list_public(shop_slug=shop_slug)
        return Response([storefront_json.category_json(category) for category in categories])
