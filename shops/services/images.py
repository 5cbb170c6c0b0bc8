"""Product image writes: upload (validated, stored, then recorded), alt text, reorder, delete."""

from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from images.storage import delete_objects_now, store_image
from images.validation import validate_image
from shops.models import Product, ProductImage

FOLDER = "product_images"


def _limit_error(field: str) -> ValidationError:
    limit = settings.PRODUCT_IMAGE_LIMIT
    return ValidationError({field: f"A product can have at most {limit} images; delete one first."})


def product_image_upload(*, product: Product, file: IO[bytes], alt_text: str = "", field: str = "file") -> ProductImage:
    """Validate the bytes, store them under `{root}/product_images/`, and record the image last in order.

    Either everything is written or nothing: a storage failure stores no row (StorageUnavailable, a 503),
    and a database failure deletes the object it had just stored. Call it outside a transaction, so the
    object is not left behind by a rollback that happens after this function returns.
    """
    image = validate_image(file, field=field)
    if ProductImage.objects.filter(product=product).count() >= settings.PRODUCT_IMAGE_LIMIT:
        raise _limit_error(field)
    name = store_image(file=file, image=image, folder=FOLDER)
    try:
        with transaction.atomic():
            # The product row lock serialises concurrent uploads and reorders of one product.
            Product.objects.select_for_update().filter(id=product.id).first()
            count = ProductImage.objects.filter(product=product).count()
            if count >= settings.PRODUCT_IMAGE_LIMIT:
                raise _limit_error(field)
            product_image = ProductImage(
                product=product,
                image=name,
                alt_text=alt_text,
                position=count,
                width=image.width,
                height=image.height,
                content_type=image.format.content_type,
                size=image.size,
            )
            product_image.full_clean()
            product_image.save()
    except BaseException:
        delete_objects_now([name])
        raise
    return product_image


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
    ordered = list(images)
    changed = []
    for position, image in enumerate(ordered):
        if image.position != position:
            image.position = position
            changed.append(image)
    ProductImage.objects.bulk_update(changed, ["position"])
    return ordered
