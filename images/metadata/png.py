"""PNG: an allow-list of chunks (the image, transparency, colour, APNG animation control); the rest goes."""

import struct
from typing import IO

from images.metadata.stream import Budget, Input, TooManyBlocks, in_memory

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Critical chunks, transparency, gamma and colour (gAMA, cHRM, sRGB, iCCP, sBIT, cICP, HDR mDCV and cLLI) and
# APNG animation control. Text, EXIF, time, physical size, background, C2PA (caBX), private and unknown chunks go.
PNG_KEPT_CHUNKS = {
    *(b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS"),
    *(b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"cICP", b"mDCV", b"cLLI"),
    *(b"acTL", b"fcTL", b"fdAT"),
}


def strip_png_file(source: IO[bytes], target: IO[bytes]) -> bool:
    """Keep PNG_KEPT_CHUNKS, drop the rest. False also for an APNG with more frames than its acTL declares
    (the limits were checked against acTL): the caller then stores the first frame only."""
    try:
        return walk_png_file(source, target)
    except TooManyBlocks:
        return False


def walk_png_file(source: IO[bytes], target: IO[bytes]) -> bool:
    """`strip_png_file`, raising TooManyBlocks past MAX_BLOCKS instead of returning False."""
    data = Input(source)
    if data.take(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
        return False
    target.write(PNG_SIGNATURE)
    declared_frames, frames = 0, 0
    budget = Budget()
    while data.fill(12):
        budget.spend()
        (length,) = struct.unpack(">I", data.buffer[data.start : data.start + 4])
        kind = bytes(data.buffer[data.start + 4 : data.start + 8])
        if kind == b"acTL" and length >= 4:
            (declared_frames,) = struct.unpack(">I", data.buffer[data.start + 8 : data.start + 12])
        elif kind == b"fcTL":
            frames += 1
            if frames > declared_frames:
                return False
        if not data.copy(12 + length, target if kind in PNG_KEPT_CHUNKS else None):
            return False
        if kind == b"IEND":
            return True
    return False


def strip_png(data: bytes) -> bytes | None:
    """`strip_png_file` on bytes."""
    return in_memory(strip_png_file, data)
