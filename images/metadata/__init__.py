"""Lossless metadata stripping by allow-list: of each format only what rendering needs is kept (the pixels,
transparency, gamma and colour, the ICC profile, animation control), byte for byte; everything else (EXIF, XMP,
IPTC, comments, C2PA/JUMBF, private and unknown chunks) goes. Hand-written because no maintained library strips
JPEG, PNG, WebP and GIF losslessly while keeping the ICC profile and the animation; re-encoding instead would
cost a full decode and encode of every frame and lose quality.

The `*_file` functions copy from a file object to another in bounded pieces (a segment or chunk header, or
at most CHUNK_BYTES): a 25 MB photo is never held in memory. They return False when they cannot strip the
file safely (the target then holds a partial copy: discard it); the caller re-encodes it then. The byte
functions wrap them and return None instead."""

from typing import IO, Any

from images.metadata.gif import GIF_SIGNATURES, gif_frame_count, strip_gif, strip_gif_file, walk_gif_file
from images.metadata.jpeg import strip_jpeg, strip_jpeg_file, walk_jpeg_file
from images.metadata.png import PNG_SIGNATURE, strip_png, strip_png_file, walk_png_file
from images.metadata.stream import MAX_BLOCKS, Discard, TooManyBlocks
from images.metadata.webp import strip_webp, strip_webp_file, walk_webp_file

__all__ = [
    "GIF_SIGNATURES",
    "MAX_BLOCKS",
    "PNG_SIGNATURE",
    "TooManyBlocks",
    "check_block_count",
    "gif_frame_count",
    "strip_gif",
    "strip_gif_file",
    "strip_jpeg",
    "strip_jpeg_file",
    "strip_png",
    "strip_png_file",
    "strip_webp",
    "strip_webp_file",
    "walk_gif_file",
]


def check_block_count(source: IO[bytes]) -> None:
    """Raise TooManyBlocks if the JPEG, PNG or WebP in `source` has more than MAX_BLOCKS segments or chunks
    (anything else passes), reading it once in bounded memory. A GIF is counted by `gif_frame_count`."""
    signature = source.read(12)
    source.seek(0)
    target: Any = Discard()
    if signature.startswith(b"\xff\xd8"):
        walk_jpeg_file(source, target, orientation=1)
    elif signature.startswith(PNG_SIGNATURE):
        walk_png_file(source, target)
    elif signature[:4] == b"RIFF" and signature[8:12] == b"WEBP":
        walk_webp_file(source, target)
    source.seek(0)
