"""WebP renditions of uploaded product images on the real bucket: which widths, what each url serves, the
srcset, EXIF orientation, the storefront (the grid's primary image, the product page's renditions), and
`manage.py regenerate_renditions`."""

import io
import urllib.request
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from PIL import Image

from images.models import PendingDeletion
from images.tests.samples import image_bytes
from shops.models import Product, ProductImage
from shops.services.images import product_image_upload
from shops.tests.factories import ProductFactory
from shops.tests.stored_images import object_keys, rendition_urls, s3_url, split_keys, srcset

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(user: Any) -> Product:
    return ProductFactory(shop__owner=user, shop__slug="photo-shop", name="Lamp", slug="lamp")


def upload(client: Any, product: Product, data: bytes) -> Any:
    url = f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/upload/"
    return client.post(url, {"file": SimpleUploadedFile("photo.jpg", data)}, format="multipart")


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the test bucket on loopback
        return response.read(), response.headers["Content-Type"]


def decoded(data: bytes) -> tuple[str, tuple[int, int]]:
    with Image.open(io.BytesIO(data)) as image:
        return image.format or "", image.size


def jpeg(size: tuple[int, int], **save: Any) -> bytes:
    return image_bytes("JPEG", size, (40, 90, 160), **save)


def test_a_large_photo_gets_a_webp_rendition_at_each_configured_width(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    response = upload(owner_client, product, jpeg((2000, 1500)))

    assert response.status_code == 201
    key, renditions = split_keys(bucket, "jpg", [160, 480, 960, 1600])
    body = response.json()
    assert (body["url"], body["width"], body["height"]) == (s3_url(bucket, key), 2000, 1500)
    assert body["renditions"] == rendition_urls(bucket, renditions)
    assert list(body["renditions"]) == ["160", "480", "960", "1600"]
    assert body["srcset"] == (
        f"{s3_url(bucket, renditions[160])} 160w, {s3_url(bucket, renditions[480])} 480w, "
        f"{s3_url(bucket, renditions[960])} 960w, {s3_url(bucket, renditions[1600])} 1600w"
    )
    cache_control = settings.STORAGES["default"]["OPTIONS"]["object_parameters"]["CacheControl"]
    for width, rendition_key in renditions.items():
        head = bucket.head(rendition_key)
        assert (head["ContentType"], head["CacheControl"]) == ("image/webp", cache_control)
        data, content_type = fetch(body["renditions"][str(width)])
        assert content_type == "image/webp"
        assert decoded(data) == ("WEBP", (width, width * 3 // 4))
    assert PendingDeletion.objects.count() == 0


def test_a_photo_between_two_widths_gets_only_the_narrower_ones(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    response = upload(owner_client, product, jpeg((300, 200)))

    assert response.status_code == 201
    _, renditions = split_keys(bucket, "jpg", [160])  # 480 would be an upscale: no rendition at 300 either
    assert response.json()["renditions"] == rendition_urls(bucket, renditions)
    assert decoded(fetch(response.json()["renditions"]["160"])[0]) == ("WEBP", (160, 107))


@pytest.mark.parametrize("width", [100, 160])
def test_a_photo_no_wider_than_every_width_gets_one_rendition_at_its_own_width(
    owner_client: Any, product: Product, bucket: Any, width: int
) -> None:
    response = upload(owner_client, product, jpeg((width, 50)))

    assert response.status_code == 201
    _, renditions = split_keys(bucket, "jpg", [width])
    assert response.json()["srcset"] == f"{s3_url(bucket, renditions[width])} {width}w"
    assert decoded(fetch(response.json()["renditions"][str(width)])[0]) == ("WEBP", (width, 50))


def test_the_exif_orientation_is_applied_to_the_size_and_the_renditions(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    data = jpeg((400, 300), exif=exif.tobytes())

    response = upload(owner_client, product, data)

    assert response.status_code == 201
    body = response.json()
    assert (body["width"], body["height"]) == (300, 400)
    _, renditions = split_keys(bucket, "jpg", [160])
    assert body["renditions"] == rendition_urls(bucket, renditions)
    assert decoded(fetch(body["renditions"]["160"])[0]) == ("WEBP", (160, 213))
    # The original is not re-encoded: it keeps its pixels and just the orientation tag.
    with Image.open(io.BytesIO(fetch(body["url"])[0])) as original:
        assert (original.size, dict(original.getexif())) == ((400, 300), {0x0112: 6})


def test_the_storefront_list_carries_the_primary_image_and_the_product_page_its_renditions(
    api_client: Any, product: Product, bucket: Any
) -> None:
    primary = product_image_upload(product=product, file=SimpleUploadedFile("a.jpg", jpeg((200, 100))))
    product_image_upload(product=product, file=SimpleUploadedFile("b.png", image_bytes("PNG", (20, 10))))

    response = api_client.get(f"/api/v1/shops/slug/{product.shop.slug}/products/")
    page = api_client.get(f"/api/v1/shops/slug/{product.shop.slug}/products/{product.slug}/").json()

    (item,) = response.json()["results"]
    url = s3_url(bucket, f"{bucket.root}/{primary.image.name}")
    # A grid card: what the existing frontend reads, one rendition to show (a 200-pixel image has only the
    # 160 one) and the box's size.
    assert item["primary_image"] == {
        "id": primary.id,
        "url": url,
        "thumbnail_url": s3_url(bucket, f"{bucket.root}/{primary.renditions['160']}"),
        "alt_text": "",
        "sort_order": 1,
        "width": 200,
        "height": 100,
    }
    renditions = {160: f"{bucket.root}/{primary.renditions['160']}"}
    assert page["images"][0] == {
        "id": primary.id,
        "url": url,
        "alt_text": "",
        "position": 1,
        "sort_order": 1,
        "is_primary": True,
        "width": 200,
        "height": 100,
        "renditions": rendition_urls(bucket, renditions),
        "srcset": srcset(bucket, renditions),
        "dominant_color": primary.dominant_color,
        "placeholder": primary.placeholder,
    }


@pytest.mark.parametrize("count", [1, 20])
def test_the_storefront_list_costs_the_same_queries_for_one_product_or_twenty(
    api_client: Any, shop: Any, bucket: Any, django_assert_num_queries: Any, count: int
) -> None:
    for _ in range(count):
        with_images = ProductFactory(shop=shop)
        for fmt in ("JPEG", "PNG"):
            product_image_upload(product=with_images, file=SimpleUploadedFile("photo", image_bytes(fmt, (16, 12))))

    # One: the page with its shop, category, primary image and a window count.
    with django_assert_num_queries(1):
        response = api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/", {"page_size": 30})

    items = response.json()["results"]
    assert len(items) == count
    assert [(item["primary_image"]["width"], item["primary_image"]["url"].endswith(".jpg")) for item in items] == [
        (16, True)
    ] * count


# manage.py regenerate_renditions


def rendition_keys(bucket: Any) -> set[str]:
    keys: set[str] = bucket.keys()
    return {key for key in keys if "_w" in key}


def test_regenerate_renditions_makes_the_new_widths_and_deletes_the_old_objects(
    product: Product, bucket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    big = product_image_upload(product=product, file=SimpleUploadedFile("a.jpg", jpeg((1000, 500))))
    small = product_image_upload(product=product, file=SimpleUploadedFile("b.png", image_bytes("PNG", (150, 100))))
    originals = {f"{bucket.root}/{image.image.name}" for image in (big, small)}
    old_renditions = rendition_keys(bucket)
    assert (sorted(big.renditions, key=int), list(small.renditions)) == (["160", "480", "960"], ["150"])
    out = io.StringIO()

    with (
        override_settings(IMAGE_RENDITION_WIDTHS=[100, 200]),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        call_command("regenerate_renditions", stdout=out, verbosity=0)

    assert out.getvalue() == "Regenerated the renditions of 2 of 2 images.\n"
    # Per image, after its commit: the deletion of its old objects and the storefront cache's bump.
    assert len(callbacks) == 4
    big.refresh_from_db()
    small.refresh_from_db()
    assert sorted(big.renditions, key=int) == ["100", "200"]
    assert list(small.renditions) == ["100"]
    assert bucket.keys() == originals | object_keys(bucket, big) | object_keys(bucket, small)
    assert not old_renditions & bucket.keys()
    for image in (big, small):
        for width, name in image.renditions.items():
            assert name.startswith((image.image.name or "").removesuffix(".jpg").removesuffix(".png") + f"_w{width}_")
            assert decoded(bucket.get(f"{bucket.root}/{name}"))[0] == "WEBP"
            assert decoded(bucket.get(f"{bucket.root}/{name}"))[1][0] == int(width)
    assert PendingDeletion.objects.count() == 0


def test_regenerate_renditions_run_again_does_nothing(product: Product, bucket: Any) -> None:
    product_image_upload(product=product, file=SimpleUploadedFile("a.jpg", jpeg((1000, 500))))
    with override_settings(IMAGE_RENDITION_WIDTHS=[100, 200]):
        call_command("regenerate_renditions", stdout=io.StringIO(), verbosity=0)
        keys = bucket.keys()
        renditions = ProductImage.objects.get().renditions
        out = io.StringIO()

        call_command("regenerate_renditions", stdout=out, verbosity=0)

    assert out.getvalue() == "Regenerated the renditions of 0 of 1 images.\n"
    assert ProductImage.objects.get().renditions == renditions
    assert bucket.keys() == keys


def test_regenerate_renditions_with_unchanged_widths_does_nothing(product: Product, bucket: Any) -> None:
    product_image_upload(product=product, file=SimpleUploadedFile("a.jpg", jpeg((500, 250))))
    keys = bucket.keys()
    out = io.StringIO()

    call_command("regenerate_renditions", stdout=out, verbosity=0)

    assert out.getvalue() == "Regenerated the renditions of 0 of 1 images.\n"
    assert bucket.keys() == keys


def test_regenerate_renditions_all_remakes_up_to_date_renditions_under_new_names(
    product: Product, bucket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    image = product_image_upload(product=product, file=SimpleUploadedFile("a.jpg", jpeg((500, 250))))
    old = rendition_keys(bucket)
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("regenerate_renditions", "--all", stdout=out, verbosity=0)

    assert out.getvalue() == "Regenerated the renditions of 1 of 1 images.\n"
    image.refresh_from_db()
    assert sorted(image.renditions, key=int) == ["160", "480"]
    assert bucket.keys() == object_keys(bucket, image)
    assert rendition_keys(bucket).isdisjoint(old)
