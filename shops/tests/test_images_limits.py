"""What one upload may cost, on every endpoint that takes an image (product upload, direct-upload completion,
shop profile and cover images, and the profile image of any account, no shop needed): an animation of many
full-canvas frames under 1 MB is refused from its headers with a 400 naming the field, quickly, and nothing is
written; and what is stored keeps no private chunk or C2PA manifest."""

import functools
import io
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from images.models import PendingDeletion
from images.tests.bombs import animated_gif, animated_png, animated_webp
from images.tests.private import PRIVATE, SECRETS
from shops.models import Product, ProductImage, Shop
from shops.tests.factories import ProductFactory
from shops.tests.snapshots import catalogue_rows
from shops.tests.test_images_direct_upload import ask_upload_url, complete, post_to_bucket

pytestmark = pytest.mark.django_db

CONTENT_TYPES = {"GIF": "image/gif", "PNG": "image/png", "WEBP": "image/webp", "JPEG": "image/jpeg"}
# 30 or 40 frames of 2000x2000 (120 or 160 MP in all, the default limit is 100 MP), each file under 1 MB.
BOMBS: dict[str, Callable[[], bytes]] = {
    "GIF": functools.cache(lambda: animated_gif(40, (2000, 2000))),
    "PNG": functools.cache(lambda: animated_png(30, (2000, 2000))),
    "WEBP": functools.cache(lambda: animated_webp(30, (2000, 2000))),
}
LIMIT_IN_ALL = "the limit is 100000000 pixels in all frames."
TOTAL = {
    "GIF": f"The image has 40 frames of 2000x2000 (160000000 pixels in all); {LIMIT_IN_ALL}",
    "PNG": f"The image has 30 frames of 2000x2000 (120000000 pixels in all); {LIMIT_IN_ALL}",
    "WEBP": f"The image has 30 frames of 2000x2000 (120000000 pixels in all); {LIMIT_IN_ALL}",
}
# A request answered within this many seconds (it used to decode every frame: 25 s, or no answer at all).
QUICKLY = 2.0


@pytest.fixture
def product(user: Any) -> Product:
    return ProductFactory(shop__owner=user, shop__slug="limit-shop", name="Lamp", slug="lamp")


def multipart(client: Any, url: str, data: bytes, fmt: str, field: str = "file") -> tuple[Any, float]:
    file = SimpleUploadedFile(f"image.{fmt.lower()}", data, content_type=CONTENT_TYPES[fmt])
    started = time.perf_counter()
    response = client.post(url, {field: file}, format="multipart")
    return response, time.perf_counter() - started


def product_upload_url(product: Product) -> str:
    return f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/upload/"


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_a_product_image_of_too_many_pixels_in_all_frames_is_refused_quickly(
    owner_client: Any, product: Product, bucket: Any, fmt: str
) -> None:
    data = BOMBS[fmt]()
    assert len(data) < 1_000_000

    response, elapsed = multipart(owner_client, product_upload_url(product), data, fmt, field="image")

    assert (response.status_code, response.json()) == (400, {"image": [TOTAL[fmt]]})
    assert elapsed < QUICKLY, f"{elapsed:.2f} s"
    assert (ProductImage.objects.count(), bucket.keys(), PendingDeletion.objects.count()) == (0, set(), 0)


def test_a_product_image_of_too_many_frames_is_refused(owner_client: Any, product: Product, bucket: Any) -> None:
    response, _ = multipart(owner_client, product_upload_url(product), animated_gif(101, (10, 10)), "GIF")

    assert (response.status_code, response.json()) == (
        400,
        {"file": ["The image has more than 100 frames; the limit is 100."]},
    )
    assert (ProductImage.objects.count(), bucket.keys()) == (0, set())


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_a_direct_upload_of_too_many_pixels_in_all_frames_is_refused_on_completion(
    owner_client: Any, product: Product, bucket: Any, fmt: str
) -> None:
    target = ask_upload_url(owner_client, product, content_type=CONTENT_TYPES[fmt]).json()
    assert post_to_bucket(target, BOMBS[fmt]())[0] == 204

    started = time.perf_counter()
    response = complete(owner_client, product, target["upload_id"])
    elapsed = time.perf_counter() - started

    assert (response.status_code, response.json()) == (400, {"file": [TOTAL[fmt]]})
    assert elapsed < QUICKLY, f"{elapsed:.2f} s"
    assert (ProductImage.objects.count(), bucket.keys(), PendingDeletion.objects.count()) == (0, set(), 0)


@pytest.mark.parametrize("kind", ["profile-image", "cover-image"])
@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_a_shop_image_of_too_many_pixels_in_all_frames_is_refused_quickly(
    owner_client: Any, shop: Shop, bucket: Any, kind: str, fmt: str
) -> None:
    before = catalogue_rows()

    response, elapsed = multipart(owner_client, f"/api/v1/shops/{shop.id}/{kind}/", BOMBS[fmt](), fmt)

    assert (response.status_code, response.json()) == (400, {"file": [TOTAL[fmt]]})
    assert elapsed < QUICKLY, f"{elapsed:.2f} s"
    assert (catalogue_rows(), bucket.keys()) == (before, set())


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_the_profile_image_of_a_new_account_without_a_shop_is_refused_quickly(
    owner_client: Any, user: User, bucket: Any, fmt: str
) -> None:
    assert user.shops.count() == 0

    response, elapsed = multipart(owner_client, "/api/v1/auth/me/profile-image/", BOMBS[fmt](), fmt)

    assert (response.status_code, response.json()) == (400, {"file": [TOTAL[fmt]]})
    assert elapsed < QUICKLY, f"{elapsed:.2f} s"
    assert (User.objects.get(id=user.id).profile_image.name, bucket.keys()) == ("", set())


def decoded_frames(data: bytes) -> list[bytes]:
    with Image.open(io.BytesIO(data)) as image:
        frames = []
        for frame in range(getattr(image, "n_frames", 1)):
            image.seek(frame)
            frames.append(image.convert("RGBA").tobytes())
        return frames


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_a_stored_original_keeps_no_private_chunk_nor_c2pa_and_the_same_pixels(
    owner_client: Any, product: Product, bucket: Any, fmt: str
) -> None:
    data = PRIVATE[fmt]()

    response, _ = multipart(owner_client, product_upload_url(product), data, fmt)

    assert response.status_code == 201
    stored = bucket.get(f"{bucket.root}/{ProductImage.objects.get().image.name}")
    assert [secret in stored for secret in SECRETS] == [False, False, False]
    assert decoded_frames(stored) == decoded_frames(data)


def test_a_progressive_jpeg_too_costly_to_decode_is_refused_from_its_header(
    owner_client: Any, user: User, bucket: Any
) -> None:
    """40 MP, 4:4:4: 240 MB of DCT coefficients held at once (+259 MiB measured) for a file of 470 KB."""
    buffer = io.BytesIO()
    Image.new("RGB", (8000, 5000), (10, 200, 30)).save(buffer, format="JPEG", progressive=True, subsampling=0)

    response, elapsed = multipart(owner_client, "/api/v1/auth/me/profile-image/", buffer.getvalue(), "JPEG")

    message = (
        "As a progressive JPEG, the image must be decoded whole: 240000000 bytes; the limit is 100000000 bytes. "
        "Save it as a baseline JPEG or a non-interlaced PNG, or smaller."
    )
    assert (response.status_code, response.json()) == (400, {"file": [message]})
    assert elapsed < QUICKLY, f"{elapsed:.2f} s"
    assert (User.objects.get(id=user.id).profile_image.name, bucket.keys()) == ("", set())
