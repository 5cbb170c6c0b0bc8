"""Lossless metadata stripping: EXIF, XMP, IPTC and comments out; the ICC colour profile and the pixels kept
byte for byte. Hand-written because no maintained library strips JPEG, PNG and WebP losslessly while keeping
the ICC profile; re-encoding instead would cost a full decode and encode and lose quality.

Each function returns None when it cannot strip the file safely; the caller re-encodes it then."""

import struct

from PIL import Image

JPEG_KEPT_APP_MARKERS = {0xE0, 0xE2, 0xEE}  # APP0 JFIF, APP2 ICC profile, APP14 Adobe colour transform
# APP2 also carries the MPF index of a multi-picture file and FlashPix data: only ICC_PROFILE segments stay.
JPEG_ICC_SIGNATURE = b"ICC_PROFILE\x00"
ORIENTATION_TAG = 0x0112


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


def _end_of_entropy_coded_data(data: bytes, position: int) -> int:
    """The position of the first marker after the scan data starting at `position` (inside scan data 0xFF
    is followed only by a stuffed 0x00 or a restart marker)."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0 or position + 1 >= len(data):
            return -1
        following = data[position + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position += 1 if following == 0xFF else 2
            continue
        return position


def strip_jpeg(data: bytes, *, orientation: int) -> bytes | None:
    """Drop APP1 (EXIF, XMP), APP13 (IPTC), comments, vendor segments, and everything after the first
    picture (the further pictures of a multi-picture file and vendor trailers carry their own EXIF). An
    orientation other than 1 survives as an EXIF block holding that one tag, so the photo still shows
    upright without re-encoding."""
    if data[:2] != b"\xff\xd8":
        return None
    # Pieces are views of `data`, joined once at the end: the peak is the input plus the output, not 4x.
    view = memoryview(data)
    pieces: list[bytes | memoryview] = [b"\xff\xd8"]
    if orientation not in (0, 1):
        payload = _exif_orientation_only(orientation)
        pieces.append(b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload)
    position = 2
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # end of image: the first picture is complete
            pieces.append(b"\xff\xd9")
            return b"".join(pieces)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pieces.append(view[position : position + 2])
            position += 2
            continue
        if position + 4 > len(data):
            return None
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        segment = view[position : position + 2 + length]
        if len(segment) != 2 + length:
            return None
        if _is_kept_jpeg_segment(marker, segment):
            pieces.append(segment)
        position += 2 + length
        if marker == 0xDA:  # start of scan: copy its entropy-coded data up to the next marker
            end = _end_of_entropy_coded_data(data, position)
            if end < 0:
                return None
            pieces.append(view[position:end])
            position = end
    return None


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_DROPPED_CHUNKS = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def strip_png(data: bytes) -> bytes | None:
    if not data.startswith(PNG_SIGNATURE):
        return None
    out = bytearray(PNG_SIGNATURE)
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return None
        if kind not in PNG_DROPPED_CHUNKS:
            out += data[position:end]
        position = end
        if kind == b"IEND":
            return bytes(out)
    return None


WEBP_DROPPED_CHUNKS = {b"EXIF", b"XMP "}
VP8X_EXIF_FLAG = 0x08
VP8X_XMP_FLAG = 0x04


def strip_webp(data: bytes) -> bytes | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunks = bytearray()
    position = 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        end = position + 8 + length + (length & 1)
        if end > len(data):
            return None
        chunk = bytearray(data[position:end])
        if kind == b"VP8X":
            chunk[8] &= ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG) & 0xFF
        if kind not in WEBP_DROPPED_CHUNKS:
            chunks += chunk
        position = end
    return b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WEBP" + bytes(chunks)
