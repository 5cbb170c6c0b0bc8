"""Lossless metadata stripping: EXIF, XMP, IPTC and comments out; the ICC colour profile and the pixels kept
byte for byte. Hand-written because no maintained library strips JPEG, PNG and WebP losslessly while keeping
the ICC profile; re-encoding instead would cost a full decode and encode and lose quality.

The `*_file` functions copy from a file object to another in bounded pieces (a segment or chunk header, or
at most CHUNK_BYTES): a 25 MB photo is never held in memory. They return False when they cannot strip the
file safely (the target then holds a partial copy: discard it); the caller re-encodes it then. The byte
functions wrap them and return None instead."""

import io
import struct
from collections.abc import Callable
from typing import IO

from PIL import Image

JPEG_KEPT_APP_MARKERS = {0xE0, 0xE2, 0xEE}  # APP0 JFIF, APP2 ICC profile, APP14 Adobe colour transform
# APP2 also carries the MPF index of a multi-picture file and FlashPix data: only ICC_PROFILE segments stay.
JPEG_ICC_SIGNATURE = b"ICC_PROFILE\x00"
ORIENTATION_TAG = 0x0112
CHUNK_BYTES = 1024 * 1024


class _Input:
    """A file read through a window of at most a few CHUNK_BYTES, from `start` in `buffer`."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.buffer = bytearray()
        self.start = 0

    def available(self) -> int:
        return len(self.buffer) - self.start

    def fill(self, count: int) -> bool:
        """At least `count` bytes from `start` in the buffer; False if the file ends first."""
        if self.available() >= count:
            return True
        del self.buffer[: self.start]
        self.start = 0
        while len(self.buffer) < count:
            chunk = self._file.read(max(CHUNK_BYTES, count - len(self.buffer)))
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def take(self, count: int) -> bytes:
        """The next `count` bytes (fewer at the end of the file); `count` must be small (a header or segment)."""
        self.fill(count)
        data = bytes(self.buffer[self.start : self.start + count])
        self.start += len(data)
        return data

    def copy(self, count: int, target: IO[bytes] | None) -> bool:
        """Copy the next `count` bytes to `target` (or skip them when None); False if the file ends first."""
        while count > 0:
            if not self.available() and not self.fill(1):
                return False
            size = min(count, self.available())
            if target is not None:
                target.write(self.buffer[self.start : self.start + size])
            self.start += size
            count -= size
        return True


def _in_memory(strip: Callable[[IO[bytes], IO[bytes]], bool], data: bytes) -> bytes | None:
    target = io.BytesIO()
    return target.getvalue() if strip(io.BytesIO(data), target) else None


def _exif_orientation_only(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    return exif.tobytes()


def _is_kept_jpeg_segment(marker: int, segment: bytes | memoryview) -> bool:
    if marker == 0xFE:  # comment
        return False
    if not 0xE0 <= marker <= 0xEF:
        return True
    if marker == 0xE2:
        return bytes(segment[4 : 4 + len(JPEG_ICC_SIGNATURE)]) == JPEG_ICC_SIGNATURE
    return marker in JPEG_KEPT_APP_MARKERS


def _copy_entropy_coded_data(data: _Input, target: IO[bytes]) -> bool:
    """Copy the scan data up to the first marker after it (inside scan data 0xFF is followed only by a stuffed
    0x00 or a restart marker); False if the file ends first."""
    scan = data.start
    while True:
        buffer = data.buffer
        found = buffer.find(b"\xff", scan)
        if found < 0 or found + 1 >= len(buffer):
            # Everything before a trailing 0xFF is scan data: copy it and read on.
            end = len(buffer) if found < 0 else found
            target.write(buffer[data.start : end])
            data.start = end
            if not data.fill(data.available() + 1):
                return False
            scan = data.start
            continue
        following = buffer[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            scan = found + (1 if following == 0xFF else 2)
            continue
        target.write(buffer[data.start : found])
        data.start = found
        return True


def strip_jpeg_file(source: IO[bytes], target: IO[bytes], *, orientation: int) -> bool:
    """Drop APP1 (EXIF, XMP), APP13 (IPTC), comments, vendor segments, and everything after the first
    picture (the further pictures of a multi-picture file and vendor trailers carry their own EXIF). An
    orientation other than 1 survives as an EXIF block holding that one tag, so the photo still shows
    upright without re-encoding."""
    data = _Input(source)
    if data.take(2) != b"\xff\xd8":
        return False
    target.write(b"\xff\xd8")
    if orientation not in (0, 1):
        payload = _exif_orientation_only(orientation)
        target.write(b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload)
    while data.fill(2):
        if data.buffer[data.start] != 0xFF:
            return False
        marker = data.buffer[data.start + 1]
        if marker == 0xFF:  # fill byte
            data.start += 1
            continue
        if marker == 0xD9:  # end of image: the first picture is complete
            target.write(b"\xff\xd9")
            return True
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            target.write(data.take(2))
            continue
        if not data.fill(4):
            return False
        (length,) = struct.unpack(">H", data.buffer[data.start + 2 : data.start + 4])
        if not data.fill(2 + length):
            return False
        segment = data.take(2 + length)  # at most 64 KB
        if _is_kept_jpeg_segment(marker, segment):
            target.write(segment)
        if marker == 0xDA and not _copy_entropy_coded_data(data, target):  # start of scan
            return False
    return False


def strip_jpeg(data: bytes, *, orientation: int) -> bytes | None:
    """`strip_jpeg_file` on bytes."""
    return _in_memory(lambda source, target: strip_jpeg_file(source, target, orientation=orientation), data)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_DROPPED_CHUNKS = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def strip_png_file(source: IO[bytes], target: IO[bytes]) -> bool:
    data = _Input(source)
    if data.take(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
        return False
    target.write(PNG_SIGNATURE)
    while data.fill(12):
        (length,) = struct.unpack(">I", data.buffer[data.start : data.start + 4])
        kind = bytes(data.buffer[data.start + 4 : data.start + 8])
        if not data.copy(12 + length, None if kind in PNG_DROPPED_CHUNKS else target):
            return False
        if kind == b"IEND":
            return True
    return False


def strip_png(data: bytes) -> bytes | None:
    """`strip_png_file` on bytes."""
    return _in_memory(strip_png_file, data)


WEBP_DROPPED_CHUNKS = {b"EXIF", b"XMP "}
VP8X_EXIF_FLAG = 0x08
VP8X_XMP_FLAG = 0x04


def strip_webp_file(source: IO[bytes], target: IO[bytes]) -> bool:
    """`target` must be seekable: the RIFF size is written once the chunks are."""
    data = _Input(source)
    header = data.take(12)
    if header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        return False
    riff_start = target.tell()
    target.write(b"RIFF\x00\x00\x00\x00WEBP")
    chunks_size = 0
    while data.fill(8):
        kind = bytes(data.buffer[data.start : data.start + 4])
        (length,) = struct.unpack("<I", data.buffer[data.start + 4 : data.start + 8])
        size = 8 + length + (length & 1)
        if kind in WEBP_DROPPED_CHUNKS:
            if not data.copy(size, None):
                return False
            continue
        if kind == b"VP8X":
            if length < 1 or not data.fill(9):
                return False
            flags = data.buffer[data.start + 8] & ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG) & 0xFF
            target.write(data.take(8) + bytes([flags]))
            data.start += 1
            size -= 9
        if not data.copy(size, target):
            return False
        chunks_size += 8 + length + (length & 1)
    end = target.tell()
    target.seek(riff_start + 4)
    target.write(struct.pack("<I", chunks_size + 4))
    target.seek(end)
    return True


def strip_webp(data: bytes) -> bytes | None:
    """`strip_webp_file` on bytes."""
    return _in_memory(strip_webp_file, data)
