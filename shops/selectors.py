"""Reads of shops and their catalogue. Each selector owns its query shape, so a list costs the same few
queries for one row or a hundred. Owner selectors scope to the owner: another user's rows are a 404."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from shops.filters import OwnerProductFilter, PublicProductFilter
from shops.models import Category, Product, ProductImage, ProductStatus, Shop


def shop_list_for_owner(*, owner: User) -> QuerySet[Shop]:
    return Shop.objects.filter(owner=owner).order_by("id")


def shop_get_for_owner(*, owner: User, shop_id: int) -> Shop:
    return get_object_or_404(Shop, id=shop_id, owner=owner)


def category_list(*, shop: Shop) -> QuerySet[Category]:
    return Category.objects.filter(shop=shop).order_by("name", "id")


def category_get(*, shop: Shop, category_id: int) -> Category:
    return get_object_or_404(Category, id=category_id, shop=shop)


def _filtered(
    filterset_class: type[PublicProductFilter], filters: Any, products: QuerySet[Product]
) -> QuerySet[Product]:
    filterset = filterset_class(filters or {}, queryset=products)
    if not filterset.is_valid():
        raise ValidationError(dict(filterset.errors))
    return filterset.qs


def _with_catalogue_relations(products: QuerySet[Product], *, primary_image_only: bool = False) -> QuerySet[Product]:
    images = ProductImage.objects.order_by("position", "id")
    if primary_image_only:
        images = images.filter(position=0)  # a list shows one image per product: fetch no other
    return products.select_related("category", "shop").prefetch_related(Prefetch("images", queryset=images))


def product_list_for_owner(*, shop: Shop, filters: Any = None) -> QuerySet[Product]:
    products = _with_catalogue_relations(Product.objects.filter(shop=shop).order_by("-created_at", "-id"))
    return _filtered(OwnerProductFilter, filters, products)


def product_get_for_owner(*, shop: Shop, product_id: int) -> Product:
    return get_object_or_404(_with_catalogue_relations(Product.objects.filter(shop=shop)), id=product_id)


def product_image_list(*, product: Product) -> QuerySet[ProductImage]:
    return ProductImage.objects.filter(product=product).order_by("position", "id")


def product_image_get(*, product: Product, image_id: int) -> ProductImage:
    return get_object_or_404(ProductImage, id=image_id, product=product)


# The public storefront: only active products, never drafts or archived ones.


def shop_get_public(*, slug: str) -> Shop:
    return get_object_or_404(Shop, slug=slug)


def product_list_public(*, shop: Shop, filters: Any = None) -> QuerySet[Product]:
    products = Product.objects.filter(shop=shop, status=ProductStatus.ACTIVE).order_by("-created_at", "-id")
    """Each product's `images` holds only its primary image (what the storefront's lists show)."""
    return _filtered(PublicProductFilter, filters, _with_catalogue_relations(products, primary_image_only=True))


def product_get_public(*, shop: Shop, slug: str) -> Product:
    products = Product.objects.filter(shop=shop, status=ProductStatus.ACTIVE)
    return get_object_or_404(_with_catalogue_relations(products), slug=slug)
