"""JPEG: the segments decoding needs, the JFIF header, the ICC profile and the Adobe transform; the rest goes."""

import re
import struct
from typing import IO

from PIL import Image

from images.metadata.stream import Budget, Input, TooManyBlocks, in_memory

# The segments that decoding needs: frame headers (SOF0-15 but DHT, JPG and DAC), Huffman and arithmetic
# tables, quantization tables, restart interval, start of scan, number of lines, hierarchical progression and
# expand reference. Every other marker (APPn but the three below, comments, JPGn extensions, reserved) goes.
JPEG_KEPT_MARKERS = {*range(0xC0, 0xD0)} - {0xC8} | {0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF}
# APPn segments kept by their signature: APP0 JFIF (its thumbnail dropped), APP2 ICC profile (APP2 also carries
# the MPF index of a multi-picture file and FlashPix data), APP14 Adobe (the colour transform of CMYK/YCCK).
JPEG_JFIF_SIGNATURE = b"JFIF\x00"
JPEG_ICC_SIGNATURE = b"ICC_PROFILE\x00"
JPEG_ADOBE_SIGNATURE = b"Adobe"
JFIF_HEADER_BYTES = 14  # identifier, version, density units and densities, thumbnail width and height
ORIENTATION_TAG = 0x0112


def _exif_orientation_only(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    return exif.tobytes()


def _kept_jpeg_segment(marker: int, segment: bytes) -> bytes:
    """The part of `segment` (marker, length, payload) that is kept: all of it, a JFIF header without its
    thumbnail, or nothing."""
    if marker in JPEG_KEPT_MARKERS:
        return segment
    payload = segment[4:]
    if marker == 0xE0 and payload.startswith(JPEG_JFIF_SIGNATURE) and len(payload) >= JFIF_HEADER_BYTES:
        header = payload[: JFIF_HEADER_BYTES - 2] + b"\x00\x00"  # no thumbnail: it may show what was cropped
        return b"\xff\xe0" + struct.pack(">H", len(header) + 2) + header
    if marker == 0xE2 and payload.startswith(JPEG_ICC_SIGNATURE):
        return segment
    if marker == 0xEE and payload.startswith(JPEG_ADOBE_SIGNATURE):
        return segment
    return b""


# In scan data 0xFF is followed only by a stuffed 0x00, a restart marker or another 0xFF (fill): anything else
# is the marker that ends the scan.
JPEG_MARKER_AFTER_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _copy_entropy_coded_data(data: Input, target: IO[bytes]) -> bool:
    """Copy the scan data up to the first marker after it; False if the file ends first. The marker is found
    by a regular expression (C speed): a scan of 10 MB of stuffed 0xFF bytes is 5 million of them."""
    scan = data.start
    while True:
        found = JPEG_MARKER_AFTER_SCAN.search(data.buffer, scan)
        if found is not None:
            target.write(data.buffer[data.start : found.start()])
            data.start = found.start()
            return True
        # Everything before a trailing 0xFF (whose next byte is not read yet) is scan data: copy it, read on.
        end = len(data.buffer)
        if end > data.start and data.buffer[end - 1] == 0xFF:
            end -= 1
        target.write(data.buffer[data.start : end])
        data.start = end
        if not data.fill(data.available() + 1):
            return False
        scan = data.start


def strip_jpeg_file(source: IO[bytes], target: IO[bytes], *, orientation: int) -> bool:
    """Keep the segments decoding needs (JPEG_KEPT_MARKERS), the JFIF header, the ICC profile and the Adobe
    colour transform; drop every other segment (APP1 EXIF and XMP, APP11 JUMBF/C2PA, APP13 IPTC, comments,
    vendor segments) and everything after the first picture (the further pictures of a multi-picture file and
    vendor trailers carry their own EXIF). An orientation other than 1 survives as an EXIF block holding that one
    tag, so the photo still shows upright without re-encoding."""
    try:
        return walk_jpeg_file(source, target, orientation=orientation)
    except TooManyBlocks:
        return False


def walk_jpeg_file(source: IO[bytes], target: IO[bytes], *, orientation: int) -> bool:
    """`strip_jpeg_file`, raising TooManyBlocks past MAX_BLOCKS instead of returning False."""
    data = Input(source)
    budget = Budget()
    if data.take(2) != b"\xff\xd8":
        return False
    target.write(b"\xff\xd8")
    if orientation not in (0, 1):
        payload = _exif_orientation_only(orientation)
        target.write(b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload)
    while data.fill(2):
        budget.spend()
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
        target.write(_kept_jpeg_segment(marker, segment))
        if marker == 0xDA and not _copy_entropy_coded_data(data, target):  # start of scan
            return False
    return False


def strip_jpeg(data: bytes, *, orientation: int) -> bytes | None:
    """`strip_jpeg_file` on bytes."""
    return in_memory(lambda source, target: strip_jpeg_file(source, target, orientation=orientation), data)
