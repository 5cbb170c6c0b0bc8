"""Receivers that keep things in step with the rows.

Stored objects follow their rows: when a ProductImage or Shop row goes (directly, by a product, shop or user
cascade, or in the admin), its objects are deleted once the transaction commits.

The storefront cache follows the catalogue: every save or delete of a shop, category, product, image, variant
type or option, inventory item, or an item's options, bumps the shop's storefront version once the transaction
commits. Receivers rather than calls in each service, because cascades and the admin write these rows without
going through the catalogue services; one place sees them all. Writes that send no signal (queryset `update`,
`bulk_update`, `bulk_create`) call `storefront_changed` themselves: the image renumbering, the variant sync
and the stock taken and given back (`shops.stock`)."""

from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from images.storage import delete_objects_on_commit
from shops.models import (
    Category,
    Product,
    ProductImage,
    ProductInventoryItem,
    ProductVariantOption,
    ProductVariantType,
    Shop,
)
from shops.storefront_cache import storefront_changed


@receiver(post_delete, sender=ProductImage, dispatch_uid="shops.delete_product_image_object")
def delete_product_image_object(sender: type[ProductImage], instance: ProductImage, **kwargs: Any) -> None:
    delete_objects_on_commit(instance.object_names)


@receiver(post_delete, sender=Shop, dispatch_uid="shops.delete_shop_image_objects")
def delete_shop_image_objects(sender: type[Shop], instance: Shop, **kwargs: Any) -> None:
    delete_objects_on_commit([instance.profile_image.name, instance.cover_image.name])


@receiver([post_save, post_delete], sender=Shop, dispatch_uid="shops.storefront_shop_changed")
def storefront_shop_changed(sender: type[Shop], instance: Shop, **kwargs: Any) -> None:
    storefront_changed(slug=instance.slug)


@receiver([post_save, post_delete], sender=Category, dispatch_uid="shops.storefront_category_changed")
@receiver([post_save, post_delete], sender=Product, dispatch_uid="shops.storefront_product_changed")
def storefront_shop_row_changed(sender: type[Model], instance: Category | Product, **kwargs: Any) -> None:
    storefront_changed(shop_id=instance.shop_id)


@receiver([post_save, post_delete], sender=ProductImage, dispatch_uid="shops.storefront_image_changed")
@receiver([post_save, post_delete], sender=ProductVariantType, dispatch_uid="shops.storefront_variant_type_changed")
@receiver([post_save, post_delete], sender=ProductInventoryItem, dispatch_uid="shops.storefront_item_changed")
def storefront_product_row_changed(
    sender: type[Model], instance: ProductImage | ProductVariantType | ProductInventoryItem, **kwargs: Any
) -> None:
    storefront_changed(product_id=instance.product_id)


@receiver([post_save, post_delete], sender=ProductVariantOption, dispatch_uid="shops.storefront_option_changed")
def storefront_option_changed(
    sender: type[ProductVariantOption], instance: ProductVariantOption, **kwargs: Any
) -> None:
    storefront_changed(variant_type_id=instance.variant_type_id)


@receiver(
    m2m_changed, sender=ProductInventoryItem.options.through, dispatch_uid="shops.storefront_item_options_changed"
)
def storefront_item_options_changed(sender: type[Model], instance: Model, action: str, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, ProductInventoryItem):
        storefront_changed(product_id=instance.product_id)
    elif isinstance(instance, ProductVariantOption):
        storefront_changed(variant_type_id=instance.variant_type_id)
