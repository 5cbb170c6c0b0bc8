"""WebP: an allow-list of RIFF chunks, inside animation frames too; the rest and any trailer go."""

import struct
from typing import IO

from images.metadata.stream import Budget, Input, TooManyBlocks, in_memory

# The image (VP8, VP8L, ALPH), the extended header, the ICC profile and the animation (ANIM, and of each ANMF
# frame its header and image chunks). EXIF, XMP, C2PA and unknown chunks go, at the top level and inside frames.
WEBP_KEPT_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ICCP", b"ANIM", b"ANMF"}
WEBP_KEPT_FRAME_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH"}
WEBP_FRAME_HEADER_BYTES = 16
VP8X_EXIF_FLAG = 0x08
VP8X_XMP_FLAG = 0x04


def _copy_webp_chunks(data: Input, target: IO[bytes], count: int, kept: set[bytes], budget: Budget) -> int | None:
    """Copy the `kept` chunks of the next `count` bytes; the number of bytes written, None if malformed."""
    written = 0
    while count > 0:
        budget.spend()
        if count < 8 or not data.fill(8):
            return None
        kind = bytes(data.buffer[data.start : data.start + 4])
        (length,) = struct.unpack("<I", data.buffer[data.start + 4 : data.start + 8])
        size = 8 + length + (length & 1)
        if size > count:
            return None
        count -= size
        copied = _copy_webp_chunk(data, target, kind if kind in kept else None, length, size, budget)
        if copied is None:
            return None
        written += copied
    return written


def _copy_webp_chunk(
    data: Input, target: IO[bytes], kind: bytes | None, length: int, size: int, budget: Budget
) -> int | None:
    """One chunk of `size` bytes (header included): dropped (`kind` None), VP8X without its EXIF and XMP flags,
    an ANMF frame rewritten, or copied. The number of bytes written, None if malformed."""
    if kind is None:
        return 0 if data.copy(size, None) else None
    if kind == b"VP8X":
        if length < 1 or not data.fill(9):
            return None
        flags = data.buffer[data.start + 8] & ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG) & 0xFF
        target.write(data.take(8) + bytes([flags]))
        data.start += 1
        return size if data.copy(size - 9, target) else None
    if kind == b"ANMF":
        return _copy_webp_frame(data, target, length, size, budget)
    return size if data.copy(size, target) else None


def _copy_webp_frame(data: Input, target: IO[bytes], length: int, size: int, budget: Budget) -> int | None:
    """A frame holds a header and chunks of its own: rewrite it with its kept chunks and its new size."""
    if length < WEBP_FRAME_HEADER_BYTES or not data.fill(8 + WEBP_FRAME_HEADER_BYTES):
        return None
    data.start += 8
    frame_start = target.tell()
    target.write(b"ANMF\x00\x00\x00\x00" + data.take(WEBP_FRAME_HEADER_BYTES))
    inner = _copy_webp_chunks(data, target, size - 8 - WEBP_FRAME_HEADER_BYTES, WEBP_KEPT_FRAME_CHUNKS, budget)
    if inner is None:
        return None
    end = target.tell()
    target.seek(frame_start + 4)
    target.write(struct.pack("<I", WEBP_FRAME_HEADER_BYTES + inner))
    target.seek(end)
    return 8 + WEBP_FRAME_HEADER_BYTES + inner


def strip_webp_file(source: IO[bytes], target: IO[bytes]) -> bool:
    """Keep WEBP_KEPT_CHUNKS, drop the rest and whatever follows the RIFF container. `target` must be seekable:
    the RIFF size is written once the chunks are."""
    try:
        return walk_webp_file(source, target)
    except TooManyBlocks:
        return False


def walk_webp_file(source: IO[bytes], target: IO[bytes]) -> bool:
    """`strip_webp_file`, raising TooManyBlocks past MAX_BLOCKS instead of returning False."""
    data = Input(source)
    header = data.take(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        return False
    if struct.unpack("<I", header[4:8])[0] < 4 + 8:
        return False
    (riff_size,) = struct.unpack("<I", header[4:8])
    riff_start = target.tell()
    target.write(b"RIFF\x00\x00\x00\x00WEBP")
    chunks_size = _copy_webp_chunks(data, target, riff_size - 4, WEBP_KEPT_CHUNKS, Budget())
    if chunks_size is None:
        return False
    end = target.tell()
    target.seek(riff_start + 4)
    target.write(struct.pack("<I", chunks_size + 4))
    target.seek(end)
    return True


def strip_webp(data: bytes) -> bytes | None:
    """`strip_webp_file` on bytes."""
    return in_memory(strip_webp_file, data)
