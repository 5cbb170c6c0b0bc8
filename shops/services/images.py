"""Product image writes: upload (validated, stored, then recorded), alt text, reorder, delete."""

from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from images.storage import delete_objects_on_commit, objects_committed
from images.uploads import StoredImage, store_renditions, store_uploaded_image
from shops.models import Product, ProductImage
from shops.storefront_cache import storefront_changed

FOLDER = "product_images"


def product_image_room_check(*, product: Product, field: str) -> int:
    """The product's number of images, or a ValidationError naming `field` when it has PRODUCT_IMAGE_LIMIT."""
    count = ProductImage.objects.filter(product=product).count()
    if count >= settings.PRODUCT_IMAGE_LIMIT:
        limit = settings.PRODUCT_IMAGE_LIMIT
        raise ValidationError({field: f"A product can have at most {limit} images; delete one first."})
    return count


def product_image_upload(*, product: Product, file: IO[bytes], alt_text: str = "", field: str = "file") -> ProductImage:
    """Validate the bytes, store the original (metadata stripped) and its renditions under
    `{root}/product_images/`, and record the image last in order.

    Either everything is written or nothing: a storage failure stores no row (StorageUnavailable, a 503),
    a database failure deletes the objects, and a crash in between leaves them journaled for the purge.
    """
    product_image_room_check(product=product, field=field)
    stored = store_uploaded_image(file=file, folder=FOLDER, field=field)
    return product_image_record(product=product, stored=stored, alt_text=alt_text, field=field)


def product_image_record(*, product: Product, stored: StoredImage, alt_text: str, field: str = "file") -> ProductImage:
    """Write the row for objects `store_uploaded_image` stored, releasing them from the journal in the same
    transaction; on any failure the objects are deleted."""
    with objects_committed(stored.names):
        # The product row lock serialises concurrent uploads and reorders of one product.
        Product.objects.select_for_update().filter(id=product.id).first()
        product_image = ProductImage(
            product=product,
            image=stored.name,
            alt_text=alt_text,
            position=product_image_room_check(product=product, field=field) + 1,  # after the last; numbered from 1
            width=stored.width,
            height=stored.height,
            content_type=stored.content_type,
            size=stored.size,
            renditions={str(width): name for width, name in stored.renditions.items()},
            dominant_color=stored.dominant_color,
            placeholder=stored.placeholder,
        )
        product_image.full_clean()
        product_image.save()
    return product_image


def product_image_renditions_regenerate(*, image_id: int) -> bool:
    """Make the renditions of a stored product image again at today's IMAGE_RENDITION_WIDTHS and switch the
    image to them; the old ones are deleted once that commits. False when the image no longer exists. Call
    it outside a transaction."""
    image = ProductImage.objects.filter(id=image_id).first()
    if image is None or not image.image.name:  # deleted meanwhile (a stored image always has a name)
        return False
    with default_storage.open(image.image.name, "rb") as original:
        data = original.read()
    names = store_renditions(original_name=image.image.name, data=data, content_type=image.content_type)
    with objects_committed(names.values()):
        locked = ProductImage.objects.select_for_update().filter(id=image_id).first()
        if locked is None:
            raise ProductImage.DoesNotExist
        old = list(locked.renditions.values())
        locked.renditions = {str(width): name for width, name in names.items()}
        locked.save(update_fields=["renditions"])
        delete_objects_on_commit(old)
    return True


@transaction.atomic
def product_image_update(*, image: ProductImage, alt_text: str) -> ProductImage:
    image.alt_text = alt_text
    image.full_clean()
    image.save(update_fields=["alt_text"])
    return image


@transaction.atomic
def product_image_delete(*, image: ProductImage) -> None:
    """Deletes the row now and its stored object once the transaction commits; the images after it move up."""
    Product.objects.select_for_update().filter(id=image.product_id).first()
    image.delete()
    _renumber(ProductImage.objects.filter(product_id=image.product_id).order_by("position", "id"))


@transaction.atomic
def product_images_reorder(*, product: Product, order: list[int]) -> list[ProductImage]:
    """Put the product's images in the order of the ids in `order`, which must name each of them once."""
    Product.objects.select_for_update().filter(id=product.id).first()
    images = {image.id: image for image in ProductImage.objects.filter(product=product)}
    duplicates = sorted({image_id for image_id in order if order.count(image_id) > 1})
    unknown = sorted(set(order) - set(images))
    missing = sorted(set(images) - set(order))
    problems = []
    if duplicates:
        problems.append(f"listed more than once: {duplicates}")
    if unknown:
        problems.append(f"not images of this product: {unknown}")
    if missing:
        problems.append(f"missing: {missing}")
    if problems:
        raise ValidationError({"order": f"List each image of this product exactly once ({'; '.join(problems)})."})
    return _renumber([images[image_id] for image_id in order])


def _renumber(images: Iterable[ProductImage]) -> list[ProductImage]:
    """Positions 1, 2, 3... in this order (the existing frontend takes sort_order 1 as the card image)."""
    ordered = list(images)
    changed = []
    for position, image in enumerate(ordered, 1):
        if image.position != position:
            image.position = position
            changed.append(image)
    ProductImage.objects.bulk_update(changed, ["position"])
    if changed:  # bulk_update sends no post_save: the storefront receivers do not see it
        storefront_changed(product_id=changed[0].product_id)
    return ordered
