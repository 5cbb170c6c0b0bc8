"""Stored objects follow their rows: when a ProductImage or Shop row goes (directly, by a product, shop or user
cascade, or in the admin), its objects are deleted once the transaction commits.

A receiver rather than a service, because cascades and the admin delete rows without calling services."""

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from images.storage import delete_objects_on_commit
from shops.models import ProductImage, Shop


@receiver(post_delete, sender=ProductImage, dispatch_uid="shops.delete_product_image_object")
def delete_product_image_object(sender: type[ProductImage], instance: ProductImage, **kwargs: Any) -> None:
    delete_objects_on_commit(instance.object_names)


@receiver(post_delete, sender=Shop, dispatch_uid="shops.delete_shop_image_objects")
def delete_shop_image_objects(sender: type[Shop], instance: Shop, **kwargs: Any) -> None:
    delete_objects_on_commit([instance.profile_image.name, instance.cover_image.name])
