"""Stored image objects: unguessable names, saving with the detected Content-Type, deletion after commit."""

import logging
import secrets
from collections.abc import Iterable
from typing import IO

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction

from api.exceptions import ServiceUnavailable
from images.validation import ValidatedImage

logger = logging.getLogger(__name__)

STORAGE_ERRORS = (BotoCoreError, ClientError, OSError)


class StorageUnavailable(ServiceUnavailable):
    default_detail = "Image storage is unavailable. Nothing was saved; try again shortly."
    default_code = "storage_unavailable"


def new_object_name(*, folder: str, extension: str) -> str:
    """`{folder}/{32 random hex}.{ext}`: unguessable, and never the client's file name."""
    return f"{folder}/{secrets.token_hex(16)}.{extension}"


def store_image(*, file: IO[bytes], image: ValidatedImage, folder: str) -> str:
    """Save the validated bytes under a new name in `folder` (below SPACES_ROOT_FOLDER) and return the name.

    Raises StorageUnavailable when the storage fails; nothing is left stored then.
    """
    name = new_object_name(folder=folder, extension=image.format.extension)
    upload = File(file, name=name)
    upload.content_type = image.format.content_type  # S3Storage sends it as the object's Content-Type
    file.seek(0)
    try:
        saved_name = default_storage.save(name, upload)
    except STORAGE_ERRORS as error:
        logger.warning("Storing %s failed: %s", name, error)
        delete_objects_now([name])
        raise StorageUnavailable() from error
    return saved_name


def object_url(name: str) -> str:
    return default_storage.url(name)


def delete_objects_now(names: Iterable[str]) -> None:
    """Delete stored objects, logging (not raising) failures: the caller's data is already consistent."""
    for name in names:
        try:
            default_storage.delete(name)
        except STORAGE_ERRORS as error:
            logger.error("Deleting stored object %s failed; it is orphaned: %s", name, error)


def delete_objects_on_commit(names: Iterable[str]) -> None:
    """Delete stored objects once the current transaction commits (never if it rolls back)."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: delete_objects_now(names))
