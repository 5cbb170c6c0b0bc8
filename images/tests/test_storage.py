"""Stored image objects on the real bucket: names, Content-Type, cleanup on failure, deletion after commit."""

import io
import logging
import re
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from django.conf import settings
from django.db import transaction
from storages.backends.s3 import S3Storage

from conftest import image_bytes
from images.storage import (
    StorageUnavailable,
    delete_objects_now,
    delete_objects_on_commit,
    new_object_name,
    store_image,
)
from images.validation import validate_image

UNAVAILABLE = "Image storage is unavailable. Nothing was saved; try again shortly."


def test_new_object_name_is_random_hex_in_the_folder() -> None:
    names = {new_object_name(folder="product_images", extension="webp") for _ in range(50)}

    assert len(names) == 50
    assert all(re.fullmatch(r"product_images/[0-9a-f]{32}\.webp", name) for name in names)


def test_store_image_saves_the_bytes_with_the_detected_content_type(bucket: Any) -> None:
    data = image_bytes("GIF", (9, 7))
    file = io.BytesIO(data)

    name = store_image(file=file, image=validate_image(file), folder="things")

    assert re.fullmatch(r"things/[0-9a-f]{32}\.gif", name)
    assert bucket.keys() == {f"{bucket.root}/{name}"}
    assert bucket.get(f"{bucket.root}/{name}") == data
    head = bucket.head(f"{bucket.root}/{name}")
    assert head["ContentType"] == "image/gif"
    assert head["CacheControl"] == settings.STORAGES["default"]["OPTIONS"]["object_parameters"]["CacheControl"]
    assert head["ContentLength"] == len(data)


def test_store_image_raises_storage_unavailable_when_the_bucket_is_unreachable(bucket: Any) -> None:
    file = io.BytesIO(image_bytes("PNG", (3, 3)))
    image = validate_image(file)
    error = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    with mock.patch.object(S3Storage, "_save", side_effect=error), pytest.raises(StorageUnavailable) as caught:
        store_image(file=file, image=image, folder="things")

    assert (caught.value.status_code, caught.value.detail) == (503, UNAVAILABLE)
    assert caught.value.__cause__ is error
    assert bucket.keys() == set()


def test_store_image_deletes_an_object_stored_before_the_storage_failed(bucket: Any) -> None:
    """The upload reached the bucket but the reply timed out: the object must not stay behind."""
    real_save = S3Storage._save
    stored: list[str] = []

    def save_then_time_out(storage: S3Storage, name: str, content: Any) -> str:
        stored.append(real_save(storage, name, content))
        raise ReadTimeoutError(endpoint_url="http://bucket")

    file = io.BytesIO(image_bytes("PNG", (3, 3)))
    image = validate_image(file)

    with mock.patch.object(S3Storage, "_save", save_then_time_out), pytest.raises(StorageUnavailable):
        store_image(file=file, image=image, folder="things")

    assert len(stored) == 1
    assert bucket.keys() == set()


def test_delete_objects_now_logs_a_failure_instead_of_raising(bucket: Any, caplog: pytest.LogCaptureFixture) -> None:
    error = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    with mock.patch.object(S3Storage, "delete", side_effect=error), caplog.at_level(logging.ERROR, "images.storage"):
        delete_objects_now(["things/a.png", "things/b.png"])

    assert [record.getMessage() for record in caplog.records] == [
        f"Deleting stored object things/{letter}.png failed; it is orphaned: {error}" for letter in "ab"
    ]


@pytest.mark.django_db
def test_delete_objects_on_commit_waits_for_the_commit(bucket: Any, django_capture_on_commit_callbacks: Any) -> None:
    file = io.BytesIO(image_bytes("JPEG", (4, 4)))
    name = store_image(file=file, image=validate_image(file), folder="things")

    with django_capture_on_commit_callbacks() as callbacks:
        delete_objects_on_commit([name, ""])

    assert len(callbacks) == 1
    assert bucket.keys() == {f"{bucket.root}/{name}"}
    callbacks[0]()
    assert bucket.keys() == set()


@pytest.mark.django_db
def test_delete_objects_on_commit_keeps_the_object_when_the_transaction_rolls_back(
    bucket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    file = io.BytesIO(image_bytes("JPEG", (4, 4)))
    name = store_image(file=file, image=validate_image(file), folder="things")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        delete_objects_on_commit([name])
        raise RuntimeError("rolled back")

    assert callbacks == []
    assert bucket.keys() == {f"{bucket.root}/{name}"}
