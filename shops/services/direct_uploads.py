"""Direct-to-bucket uploads: the client gets a presigned POST for one new key, sends the bytes straight to
the bucket, then completes the upload; the server checks the object and makes the image from it.

Without a bucket (local storage) the "presigned" URL points at this server (`uploads/<signed key>/`), so the
same flow works with nothing configured: both storage classes (images.backends) offer the presigned POST and
the download, so nothing here depends on which one is configured."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.errors import DependencyUnavailable, TryAgainLater
from images.backends import upload_storage
from images.storage import STORAGE_ERRORS, StorageUnavailable, discard_objects, journal_objects
from images.uploads import store_image_file, temporary_file
from images.validation import ALLOWED_FORMATS, validate_image
from shops.models import DirectUpload, Product, ProductImage
from shops.services.images import FOLDER, product_image_record, product_image_room_check

INCOMING_FOLDER = "incoming"
ALLOWED_CONTENT_TYPES = {image_format.content_type for image_format in ALLOWED_FORMATS.values()}


@dataclass(frozen=True)
class UploadTarget:
    upload: DirectUpload
    url: str
    fields: dict[str, str]


def direct_upload_start(*, user: User, product: Product, content_type: str) -> UploadTarget:
    """Reserve a new key for one image of `product` and sign an upload of at most IMAGE_MAX_BYTES of
    `content_type` to it, valid DIRECT_UPLOAD_EXPIRY_SECONDS. Without a bucket the url is a path on this
    server (the API makes it absolute)."""
    if content_type not in ALLOWED_CONTENT_TYPES:
        allowed = ", ".join(sorted(ALLOWED_CONTENT_TYPES))
        raise ValidationError({"content_type": f"Upload one of: {allowed}."})
    product_image_room_check(product=product, field="content_type")
    _check_outstanding(user=user, product=product, lock=False)  # a refusal writes nothing, not even the journal
    upload_id = uuid.uuid4()
    key = f"{INCOMING_FOLDER}/{upload_id.hex}"
    expiry = settings.DIRECT_UPLOAD_EXPIRY_SECONDS
    # Journaled from the start: an upload never completed is purged with its object.
    journal_objects([key])
    with transaction.atomic():
        _check_outstanding(user=user, product=product, lock=True)
        upload = DirectUpload.objects.create(
            id=upload_id,
            user=user,
            product=product,
            key=key,
            content_type=content_type,
            max_bytes=settings.IMAGE_MAX_BYTES,
            expires_at=timezone.now() + timedelta(seconds=expiry),
        )
    try:
        presigned = upload_storage(default_storage).presigned_post(
            key, content_type=content_type, max_bytes=upload.max_bytes, expires_in=expiry
        )
    except STORAGE_ERRORS as error:
        raise StorageUnavailable() from error
    return UploadTarget(upload=upload, url=presigned.url, fields=presigned.fields)


def _check_outstanding(*, user: User, product: Product, lock: bool) -> None:
    """At most DIRECT_UPLOAD_MAX_PER_USER reservations neither completed nor expired for the user, and
    DIRECT_UPLOAD_MAX_PER_PRODUCT for the product; beyond, a 429 whose Retry-After is when the oldest one
    expires. With `lock`, the user's row is locked, so that concurrent requests count one after the other."""
    if lock:
        User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    outstanding = DirectUpload.objects.filter(completed_at__isnull=True, expires_at__gt=now)
    for queryset, limit, what in (
        (outstanding.filter(user=user), settings.DIRECT_UPLOAD_MAX_PER_USER, "in all"),
        (outstanding.filter(product=product), settings.DIRECT_UPLOAD_MAX_PER_PRODUCT, "for this product"),
    ):
        expiries = list(queryset.order_by("expires_at").values_list("expires_at", flat=True)[:limit])
        if len(expiries) >= limit:
            raise TryAgainLater(
                wait_seconds=max(1.0, (expiries[0] - now).total_seconds()),  # DRF rounds it up
                detail=f"At most {limit} direct uploads may be waiting to complete {what}: complete one, "
                "or wait until one expires.",
            )


def direct_upload_receive_locally(*, token: str, file: IO[bytes] | None, content_type: str) -> None:
    """This server standing in for the bucket (local storage): store the bytes at the upload's key."""
    storage = upload_storage(default_storage)
    if not storage.receives_posts:
        raise ValidationError({"detail": "Upload to the bucket url given by upload-url."})
    key = storage.posted_name(token, max_age=settings.DIRECT_UPLOAD_EXPIRY_SECONDS)
    upload = None if key is None else DirectUpload.objects.filter(key=key, completed_at__isnull=True).first()
    if upload is None:
        raise ValidationError({"detail": "This upload url is invalid or has expired."})
    if file is None:
        raise ValidationError({"file": "No file was submitted."})
    if content_type != upload.content_type:
        raise ValidationError({"Content-Type": f"This upload accepts only {upload.content_type}."})
    size = getattr(file, "size", None) or 0
    if not 1 <= size <= upload.max_bytes:
        raise ValidationError({"file": f"The file must be 1 to {upload.max_bytes} bytes."})
    default_storage.delete(upload.key)
    default_storage.save(upload.key, File(file, name=upload.key))


def direct_upload_complete(*, user: User, product: Product, upload_id: uuid.UUID, alt_text: str) -> ProductImage:
    """Turn the uploaded object into a product image (validated and processed like a multipart upload).

    The upload is claimed first, atomically: it completes once, for its user and product only. Whatever
    happens next, the uploaded object is deleted; the image's own objects are stored or nothing is."""
    claimed = DirectUpload.objects.filter(
        id=upload_id, user=user, product=product, completed_at__isnull=True, expires_at__gt=timezone.now()
    ).update(completed_at=timezone.now())
    if not claimed:
        raise ValidationError(
            {"upload_id": "No pending upload with this id for this product (unknown, expired or already completed)."}
        )
    upload = DirectUpload.objects.get(id=upload_id)
    try:
        with _downloaded(upload) as local:
            validated = validate_image(local, field="file")
            product_image_room_check(product=product, field="file")
            stored = store_image_file(path=local.name, validated=validated, folder=FOLDER)
        return product_image_record(product=product, stored=stored, alt_text=alt_text)
    finally:
        discard_objects([upload.key])


@contextmanager
def _downloaded(upload: DirectUpload) -> Iterator[IO[bytes]]:
    """The uploaded object, copied in pieces into a temporary file (deleted on exit), at position 0."""
    with temporary_file(suffix=".upload") as local:
        _download(upload, local)
        local.seek(0)
        yield local


def _download(upload: DirectUpload, local: IO[bytes]) -> None:
    try:
        if not default_storage.exists(upload.key):
            raise ValidationError({"upload_id": "Nothing was uploaded for this upload yet."})
        size = default_storage.size(upload.key)
        if size > upload.max_bytes:
            raise ValidationError({"file": f"The file is {size} bytes; the limit is {upload.max_bytes} bytes."})
        upload_storage(default_storage).download_to(upload.key, local)
        local.flush()
    except STORAGE_ERRORS as error:
        raise DependencyUnavailable() from error


def direct_uploads_purge_expired(*, now: datetime | None = None) -> int:
    """Delete expired, never-completed upload rows (their objects are purged through the journal)."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted, _ = DirectUpload.objects.filter(completed_at__isnull=True, expires_at__lt=now).delete()
    return deleted
