"""Makes the renditions of existing product images again, at today's IMAGE_RENDITION_WIDTHS.

Resumable and safe to run twice: images whose renditions already match the widths are skipped, each image
is switched to its new renditions in its own transaction, and the old ones are deleted after that commits."""

from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from images.processing import rendition_widths
from images.storage import delete_objects_on_commit, discard_objects, release_objects
from images.uploads import store_renditions
from shops.models import ProductImage


def _expected_widths(image: ProductImage) -> set[str]:
    return {str(width) for width in rendition_widths(image.width, tuple(settings.IMAGE_RENDITION_WIDTHS))}


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="Also images whose renditions look up to date.")

    def handle(self, *args: Any, all: bool, **options: Any) -> None:
        images = ProductImage.objects.order_by("id")
        todo = [
            image.id
            for image in images.only("id", "width", "renditions")
            if all or set(image.renditions) != _expected_widths(image)
        ]
        done = 0
        for image_id in tqdm(todo, desc="renditions", unit="image", disable=options.get("verbosity", 1) == 0):
            done += self._regenerate(image_id)
        self.stdout.write(f"Regenerated the renditions of {done} of {images.count()} images.")

    def _regenerate(self, image_id: int) -> int:
        image = ProductImage.objects.filter(id=image_id).first()
        if image is None:  # deleted meanwhile
            return 0
        with default_storage.open(image.image.name, "rb") as original:
            data = original.read()
        names = store_renditions(original_name=image.image.name, data=data, content_type=image.content_type)
        try:
            with transaction.atomic():
                locked = ProductImage.objects.select_for_update().filter(id=image_id).first()
                if locked is None:
                    raise ProductImage.DoesNotExist
                old = list(locked.renditions.values())
                locked.renditions = {str(width): name for width, name in names.items()}
                locked.save(update_fields=["renditions"])
                release_objects(names.values())
                delete_objects_on_commit(old)
        except BaseException:
            discard_objects(names.values())
            raise
        return 1
