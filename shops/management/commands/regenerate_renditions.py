"""Makes the renditions of existing product images again, at today's IMAGE_RENDITION_WIDTHS.

Resumable and safe to run twice: images whose renditions already match the widths are skipped, each image
is switched to its new renditions in its own transaction, and the old ones are deleted after that commits."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from tqdm import tqdm

from images.processing import rendition_widths
from shops.models import ProductImage
from shops.services.images import product_image_renditions_regenerate


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
            done += product_image_renditions_regenerate(image_id=image_id)
        self.stdout.write(f"Regenerated the renditions of {done} of {images.count()} images.")
