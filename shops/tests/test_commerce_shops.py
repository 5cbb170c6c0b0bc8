"""Shop images (profile and cover), featured categories, contact fields, and how the public shop shows them."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from images.models import PendingDeletion
from shops.models import Shop
from shops.tests.factories import CategoryFactory, ShopFactory
from shops.tests.snapshots import as_json, catalogue_rows

pytestmark = pytest.mark.django_db


def upload(client, shop: Shop, kind: str, data: bytes, *, field: str = "file"):
    return client.post(
        f"/api/v1/shops/{shop.id}/{kind}/",
        {field: SimpleUploadedFile("logo.png", data, content_type="image/png")},
        format="multipart",
    )


@pytest.mark.parametrize(("kind", "attribute"), [("profile-image", "profile_image"), ("cover-image", "cover_image")])
def test_upload_sets_the_shop_image_and_answers_the_shop(
    owner_client, shop, bucket, make_image, kind, attribute
) -> None:
    response = upload(owner_client, shop, kind, make_image("PNG", (40, 30)), field="image")

    assert response.status_code == 200
    shop.refresh_from_db()
    name = getattr(shop, attribute).name
    assert name.startswith("shop_images/")
    assert name.endswith(".png")
    other = "cover_image_url" if attribute == "profile_image" else "profile_image_url"
    assert response.json() == {
        "shop": {
            "id": shop.id,
            "name": "Corner Shop",
            "slug": "corner-shop",
            "heading": "",
            "description": "",
            "currency": "USD",
            f"{attribute}_url": default_storage.url(name),
            other: None,
            "featured_category_1": None,
            "featured_category_2": None,
            "featured_category_3": None,
            "contact_email": "",
            "contact_phone": "",
            "contact_website": "",
            "contact_address": "",
            "show_stock_quantity": False,
            "mail_sender_name": "",
            "mail_footer": "",
            "mail_show_logo": True,
            "created_at": as_json(shop.created_at),
            "updated_at": as_json(shop.updated_at),
        }
    }
    assert bucket.keys("shop_images") == {f"{bucket.root}/{name}"}
    assert PendingDeletion.objects.count() == 0


def test_a_new_cover_deletes_the_previous_object_and_keeps_the_profile_image(
    owner_client, shop, bucket, make_image, django_capture_on_commit_callbacks
) -> None:
    upload(owner_client, shop, "profile-image", make_image("PNG"))
    upload(owner_client, shop, "cover-image", make_image("PNG"))
    shop.refresh_from_db()
    profile, first_cover = shop.profile_image.name, shop.cover_image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(owner_client, shop, "cover-image", make_image("JPEG"))

    assert response.status_code == 200
    shop.refresh_from_db()
    assert shop.cover_image.name not in ("", first_cover)
    assert bucket.keys("shop_images") == {f"{bucket.root}/{profile}", f"{bucket.root}/{shop.cover_image.name}"}


def test_an_invalid_image_is_refused_and_nothing_is_written(owner_client, shop, bucket) -> None:
    before = catalogue_rows()

    response = upload(owner_client, shop, "cover-image", b"GIF89a not really")

    assert response.status_code == 400
    assert set(response.json()) == {"file"}
    assert catalogue_rows() == before
    assert bucket.keys() == set()


def test_another_users_shop_image_is_404_and_anonymous_is_401(
    owner_client, api_client, other_shop, bucket, make_image
) -> None:
    before = catalogue_rows()

    assert upload(owner_client, other_shop, "profile-image", make_image("PNG")).status_code == 404
    assert upload(api_client, other_shop, "profile-image", make_image("PNG")).status_code == 401
    assert catalogue_rows() == before
    assert bucket.keys() == set()


def test_deleting_the_shop_deletes_its_image_objects(
    owner_client, shop, bucket, make_image, django_capture_on_commit_callbacks
) -> None:
    upload(owner_client, shop, "profile-image", make_image("PNG"))
    upload(owner_client, shop, "cover-image", make_image("PNG"))
    assert len(bucket.keys("shop_images")) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(f"/api/v1/shops/{shop.id}/")

    assert response.status_code == 204
    assert bucket.keys() == set()


def test_deleting_the_owner_deletes_the_shops_image_objects(
    owner_client, user, shop, bucket, make_image, django_capture_on_commit_callbacks
) -> None:
    upload(owner_client, shop, "cover-image", make_image("PNG"))

    with django_capture_on_commit_callbacks(execute=True):
        user.delete()

    assert bucket.keys() == set()


def test_defect_9_shop_image_urls_cannot_be_set_by_patch(owner_client, shop) -> None:
    response = owner_client.patch(
        f"/api/v1/shops/{shop.id}/",
        {"heading": "Hi", "profile_image_url": "https://evil.example/x.gif", "cover_image_url": "http://x/y.png"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["profile_image_url"], response.json()["cover_image_url"]) == (None, None)
    shop.refresh_from_db()
    assert (shop.heading, shop.profile_image.name, shop.cover_image.name) == ("Hi", "", "")


# Featured categories and contact fields


def test_featured_categories_and_contact_fields_are_set_and_shown_publicly(
    owner_client, api_client, shop, bucket, make_image
) -> None:
    toys, books, games = (CategoryFactory(shop=shop, name=n, slug=n.lower()) for n in ("Toys", "Books", "Games"))
    upload(owner_client, shop, "cover-image", make_image("PNG"))

    response = owner_client.patch(
        f"/api/v1/shops/{shop.id}/",
        {
            "featured_category_1": books.id,
            "featured_category_2": None,
            "featured_category_3": toys.id,
            "contact_email": "hello@corner.example",
            "contact_phone": "+44 20 7946 0000",
            "contact_website": "https://corner.example",
            "contact_address": "1 High Street\nLondon",
            "show_stock_quantity": True,
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert [body[f"featured_category_{n}"] for n in (1, 2, 3)] == [books.id, None, toys.id]
    assert body["show_stock_quantity"] is True
    shop.refresh_from_db()
    public = api_client.get(f"/api/v1/shops/slug/{shop.slug}/").json()
    assert {key: value for key, value in public.items() if key != "products"} == {
        "id": shop.id,
        "name": "Corner Shop",
        "slug": "corner-shop",
        "heading": "",
        "description": "",
        "currency": "USD",
        "profile_image_url": None,
        "cover_image_url": default_storage.url(shop.cover_image.name),
        "featured_categories": [
            {"id": books.id, "name": "Books", "slug": "books"},
            {"id": toys.id, "name": "Toys", "slug": "toys"},
        ],
        "contact_email": "hello@corner.example",
        "contact_phone": "+44 20 7946 0000",
        "contact_website": "https://corner.example",
        "contact_address": "1 High Street\nLondon",
    }
    assert games.id not in [category["id"] for category in public["featured_categories"]]


def test_a_category_of_another_shop_cannot_be_featured(owner_client, shop, other_shop) -> None:
    foreign = CategoryFactory(shop=other_shop)
    before = catalogue_rows()

    response = owner_client.patch(
        f"/api/v1/shops/{shop.id}/", {"name": "Renamed", "featured_category_2": foreign.id}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"featured_category_2": ["This shop has no category with this id."]}
    assert catalogue_rows() == before


def test_a_new_shop_cannot_feature_any_existing_category(owner_client, user, other_shop) -> None:
    foreign = CategoryFactory(shop=other_shop)
    before = catalogue_rows()

    response = owner_client.post("/api/v1/shops/", {"name": "New", "featured_category_1": foreign.id}, format="json")

    assert response.status_code == 400
    assert response.json() == {"featured_category_1": ["This shop has no category with this id."]}
    assert catalogue_rows() == before


def test_deleting_a_featured_category_empties_its_slot(owner_client, shop) -> None:
    toys = CategoryFactory(shop=shop)
    owner_client.patch(f"/api/v1/shops/{shop.id}/", {"featured_category_1": toys.id}, format="json")

    owner_client.delete(f"/api/v1/shops/{shop.id}/categories/{toys.id}/")

    assert owner_client.get(f"/api/v1/shops/{shop.id}/").json()["featured_category_1"] is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_email", "not-an-email", "Enter a valid email address."),
        ("contact_website", "javascript:alert(1)", "Enter a valid URL."),
        ("contact_phone", "1" * 33, "Ensure this field has no more than 32 characters."),
    ],
)
def test_contact_fields_are_validated(owner_client, shop, field, value, message) -> None:
    before = catalogue_rows()

    response = owner_client.patch(f"/api/v1/shops/{shop.id}/", {field: value}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert catalogue_rows() == before


def test_another_users_shop_cannot_be_featured_into(other_client, shop) -> None:
    toys = CategoryFactory(shop=shop)

    response = other_client.patch(f"/api/v1/shops/{shop.id}/", {"featured_category_1": toys.id}, format="json")

    assert response.status_code == 404
    assert Shop.objects.get(id=shop.id).featured_category_1_id is None


def test_shop_json_in_the_list(owner_client, user) -> None:
    ShopFactory(owner=user, contact_email="a@b.example")

    response = owner_client.get("/api/v1/shops/")

    assert [(item["contact_email"], item["profile_image_url"]) for item in response.json()] == [("a@b.example", None)]
