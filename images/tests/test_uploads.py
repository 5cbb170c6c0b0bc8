"""store_uploaded_image on a large upload: the work is done from files, so the bytes are never all in memory."""

import io
import tracemalloc
from typing import Any

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from PIL import Image

from images.uploads import store_uploaded_image

pytestmark = pytest.mark.django_db


def noisy_jpeg(size: tuple[int, int]) -> bytes:
    """Noise compresses badly: a camera-sized file from few pixels."""
    bands = [Image.effect_noise(size, 80) for _ in range(3)]
    buffer = io.BytesIO()
    Image.merge("RGB", bands).save(buffer, format="JPEG", quality=98, subsampling=0)
    return buffer.getvalue()


def temporary_upload(data: bytes) -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile("photo.jpg", "image/jpeg", len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload


def test_a_large_upload_is_never_held_in_memory_whole(bucket: Any, settings: Any) -> None:
    """The old code held the upload and its stripped copy as bytes at once (2x the file in Python objects); now
    the most is one part of the object sent to the bucket (8 MB) and the renditions (about 12 MB in all)."""
    store_uploaded_image(file=temporary_upload(noisy_jpeg((64, 48))), folder="product_images")  # the S3 client
    data = noisy_jpeg((3000, 2200))
    settings.IMAGE_MAX_BYTES = 2 * len(data)
    upload = temporary_upload(data)
    size = len(data)
    del data

    tracemalloc.start()
    try:
        stored = store_uploaded_image(file=upload, folder="product_images")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored.size == size  # a Pillow JPEG has no metadata: stripped byte for byte
    assert bucket.get(f"{bucket.root}/{stored.name}")[:2] == b"\xff\xd8"
    assert peak < size, f"peak {peak} bytes for a {size}-byte upload"
