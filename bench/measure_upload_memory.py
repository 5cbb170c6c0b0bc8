"""How much a 25 MB JPEG upload raises this process's peak memory, in-process and repeatable (not a test):

    TEST_DATABASE_NAME=test_uploadmem .venv/bin/pytest -q -s -p no:randomly bench/measure_upload_memory.py

The JPEG is made once by a child process (its pixels would raise this process's peak) and kept in the temp
folder. The upload goes through `images.uploads.store_uploaded_image` as Django hands it over: a
TemporaryUploadedFile, into the test run's real bucket. `make bench` measures the same through gunicorn."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile

from images.uploads import store_uploaded_image

BIG_JPEG = Path(tempfile.gettempdir()) / "shopbuilder-upload-memory-25mb.jpg"
MAKE_JPEG = (
    "import sys; sys.path.insert(0, '.'); from bench.api import BIG_UPLOAD_BYTES, big_jpeg; "
    f"open({str(BIG_JPEG)!r}, 'wb').write(big_jpeg(BIG_UPLOAD_BYTES))"
)


def vm_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def temporary_upload(path: Path) -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile("big.jpg", "image/jpeg", path.stat().st_size, None)
    with path.open("rb") as source:
        shutil.copyfileobj(source, upload, 1024 * 1024)
    upload.seek(0)
    return upload


@pytest.mark.django_db
def test_measure_upload_memory(bucket: Any, settings: Any) -> None:
    settings.IMAGE_MAX_BYTES = 64 * 1024 * 1024
    if not BIG_JPEG.exists():
        subprocess.run([sys.executable, "-c", MAKE_JPEG], check=True)  # noqa: S603 -- our own code
    small = Path(tempfile.gettempdir()) / "shopbuilder-upload-memory-small.jpg"
    from bench.api import photo_jpeg

    small.write_bytes(photo_jpeg(1600, 1200, sigma=3, quality=85))
    store_uploaded_image(file=temporary_upload(small), folder="product_images")  # imports, libvips, S3 client
    size = BIG_JPEG.stat().st_size
    before = vm_hwm_kib()
    store_uploaded_image(file=temporary_upload(BIG_JPEG), folder="product_images")
    after = vm_hwm_kib()
    growth = (after - before) * 1024
    print(
        f"\n{size / 1e6:.1f} MB JPEG: VmHWM {before / 1024:.0f} -> {after / 1024:.0f} MiB, "
        f"+{growth / 1e6:.1f} MB = {growth / size:.2f}x the file"
    )
