"""Direct-to-bucket uploads: upload-url, the bytes POSTed to the real S3 server (or, without a bucket, to this
server's stand-in endpoint), then complete. A key completes once, for its user and product only, and a
refused completion leaves no row and no object behind."""

import io
import threading
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from api.errors import TryAgainLater
from images.models import PendingDeletion
from images.tests.samples import image_bytes
from shops.models import DirectUpload, Product, ProductImage
from shops.services.direct_uploads import direct_upload_start
from shops.tests.factories import ProductFactory
from shops.tests.stored_images import rendition_urls, s3_url, split_keys, srcset

pytestmark = pytest.mark.django_db

NO_PENDING_UPLOAD = "No pending upload with this id for this product (unknown, expired or already completed)."
UPLOAD_URL_INVALID = "This upload url is invalid or has expired."


@pytest.fixture
def product(user: Any) -> Product:
    return ProductFactory(shop__owner=user, shop__slug="direct-shop", name="Chair", slug="chair")


def images_url(product: Product) -> str:
    return f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/"


def ask_upload_url(client: Any, product: Product, content_type: str = "image/jpeg") -> Any:
    return client.post(f"{images_url(product)}upload-url/", {"content_type": content_type}, format="json")


def complete(client: Any, product: Product, upload_id: str, alt_text: str = "") -> Any:
    return client.post(f"{images_url(product)}complete/", {"upload_id": upload_id, "alt_text": alt_text}, format="json")


def multipart(fields: dict[str, str], data: bytes, content_type: str) -> tuple[bytes, str]:
    """An HTML form's body: every field, then the file (S3 ignores fields after `file`)."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post_to_bucket(target: dict[str, Any], data: bytes, fields: dict[str, str] | None = None) -> tuple[int, bytes]:
    body, content_type = multipart(fields or target["fields"], data, target["content_type"])
    headers = {"Content-Type": content_type}
    request = urllib.request.Request(target["url"], data=body, headers=headers, method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the test bucket on loopback
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def incoming_key(bucket: Any, upload_id: str) -> str:
    return f"{bucket.root}/incoming/{uuid.UUID(upload_id).hex}"


def api_datetime(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


# Against the real S3 server


def test_upload_url_returns_a_presigned_post_for_one_new_key(owner_client: Any, product: Product, bucket: Any) -> None:
    response = ask_upload_url(owner_client, product)

    assert response.status_code == 201
    upload = DirectUpload.objects.get()
    body = response.json()
    key = f"incoming/{upload.id.hex}"
    assert body == {
        "upload_id": str(upload.id),
        "key": key,
        "method": "POST",
        "url": f"{settings.STORAGES['default']['OPTIONS']['endpoint_url']}/{bucket.name}",
        "fields": {
            "Content-Type": "image/jpeg",
            "key": f"{bucket.root}/{key}",
            # Signature version 4 (AWS regions refuse version 2).
            "x-amz-algorithm": "AWS4-HMAC-SHA256",
            "x-amz-credential": f"{settings.STORAGES['default']['OPTIONS']['access_key']}/"
            f"{body['fields']['x-amz-date'][:8]}/us-east-1/s3/aws4_request",
            "x-amz-date": body["fields"]["x-amz-date"],
            "policy": body["fields"]["policy"],
            "x-amz-signature": body["fields"]["x-amz-signature"],
        },
        "content_type": "image/jpeg",
        "max_bytes": settings.IMAGE_MAX_BYTES,
        "expires_at": api_datetime(upload.expires_at),
    }
    assert (upload.key, upload.content_type, upload.max_bytes, upload.completed_at) == (
        key,
        "image/jpeg",
        settings.IMAGE_MAX_BYTES,
        None,
    )
    expiry = (upload.expires_at - upload.created_at).total_seconds()
    assert round(expiry) == settings.DIRECT_UPLOAD_EXPIRY_SECONDS
    # Journaled from the start: never completed, it is purged.
    assert list(PendingDeletion.objects.values_list("name", flat=True)) == [key]
    assert bucket.keys() == set()


def test_the_direct_upload_flow_creates_the_image_and_deletes_the_incoming_object(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    data = image_bytes("JPEG", (500, 250))
    target = ask_upload_url(owner_client, product).json()

    assert post_to_bucket(target, data)[0] == 204
    assert bucket.keys() == {incoming_key(bucket, target["upload_id"])}
    response = complete(owner_client, product, target["upload_id"], alt_text="A chair")

    assert response.status_code == 201
    row = ProductImage.objects.get()
    key, renditions = split_keys(bucket, "jpg", [160, 480])  # the incoming object is gone
    assert response.json() == {
        "id": row.id,
        "url": s3_url(bucket, key),
        "alt_text": "A chair",
        "position": 1,
        "sort_order": 1,
        "is_primary": True,
        "width": 500,
        "height": 250,
        "content_type": "image/jpeg",
        "size": len(data),
        "renditions": rendition_urls(bucket, renditions),
        "srcset": srcset(bucket, renditions),
        "dominant_color": row.dominant_color,
        "placeholder": row.placeholder,
        "created_at": api_datetime(row.created_at),
    }
    assert bucket.get(key) == data
    assert DirectUpload.objects.get().completed_at is not None
    assert PendingDeletion.objects.count() == 0


def test_an_upload_completes_only_once(owner_client: Any, product: Product, bucket: Any) -> None:
    target = ask_upload_url(owner_client, product).json()
    post_to_bucket(target, image_bytes("JPEG", (20, 10)))
    first = complete(owner_client, product, target["upload_id"])
    keys = bucket.keys()

    second = complete(owner_client, product, target["upload_id"])

    assert first.status_code == 201
    assert (second.status_code, second.json()) == (400, {"upload_id": [NO_PENDING_UPLOAD]})
    assert ProductImage.objects.count() == 1
    assert bucket.keys() == keys
    assert len(keys) == 2


def test_another_user_can_neither_ask_nor_complete_for_my_product(
    owner_client: Any, other_client: Any, other_user: Any, product: Product, bucket: Any
) -> None:
    target = ask_upload_url(owner_client, product).json()
    post_to_bucket(target, image_bytes("JPEG", (20, 10)))
    their_product = ProductFactory(shop__owner=other_user)

    asked = ask_upload_url(other_client, product)
    on_my_product = complete(other_client, product, target["upload_id"])
    on_their_product = complete(other_client, their_product, target["upload_id"])

    assert (asked.status_code, asked.json()) == (404, {"detail": "Not found."})
    assert (on_my_product.status_code, on_my_product.json()) == (404, {"detail": "Not found."})
    assert (on_their_product.status_code, on_their_product.json()) == (400, {"upload_id": [NO_PENDING_UPLOAD]})
    assert ProductImage.objects.count() == 0
    assert DirectUpload.objects.count() == 1
    assert bucket.keys() == {incoming_key(bucket, target["upload_id"])}
    # Still mine to complete.
    assert complete(owner_client, product, target["upload_id"]).status_code == 201


def test_an_upload_completes_only_for_its_product(owner_client: Any, user: Any, product: Product, bucket: Any) -> None:
    target = ask_upload_url(owner_client, product).json()
    post_to_bucket(target, image_bytes("JPEG", (20, 10)))
    sibling = ProductFactory(shop=product.shop)

    response = complete(owner_client, sibling, target["upload_id"])

    assert (response.status_code, response.json()) == (400, {"upload_id": [NO_PENDING_UPLOAD]})
    assert ProductImage.objects.count() == 0
    assert bucket.keys() == {incoming_key(bucket, target["upload_id"])}
    assert complete(owner_client, product, target["upload_id"]).status_code == 201


def test_the_bucket_refuses_more_bytes_than_max_bytes(owner_client: Any, product: Product, bucket: Any) -> None:
    data = image_bytes("JPEG", (300, 200))
    with override_settings(IMAGE_MAX_BYTES=len(data) - 1):
        target = ask_upload_url(owner_client, product).json()

    status, reply = post_to_bucket(target, data)

    assert target["max_bytes"] == len(data) - 1
    assert (status, b"<Code>EntityTooLarge</Code>" in reply) == (400, True)
    assert bucket.keys() == set()
    response = complete(owner_client, product, target["upload_id"])
    assert (response.status_code, response.json()) == (
        400,
        {"upload_id": ["Nothing was uploaded for this upload yet."]},
    )
    assert ProductImage.objects.count() == 0


def test_the_bucket_refuses_another_content_type_than_signed(owner_client: Any, product: Product, bucket: Any) -> None:
    target = ask_upload_url(owner_client, product).json()

    status, _ = post_to_bucket(target, image_bytes("PNG"), fields={**target["fields"], "Content-Type": "image/png"})

    assert status == 403
    assert bucket.keys() == set()


def test_completing_a_file_that_is_not_an_image_leaves_nothing(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    target = ask_upload_url(owner_client, product).json()
    assert post_to_bucket(target, b"#!/bin/sh\necho not a photo\n")[0] == 204

    response = complete(owner_client, product, target["upload_id"])

    assert (response.status_code, response.json()) == (
        400,
        {"file": ["The file is not a supported image: upload a JPEG, PNG, WebP or GIF."]},
    )
    assert ProductImage.objects.count() == 0
    assert bucket.keys() == set()
    assert PendingDeletion.objects.count() == 0


def test_upload_url_refuses_an_unsupported_content_type(owner_client: Any, product: Product, bucket: Any) -> None:
    response = ask_upload_url(owner_client, product, content_type="image/svg+xml")

    assert (response.status_code, response.json()) == (
        400,
        {"content_type": ["Upload one of: image/gif, image/jpeg, image/png, image/webp."]},
    )
    assert DirectUpload.objects.count() == 0
    assert PendingDeletion.objects.count() == 0


@override_settings(PRODUCT_IMAGE_LIMIT=0)
def test_upload_url_refuses_a_product_at_its_image_limit(owner_client: Any, product: Product) -> None:
    response = ask_upload_url(owner_client, product)

    assert (response.status_code, response.json()) == (
        400,
        {"content_type": ["A product can have at most 0 images; delete one first."]},
    )
    assert (DirectUpload.objects.count(), PendingDeletion.objects.count()) == (0, 0)


def test_an_expired_upload_cannot_be_completed(owner_client: Any, product: Product, bucket: Any) -> None:
    target = ask_upload_url(owner_client, product).json()
    post_to_bucket(target, image_bytes("JPEG", (20, 10)))
    DirectUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = complete(owner_client, product, target["upload_id"])

    assert (response.status_code, response.json()) == (400, {"upload_id": [NO_PENDING_UPLOAD]})
    assert ProductImage.objects.count() == 0
    # Left for the purge, which is what deletes abandoned uploads.
    assert bucket.keys() == {incoming_key(bucket, target["upload_id"])}
    assert list(PendingDeletion.objects.values_list("name", flat=True)) == [target["key"]]


def test_an_unknown_upload_id_is_refused(owner_client: Any, product: Product) -> None:
    response = complete(owner_client, product, str(uuid.uuid4()))

    assert (response.status_code, response.json()) == (400, {"upload_id": [NO_PENDING_UPLOAD]})


def test_anonymous_requests_are_refused(api_client: Any, product: Product) -> None:
    unauthorized = (401, {"detail": "Authentication credentials were not provided."})

    asked = ask_upload_url(api_client, product)
    completed = complete(api_client, product, str(uuid.uuid4()))

    assert [(r.status_code, r.json()) for r in (asked, completed)] == [unauthorized, unauthorized]
    assert DirectUpload.objects.count() == 0


def test_the_local_stand_in_refuses_uploads_when_there_is_a_bucket(
    owner_client: Any, api_client: Any, product: Product, bucket: Any
) -> None:
    ask_upload_url(owner_client, product)

    response = api_client.post(
        "/api/v1/shops/uploads/anything/",
        {"Content-Type": "image/jpeg", "file": SimpleUploadedFile("a.jpg", image_bytes())},
        format="multipart",
    )

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Upload to the bucket url given by upload-url."},
    )
    assert bucket.keys() == set()


# Without a bucket: this server stands in for it


@pytest.fixture
def local_storage(tmp_path: Path) -> Any:
    storages = {
        "default": {
            "BACKEND": "images.backends.LocalStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/uploads/"},
        },
        "staticfiles": settings.STORAGES["staticfiles"],
    }
    with override_settings(STORAGES=storages):
        yield tmp_path


def stored_files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def post_locally(client: Any, url: str, data: bytes, content_type: str = "image/jpeg") -> Any:
    file = SimpleUploadedFile("photo", data, content_type=content_type)
    return client.post(
        url.removeprefix("http://testserver"), {"Content-Type": content_type, "file": file}, format="multipart"
    )


def test_without_a_bucket_the_flow_goes_through_this_server(
    owner_client: Any, api_client: Any, product: Product, local_storage: Path
) -> None:
    data = image_bytes("PNG", (200, 100))
    response = ask_upload_url(owner_client, product, content_type="image/png")
    target = response.json()
    upload = DirectUpload.objects.get()

    assert response.status_code == 201
    token = target["url"].removeprefix("http://testserver/api/v1/shops/uploads/").removesuffix("/")
    assert target["url"] == f"http://testserver/api/v1/shops/uploads/{token}/"
    assert signing.loads(token, salt="images.local_upload") == upload.key
    assert (target["fields"], target["method"], target["key"]) == (
        {"Content-Type": "image/png"},
        "POST",
        f"incoming/{upload.id.hex}",
    )

    received = post_locally(api_client, target["url"], data, "image/png")

    assert (received.status_code, received.content) == (204, b"")
    assert stored_files(local_storage) == {target["key"]}
    assert (local_storage / target["key"]).read_bytes() == data

    completed = complete(owner_client, product, target["upload_id"], alt_text="Local")

    assert completed.status_code == 201
    row = ProductImage.objects.get()
    (rendition,) = row.renditions.values()
    assert stored_files(local_storage) == {row.image.name, rendition}
    assert completed.json()["url"] == f"http://testserver/media/uploads/{row.image.name}"
    assert completed.json()["renditions"] == {"160": f"http://testserver/media/uploads/{rendition}"}
    assert (local_storage / (row.image.name or "")).read_bytes() == data
    assert PendingDeletion.objects.count() == 0


def test_the_local_endpoint_refuses_a_bad_token(api_client: Any, product: Product, local_storage: Path) -> None:
    response = post_locally(api_client, "/api/v1/shops/uploads/not-a-signed-token/", image_bytes())

    assert (response.status_code, response.json()) == (400, {"detail": UPLOAD_URL_INVALID})
    assert stored_files(local_storage) == set()


def test_the_local_endpoint_refuses_another_content_type(
    owner_client: Any, api_client: Any, product: Product, local_storage: Path
) -> None:
    target = ask_upload_url(owner_client, product).json()

    response = post_locally(api_client, target["url"], image_bytes("PNG"), "image/png")

    assert (response.status_code, response.json()) == (400, {"Content-Type": ["This upload accepts only image/jpeg."]})
    assert stored_files(local_storage) == set()


def test_the_local_endpoint_refuses_more_bytes_than_max_bytes(
    owner_client: Any, api_client: Any, product: Product, local_storage: Path
) -> None:
    data = image_bytes("JPEG", (100, 100))
    with override_settings(IMAGE_MAX_BYTES=len(data) - 1):
        target = ask_upload_url(owner_client, product).json()

    response = post_locally(api_client, target["url"], data)

    assert (response.status_code, response.json()) == (400, {"file": [f"The file must be 1 to {len(data) - 1} bytes."]})
    assert stored_files(local_storage) == set()


def test_the_local_endpoint_refuses_a_completed_upload(
    owner_client: Any, api_client: Any, product: Product, local_storage: Path
) -> None:
    target = ask_upload_url(owner_client, product).json()
    post_locally(api_client, target["url"], image_bytes("JPEG", (20, 10)))
    complete(owner_client, product, target["upload_id"])
    stored = stored_files(local_storage)

    response = post_locally(api_client, target["url"], image_bytes("JPEG", (30, 10)))

    assert (response.status_code, response.json()) == (400, {"detail": UPLOAD_URL_INVALID})
    assert stored_files(local_storage) == stored


def test_the_local_endpoint_refuses_a_form_without_a_file(
    owner_client: Any, api_client: Any, product: Product, local_storage: Path
) -> None:
    target = ask_upload_url(owner_client, product).json()

    response = api_client.post(
        target["url"].removeprefix("http://testserver"), {"Content-Type": "image/jpeg"}, format="multipart"
    )

    assert (response.status_code, response.json()) == (400, {"file": ["No file was submitted."]})
    assert stored_files(local_storage) == set()


# Reservations are capped


@override_settings(DIRECT_UPLOAD_MAX_PER_PRODUCT=2, DIRECT_UPLOAD_MAX_PER_USER=3)
def test_upload_url_beyond_the_per_product_cap_is_a_429_and_writes_nothing(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    first, second = (ask_upload_url(owner_client, product) for _ in range(2))
    before = (set(DirectUpload.objects.values_list("id", flat=True)), set(PendingDeletion.objects.values_list("name")))

    refused = ask_upload_url(owner_client, product)

    assert (first.status_code, second.status_code, refused.status_code) == (201, 201, 429)
    # Retry-After: when the oldest reservation expires (DIRECT_UPLOAD_EXPIRY_SECONDS after it was made).
    wait = int(refused["Retry-After"])
    assert settings.DIRECT_UPLOAD_EXPIRY_SECONDS - 5 <= wait <= settings.DIRECT_UPLOAD_EXPIRY_SECONDS
    assert refused.json() == {
        "detail": "At most 2 direct uploads may be waiting to complete for this product: complete one, "
        f"or wait until one expires. Expected available in {wait} seconds."
    }
    after = (set(DirectUpload.objects.values_list("id", flat=True)), set(PendingDeletion.objects.values_list("name")))
    assert after == before


@override_settings(DIRECT_UPLOAD_MAX_PER_PRODUCT=2, DIRECT_UPLOAD_MAX_PER_USER=3)
def test_upload_url_beyond_the_per_user_cap_is_a_429_across_products(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    other = ProductFactory(shop=product.shop, name="Table", slug="table")
    statuses = [ask_upload_url(owner_client, product).status_code for _ in range(2)]
    statuses += [ask_upload_url(owner_client, other).status_code for _ in range(2)]

    assert statuses == [201, 201, 201, 429]
    assert DirectUpload.objects.count() == 3


@override_settings(DIRECT_UPLOAD_MAX_PER_PRODUCT=1)
def test_a_completed_or_expired_reservation_frees_its_place_and_the_purge_deletes_the_unused(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    target = ask_upload_url(owner_client, product).json()
    assert post_to_bucket(target, image_bytes("JPEG", (30, 20)))[0] == 204
    assert complete(owner_client, product, target["upload_id"]).status_code == 201
    unused = ask_upload_url(owner_client, product)
    assert (unused.status_code, ask_upload_url(owner_client, product).status_code) == (201, 429)

    DirectUpload.objects.filter(id=unused.json()["upload_id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    again = ask_upload_url(owner_client, product)
    call_command("purge_stale_uploads", stdout=io.StringIO())

    assert again.status_code == 201
    assert set(DirectUpload.objects.values_list("id", flat=True)) == {
        uuid.UUID(target["upload_id"]),
        uuid.UUID(again.json()["upload_id"]),
    }


@pytest.mark.django_db(transaction=True)
@override_settings(DIRECT_UPLOAD_MAX_PER_PRODUCT=3)
def test_concurrent_upload_urls_never_exceed_the_cap(user: Any, product: Product, bucket: Any) -> None:
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def reserve() -> None:
        try:
            barrier.wait()
            direct_upload_start(user=user, product=product, content_type="image/png")
            outcomes.append("reserved")
        except TryAgainLater:
            outcomes.append("throttled")
        finally:
            connection.close()

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["reserved"] * 3 + ["throttled"] * 5
    assert DirectUpload.objects.count() == 3
