"""What one accepted upload costs: the time and peak memory of validating and processing (strip, renditions)
one image file, measured in a fresh process so that its peak resident memory is its own.

`python -m bench.image_cost PATH [--no-renditions]` prints JSON {"seconds", "peak_bytes", "frames", "width",
"height"}; the upload-limit tests and `make bench-images` run it. Uses the default limits (config/settings/base.py)
unless IMAGE_MAX_* are set; no database, no bucket."""

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WIDTHS = (160, 480, 960, 1600)


def one_colour(fmt: str, size: tuple[int, int] = (8000, 5000), **save: Any) -> bytes:
    """A one-colour image at the default pixel limit (40 MP): a few hundred KB at most."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    image = Image.new("P", size, 3) if fmt == "GIF" else Image.new("RGB", size, (10, 200, 30))
    image.save(buffer, format=fmt, **({"lossless": True} if fmt == "WEBP" else {}), **save)
    return buffer.getvalue()


def photo_jpeg(size: tuple[int, int] = (8000, 5000)) -> bytes:
    """A photo-like JPEG (gradients and grain) at the default pixel limit: about 9 MB, under the byte limit."""
    import pyvips

    width, height = size
    x = pyvips.Image.xyz(width, height)
    red, green = (x[0] * 255 / width).cast("uchar"), (x[1] * 255 / height).cast("uchar")
    blue = ((x[0] + x[1]) * 255 / (width + height)).cast("uchar")
    grain = pyvips.Image.gaussnoise(width, height, sigma=3, mean=0)
    return (red.bandjoin([green, blue]) + grain).cast("uchar").jpegsave_buffer(Q=85)


def interlaced_png(size: tuple[int, int], *, bands: int, depth: int) -> bytes:
    """A one-colour Adam7-interlaced PNG (Pillow cannot write one)."""
    import pyvips

    width, height = size
    image = pyvips.Image.black(width, height, bands=bands).new_from_image([200, 30, 30, 255][:bands])
    if depth == 16:
        image = (image * 256).cast("ushort").copy(interpretation="rgb16")
    else:
        image = image.cast("uchar").copy(interpretation="srgb")
    return image.pngsave_buffer(interlace=True, compression=9)


def worst_accepted() -> dict[str, Callable[[], bytes]]:
    """The costliest images the default limits accept: 40 MP in one frame (one-colour: the fewest bytes for the
    most pixels), or 25 frames of 4 MP (the 100 MP in all)."""
    from images.tests.bombs import animated_gif, animated_png, animated_webp

    return {
        "40 MP one-colour PNG": lambda: one_colour("PNG"),
        "40 MP one-colour GIF": lambda: one_colour("GIF"),
        "40 MP one-colour WebP": lambda: one_colour("WEBP"),
        "40 MP one-colour JPEG": lambda: one_colour("JPEG"),
        # Decoded whole (IMAGE_MAX_DECODE_BYTES): a progressive JPEG's coefficients, an interlaced PNG's pixels.
        "16.5 MP progressive JPEG, 4:4:4": lambda: one_colour("JPEG", (5000, 3300), progressive=True, subsampling=0),
        "33 MP progressive JPEG, 4:2:0": lambda: one_colour("JPEG", (6600, 5000), progressive=True),
        "33 MP interlaced RGB PNG": lambda: interlaced_png((6600, 5000), bands=3, depth=8),
        "12.5 MP interlaced 16-bit RGBA PNG": lambda: interlaced_png((4000, 3125), bands=4, depth=16),
        "GIF of 25 frames of 2000x2000": lambda: animated_gif(25, (2000, 2000)),
        "APNG of 25 frames of 2000x2000": lambda: animated_png(25, (2000, 2000)),
        "WebP of 25 frames of 2000x2000": lambda: animated_webp(25, (2000, 2000)),
    }


def _limit(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _status_bytes(field: str) -> int:
    """VmRSS or VmHWM (the peak) of this process, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def measure(path: str, *, renditions: bool = True) -> dict[str, float | int]:
    """In this process: validate and process the image at `path`; the time and how far the peak resident memory
    rises above the memory resident before (the peak is reset first: importing can peak higher than the work)."""
    from images.processing import process_image_file
    from images.validation import validate_image

    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to VmRSS (Linux 4.0+)
    before = _status_bytes("VmRSS")
    started = time.perf_counter()
    with open(path, "rb") as file:
        validated = validate_image(
            file,
            max_bytes=_limit("IMAGE_MAX_BYTES", 10 * 1024 * 1024),
            max_pixels=_limit("IMAGE_MAX_PIXELS", 40_000_000),
            max_frames=_limit("IMAGE_MAX_FRAMES", 100),
            max_total_pixels=_limit("IMAGE_MAX_TOTAL_PIXELS", 100_000_000),
            max_decode_bytes=_limit("IMAGE_MAX_DECODE_BYTES", 100_000_000),
        )
    with tempfile.TemporaryFile() as original:
        process_image_file(path, validated.format, widths=DEFAULT_WIDTHS if renditions else (), original=original)
    seconds = time.perf_counter() - started
    peak = _status_bytes("VmHWM")
    return {
        "seconds": seconds,
        "peak_bytes": peak - before,
        "frames": validated.frames,
        "width": validated.width,
        "height": validated.height,
    }


def measure_in_subprocess(path: str, *, renditions: bool = True, env: dict[str, str] | None = None) -> dict:
    command = [sys.executable, "-m", "bench.image_cost", path, *([] if renditions else ["--no-renditions"])]
    completed = subprocess.run(  # noqa: S603 - this interpreter, this module
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, check=True
    )
    return json.loads(completed.stdout)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import pyvips  # noqa: F401 - libvips started before the baseline, as in a worker that has served an upload
    from PIL import Image  # noqa: F401

    print(json.dumps(measure(sys.argv[1], renditions="--no-renditions" not in sys.argv)))
