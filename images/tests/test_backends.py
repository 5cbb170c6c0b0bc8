"""The two storage classes: the presigned POST each offers (SigV4 on the bucket, whatever the region), the
urls they build without a network call, the download into a file."""

import base64
import io
import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from config.env import spaces_storage_options
from images.backends import BucketStorage, LocalStorage

pytestmark = pytest.mark.django_db

KEY = "incoming/0123456789abcdef0123456789abcdef"


def bucket_storage(**overrides: Any) -> BucketStorage:
    return BucketStorage(**{**settings.STORAGES["default"]["OPTIONS"], **overrides})


@pytest.mark.parametrize("region", [None, "us-east-1", "nyc3"])
def test_the_presigned_post_is_signature_version_4_in_any_region(region: str | None) -> None:
    """S3Storage ignores its `signature_version` once `client_config` is given: without a region, botocore
    signed with version 2, which AWS regions refuse. The version now sits in the client config."""
    storage = bucket_storage(region_name=region)

    post = storage.presigned_post(KEY, content_type="image/png", max_bytes=1234, expires_in=60)

    fields = post.fields
    access_key = settings.STORAGES["default"]["OPTIONS"]["access_key"]
    assert sorted(fields) == sorted(
        ["Content-Type", "key", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "policy", "x-amz-signature"]
    )
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert re.fullmatch(r"\d{8}T\d{6}Z", fields["x-amz-date"])
    assert (
        fields["x-amz-credential"] == f"{access_key}/{fields['x-amz-date'][:8]}/{region or 'us-east-1'}/s3/aws4_request"
    )
    assert re.fullmatch(r"[0-9a-f]{64}", fields["x-amz-signature"])  # SigV4: hex HMAC-SHA256 (SigV2: base64 SHA1)
    assert (fields["Content-Type"], fields["key"]) == ("image/png", f"{storage.location}/{KEY}")
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert policy["conditions"] == [
        {"Content-Type": "image/png"},
        ["content-length-range", 1, 1234],
        {"bucket": storage.bucket_name},
        {"key": f"{storage.location}/{KEY}"},
        {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"x-amz-credential": fields["x-amz-credential"]},
        {"x-amz-date": fields["x-amz-date"]},
    ]
    assert post.url == f"{settings.STORAGES['default']['OPTIONS']['endpoint_url']}/{storage.bucket_name}"


def test_bucket_urls_are_django_storages_own_on_the_endpoint_or_the_public_base_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = settings.STORAGES["default"]["OPTIONS"]
    endpoint_url, bucket, root = options["endpoint_url"], options["bucket_name"], options["location"]

    assert bucket_storage().url("product_images/ab.webp") == f"{endpoint_url}/{bucket}/{root}/product_images/ab.webp"
    monkeypatch.setenv("SPACES_PUBLIC_BASE_URL", "https://cdn.example.com/assets/")
    public = BucketStorage(**spaces_storage_options())
    assert public.url("product_images/ab.webp") == f"https://cdn.example.com/assets/{root}/product_images/ab.webp"
    with pytest.raises(ValueError, match="custom_domain"):
        bucket_storage(custom_domain="")


def url_or_error(url: Any, name: str) -> str:
    try:
        return str(url(name))
    except Exception as error:  # noqa: BLE001 - the error is what is compared
        return type(error).__name__


@pytest.mark.parametrize("public_base_url", ["", "https://cdn.example.com/assets/"])
@pytest.mark.parametrize("root", ["", "media", "a/b/"])
def test_bucket_urls_are_exactly_s3storages_for_plain_and_other_names(
    monkeypatch: pytest.MonkeyPatch, public_base_url: str, root: str
) -> None:
    """The fast path for plain names gives what S3Storage itself gives, and every other name goes to it."""
    monkeypatch.setenv("SPACES_PUBLIC_BASE_URL", public_base_url)
    storage = BucketStorage(**{**spaces_storage_options(), "location": root})
    names = [
        "product_images/0123abcd",
        "product_images/ab.webp",
        "a/b/c-d_e.f.jpg",
        "x",
        "a..b",
        "product_images/../other",
        "./product_images/ab",
        "product_images//ab",
        "product_images/ab/",
        "/product_images/ab",
        "dir/with space.jpg",
        "dir/ümlaut.jpg",
        "dir/q?x=1#y",
        "dir/.hidden",
    ]
    for name in names:
        assert url_or_error(storage.url, name) == url_or_error(partial(S3Storage.url, storage), name), name
    assert storage.url("dir/a", parameters={"v": "1"}) == S3Storage.url(storage, "dir/a", parameters={"v": "1"})


def test_the_bucket_downloads_an_object_into_a_file(bucket: Any) -> None:
    storage = bucket_storage()
    storage.save(KEY, ContentFile(b"x" * 3000))
    target = io.BytesIO()

    storage.download_to(KEY, target)

    assert target.getvalue() == b"x" * 3000
    storage.delete(KEY)


def test_the_bucket_takes_no_post_itself() -> None:
    storage = bucket_storage()
    local_token = LocalStorage(location="/nonexistent").presigned_post(
        KEY, content_type="image/png", max_bytes=1, expires_in=60
    )

    assert storage.receives_posts is False
    assert storage.posted_name(local_token.url.split("/")[-2], max_age=60) is None


def test_the_local_post_goes_to_this_server_with_a_signed_name(tmp_path: Path) -> None:
    storage = LocalStorage(location=tmp_path, base_url="/media/uploads/")

    post = storage.presigned_post(KEY, content_type="image/gif", max_bytes=10, expires_in=60)

    token = post.url.removeprefix("/api/v1/shops/uploads/").removesuffix("/")
    assert post.url == f"/api/v1/shops/uploads/{token}/"
    assert post.fields == {"Content-Type": "image/gif"}
    assert storage.receives_posts is True
    assert storage.posted_name(token, max_age=60) == KEY
    assert storage.posted_name(token[:-1] + ("A" if token[-1] != "A" else "B"), max_age=60) is None
    assert storage.posted_name("not-a-token", max_age=60) is None
    assert storage.url(KEY) == f"/media/uploads/{KEY}"


def test_the_local_storage_downloads_a_file_into_a_file(tmp_path: Path) -> None:
    storage = LocalStorage(location=tmp_path, base_url="/media/uploads/")
    storage.save(KEY, ContentFile(b"y" * 3000))
    target = io.BytesIO()

    storage.download_to(KEY, target)

    assert target.getvalue() == b"y" * 3000
