"""POST /api/v1/auth/me/profile-image/: a validated upload on the real S3 server; the previous object is
deleted, and the user's objects go with the user. The URL itself can never be set by the client."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from accounts.tests.bodies import ME_URL, user_body
from images.models import PendingDeletion

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/me/profile-image/"


def upload(client, data: bytes, *, field: str = "file", name: str = "me.png"):
    return client.post(URL, {field: SimpleUploadedFile(name, data, content_type="image/png")}, format="multipart")


@pytest.mark.parametrize("field", ["file", "image"])
def test_upload_sets_the_profile_image_and_answers_the_user(owner_client, user, bucket, make_image, field) -> None:
    response = upload(owner_client, make_image("PNG", (30, 20)), field=field)

    assert response.status_code == 200
    user.refresh_from_db()
    name = user.profile_image.name
    assert name.startswith("profile_images/")
    assert name.endswith(".png")
    assert response.json() == {"user": {**user_body(user), "profile_image_url": default_storage.url(name)}}
    assert response.json()["user"]["profile_image_url"].startswith("http")
    assert bucket.keys("profile_images") == {f"{bucket.root}/{name}"}
    assert PendingDeletion.objects.count() == 0
    # GET me shows the same url.
    assert owner_client.get(ME_URL).json()["user"]["profile_image_url"] == default_storage.url(name)


def test_a_second_upload_replaces_and_deletes_the_first_object(
    owner_client, user, bucket, make_image, django_capture_on_commit_callbacks
) -> None:
    upload(owner_client, make_image("PNG"))
    first = User.objects.get(id=user.id).profile_image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(owner_client, make_image("JPEG"), name="me.jpg")

    assert response.status_code == 200
    second = User.objects.get(id=user.id).profile_image.name
    assert second != first
    assert bucket.keys("profile_images") == {f"{bucket.root}/{second}"}


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(owner_client, user, bucket) -> None:
    response = upload(owner_client, b"<svg onload=alert(1)>", name="x.svg")

    assert response.status_code == 400
    assert set(response.json()) == {"file"}
    assert User.objects.get(id=user.id).profile_image.name == ""
    assert bucket.keys() == set()


def test_a_missing_file_is_400(owner_client, user, bucket) -> None:
    response = owner_client.post(URL, {}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {
        "file": ["No file was submitted. Send the image in the multipart field 'file' (or 'image')."]
    }
    assert bucket.keys() == set()


def test_defect_1_profile_image_upload_requires_a_login(api_client, bucket, make_image) -> None:
    response = upload(api_client, make_image("PNG"))

    assert response.status_code == 401
    assert bucket.keys() == set()


def test_defect_9_patch_me_ignores_a_profile_image_url(owner_client, user) -> None:
    response = owner_client.patch(
        ME_URL, {"first_name": "Ada", "profile_image_url": "https://tracker.example/pixel.gif"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["user"]["profile_image_url"] is None
    user.refresh_from_db()
    assert (user.first_name, user.profile_image.name) == ("Ada", "")


def test_deleting_the_user_deletes_the_profile_image_object(
    owner_client, user, bucket, make_image, django_capture_on_commit_callbacks
) -> None:
    upload(owner_client, make_image("PNG"))
    assert len(bucket.keys("profile_images")) == 1

    with django_capture_on_commit_callbacks(execute=True):
        User.objects.get(id=user.id).delete()

    assert bucket.keys() == set()
    assert PendingDeletion.objects.count() == 0
