"""Every failure between "bytes received" and "row committed", injected against the real S3 server: the end
state is a complete image (row, original and every rendition) or nothing at all, at the latest after
`manage.py purge_stale_uploads`. Also what that command deletes and what it leaves."""

import io
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import timezone
from storages.backends.s3 import S3Storage

from images.models import PendingDeletion
from images.tests.samples import image_bytes
from images.uploads import store_uploaded_image
from shops.models import DirectUpload, Product, ProductImage
from shops.services.images import product_image_upload
from shops.tests.factories import ProductFactory
from shops.tests.stored_images import object_keys

pytestmark = pytest.mark.django_db

UNAVAILABLE = "Image storage is unavailable. Nothing was saved; try again shortly."
UNREACHABLE = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
# 1000 pixels wide: an original and renditions at 160, 480 and 960.
OBJECTS_PER_IMAGE = 4


@pytest.fixture
def product(user: Any) -> Product:
    return ProductFactory(shop__owner=user, shop__slug="fragile-shop", name="Glass", slug="glass")


def photo() -> bytes:
    return image_bytes("JPEG", (1000, 500))


def upload(client: Any, product: Product, data: bytes) -> Any:
    url = f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/upload/"
    return client.post(url, {"file": SimpleUploadedFile("photo.jpg", data)}, format="multipart")


def purge(older_than_minutes: int | None = None) -> str:
    out = io.StringIO()
    args = [] if older_than_minutes is None else [f"--older-than-minutes={older_than_minutes}"]
    call_command("purge_stale_uploads", *args, stdout=out)
    return out.getvalue()


def journaled() -> set[str]:
    return set(PendingDeletion.objects.values_list("name", flat=True))


def assert_nothing_left(bucket: Any) -> None:
    assert ProductImage.objects.count() == 0
    assert bucket.keys() == set()
    assert journaled() == set()


def assert_complete(bucket: Any, image: ProductImage) -> None:
    assert list(ProductImage.objects.all()) == [image]
    assert len(image.object_names) == OBJECTS_PER_IMAGE
    assert bucket.keys() == object_keys(bucket, image)
    assert journaled() == set()


def save_failing_on_call(number: int, *, stored: list[str]) -> Any:
    real_save = S3Storage.save

    def save(storage: S3Storage, name: str, content: Any, **kwargs: Any) -> str:
        if len(stored) + 1 == number:
            raise UNREACHABLE
        stored.append(real_save(storage, name, content, **kwargs))
        return stored[-1]

    return save


def test_a_validation_failure_leaves_nothing(owner_client: Any, product: Product, bucket: Any) -> None:
    response = upload(owner_client, product, b"GIF89a but not really")

    assert response.status_code == 400
    assert_nothing_left(bucket)
    purge(older_than_minutes=0)
    assert_nothing_left(bucket)


@pytest.mark.parametrize("failing_call", [1, 2, 3, OBJECTS_PER_IMAGE])
def test_a_storage_error_on_any_object_of_an_upload_leaves_nothing(
    owner_client: Any, product: Product, bucket: Any, failing_call: int
) -> None:
    stored: list[str] = []

    with mock.patch.object(S3Storage, "save", save_failing_on_call(failing_call, stored=stored)):
        response = upload(owner_client, product, photo())

    assert (response.status_code, response.json()) == (503, {"detail": UNAVAILABLE})
    assert len(stored) == failing_call - 1
    assert_nothing_left(bucket)


def test_a_storage_that_fails_mid_upload_and_then_on_cleanup_is_purged_later(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    """The third object fails to store and the storage still fails on cleanup: one deletion is tried (each
    try against a failing storage costs its timeout, and the client waits for its 503), and every object
    that may be stored stays journaled for the purge: the two stored and the one that failed (its reply may
    have been lost after it was written). The fourth was never sent, so it is not journaled."""
    stored: list[str] = []

    with (
        mock.patch.object(S3Storage, "save", save_failing_on_call(3, stored=stored)),
        mock.patch.object(S3Storage, "delete", side_effect=UNREACHABLE) as delete,
    ):
        response = upload(owner_client, product, photo())

    assert response.status_code == 503
    assert delete.call_count == 1
    assert ProductImage.objects.count() == 0
    assert bucket.keys() == {f"{bucket.root}/{name}" for name in stored}
    assert len(stored) == 2
    assert set(stored) < journaled()
    assert len(journaled()) == 3
    assert purge(older_than_minutes=0) == "Deleted 3 stale objects (0 still failing); 0 expired uploads.\n"
    assert_nothing_left(bucket)
    assert journaled() == set()


def test_a_database_error_saving_the_row_leaves_nothing(product: Product, bucket: Any) -> None:
    stored: list[str] = []

    with (
        mock.patch.object(S3Storage, "save", save_failing_on_call(0, stored=stored)),
        mock.patch.object(ProductImage, "save", side_effect=DatabaseError("connection lost")),
        pytest.raises(DatabaseError, match="connection lost"),
    ):
        product_image_upload(product=product, file=SimpleUploadedFile("photo.jpg", photo()))

    assert len(stored) == OBJECTS_PER_IMAGE  # all stored before the row failed
    assert_nothing_left(bucket)


def test_a_crash_between_storing_and_recording_is_purged(product: Product, bucket: Any) -> None:
    """The process dies after the objects are stored and before the row is written: simulated by storing
    and never recording. The objects stay journaled until the purge deletes them."""
    stored = store_uploaded_image(file=io.BytesIO(photo()), folder="product_images")

    assert bucket.keys() == {f"{bucket.root}/{name}" for name in stored.names}
    assert journaled() == set(stored.names)
    # Uploads in flight are younger than STALE_UPLOAD_MINUTES: the default purge leaves them alone.
    assert purge() == "Deleted 0 stale objects (0 still failing); 0 expired uploads.\n"
    assert len(bucket.keys()) == OBJECTS_PER_IMAGE

    assert purge(older_than_minutes=0) == "Deleted 4 stale objects (0 still failing); 0 expired uploads.\n"
    assert_nothing_left(bucket)


def test_a_successful_upload_is_complete_and_never_purged(owner_client: Any, product: Product, bucket: Any) -> None:
    response = upload(owner_client, product, photo())

    assert response.status_code == 201
    image = ProductImage.objects.get()
    assert_complete(bucket, image)
    assert purge(older_than_minutes=0) == "Deleted 0 stale objects (0 still failing); 0 expired uploads.\n"
    assert_complete(bucket, image)


def test_deleting_an_image_while_the_storage_is_unreachable_is_finished_by_the_purge(
    owner_client: Any, product: Product, bucket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    image = product_image_upload(product=product, file=SimpleUploadedFile("photo.jpg", photo()))
    keys = object_keys(bucket, image)
    url = f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/{image.id}/"

    with (
        mock.patch.object(S3Storage, "delete", side_effect=UNREACHABLE),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = owner_client.delete(url)

    assert response.status_code == 204
    assert ProductImage.objects.count() == 0
    assert bucket.keys() == keys
    assert journaled() == set(image.object_names)

    with mock.patch.object(S3Storage, "delete", side_effect=UNREACHABLE):
        assert purge(older_than_minutes=0) == "Deleted 0 stale objects (4 still failing); 0 expired uploads.\n"
    assert purge(older_than_minutes=0) == "Deleted 4 stale objects (0 still failing); 0 expired uploads.\n"
    assert_nothing_left(bucket)


def test_a_storage_error_while_completing_a_direct_upload_leaves_nothing(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    images_url = f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/"
    target = owner_client.post(f"{images_url}upload-url/", {"content_type": "image/jpeg"}, format="json").json()
    default_storage.save(target["key"], ContentFile(photo()))
    stored: list[str] = []

    with mock.patch.object(S3Storage, "save", save_failing_on_call(2, stored=stored)):
        response = owner_client.post(f"{images_url}complete/", {"upload_id": target["upload_id"]}, format="json")

    assert (response.status_code, response.json()) == (503, {"detail": UNAVAILABLE})
    assert len(stored) == 1
    assert_nothing_left(bucket)  # the incoming object too


# What purge_stale_uploads deletes and leaves


def test_purge_deletes_journaled_objects_older_than_the_cutoff_and_leaves_fresh_ones(
    product: Product, bucket: Any
) -> None:
    old = store_uploaded_image(file=io.BytesIO(image_bytes("JPEG", (20, 10))), folder="product_images")
    fresh = store_uploaded_image(file=io.BytesIO(image_bytes("PNG", (20, 10))), folder="product_images")
    PendingDeletion.objects.filter(name__in=old.names).update(created_at=timezone.now() - timedelta(minutes=61))

    assert purge() == "Deleted 2 stale objects (0 still failing); 0 expired uploads.\n"

    assert bucket.keys() == {f"{bucket.root}/{name}" for name in fresh.names}
    assert journaled() == set(fresh.names)


def test_purge_deletes_expired_uncompleted_direct_uploads_only(
    owner_client: Any, user: Any, product: Product, bucket: Any
) -> None:
    url = f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/upload-url/"
    expired, pending, completed = (
        owner_client.post(url, {"content_type": "image/png"}, format="json").json()["upload_id"] for _ in range(3)
    )
    past = timezone.now() - timedelta(seconds=1)
    DirectUpload.objects.filter(id__in=[expired, completed]).update(expires_at=past)
    DirectUpload.objects.filter(id=completed).update(completed_at=past)

    assert purge() == "Deleted 0 stale objects (0 still failing); 1 expired uploads.\n"

    assert {str(upload_id) for upload_id in DirectUpload.objects.values_list("id", flat=True)} == {
        pending,
        completed,
    }
