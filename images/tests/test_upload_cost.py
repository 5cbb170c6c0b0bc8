"""What the worst accepted uploads cost: validated and processed (stripped, renditions made) in a fresh process,
the peak resident memory stays under PEAK_BYTES and the time under SECONDS, whatever the number of frames.

The old code held a 40 MP one-colour PNG of 126 KB whole in Pillow (+150 MB) and decoded every frame of a GIF
(+560 MB for one frame of 40 MP; a few dozen frames of 16 MP took a worker past 2 GB)."""

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from bench.image_cost import measure_in_subprocess
from images.tests.bombs import animated_gif, animated_png, animated_webp

PEAK_BYTES = 128 * 1024 * 1024
SECONDS = 5.0  # generous: the machine is shared; the figures are about 0.2-0.9 s (README, Benchmarks)


def one_colour(fmt: str, size: tuple[int, int] = (8000, 5000)) -> bytes:
    """A one-colour image at the default pixel limit (40 MP): a few hundred KB at most."""
    buffer = io.BytesIO()
    image = Image.new("P", size, 3) if fmt == "GIF" else Image.new("RGB", size, (10, 200, 30))
    image.save(buffer, format=fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    return buffer.getvalue()


# Each at the default limits: 40 MP in one frame, or 25 frames of 4 MP = the 100 MP in all.
WORST: dict[str, Callable[[], bytes]] = {
    "40 MP one-colour PNG": lambda: one_colour("PNG"),
    "40 MP one-colour GIF": lambda: one_colour("GIF"),
    "40 MP one-colour WebP": lambda: one_colour("WEBP"),
    "40 MP JPEG": lambda: one_colour("JPEG"),
    "GIF of 25 frames of 2000x2000": lambda: animated_gif(25, (2000, 2000)),
    "APNG of 25 frames of 2000x2000": lambda: animated_png(25, (2000, 2000)),
    "WebP of 25 frames of 2000x2000": lambda: animated_webp(25, (2000, 2000)),
}


@pytest.mark.parametrize("name", list(WORST))
def test_the_worst_accepted_uploads_cost_bounded_memory_and_time(tmp_path: Path, name: str) -> None:
    path = tmp_path / "image"
    path.write_bytes(WORST[name]())

    cost = measure_in_subprocess(str(path))

    assert cost["width"] * cost["height"] * cost["frames"] in (40_000_000, 100_000_000)  # accepted, at a limit
    assert cost["peak_bytes"] < PEAK_BYTES, f"{name}: +{cost['peak_bytes'] / 2**20:.0f} MiB"
    assert cost["seconds"] < SECONDS, f"{name}: {cost['seconds']:.2f} s"
