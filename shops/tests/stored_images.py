"""Helpers of the product image tests: the keys an image's objects have in the bucket, their URLs, and the
placeholder a ProductImage carries."""

import base64
import io
import re
from typing import Any

from django.conf import settings
from PIL import Image

from shops.models import ProductImage

PLACEHOLDER_PREFIX = "data:image/webp;base64,"


def s3_url(bucket: Any, key: str) -> str:
    return f"{settings.STORAGES['default']['OPTIONS']['endpoint_url']}/{bucket.name}/{key}"


def original_key_pattern(root: str, extension: str) -> str:
    return rf"{re.escape(root)}/product_images/(?P<stem>[0-9a-f]{{32}})\.{extension}"


def rendition_key_pattern(root: str, stem: str, width: int) -> str:
    return rf"{re.escape(root)}/product_images/{stem}_w{width}_[0-9a-f]{{6}}\.webp"


def split_keys(bucket: Any, extension: str, widths: list[int]) -> tuple[str, dict[int, str]]:
    """The bucket holds exactly one original of `extension` and one rendition per width, named after it:
    returns the original's key and {width: rendition key}."""
    keys = bucket.keys()
    (match,) = [m for m in (re.fullmatch(original_key_pattern(bucket.root, extension), key) for key in keys) if m]
    original = match[0]
    renditions = {}
    for width in widths:
        (renditions[width],) = [
            key for key in keys if re.fullmatch(rendition_key_pattern(bucket.root, match["stem"], width), key)
        ]
    assert keys == {original, *renditions.values()}
    return original, renditions


def object_keys(bucket: Any, image: ProductImage) -> set[str]:
    """The keys of every object of `image`: its original and each rendition."""
    return {f"{bucket.root}/{name}" for name in image.object_names}


def rendition_urls(bucket: Any, renditions: dict[int, str]) -> dict[str, str]:
    return {str(width): s3_url(bucket, key) for width, key in sorted(renditions.items())}


def srcset(bucket: Any, renditions: dict[int, str]) -> str:
    return ", ".join(f"{s3_url(bucket, key)} {width}w" for width, key in sorted(renditions.items()))


def placeholder_size(placeholder: str) -> tuple[str, tuple[int, int]]:
    """The format and size of the tiny image in a placeholder data: URI."""
    assert placeholder.startswith(PLACEHOLDER_PREFIX)
    with Image.open(io.BytesIO(base64.b64decode(placeholder.removeprefix(PLACEHOLDER_PREFIX)))) as tiny:
        return tiny.format or "", tiny.size
