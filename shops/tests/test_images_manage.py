"""Listing, editing, deleting and reordering product images; who may touch them; concurrent uploads.

Images are made through the real upload service, so every row has its objects (the original and its
renditions) in the real bucket."""

import threading
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.test import override_settings

from images.models import PendingDeletion
from images.tests.samples import image_bytes
from images.uploads import StoredImage
from shops.models import Product, ProductImage
from shops.services import images as image_services
from shops.services.images import product_image_delete, product_image_upload
from shops.tests.factories import ProductFactory, ShopFactory
from shops.tests.stored_images import object_keys, s3_url

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found."}


@pytest.fixture
def product(user: Any) -> Product:
    return ProductFactory(shop__owner=user, shop__slug="image-shop", name="Mug", slug="mug")


@pytest.fixture
def other_product(other_user: Any) -> Product:
    return ProductFactory(shop__owner=other_user, shop__slug="other-image-shop", name="Vase", slug="vase")


def add_image(product: Product, *, fmt: str = "JPEG", alt_text: str = "") -> ProductImage:
    data = image_bytes(fmt, (16, 12))
    return product_image_upload(product=product, file=SimpleUploadedFile("photo", data), alt_text=alt_text)


@pytest.fixture
def images(product: Product, bucket: Any) -> list[ProductImage]:
    """Three images of `product`, at positions 1, 2 and 3."""
    return [add_image(product, fmt=fmt, alt_text=f"View {n}") for n, fmt in enumerate(("JPEG", "PNG", "GIF"))]


def images_url(product: Product) -> str:
    return f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/"


def image_url(product: Product, image_id: int) -> str:
    return f"{images_url(product)}{image_id}/"


def reorder_url(product: Product) -> str:
    return f"{images_url(product)}reorder/"


def key(bucket: Any, image: ProductImage) -> str:
    return f"{bucket.root}/{image.image.name}"


def keys_of(bucket: Any, *images: ProductImage) -> set[str]:
    """The keys of the originals and renditions of `images`."""
    return {key for image in images for key in object_keys(bucket, image)}


def positions(product: Product) -> list[tuple[int, int]]:
    return list(ProductImage.objects.filter(product=product).order_by("position").values_list("id", "position"))


def body(image: ProductImage, bucket: Any, **changes: Any) -> dict[str, Any]:
    """The API's representation of `image` (with `changes`), spelled out from the row."""
    image.refresh_from_db()
    ((width, rendition),) = image.renditions.items()  # 16 pixels wide: one rendition, at 16
    rendition_url = s3_url(bucket, f"{bucket.root}/{rendition}")
    return {
        "id": image.id,
        "url": f"{settings.STORAGES['default']['OPTIONS']['endpoint_url']}/{bucket.name}/{key(bucket, image)}",
        "alt_text": image.alt_text,
        "position": image.position,
        "sort_order": image.position,
        "is_primary": image.position == 1,
        "width": image.width,
        "height": image.height,
        "content_type": image.content_type,
        "size": image.size,
        "renditions": {width: rendition_url},
        "srcset": f"{rendition_url} {width}w",
        "dominant_color": image.dominant_color,
        "placeholder": image.placeholder,
        "created_at": image.created_at.isoformat().replace("+00:00", "Z"),
        **changes,
    }


# Reading


def test_list_returns_the_images_in_position_order(
    owner_client: Any, product: Product, images: list[ProductImage], bucket: Any
) -> None:
    ProductImage.objects.filter(id=images[0].id).update(position=5)  # the first is now last

    response = owner_client.get(images_url(product))

    assert response.status_code == 200
    assert response.json() == [body(images[1], bucket), body(images[2], bucket), body(images[0], bucket)]
    assert [image["content_type"] for image in response.json()] == ["image/png", "image/gif", "image/jpeg"]


def test_list_of_a_product_without_images_is_empty(owner_client: Any, product: Product) -> None:
    response = owner_client.get(images_url(product))

    assert (response.status_code, response.json()) == (200, [])


def test_list_runs_the_same_queries_for_one_image_or_many(
    owner_client: Any, product: Product, bucket: Any, django_assert_num_queries: Any
) -> None:
    # The token (2), the shop, the product and the image list.
    add_image(product)
    with django_assert_num_queries(5):
        assert len(owner_client.get(images_url(product)).json()) == 1

    for _ in range(4):
        add_image(product)
    with django_assert_num_queries(5):
        assert len(owner_client.get(images_url(product)).json()) == 5


def test_detail_returns_the_image(owner_client: Any, product: Product, images: list[ProductImage], bucket: Any) -> None:
    response = owner_client.get(image_url(product, images[1].id))

    assert (response.status_code, response.json()) == (200, body(images[1], bucket))


# Alt text


def test_patch_changes_the_alt_text(
    owner_client: Any, product: Product, images: list[ProductImage], bucket: Any
) -> None:
    response = owner_client.patch(image_url(product, images[1].id), {"alt_text": "The handle"}, format="json")

    assert response.status_code == 200
    assert response.json() == body(images[1], bucket, alt_text="The handle")
    assert list(ProductImage.objects.order_by("position").values_list("alt_text", flat=True)) == [
        "View 0",
        "The handle",
        "View 2",
    ]


def test_patch_can_clear_the_alt_text(owner_client: Any, product: Product, images: list[ProductImage]) -> None:
    response = owner_client.patch(image_url(product, images[0].id), {"alt_text": ""}, format="json")

    assert (response.status_code, response.json()["alt_text"]) == (200, "")
    assert ProductImage.objects.get(id=images[0].id).alt_text == ""


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"alt_text": "a" * 256}, {"alt_text": ["Ensure this field has no more than 255 characters."]}),
        ({}, {"alt_text": ["This field is required."]}),
        ({"alt_text": None}, {"alt_text": ["This field may not be null."]}),
    ],
)
def test_patch_refuses_bad_alt_text_and_changes_nothing(
    owner_client: Any, product: Product, images: list[ProductImage], data: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = owner_client.patch(image_url(product, images[0].id), data, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert ProductImage.objects.get(id=images[0].id).alt_text == "View 0"


# Deleting


def test_delete_removes_the_row_now_and_the_object_after_commit(
    owner_client: Any,
    product: Product,
    images: list[ProductImage],
    bucket: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first, middle, last = images

    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.delete(image_url(product, middle.id))

    assert (response.status_code, response.content) == (204, b"")
    assert positions(product) == [(first.id, 1), (last.id, 2)]
    # Not committed yet: the object is still there, so a rollback would leave row and object together.
    assert bucket.keys() == keys_of(bucket, *images)
    assert len(callbacks) == 2  # the objects' deletion, then the storefront cache's bump
    callbacks[0]()
    assert bucket.keys() == keys_of(bucket, first, last)
    assert PendingDeletion.objects.count() == 0


def test_deleting_the_primary_image_makes_the_next_one_primary(
    owner_client: Any,
    product: Product,
    images: list[ProductImage],
    bucket: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(image_url(product, images[0].id))

    assert response.status_code == 204
    listed = owner_client.get(images_url(product)).json()
    assert [(image["id"], image["position"], image["is_primary"]) for image in listed] == [
        (images[1].id, 1, True),
        (images[2].id, 2, False),
    ]
    assert bucket.keys() == keys_of(bucket, images[1], images[2])


def test_delete_rolled_back_keeps_row_and_object(
    product: Product, images: list[ProductImage], bucket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = positions(product)
    keys = keys_of(bucket, *images)

    def delete_then_roll_back() -> None:
        with transaction.atomic():
            product_image_delete(image=images[0])
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        delete_then_roll_back()

    assert callbacks == []
    assert positions(product) == before
    assert bucket.keys() == keys


def test_deleting_the_product_deletes_the_objects_of_its_images(
    owner_client: Any,
    product: Product,
    images: list[ProductImage],
    other_product: Product,
    bucket: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sibling = ProductFactory(shop=product.shop)
    kept = [add_image(sibling), add_image(other_product)]

    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.delete(f"/api/v1/shops/{product.shop_id}/products/{product.id}/")

    assert response.status_code == 204
    assert set(ProductImage.objects.values_list("id", flat=True)) == {image.id for image in kept}
    assert bucket.keys() == keys_of(bucket, *images, *kept)  # not before the commit
    for callback in callbacks:
        callback()
    assert bucket.keys() == keys_of(bucket, *kept)
    assert PendingDeletion.objects.count() == 0


def test_deleting_the_shop_deletes_the_objects_of_all_its_images(
    owner_client: Any,
    product: Product,
    images: list[ProductImage],
    other_product: Product,
    bucket: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sibling_images = [add_image(ProductFactory(shop=product.shop)) for _ in range(2)]
    kept = add_image(other_product)
    assert len(bucket.keys()) == 2 * (len(images) + len(sibling_images) + 1)  # each an original and a rendition

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(f"/api/v1/shops/{product.shop_id}/")

    assert response.status_code == 204
    assert list(ProductImage.objects.values_list("id", flat=True)) == [kept.id]
    assert bucket.keys() == keys_of(bucket, kept)
    assert PendingDeletion.objects.count() == 0


# Reordering


def test_reorder_puts_the_images_in_the_given_order(
    owner_client: Any, product: Product, images: list[ProductImage], bucket: Any
) -> None:
    first, middle, last = images

    response = owner_client.post(reorder_url(product), {"order": [last.id, first.id, middle.id]}, format="json")

    assert response.status_code == 200
    assert response.json() == [
        body(last, bucket, position=1, sort_order=1, is_primary=True),
        body(first, bucket, position=2, sort_order=2, is_primary=False),
        body(middle, bucket, position=3, sort_order=3, is_primary=False),
    ]
    assert positions(product) == [(last.id, 1), (first.id, 2), (middle.id, 3)]
    assert [image["id"] for image in owner_client.get(images_url(product)).json()] == [last.id, first.id, middle.id]


def test_reorder_in_the_current_order_changes_nothing(
    owner_client: Any, product: Product, images: list[ProductImage]
) -> None:
    response = owner_client.post(reorder_url(product), {"order": [image.id for image in images]}, format="json")

    assert response.status_code == 200
    assert positions(product) == [(image.id, n) for n, image in enumerate(images, 1)]


def test_reorder_refuses_an_id_listed_twice(owner_client: Any, product: Product, images: list[ProductImage]) -> None:
    a, b, c = (image.id for image in images)

    response = owner_client.post(reorder_url(product), {"order": [b, a, b, c]}, format="json")

    message = f"List each image of this product exactly once (listed more than once: [{b}])."
    assert (response.status_code, response.json()) == (400, {"order": [message]})
    assert positions(product) == [(a, 1), (b, 2), (c, 3)]


def test_reorder_refuses_a_missing_id(owner_client: Any, product: Product, images: list[ProductImage]) -> None:
    a, b, c = (image.id for image in images)

    response = owner_client.post(reorder_url(product), {"order": [c, a]}, format="json")

    message = f"List each image of this product exactly once (missing: [{b}])."
    assert (response.status_code, response.json()) == (400, {"order": [message]})
    assert positions(product) == [(a, 1), (b, 2), (c, 3)]


def test_reorder_refuses_an_image_of_another_product(
    owner_client: Any, product: Product, images: list[ProductImage], other_product: Product
) -> None:
    a, b, c = (image.id for image in images)
    foreign = add_image(other_product)
    sibling = add_image(ProductFactory(shop=product.shop))

    response = owner_client.post(reorder_url(product), {"order": [foreign.id, c, sibling.id, b]}, format="json")

    unknown = sorted([foreign.id, sibling.id])
    message = f"List each image of this product exactly once (not images of this product: {unknown}; missing: [{a}])."
    assert (response.status_code, response.json()) == (400, {"order": [message]})
    assert positions(product) == [(a, 1), (b, 2), (c, 3)]
    assert ProductImage.objects.get(id=foreign.id).position == 1


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"order": []}, {"order": ["This list may not be empty."]}),
        ({}, {"order": ["This field is required."]}),
        ({"order": ["first"]}, {"order": {"0": ["A valid integer is required."]}}),
        ({"order": "1,2,3"}, {"order": ['Expected a list of items but got type "str".']}),
    ],
)
def test_reorder_refuses_malformed_input(
    owner_client: Any, product: Product, images: list[ProductImage], data: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = owner_client.post(reorder_url(product), data, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert positions(product) == [(image.id, n) for n, image in enumerate(images, 1)]


# Who may do what


def _requests(product: Product, image_id: int) -> list[tuple[str, str, dict[str, Any], str]]:
    return [
        ("post", f"{images_url(product)}upload/", {"file": SimpleUploadedFile("a.jpg", image_bytes())}, "multipart"),
        ("get", images_url(product), {}, "json"),
        ("get", image_url(product, image_id), {}, "json"),
        ("patch", image_url(product, image_id), {"alt_text": "Changed"}, "json"),
        ("delete", image_url(product, image_id), {}, "json"),
        ("post", reorder_url(product), {"order": [image_id]}, "json"),
    ]


ENDPOINTS = ["upload", "list", "detail", "patch", "delete", "reorder"]


def _assert_unchanged(product: Product, images: list[ProductImage], bucket: Any) -> None:
    assert positions(product) == [(image.id, n) for n, image in enumerate(images, 1)]
    assert list(ProductImage.objects.order_by("id").values_list("alt_text", flat=True)) == [
        image.alt_text for image in images
    ]
    assert bucket.keys() == keys_of(bucket, *images)
    assert PendingDeletion.objects.count() == 0


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_requests_are_refused(
    api_client: Any,
    product: Product,
    images: list[ProductImage],
    bucket: Any,
    django_capture_on_commit_callbacks: Any,
    endpoint: str,
) -> None:
    method, url, data, fmt = _requests(product, images[0].id)[ENDPOINTS.index(endpoint)]

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(api_client, method)(url, data, format=fmt)

    assert (response.status_code, response.json()) == (401, {"detail": "Authentication credentials were not provided."})
    _assert_unchanged(product, images, bucket)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_users_product_images_are_not_found(
    other_client: Any,
    product: Product,
    images: list[ProductImage],
    bucket: Any,
    django_capture_on_commit_callbacks: Any,
    endpoint: str,
) -> None:
    method, url, data, fmt = _requests(product, images[0].id)[ENDPOINTS.index(endpoint)]

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(other_client, method)(url, data, format=fmt)

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    _assert_unchanged(product, images, bucket)


MISMATCHES = [
    *[("product-of-another-users-shop", endpoint) for endpoint in ENDPOINTS],
    *[("product-of-my-other-shop", endpoint) for endpoint in ENDPOINTS],
    # Only these endpoints name an image.
    *[("image-of-my-other-product", endpoint) for endpoint in ("detail", "patch", "delete")],
]


@pytest.mark.parametrize(("mismatch", "endpoint"), MISMATCHES)
def test_ids_that_do_not_belong_together_are_not_found(
    owner_client: Any,
    user: Any,
    product: Product,
    images: list[ProductImage],
    other_product: Product,
    bucket: Any,
    django_capture_on_commit_callbacks: Any,
    endpoint: str,
    mismatch: str,
) -> None:
    if mismatch == "image-of-my-other-product":
        target = ProductFactory(shop=product.shop)
    else:
        shop = other_product.shop if mismatch == "product-of-another-users-shop" else ShopFactory(owner=user)
        target = Product(id=product.id, shop_id=shop.id)  # only its ids are used, to build the URL
    method, url, data, fmt = _requests(target, images[0].id)[ENDPOINTS.index(endpoint)]

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(owner_client, method)(url, data, format=fmt)

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    _assert_unchanged(product, images, bucket)


def test_a_missing_image_is_not_found(owner_client: Any, product: Product, images: list[ProductImage]) -> None:
    response = owner_client.patch(image_url(product, images[-1].id + 1000), {"alt_text": "x"}, format="json")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# Concurrent uploads


def _upload_at_once(product: Product, count: int) -> tuple[list[ProductImage], list[BaseException]]:
    """`count` threads upload to `product`; each waits after storing its objects until all have stored theirs,
    so they reach the database together."""
    all_stored = threading.Barrier(count, timeout=20)
    real_store = image_services.store_uploaded_image
    results: list[ProductImage] = []
    errors: list[BaseException] = []

    def store_then_wait(**kwargs: Any) -> StoredImage:
        stored = real_store(**kwargs)
        all_stored.wait()
        return stored

    def upload(n: int) -> None:
        try:
            data = image_bytes("PNG", (10 + n, 10))
            results.append(product_image_upload(product=product, file=SimpleUploadedFile(f"{n}.png", data)))
        except BaseException as error:  # noqa: BLE001 - reported to the test, which asserts on it
            errors.append(error)
        finally:
            connections.close_all()

    with mock.patch.object(image_services, "store_uploaded_image", store_then_wait):
        threads = [threading.Thread(target=upload, args=(n,)) for n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_to_one_product_get_consecutive_positions(product: Product, bucket: Any) -> None:
    results, errors = _upload_at_once(product, 2)

    assert errors == []
    assert sorted(image.position for image in results) == [1, 2]
    assert sorted(ProductImage.objects.filter(product=product).values_list("position", flat=True)) == [1, 2]
    assert bucket.keys() == keys_of(bucket, *results)
    assert PendingDeletion.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_past_the_limit_store_only_the_winner(product: Product, bucket: Any) -> None:
    with override_settings(PRODUCT_IMAGE_LIMIT=1):
        results, errors = _upload_at_once(product, 2)

    assert len(results) == 1
    (error,) = errors
    assert isinstance(error, ValidationError)
    assert error.message_dict == {"file": ["A product can have at most 1 images; delete one first."]}
    assert list(ProductImage.objects.values_list("id", "position")) == [(results[0].id, 1)]
    assert bucket.keys() == keys_of(bucket, results[0])  # the loser's objects were deleted
    assert PendingDeletion.objects.count() == 0


def _run_at_once(*calls: Any) -> list[BaseException]:
    """Run each call in its own thread, released together; the errors they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Any) -> None:
        try:
            barrier.wait(10)
            call()
        except BaseException as error:  # noqa: BLE001 - reported to the test, which asserts on it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def _product_with_rows(count: int) -> tuple[Product, list[int]]:
    """A product with `count` image rows (no stored objects: reordering never touches the bucket)."""
    product = ProductFactory()
    ids = [
        ProductImage.objects.create(
            product=product, image=f"x/{n}.jpg", position=n, width=1, height=1, content_type="image/jpeg", size=1
        ).id
        for n in range(1, count + 1)
    ]
    return product, ids


@pytest.mark.django_db(transaction=True)
def test_concurrent_reorders_leave_one_whole_order_never_a_mix() -> None:
    product, ids = _product_with_rows(4)
    forward, backward = ids, list(reversed(ids))

    for _ in range(5):
        errors = _run_at_once(
            lambda: image_services.product_images_reorder(product=product, order=forward),
            lambda: image_services.product_images_reorder(product=product, order=backward),
        )
        assert errors == []
        final = list(ProductImage.objects.filter(product=product).order_by("position").values_list("id", flat=True))
        assert final in (forward, backward)
        assert sorted(ProductImage.objects.filter(product=product).values_list("position", flat=True)) == [1, 2, 3, 4]


@pytest.mark.django_db(transaction=True)
def test_a_reorder_racing_a_delete_keeps_positions_contiguous() -> None:
    product, ids = _product_with_rows(4)
    victim = ProductImage.objects.get(id=ids[0])

    errors = _run_at_once(
        lambda: image_services.product_images_reorder(product=product, order=list(reversed(ids))),
        lambda: product_image_delete(image=victim),
    )

    # Whichever came second saw the other's result: the reorder either ran first, or was refused for
    # naming an image that no longer exists. Never duplicate or missing positions.
    assert all(isinstance(error, ValidationError) and "order" in error.message_dict for error in errors)
    remaining = ProductImage.objects.filter(product=product)
    assert remaining.count() == 3
    assert sorted(remaining.values_list("position", flat=True)) == [1, 2, 3]
