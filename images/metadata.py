"""Lossless metadata stripping by allow-list: of each format only what rendering needs is kept (the pixels,
transparency, gamma and colour, the ICC profile, animation control), byte for byte; everything else (EXIF, XMP,
IPTC, comments, C2PA/JUMBF, private and unknown chunks) goes. Hand-written because no maintained library strips
JPEG, PNG, WebP and GIF losslessly while keeping the ICC profile and the animation; re-encoding instead would
cost a full decode and encode of every frame and lose quality.

The `*_file` functions copy from a file object to another in bounded pieces (a segment or chunk header, or
at most CHUNK_BYTES): a 25 MB photo is never held in memory. They return False when they cannot strip the
file safely (the target then holds a partial copy: discard it); the caller re-encodes it then. The byte
functions wrap them and return None instead."""

import io
import re
import struct
from collections.abc import Callable
from typing import IO, Any

from PIL import Image

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


class TooManyBlocks(ValueError):
    """The file is made of more than MAX_BLOCKS chunks or blocks: walking it would cost seconds of Python."""


# Real files have a few thousand at most (a 10 MB PNG in 8 KB IDAT chunks: 1,280; a 10 MB GIF in 255-byte
# sub-blocks: 41,000); 10 MB of empty ones would be 870,000 PNG chunks or 5 million GIF sub-blocks.
MAX_BLOCKS = 100_000


class _Budget:
    """Counts the chunks, segments or blocks of one file; raises TooManyBlocks past MAX_BLOCKS."""

    def __init__(self) -> None:
        self.left = MAX_BLOCKS

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise TooManyBlocks(f"more than {MAX_BLOCKS} chunks or blocks")


class _Discard:
    """A target that keeps nothing: the strippers run over a file only to count its blocks."""

    def __init__(self) -> None:
        self._position = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def seek(self, position: int) -> int:
        self._position = position
        return position


def check_block_count(source: IO[bytes]) -> None:
    """Raise TooManyBlocks if the JPEG, PNG or WebP in `source` has more than MAX_BLOCKS segments or chunks
    (anything else passes), reading it once in bounded memory. A GIF is counted by `gif_frame_count`."""
    signature = source.read(12)
    source.seek(0)
    target: Any = _Discard()
    if signature.startswith(b"\xff\xd8"):
        _strip_jpeg_file(source, target, orientation=1)
    elif signature.startswith(PNG_SIGNATURE):
        _strip_png_file(source, target)
    elif signature[:4] == b"RIFF" and signature[8:12] == b"WEBP":
        _strip_webp_file(source, target)
    source.seek(0)


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


def _copy_entropy_coded_data(data: _Input, target: IO[bytes]) -> bool:
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
        return _strip_jpeg_file(source, target, orientation=orientation)
    except TooManyBlocks:
        return False


def _strip_jpeg_file(source: IO[bytes], target: IO[bytes], *, orientation: int) -> bool:
    data = _Input(source)
    budget = _Budget()
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
    return _in_memory(lambda source, target: strip_jpeg_file(source, target, orientation=orientation), data)


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
        return _strip_png_file(source, target)
    except TooManyBlocks:
        return False


def _strip_png_file(source: IO[bytes], target: IO[bytes]) -> bool:
    data = _Input(source)
    if data.take(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
        return False
    target.write(PNG_SIGNATURE)
    declared_frames, frames = 0, 0
    budget = _Budget()
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
    return _in_memory(strip_png_file, data)


# The image (VP8, VP8L, ALPH), the extended header, the ICC profile and the animation (ANIM, and of each ANMF
# frame its header and image chunks). EXIF, XMP, C2PA and unknown chunks go, at the top level and inside frames.
WEBP_KEPT_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ICCP", b"ANIM", b"ANMF"}
WEBP_KEPT_FRAME_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH"}
WEBP_FRAME_HEADER_BYTES = 16
VP8X_EXIF_FLAG = 0x08
VP8X_XMP_FLAG = 0x04


def _copy_webp_chunks(data: _Input, target: IO[bytes], count: int, kept: set[bytes], budget: _Budget) -> int | None:
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
        if kind not in kept:
            if not data.copy(size, None):
                return None
            continue
        if kind == b"VP8X":
            if length < 1 or not data.fill(9):
                return None
            flags = data.buffer[data.start + 8] & ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG) & 0xFF
            target.write(data.take(8) + bytes([flags]))
            data.start += 1
            if not data.copy(size - 9, target):
                return None
            written += size
        elif kind == b"ANMF":
            # A frame holds a header and chunks of its own: rewrite it with its kept chunks and its new size.
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
            written += 8 + WEBP_FRAME_HEADER_BYTES + inner
        else:
            if not data.copy(size, target):
                return None
            written += size
    return written


def strip_webp_file(source: IO[bytes], target: IO[bytes]) -> bool:
    """Keep WEBP_KEPT_CHUNKS, drop the rest and whatever follows the RIFF container. `target` must be seekable:
    the RIFF size is written once the chunks are."""
    try:
        return _strip_webp_file(source, target)
    except TooManyBlocks:
        return False


def _strip_webp_file(source: IO[bytes], target: IO[bytes]) -> bool:
    data = _Input(source)
    header = data.take(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        return False
    if struct.unpack("<I", header[4:8])[0] < 4 + 8:
        return False
    (riff_size,) = struct.unpack("<I", header[4:8])
    riff_start = target.tell()
    target.write(b"RIFF\x00\x00\x00\x00WEBP")
    chunks_size = _copy_webp_chunks(data, target, riff_size - 4, WEBP_KEPT_CHUNKS, _Budget())
    if chunks_size is None:
        return False
    end = target.tell()
    target.seek(riff_start + 4)
    target.write(struct.pack("<I", chunks_size + 4))
    target.seek(end)
    return True


def strip_webp(data: bytes) -> bytes | None:
    """`strip_webp_file` on bytes."""
    return _in_memory(strip_webp_file, data)


GIF_SIGNATURES = (b"GIF87a", b"GIF89a")
# Application extensions that browsers read: the loop count. XMP, ICC and vendor extensions go.
GIF_LOOP_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _gif_sub_blocks(data: _Input, target: IO[bytes] | None, budget: _Budget) -> list[bytes] | None:
    """Copy (or skip) the sub-blocks up to and including the terminator; the data of the first two (at most 255
    bytes each), None if the file ends first."""
    firsts: list[bytes] = []
    while True:
        budget.spend()
        if not data.fill(1):
            return None
        size = data.buffer[data.start]
        if not data.fill(1 + size):
            return None
        if target is not None:
            target.write(data.buffer[data.start : data.start + 1 + size])
        if size == 0:
            data.start += 1
            return firsts
        if len(firsts) < 2:
            firsts.append(bytes(data.buffer[data.start + 1 : data.start + 1 + size]))
        data.start += 1 + size


def walk_gif_file(source: IO[bytes], target: IO[bytes] | None, *, frame_limit: int | None = None) -> int | None:
    """Copy to `target` (when given) the header, colour tables, image data, graphic control extensions and the
    loop count, and drop comments, plain text, other application extensions (XMP, ICC, vendors') and whatever
    follows the trailer (a missing trailer is added). Returns the number of frames, None if the file is
    malformed. Reading stops once `frame_limit` is passed (the count is then frame_limit + 1): counting costs no
    more than that. Raises TooManyBlocks past MAX_BLOCKS sub-blocks."""
    data = _Input(source)
    header = data.take(13)  # signature and logical screen descriptor
    if len(header) < 13 or header[:6] not in GIF_SIGNATURES:
        return None
    if target is not None:
        target.write(header)
    if header[10] & 0x80 and not data.copy(3 << ((header[10] & 0x07) + 1), target):  # global colour table
        return None
    frames = 0
    budget = _Budget()
    while True:
        introducer = data.take(1)
        if introducer not in (b",", b"!"):
            # The trailer, or (as browsers do, after Mozilla) the end of the file or a stray byte between blocks
            # taken for it: what follows is not shown, so it is not kept.
            if target is not None:
                target.write(b";")
            return frames
        if introducer == b",":  # an image: descriptor, local colour table, LZW code size, data
            frames += 1
            if frame_limit is not None and frames > frame_limit:
                return frames
            descriptor = data.take(9)
            if len(descriptor) < 9:
                return None
            if target is not None:
                target.write(introducer + descriptor)
            if descriptor[8] & 0x80 and not data.copy(3 << ((descriptor[8] & 0x07) + 1), target):
                return None
            if not data.copy(1, target):  # LZW minimum code size
                return None
            if _gif_sub_blocks(data, target, budget) is None:
                return None
        else:
            label = data.take(1)
            blocks = _gif_sub_blocks(data, None, budget) if label else None
            if blocks is None:
                return None
            if target is not None:
                target.write(_kept_gif_extension(label, blocks))


def _kept_gif_extension(label: bytes, blocks: list[bytes]) -> bytes:
    """The extension rewritten from what rendering reads of it (other sub-blocks could carry anything)."""
    if label == b"\xf9" and blocks and len(blocks[0]) == 4:  # graphic control: disposal, delay, transparency
        return b"!\xf9\x04" + blocks[0] + b"\x00"
    if label == b"\xff" and len(blocks) == 2 and blocks[0] in GIF_LOOP_APPLICATIONS and len(blocks[1]) == 3:
        return b"!\xff\x0b" + blocks[0] + b"\x03" + blocks[1] + b"\x00"  # the loop count
    return b""


def strip_gif_file(source: IO[bytes], target: IO[bytes]) -> bool:
    try:
        return bool(walk_gif_file(source, target))  # None (malformed) or no frame at all
    except TooManyBlocks:
        return False


def strip_gif(data: bytes) -> bytes | None:
    """`strip_gif_file` on bytes."""
    return _in_memory(strip_gif_file, data)


def gif_frame_count(source: IO[bytes], *, limit: int) -> int | None:
    """The number of frames of a GIF, read without decoding (at most limit + 1); None if malformed."""
    return walk_gif_file(source, None, frame_limit=limit)
