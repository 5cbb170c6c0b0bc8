"""What the worst accepted uploads cost: validated and processed (stripped, renditions made) in a fresh process,
the peak resident memory stays under DEFAULT_PEAK_BYTES (DECODED_WHOLE_PEAK_BYTES for some) and the time under SECONDS,
whatever the number of frames.

The old code held a 40 MP one-colour PNG of 126 KB whole in Pillow (+150 MB) and decoded every frame of a GIF
(+560 MB for one frame of 40 MP; a few dozen frames of 16 MP took a worker past 2 GB)."""

from pathlib import Path

import pytest

from bench.image_cost import measure_in_subprocess, worst_accepted

DEFAULT_PEAK_BYTES = 128 * 1024 * 1024
# Decoded whole (a progressive JPEG's coefficients, an interlaced PNG's pixels): up to IMAGE_MAX_DECODE_BYTES
# (100 MB) held at once, and about 50 MB more. A 40 MP progressive 4:4:4 JPEG, refused now, cost +259 MiB.
DECODED_WHOLE_PEAK_BYTES = 160 * 1024 * 1024
SECONDS = 5.0  # generous: the machine is shared; the figures are about 0.2-1.2 s (README, Benchmarks)


WORST = worst_accepted()


@pytest.mark.parametrize("name", list(WORST))
def test_the_worst_accepted_uploads_cost_bounded_memory_and_time(tmp_path: Path, name: str) -> None:
    path = tmp_path / "image"
    path.write_bytes(WORST[name]())

    cost = measure_in_subprocess(str(path))

    limit = DECODED_WHOLE_PEAK_BYTES if "progressive" in name or "interlaced" in name else DEFAULT_PEAK_BYTES
    assert cost["peak_bytes"] < limit, f"{name}: +{cost['peak_bytes'] / 2**20:.0f} MiB"
    assert cost["seconds"] < SECONDS, f"{name}: {cost['seconds']:.2f} s"
