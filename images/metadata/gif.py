"""GIF: image data, graphic control and the loop count are kept; comments, plain text, other application
extensions and trailers go. Also counts frames without decoding."""

from typing import IO

from images.metadata.stream import Budget, Input, TooManyBlocks, in_memory

GIF_SIGNATURES = (b"GIF87a", b"GIF89a")
# Application extensions that browsers read: the loop count. XMP, ICC and vendor extensions go.
GIF_LOOP_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _gif_sub_blocks(data: Input, target: IO[bytes] | None, budget: Budget) -> list[bytes] | None:
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
    data = Input(source)
    header = data.take(13)  # signature and logical screen descriptor
    if len(header) < 13 or header[:6] not in GIF_SIGNATURES:
        return None
    if target is not None:
        target.write(header)
    if header[10] & 0x80 and not data.copy(3 << ((header[10] & 0x07) + 1), target):  # global colour table
        return None
    frames = 0
    budget = Budget()
    while True:
        introducer = data.take(1)
        if introducer not in (b",", b"!"):
            # The trailer, or (as browsers do, after Mozilla) the end of the file or a stray byte between blocks
            # taken for it: what follows is not shown, so it is not kept.
            if target is not None:
                target.write(b";")
            return frames
        if introducer == b",":
            frames += 1
            if frame_limit is not None and frames > frame_limit:
                return frames
            if not _copy_gif_image(data, target, budget):
                return None
        elif not _copy_gif_extension(data, target, budget):
            return None


def _copy_gif_image(data: Input, target: IO[bytes] | None, budget: Budget) -> bool:
    """After its introducer: an image's descriptor, local colour table, LZW code size and data. False if the
    file ends first."""
    descriptor = data.take(9)
    if len(descriptor) < 9:
        return False
    if target is not None:
        target.write(b"," + descriptor)
    if descriptor[8] & 0x80 and not data.copy(3 << ((descriptor[8] & 0x07) + 1), target):
        return False
    if not data.copy(1, target):  # LZW minimum code size
        return False
    return _gif_sub_blocks(data, target, budget) is not None


def _copy_gif_extension(data: Input, target: IO[bytes] | None, budget: Budget) -> bool:
    """After its introducer: an extension, written only as far as _kept_gif_extension keeps it. False if the
    file ends first."""
    label = data.take(1)
    blocks = _gif_sub_blocks(data, None, budget) if label else None
    if blocks is None:
        return False
    if target is not None:
        target.write(_kept_gif_extension(label, blocks))
    return True


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
    return in_memory(strip_gif_file, data)


def gif_frame_count(source: IO[bytes], *, limit: int) -> int | None:
    """The number of frames of a GIF, read without decoding (at most limit + 1); None if malformed."""
    return walk_gif_file(source, None, frame_limit=limit)
