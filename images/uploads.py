"""From uploaded bytes to stored objects: validate (Pillow), process (libvips: metadata stripped, renditions),
store (journaled). The multipart upload, the direct-to-bucket upload and the shop and profile images all
come through here."""

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet

from images.backends import COPY_CHUNK_BYTES
from images.processing import process_image, process_image_file
from images.storage import Body, delete_objects_on_commit, new_object_stem, objects_committed, store_objects
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
    stored.names)` in the transaction that saves the row referencing them, or `discard_objects` them.

    The bytes are never all in memory: the work is done from a file (Django's own temporary file for a large
    upload, else a temporary copy)."""
    validated = validate_image(file, field=field)
    with local_path(file) as path:
        return store_image_file(path=path, validated=validated, folder=folder, with_renditions=with_renditions)


@contextmanager
def local_path(file: IO[bytes]) -> Iterator[str]:
    """The path of a file holding `file`'s bytes: the temporary file of a TemporaryUploadedFile, or a temporary
    copy (written in pieces, deleted on exit)."""
    temporary_file_path = getattr(file, "temporary_file_path", None)
    if temporary_file_path is not None:
        file.flush()
        yield temporary_file_path()
        return
    with temporary_file(suffix=".upload") as copy:
        file.seek(0)
        shutil.copyfileobj(file, copy, COPY_CHUNK_BYTES)
        copy.flush()
        file.seek(0)
        yield copy.name


def temporary_file(suffix: str = "") -> IO[bytes]:
    """A named temporary file in FILE_UPLOAD_TEMP_DIR (where Django spools large uploads), deleted on close."""
    return tempfile.NamedTemporaryFile(suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR)


def store_image_file(*, path: str, validated: ValidatedImage, folder: str, with_renditions: bool = True) -> StoredImage:
    """Process the image in the file at `path` (which `validate_image` accepted as `validated`) and store the
    stripped original, streamed from a temporary file, and its renditions (journaled, as store_objects)."""
    widths = tuple(settings.IMAGE_RENDITION_WIDTHS) if with_renditions else ()
    with temporary_file(suffix=".original") as original:
        processed = process_image_file(path, validated.format, widths=widths, original=original)
        size = original.seek(0, 2)
        original.seek(0)
        stem = new_object_stem(folder=folder)
        name = f"{stem}.{validated.format.extension}"
        objects: dict[str, tuple[Body, str]] = {name: (original, validated.format.content_type)}
        rendition_names = _rendition_names(stem, processed.renditions)
        objects.update({rendition_names[width]: (data, WEBP) for width, data in processed.renditions.items()})
        store_objects(objects)
    return StoredImage(
        name=name,
        content_type=validated.format.content_type,
        width=processed.width,
        height=processed.height,
        size=size,
        renditions=rendition_names,
        dominant_color=processed.dominant_color,
        placeholder=processed.placeholder,
    )


def _rendition_names(stem: str, renditions: dict[int, bytes]) -> dict[int, str]:
    # A version suffix: regenerated renditions never overwrite the ones that pages may still link to.
    version = secrets.token_hex(3)
    return {width: f"{stem}_w{width}_{version}.webp" for width in renditions}


RowT = TypeVar("RowT", bound=Model)


def image_field_replace(
    *, rows: QuerySet[RowT], pk: int, field: str, stored: StoredImage, also_update: tuple[str, ...] = ()
) -> RowT:
    """Point the image `field` of row `pk` at the just-stored image, its previous image deleted once that
    commits (the objects_committed journal: on failure the new objects are deleted). The row lock orders
    concurrent replacements, so each replaced object is deleted exactly once. Call it outside a transaction."""
    with objects_committed(stored.names):
        locked = rows.select_for_update().get(pk=pk)
        previous = getattr(locked, field).name
        setattr(locked, field, stored.name)
        locked.save(update_fields=[field, *also_update])
        delete_objects_on_commit([previous])
    return locked


def store_renditions(*, original_name: str, data: bytes, content_type: str) -> dict[int, str]:
    """Make and store (journaled) the renditions of an already stored original at the configured widths."""
    image_format = next(fmt for fmt in ALLOWED_FORMATS.values() if fmt.content_type == content_type)
    processed = process_image(data, image_format, widths=tuple(settings.IMAGE_RENDITION_WIDTHS))
    names = _rendition_names(original_name.rsplit(".", 1)[0], processed.renditions)
    store_objects({names[width]: (rendition, WEBP) for width, rendition in processed.renditions.items()})
    return names
