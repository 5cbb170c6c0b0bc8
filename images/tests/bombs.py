"""Animated images of many full-canvas frames, made in milliseconds: one frame is compressed once and its data
repeated (each frame still a full-canvas frame that a decoder must decode and composite)."""

import io
import struct
import zlib

from PIL import Image


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def animated_gif(frames: int, size: tuple[int, int], *, color: int = 1) -> bytes:
    """A looping GIF of `frames` one-colour frames covering the whole canvas."""
    buffer = io.BytesIO()
    Image.new("P", size, color).save(buffer, format="GIF")
    single = buffer.getvalue()
    table = 3 << ((single[10] & 0x07) + 1) if single[10] & 0x80 else 0
    start = single.index(b",", 13 + table)
    image_block = single[start:-1]
    loop = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    control = b"!\xf9\x04\x00\x05\x00\x00\x00"  # 50 ms a frame
    return single[:start] + loop + (control + image_block) * frames + b";"


def animated_png(frames: int, size: tuple[int, int]) -> bytes:
    """An APNG of `frames` one-colour RGB frames covering the whole canvas (the default image is the first)."""
    width, height = size
    compressed = zlib.compress((b"\x00" + b"\x80\x40\x20" * width) * height, 9)
    parts = [b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    parts.append(_png_chunk(b"acTL", struct.pack(">II", frames, 0)))
    sequence = 0
    for frame in range(frames):
        control = struct.pack(">IIIIIHHBB", sequence, width, height, 0, 0, 5, 100, 0, 0)
        parts.append(_png_chunk(b"fcTL", control))
        sequence += 1
        if frame == 0:
            parts.append(_png_chunk(b"IDAT", compressed))
        else:
            parts.append(_png_chunk(b"fdAT", struct.pack(">I", sequence) + compressed))
            sequence += 1
    parts.append(_png_chunk(b"IEND", b""))
    return b"".join(parts)


def animated_webp(frames: int, size: tuple[int, int]) -> bytes:
    """A lossless animated WebP of `frames` frames of alternating colours covering the whole canvas."""
    images = [Image.new("RGB", size, (200, 30, 30) if index % 2 else (30, 30, 200)) for index in range(2)]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="WEBP",
        save_all=True,
        append_images=[images[(index + 1) % 2] for index in range(frames - 1)],
        duration=50,
        loop=0,
        lossless=True,
        minimize_size=False,
        kmin=0,
        kmax=0,
    )
    return buffer.getvalue()
