"""From uploaded bytes to stored objects: validate (Pillow), process (libvips: metadata stripped, renditions),
store (journaled). The multipart upload, the direct-to-bucket upload and the shop and profile images all
come through here."""

import secrets
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings

from images.processing import process_image
from images.storage import new_object_stem, store_objects
from images.validation import ALLOWED_FORMATS, ValidatedImage, validate_image

WEBP = "image/webp"


@dataclass(frozen=True)
class StoredImage:
    name: str
    content_type: str
    width: int
    height: int
    size: int
    renditions: dict[int, str] = field(default_factory=dict)
    dominant_color: str = ""
    placeholder: str = ""

    @property
    def names(self) -> list[str]:
        return [self.name, *self.renditions.values()]


def store_uploaded_image(
    *, file: IO[bytes], folder: str, field: str = "file", with_renditions: bool = True
) -> StoredImage:
    """Validate `file` (errors name `field`), strip its metadata, make its renditions, and store them all
    under `{SPACES_ROOT_FOLDER}/{folder}/`. The objects are journaled: the caller must `release_objects(
    stored.names)` in the transaction that saves the row referencing them, or `discard_objects` them."""
    validated = validate_image(file, field=field)
    file.seek(0)
    data = file.read()
    return store_image_bytes(data=data, validated=validated, folder=folder, with_renditions=with_renditions)


def store_image_bytes(
    *, data: bytes, validated: ValidatedImage, folder: str, with_renditions: bool = True
) -> StoredImage:
    widths = tuple(settings.IMAGE_RENDITION_WIDTHS) if with_renditions else ()
    processed = process_image(data, validated.format, widths=widths)
    stem = new_object_stem(folder=folder)
    name = f"{stem}.{validated.format.extension}"
    objects = {name: (processed.original, validated.format.content_type)}
    rendition_names = _rendition_names(stem, processed.renditions)
    objects.update({rendition_names[width]: (data, WEBP) for width, data in processed.renditions.items()})
    store_objects(objects)
    return StoredImage(
        name=name,
        content_type=validated.format.content_type,
        width=processed.width,
        height=processed.height,
        size=len(processed.original),
        renditions=rendition_names,
        dominant_color=processed.dominant_color,
        placeholder=processed.placeholder,
    )


def _rendition_names(stem: str, renditions: dict[int, bytes]) -> dict[int, str]:
    # A version suffix: regenerated renditions never overwrite the ones that pages may still link to.
    version = secrets.token_hex(3)
    return {width: f"{stem}_w{width}_{version}.webp" for width in renditions}


def store_renditions(*, original_name: str, data: bytes, content_type: str) -> dict[int, str]:
    """Make and store (journaled) the renditions of an already stored original at the configured widths."""
    image_format = next(fmt for fmt in ALLOWED_FORMATS.values() if fmt.content_type == content_type)
    processed = process_image(data, image_format, widths=tuple(settings.IMAGE_RENDITION_WIDTHS))
    names = _rendition_names(original_name.rsplit(".", 1)[0], processed.renditions)
    store_objects({names[width]: (rendition, WEBP) for width, rendition in processed.renditions.items()})
    return names
