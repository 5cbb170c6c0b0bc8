"""POST .../images/upload/ against the real bucket: what is stored (the original and its renditions) and returned,
and that a refused or failed upload writes nothing (no ProductImage row, no object, no journal entry)."""

import io
import re
import struct
import urllib.request
import zlib
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import override_settings
from PIL import Image
from storages.backends.s3 import S3Storage

from config.env import spaces_storage_options
from images.backends import BucketStorage
from images.models import PendingDeletion
from images.tests.samples import image_bytes
from shops.models import Product, ProductImage
from shops.services.images import product_image_upload
from shops.tests.factories import ProductFactory
from shops.tests.stored_images import (
    object_keys,
    placeholder_size,
    rendition_urls,
    s3_url,
    split_keys,
    srcset,
)

pytestmark = pytest.mark.django_db

NOT_SUPPORTED = "The file is not a supported image: upload a JPEG, PNG, WebP or GIF."
DAMAGED = "The image is damaged or incomplete and cannot be decoded."
NO_FILE = "No file was submitted. Send the image in the multipart field 'file' (or 'image')."
UNAVAILABLE = "Image storage is unavailable. Nothing was saved; try again shortly."
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


@pytest.fixture
def product(user: Any) -> Product:
    return ProductFactory(shop__owner=user, shop__slug="image-shop", name="Mug", slug="mug")


def upload_url(product: Product) -> str:
    return f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/upload/"


def upload(
    client: Any,
    product: Product,
    data: bytes,
    *,
    field: str = "file",
    name: str = "photo.jpg",
    content_type: str = "image/jpeg",
    **form: str,
) -> Any:
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(upload_url(product), {field: file, **form}, format="multipart")


def api_datetime(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def fetch_anonymously(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the test bucket on loopback
        return response.read(), response.headers["Content-Type"]


def cache_control() -> str:
    return settings.STORAGES["default"]["OPTIONS"]["object_parameters"]["CacheControl"]


def truncated_jpeg() -> bytes:
    """A noisy JPEG cut in half: the header reads, the pixels do not."""
    buffer = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("RGB").save(buffer, format="JPEG", quality=95)
    data = buffer.getvalue()
    return data[: len(data) // 2]


def png_claiming_size(width: int, height: int) -> bytes:
    """A real 1x1 PNG with its IHDR (and CRC) rewritten to claim `width` x `height` pixels."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def assert_nothing_stored(bucket: Any) -> None:
    assert ProductImage.objects.count() == 0
    assert bucket.keys() == set()
    assert PendingDeletion.objects.count() == 0


# The happy path


def test_upload_in_field_file_stores_the_image_and_returns_it(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    data = make_image("JPEG", (64, 48))

    response = upload(owner_client, product, data, alt_text="A red mug, front")

    assert response.status_code == 201
    row = ProductImage.objects.get()
    key, renditions = split_keys(bucket, "jpg", [64])  # narrower than every configured width: one at 64
    assert response.json() == {
        "id": row.id,
        "url": s3_url(bucket, key),
        "alt_text": "A red mug, front",
        "position": 1,
        "sort_order": 1,
        "is_primary": True,
        "width": 64,
        "height": 48,
        "content_type": "image/jpeg",
        "size": len(data),
        "renditions": {"64": s3_url(bucket, renditions[64])},
        "srcset": f"{s3_url(bucket, renditions[64])} 64w",
        "dominant_color": "#ca1e1e",
        "placeholder": row.placeholder,
        "created_at": api_datetime(row.created_at),
    }
    assert placeholder_size(row.placeholder) == ("WEBP", (16, 12))
    assert (row.product_id, row.image.name) == (product.id, key.removeprefix(f"{bucket.root}/"))
    assert row.renditions == {"64": renditions[64].removeprefix(f"{bucket.root}/")}
    head = bucket.head(key)
    assert (head["ContentType"], head["CacheControl"], head["ContentLength"]) == (
        "image/jpeg",
        cache_control(),
        len(data),
    )
    assert fetch_anonymously(response.json()["url"]) == (data, "image/jpeg")
    assert PendingDeletion.objects.count() == 0


def test_upload_in_field_image_stores_the_image_and_returns_it(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    data = make_image("PNG", (20, 30))

    response = upload(owner_client, product, data, field="image", name="mug.png", content_type="image/png")

    assert response.status_code == 201
    row = ProductImage.objects.get()
    key, renditions = split_keys(bucket, "png", [20])
    assert response.json() == {
        "id": row.id,
        "url": s3_url(bucket, key),
        "alt_text": "",
        "position": 1,
        "sort_order": 1,
        "is_primary": True,
        "width": 20,
        "height": 30,
        "content_type": "image/png",
        "size": len(data),
        "renditions": rendition_urls(bucket, renditions),
        "srcset": srcset(bucket, renditions),
        "dominant_color": "#c81e1e",
        "placeholder": row.placeholder,
        "created_at": api_datetime(row.created_at),
    }
    assert placeholder_size(row.placeholder) == ("WEBP", (16, 24))
    assert bucket.head(key)["ContentType"] == "image/png"
    assert fetch_anonymously(response.json()["url"]) == (data, "image/png")


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("JPEG", "image/jpeg", "jpg"),
        ("PNG", "image/png", "png"),
        ("WEBP", "image/webp", "webp"),
        ("GIF", "image/gif", "gif"),
    ],
)
def test_upload_accepts_each_supported_format(
    owner_client: Any,
    product: Product,
    bucket: Any,
    make_image: Any,
    fmt: str,
    content_type: str,
    extension: str,
) -> None:
    data = make_image(fmt, (33, 11))

    response = upload(owner_client, product, data, name=f"photo.{extension}", content_type=content_type)

    assert response.status_code == 201
    body = response.json()
    key, renditions = split_keys(bucket, extension, [33])
    original = bucket.get(key)
    assert (body["content_type"], body["width"], body["height"], body["size"]) == (
        content_type,
        33,
        11,
        len(original),
    )
    assert body["renditions"] == rendition_urls(bucket, renditions)
    assert bucket.head(key)["ContentType"] == content_type
    assert bucket.head(renditions[33])["ContentType"] == "image/webp"
    if fmt == "GIF":  # re-encoded by libvips: the same picture, not the same bytes
        with Image.open(io.BytesIO(original)) as stored, Image.open(io.BytesIO(data)) as sent:
            assert (stored.format, stored.size) == ("GIF", (33, 11))
            assert stored.convert("RGB").getpixel((16, 5)) == sent.convert("RGB").getpixel((16, 5))
    else:  # nothing to strip: stored as sent
        assert original == data
    assert ProductImage.objects.get().content_type == content_type


def test_upload_stores_the_detected_format_not_the_claimed_one(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    data = make_image("PNG", (8, 8))

    response = upload(owner_client, product, data, name="photo.jpg", content_type="image/jpeg")

    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    key, _ = split_keys(bucket, "png", [8])
    assert response.json()["url"] == s3_url(bucket, key)
    assert bucket.head(key)["ContentType"] == "image/png"
    assert fetch_anonymously(response.json()["url"]) == (data, "image/png")


def test_upload_stores_a_multi_picture_jpeg_from_a_camera_as_jpeg(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), (200, 0, 0)), Image.new("RGB", (40, 30), (0, 0, 200))
    first.save(buffer, format="MPO", save_all=True, append_images=[second])
    data = buffer.getvalue()

    response = upload(owner_client, product, data, name="DSCF0001.JPG")

    assert response.status_code == 201
    body = response.json()
    key, _ = split_keys(bucket, "jpg", [40])
    assert body["url"] == s3_url(bucket, key)
    stored, content_type = fetch_anonymously(body["url"])
    # Only the first picture is kept: the others carry their own EXIF.
    assert (body["content_type"], body["width"], body["height"], body["size"]) == ("image/jpeg", 40, 30, len(stored))
    assert content_type == "image/jpeg"
    assert b"MPF\x00" not in stored  # the index of the dropped pictures went with them
    assert len(stored) < len(data)
    with Image.open(io.BytesIO(stored)) as picture:
        assert (picture.format, picture.size, getattr(picture, "n_frames", 1)) == ("JPEG", (40, 30), 1)
        assert picture.convert("RGB").getpixel((20, 15)) == first.getpixel((20, 15))


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=0)
def test_upload_spooled_to_a_temporary_file_is_stored_whole(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    data = make_image("PNG", (300, 200))

    response = upload(owner_client, product, data, name="big.png", content_type="image/png")

    assert response.status_code == 201
    split_keys(bucket, "png", [160])
    assert fetch_anonymously(response.json()["url"]) == (data, "image/png")


def test_upload_never_uses_the_client_file_name(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    response = upload(owner_client, product, make_image("JPEG"), name="../../etc/passwd.jpg")

    assert response.status_code == 201
    split_keys(bucket, "jpg", [64])


def test_each_upload_comes_last_in_order(owner_client: Any, product: Product, bucket: Any, make_image: Any) -> None:
    first = upload(owner_client, product, make_image("JPEG", (10, 10)))
    second = upload(owner_client, product, make_image("PNG", (10, 10)))

    assert (first.status_code, second.status_code) == (201, 201)
    assert [(b["position"], b["sort_order"], b["is_primary"]) for b in (first.json(), second.json())] == [
        (1, 1, True),
        (2, 2, False),
    ]
    assert list(ProductImage.objects.values_list("id", "position")) == [
        (first.json()["id"], 1),
        (second.json()["id"], 2),
    ]
    assert bucket.keys("product_images") == {
        key for image in ProductImage.objects.all() for key in object_keys(bucket, image)
    }
    assert len(bucket.keys("product_images")) == 4


# Refused uploads: a 400 naming the field, and nothing written


REFUSED = [
    pytest.param(b"Just some text, not a photo.\n" * 20, "photo.jpg", "image/jpeg", NOT_SUPPORTED, id="not-an-image"),
    pytest.param(truncated_jpeg(), "photo.jpg", "image/jpeg", DAMAGED, id="truncated-jpeg"),
    pytest.param(SVG, "logo.svg", "image/svg+xml", NOT_SUPPORTED, id="svg"),
    pytest.param(b"", "photo.jpg", "image/jpeg", "The file is empty.", id="empty"),
    pytest.param(
        png_claiming_size(30000, 30000),
        "bomb.png",
        "image/png",
        "The image has too many pixels.",
        id="decompression-bomb",
    ),
    pytest.param(
        png_claiming_size(8000, 6000),
        "huge.png",
        "image/png",
        "The image is 8000x6000 (48000000 pixels); the limit is 40000000 pixels.",
        id="over-40-megapixels",
    ),
]


@pytest.mark.parametrize("field", ["file", "image"])
@pytest.mark.parametrize(("data", "name", "content_type", "message"), REFUSED)
def test_upload_refuses_a_bad_file_and_stores_nothing(
    owner_client: Any,
    product: Product,
    bucket: Any,
    field: str,
    data: bytes,
    name: str,
    content_type: str,
    message: str,
) -> None:
    response = upload(owner_client, product, data, field=field, name=name, content_type=content_type)

    assert (response.status_code, response.json()) == (400, {field: [message]})
    assert_nothing_stored(bucket)


def test_upload_refuses_more_bytes_than_the_limit(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    data = make_image("PNG", (40, 40))

    with override_settings(IMAGE_MAX_BYTES=len(data) - 1):
        response = upload(owner_client, product, data, name="photo.png", content_type="image/png")

    message = f"The file is {len(data)} bytes; the limit is {len(data) - 1} bytes."
    assert (response.status_code, response.json()) == (400, {"file": [message]})
    assert_nothing_stored(bucket)


def test_upload_refuses_more_pixels_than_the_limit(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    with override_settings(IMAGE_MAX_PIXELS=999):
        response = upload(owner_client, product, make_image("JPEG", (40, 25)), field="image")

    message = "The image is 40x25 (1000 pixels); the limit is 999 pixels."
    assert (response.status_code, response.json()) == (400, {"image": [message]})
    assert_nothing_stored(bucket)


def test_upload_refuses_a_large_real_image_over_the_default_pixel_limit(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    buffer = io.BytesIO()
    Image.new("1", (7000, 6000)).save(buffer, format="PNG")  # 42 MP of black: a few kilobytes

    response = upload(owner_client, product, buffer.getvalue(), name="black.png", content_type="image/png")

    message = "The image is 7000x6000 (42000000 pixels); the limit is 40000000 pixels."
    assert (response.status_code, response.json()) == (400, {"file": [message]})
    assert_nothing_stored(bucket)


def test_upload_without_a_file_is_refused(owner_client: Any, product: Product, bucket: Any) -> None:
    response = owner_client.post(upload_url(product), {"alt_text": "A mug"}, format="multipart")

    assert (response.status_code, response.json()) == (400, {"file": [NO_FILE]})
    assert_nothing_stored(bucket)


def test_upload_with_the_file_field_sent_as_text_is_refused(owner_client: Any, product: Product, bucket: Any) -> None:
    response = owner_client.post(upload_url(product), {"file": "photo.jpg"}, format="multipart")

    assert (response.status_code, response.json()) == (400, {"file": [NO_FILE]})
    assert_nothing_stored(bucket)


def test_upload_as_json_is_refused(owner_client: Any, product: Product, bucket: Any) -> None:
    response = owner_client.post(upload_url(product), {"file": "aGVsbG8="}, format="json")

    assert (response.status_code, response.json()) == (
        415,
        {"detail": 'Unsupported media type "application/json" in request.'},
    )
    assert_nothing_stored(bucket)


def test_upload_refuses_alt_text_longer_than_255(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    response = upload(owner_client, product, make_image("JPEG"), alt_text="a" * 256)

    assert (response.status_code, response.json()) == (
        400,
        {"alt_text": ["Ensure this field has no more than 255 characters."]},
    )
    assert_nothing_stored(bucket)


def test_upload_accepts_alt_text_of_255(owner_client: Any, product: Product, bucket: Any, make_image: Any) -> None:
    response = upload(owner_client, product, make_image("JPEG"), alt_text="a" * 255)

    assert response.status_code == 201
    assert ProductImage.objects.get().alt_text == "a" * 255


@pytest.mark.parametrize("field", ["file", "image"])
@override_settings(PRODUCT_IMAGE_LIMIT=2)
def test_upload_past_the_product_image_limit_is_refused(
    owner_client: Any, product: Product, bucket: Any, make_image: Any, field: str
) -> None:
    first = upload(owner_client, product, make_image("JPEG"), field=field)
    second = upload(owner_client, product, make_image("PNG"), field=field)
    stored = bucket.keys()

    third = upload(owner_client, product, make_image("GIF"), field=field)

    assert (first.status_code, second.status_code) == (201, 201)
    assert (third.status_code, third.json()) == (
        400,
        {field: ["A product can have at most 2 images; delete one first."]},
    )
    assert sorted(ProductImage.objects.values_list("id", flat=True)) == [first.json()["id"], second.json()["id"]]
    assert len(stored) == 4  # two originals and one rendition each
    assert bucket.keys() == stored
    assert PendingDeletion.objects.count() == 0


def test_the_image_limit_is_per_product(owner_client: Any, product: Product, bucket: Any, make_image: Any) -> None:
    sibling = ProductFactory(shop=product.shop)

    with override_settings(PRODUCT_IMAGE_LIMIT=1):
        responses = [upload(owner_client, p, make_image("JPEG")) for p in (product, sibling)]

    assert [r.status_code for r in responses] == [201, 201]
    assert [r.json()["position"] for r in responses] == [1, 1]


# Failures of the storage or the database: nothing stays behind


def test_upload_when_the_storage_is_unreachable_is_a_503_and_stores_nothing(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    error = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    with mock.patch.object(S3Storage, "_save", side_effect=error):
        response = upload(owner_client, product, make_image("JPEG"))

    assert (response.status_code, response.json()) == (503, {"detail": UNAVAILABLE})
    assert_nothing_stored(bucket)


def test_upload_whose_reply_times_out_after_storing_deletes_the_object(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    real_save = S3Storage._save
    stored: list[str] = []

    def save_then_time_out(storage: S3Storage, name: str, content: Any) -> str:
        stored.append(real_save(storage, name, content))
        raise ReadTimeoutError(endpoint_url="http://bucket")

    with mock.patch.object(S3Storage, "_save", save_then_time_out):
        response = upload(owner_client, product, make_image("JPEG"))

    assert (response.status_code, response.json()) == (503, {"detail": UNAVAILABLE})
    assert len(stored) == 1  # the first object (the original) reached the bucket, then the reply timed out
    assert_nothing_stored(bucket)


def test_upload_whose_row_cannot_be_saved_deletes_the_stored_object(
    product: Product, bucket: Any, make_image: Any
) -> None:
    file = SimpleUploadedFile("photo.jpg", make_image("JPEG"), content_type="image/jpeg")
    saved_names: list[str] = []
    real_save = S3Storage._save

    def save_and_remember(storage: S3Storage, name: str, content: Any) -> str:
        saved_names.append(real_save(storage, name, content))
        return saved_names[-1]

    with (
        mock.patch.object(S3Storage, "_save", save_and_remember),
        mock.patch.object(ProductImage, "save", side_effect=DatabaseError("connection lost")),
        pytest.raises(DatabaseError, match="connection lost"),
    ):
        product_image_upload(product=product, file=file)

    assert len(saved_names) == 2  # the original and its rendition were stored before the row failed
    assert_nothing_stored(bucket)


def test_upload_api_whose_row_cannot_be_saved_fails_and_deletes_the_stored_object(
    owner_client: Any, product: Product, bucket: Any, make_image: Any
) -> None:
    owner_client.raise_request_exception = False

    with mock.patch.object(ProductImage, "full_clean", side_effect=DatabaseError("connection lost")):
        response = upload(owner_client, product, make_image("JPEG"))

    assert response.status_code == 500
    assert_nothing_stored(bucket)


# Where objects are stored and how their URLs look


def test_upload_url_uses_the_public_base_url(
    owner_client: Any, product: Product, bucket: Any, make_image: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPACES_PUBLIC_BASE_URL", "https://cdn.example.com/assets/")
    options = spaces_storage_options()
    storages = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": options}}

    with override_settings(STORAGES=storages):
        response = upload(owner_client, product, make_image("WEBP"), name="photo.webp", content_type="image/webp")
        listed = owner_client.get(f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/")

    assert (options["custom_domain"], options["url_protocol"]) == ("cdn.example.com/assets", "https:")
    assert response.status_code == 201
    key, renditions = split_keys(bucket, "webp", [64])
    assert response.json()["url"] == f"https://cdn.example.com/assets/{key}"
    assert response.json()["renditions"] == {"64": f"https://cdn.example.com/assets/{renditions[64]}"}
    assert [image["url"] for image in listed.json()] == [f"https://cdn.example.com/assets/{key}"]


def test_upload_to_a_custom_domain_storage_gives_urls_on_that_domain(
    product: Product, bucket: Any, make_image: Any
) -> None:
    from images import storage as image_storage

    cdn = BucketStorage(
        **{
            **settings.STORAGES["default"]["OPTIONS"],
            "custom_domain": "cdn.example.com/assets",
            "url_protocol": "https:",
        }
    )
    file = SimpleUploadedFile("photo.jpg", make_image("JPEG"), content_type="image/jpeg")

    with mock.patch.object(image_storage, "default_storage", cdn):
        image = product_image_upload(product=product, file=file)
        url = image_storage.object_url(image.image.name or "")

    assert url == f"https://cdn.example.com/assets/{bucket.root}/{image.image.name}"
    assert bucket.keys() == object_keys(bucket, image)
    assert len(image.object_names) == 2


def test_upload_without_a_bucket_writes_to_the_local_file_system(
    owner_client: Any,
    product: Product,
    bucket: Any,
    make_image: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    data = make_image("JPEG", (12, 9))
    local = {
        "default": {
            "BACKEND": "images.backends.LocalStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/uploads/"},
        },
        "staticfiles": settings.STORAGES["staticfiles"],
    }

    with override_settings(STORAGES=local):
        response = upload(owner_client, product, data)
        stored, rendition = sorted((tmp_path / "product_images").iterdir(), key=lambda path: len(path.name))
        stored_bytes = stored.read_bytes()
        with django_capture_on_commit_callbacks(execute=True):
            deleted = owner_client.delete(
                f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/{response.json()['id']}/"
            )

    assert response.status_code == 201
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", stored.name)
    assert re.fullmatch(rf"{stored.stem}_w12_[0-9a-f]{{6}}\.webp", rendition.name)
    assert response.json()["url"] == f"http://testserver/media/uploads/product_images/{stored.name}"
    assert response.json()["renditions"] == {"12": f"http://testserver/media/uploads/product_images/{rendition.name}"}
    assert stored_bytes == data
    assert deleted.status_code == 204
    assert list((tmp_path / "product_images").iterdir()) == []
    assert bucket.keys() == set()
