"""The two storages behind `default_storage`: a bucket (S3 API: DigitalOcean Spaces, SeaweedFS in the tests)
and the local file system. Both offer what an upload needs beyond Django's Storage API — a presigned POST
that a client sends the bytes to, and a download into a file in pieces — so no caller branches on which one
it has."""

import re
import shutil
from dataclasses import dataclass
from typing import IO, Any, Protocol

from django.core import signing
from django.core.files.storage import FileSystemStorage, Storage
from django.urls import reverse
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

COPY_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class PresignedPost:
    """Where to POST a multipart form (every field of `fields`, then `file`) to store one object."""

    url: str
    fields: dict[str, str]


class UploadStorage(Protocol):
    """What both storage classes offer beyond Django's Storage API."""

    receives_posts: bool

    def presigned_post(self, name: str, *, content_type: str, max_bytes: int, expires_in: int) -> PresignedPost: ...

    def posted_name(self, token: str, *, max_age: int) -> str | None: ...

    def download_to(self, name: str, target: IO[bytes]) -> None: ...


class BucketStorage(S3Storage):
    """django-storages' S3Storage, its urls always built from `custom_domain` (`SPACES_PUBLIC_BASE_URL`, else
    the endpoint's path-style bucket url, which is what botocore would build): a url is then a string format,
    not a botocore call (~0.1 ms each, hundreds per storefront page)."""

    receives_posts = False
    # Names whose url is the prefix and the name as is: path segments of letters, digits, "_", "-" and inner
    # dots (no empty, "." or ".." segment, nothing to quote), as the names this project makes all are.
    PLAIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if not self.custom_domain:
            raise ValueError("BucketStorage needs custom_domain (config.env.spaces_storage_options sets it).")
        self._url_prefix: str | None = None

    def url(self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None) -> str:
        """S3Storage's url, for a plain name (PLAIN_NAME) without a query string as a concatenation: the
        storefront builds hundreds a page (S3Storage normalises, joins and quotes each, ~14 us)."""
        if parameters or expire or http_method or not self.PLAIN_NAME.fullmatch(name) or ".." in name:
            return str(super().url(name, parameters, expire, http_method))
        if self._url_prefix is None:
            probe = str(super().url("x"))  # the prefix exactly as S3Storage makes it under this configuration
            if self.querystring_auth and self.cloudfront_signer:  # signed urls: no shared prefix
                return str(super().url(name))
            self._url_prefix = probe.removesuffix("x")
        return self._url_prefix + name

    def presigned_post(self, name: str, *, content_type: str, max_bytes: int, expires_in: int) -> PresignedPost:
        """A POST policy for exactly this key, this Content-Type and 1 to `max_bytes` bytes (the bucket refuses
        anything else), signed with the client's signature version (SigV4)."""
        presigned = self.connection.meta.client.generate_presigned_post(
            Bucket=self.bucket_name,
            Key=self._normalize_name(clean_name(name)),
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return PresignedPost(url=presigned["url"], fields=presigned["fields"])

    def posted_name(self, token: str, *, max_age: int) -> str | None:
        return None  # clients post to the bucket itself

    def download_to(self, name: str, target: IO[bytes]) -> None:
        # Not open(): S3File reads the whole object into memory first.
        self.bucket.download_fileobj(self._normalize_name(clean_name(name)), target, Config=self.transfer_config)


class LocalStorage(FileSystemStorage):
    """The file system (no bucket configured). A presigned POST points at this server's stand-in for the bucket
    (the url named `upload_view`, with a signed token of the object's name)."""

    receives_posts = True
    upload_view = "direct-upload-local"
    post_salt = "images.local_upload"

    def __init__(self, *, upload_view: str | None = None, **settings: Any) -> None:
        super().__init__(**settings)
        if upload_view:
            self.upload_view = upload_view

    def presigned_post(self, name: str, *, content_type: str, max_bytes: int, expires_in: int) -> PresignedPost:
        """The url is a path (the caller makes it absolute); the view checks the type and size against the
        upload it reserved, as the bucket checks its policy."""
        token = signing.dumps(name, salt=self.post_salt)
        return PresignedPost(
            url=reverse(self.upload_view, kwargs={"token": token}), fields={"Content-Type": content_type}
        )

    def posted_name(self, token: str, *, max_age: int) -> str | None:
        """The object name a token of `presigned_post` was signed for, or None if it is forged or too old."""
        try:
            return str(signing.loads(token, salt=self.post_salt, max_age=max_age))
        except signing.BadSignature:
            return None

    def download_to(self, name: str, target: IO[bytes]) -> None:
        with self.open(name, "rb") as stored:
            shutil.copyfileobj(stored, target, COPY_CHUNK_BYTES)


def upload_storage(storage: Storage) -> UploadStorage:
    """`storage` as an UploadStorage: STORAGES["default"] must be one of the two classes above."""
    if not hasattr(storage, "presigned_post"):
        raise TypeError(f"{type(storage).__name__} is not images.backends.BucketStorage or LocalStorage.")
    return storage  # type: ignore[return-value]  # checked just above: it has UploadStorage's methods
