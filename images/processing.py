"""Image processing with libvips: the stored original (upright, metadata stripped but the ICC profile kept),
WebP renditions at fixed widths (shrink-on-load, never upscaled), and a placeholder for progressive loading.

Only the first frame of an animation is ever decoded: the stored original keeps the animation (its bytes copied,
metadata stripped), the renditions and the placeholder are still WebP images of the first frame. What one upload
costs is then one frame, whatever the number of frames (which validation bounds for the browsers' sake)."""

import base64
import io
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import IO, Any

from PIL import Image

from images.metadata import strip_gif_file, strip_jpeg_file, strip_png_file, strip_webp_file
from images.validation import ImageFormat
from images.vips import pyvips

# EXIF (GPS position, camera serial), XMP and IPTC (owner names) go; the colour profile stays.
KEEP_ONLY_ICC = pyvips.enums.ForeignKeep.ICC
RENDITION_QUALITY = 80
PLACEHOLDER_WIDTH = 16
COPY_BYTES = 1024 * 1024


# An image as its bytes, or as the path of a file holding them (never decoded or read whole into memory).
ImageSource = bytes | str


@dataclass
class ProcessedImage:
    width: int
    height: int
    renditions: dict[int, bytes] = field(default_factory=dict)
    dominant_color: str = ""
    placeholder: str = ""
    # Filled by process_image; process_image_file writes the original to a file instead.
    original: bytes = b""


def rendition_widths(original_width: int, widths: tuple[int, ...]) -> list[int]:
    """The configured widths narrower than the original; an original narrower than all of them gets one
    rendition at its own width. Never wider than the original."""
    narrower = sorted(width for width in widths if width < original_width)
    return narrower or [original_width]


def _stripped_losslessly(source: IO[bytes], target: IO[bytes], image_format: ImageFormat, orientation: int) -> bool:
    if image_format.pillow_name == "JPEG":
        return strip_jpeg_file(source, target, orientation=orientation)
    if orientation not in (0, 1):
        return False  # only JPEG keeps an orientation tag; other formats are turned upright by re-encoding
    if image_format.pillow_name == "PNG":
        return strip_png_file(source, target)
    if image_format.pillow_name == "WEBP":
        return strip_webp_file(source, target)
    if image_format.pillow_name == "GIF":
        return strip_gif_file(source, target)
    return False


class _Opener:
    """Opens the image in libvips, from its bytes or from its file. A file is read through Python (a custom
    source with read and seek): a file libvips opens itself is mapped into memory, and the mapped pages count
    as the process's (+25 MB for a 25 MB JPEG). The files and sources stay open until `close`."""

    def __init__(self, source: ImageSource) -> None:
        self._source = source
        self._open: list[tuple[IO[bytes], pyvips.SourceCustom]] = []

    def _vips_source(self, path: str) -> pyvips.SourceCustom:
        file = open(path, "rb")  # noqa: SIM115 -- closed by close()
        vips_source = pyvips.SourceCustom()
        vips_source.on_read(file.read)
        vips_source.on_seek(lambda offset, whence: file.seek(offset, whence))
        self._open.append((file, vips_source))
        return vips_source

    def image(self, **options: Any) -> pyvips.Image:
        if isinstance(self._source, str):
            return pyvips.Image.new_from_source(self._vips_source(self._source), "", **options)
        return pyvips.Image.new_from_buffer(self._source, "", **options)

    def thumbnail(self, width: int) -> pyvips.Image:
        if isinstance(self._source, str):
            return pyvips.Image.thumbnail_source(self._vips_source(self._source), width, height=100_000, size="down")
        return pyvips.Image.thumbnail_buffer(self._source, width, height=100_000, size="down")

    def close(self) -> None:
        for file, _ in self._open:
            file.close()
        self._open.clear()


def _open_binary(source: ImageSource) -> AbstractContextManager[IO[bytes]]:
    return open(source, "rb") if isinstance(source, str) else io.BytesIO(source)


def _reencoded(image: pyvips.Image, image_format: ImageFormat) -> bytes:
    if image_format.pillow_name == "JPEG":
        return image.jpegsave_buffer(Q=90, optimize_coding=True, keep=KEEP_ONLY_ICC)
    if image_format.pillow_name == "PNG":
        return image.pngsave_buffer(compression=6, keep=KEEP_ONLY_ICC)
    if image_format.pillow_name == "WEBP":
        return image.webpsave_buffer(Q=90, keep=KEEP_ONLY_ICC)
    return image.gifsave_buffer(keep=KEEP_ONLY_ICC)


def _gif_first_frame(source: ImageSource) -> pyvips.Image | None:
    """The first frame of a GIF as an sRGB(A) libvips image holding one byte a pixel: Pillow decodes the palette
    indexes, libvips maps them to colours as it shrinks (lazily, a few lines at a time). libvips's own GIF loader
    holds the frame as RGBA, 4 bytes a pixel: +216 MB for a 40 MP GIF, about +80 MB this way. None when Pillow gives a
    frame that is not palette or grey."""
    with _open_binary(source) as file, Image.open(file, formats=["GIF"]) as frame:
        frame.load()
        if frame.mode not in ("P", "L"):
            return None
        width, height = frame.size
        # Copied a megabyte of rows at a time: tobytes() of the whole frame holds it twice more while it joins.
        pixels = bytearray(width * height)
        rows = max(1, COPY_BYTES // width)
        for top in range(0, height, rows):
            bottom = min(height, top + rows)
            pixels[top * width : bottom * width] = frame.crop((0, top, width, bottom)).tobytes()
        indexes = pyvips.Image.new_from_memory(pixels, width, height, 1, "uchar")
        palette = frame.getpalette("RGB") if frame.mode == "P" else None
        transparency = frame.info.get("transparency")
    if not palette:  # grey levels
        palette = [level for level in range(256) for _ in range(3)]
    palette = (palette + [0] * 768)[:768]
    colours = bytearray()
    for index in range(256):
        colours += bytes(palette[index * 3 : index * 3 + 3])
        colours.append(0 if index == transparency else 255)
    lookup = pyvips.Image.new_from_memory(bytes(colours), 256, 1, 4, "uchar")
    image = indexes.maplut(lookup).copy(interpretation="srgb")
    return image if isinstance(transparency, int) else image.extract_band(0, n=3)


def _dominant_color(thumbnail: pyvips.Image) -> str:
    image = thumbnail.flatten(background=[255, 255, 255]) if thumbnail.hasalpha() else thumbnail
    image = image.colourspace("srgb")
    red, green, blue = (round(image.extract_band(band).avg()) for band in range(3))
    return f"#{red:02x}{green:02x}{blue:02x}"


def process_image(data: bytes, image_format: ImageFormat, *, widths: tuple[int, ...]) -> ProcessedImage:
    """`data` is an image that `images.validation.validate_image` accepted as `image_format`."""
    original = io.BytesIO()
    processed = _process(data, image_format, widths=widths, original=original)
    processed.original = original.getvalue()
    return processed


def process_image_file(
    path: str, image_format: ImageFormat, *, widths: tuple[int, ...], original: IO[bytes]
) -> ProcessedImage:
    """The file at `path` holds an image that `validate_image` accepted as `image_format`. The stored original
    is written to `original` (empty, seekable, opened for writing), copied in pieces when stripped losslessly;
    the file is never read whole into memory, and libvips decodes only what the renditions need."""
    return _process(path, image_format, widths=widths, original=original)


def _process(
    source: ImageSource, image_format: ImageFormat, *, widths: tuple[int, ...], original: IO[bytes]
) -> ProcessedImage:
    opener = _Opener(source)
    try:
        return _process_opened(opener, source, image_format, widths=widths, original=original)
    finally:
        opener.close()


def _process_opened(
    opener: _Opener, source: ImageSource, image_format: ImageFormat, *, widths: tuple[int, ...], original: IO[bytes]
) -> ProcessedImage:
    # Opening reads only the header; pixels are decoded when an output needs them. Never more than the first
    # frame (libvips's default; n=-1 would decode every frame of an animation).
    image = opener.image()
    orientation = image.get("orientation") if image.get_typeof("orientation") else 1
    turned = orientation in (5, 6, 7, 8)
    width, height = (image.height, image.width) if turned else (image.width, image.height)

    with _open_binary(source) as file:
        stripped = _stripped_losslessly(file, original, image_format, orientation)
    if not stripped:
        # What cannot be stripped losslessly is stored as its first frame, upright, re-encoded.
        original.seek(0)
        original.truncate()
        original.write(_reencoded(image.autorot(), image_format))
    processed = ProcessedImage(width=width, height=height)

    if not widths:
        return processed
    sizes = rendition_widths(width, widths)
    # The widest rendition shrinks on load (a JPEG decodes at 1/2, 1/4 or 1/8 scale) and is turned upright;
    # the narrower ones are made from it in memory instead of decoding the original again.
    first_frame = _gif_first_frame(source) if image_format.pillow_name == "GIF" else None
    if first_frame is not None:
        # A box shrink by a whole factor first, line by line: thumbnail_image alone buffers far more of the frame.
        factor = first_frame.width // sizes[-1]
        if factor >= 2:
            first_frame = first_frame.shrink(factor, factor)
        widest = first_frame.thumbnail_image(sizes[-1], height=100_000, size="down").copy_memory()
    else:
        widest = opener.thumbnail(sizes[-1]).copy_memory()
    for rendition_width in sizes:
        rendition = widest if rendition_width == sizes[-1] else widest.thumbnail_image(rendition_width, height=100_000)
        processed.renditions[rendition_width] = rendition.webpsave_buffer(Q=RENDITION_QUALITY, keep=KEEP_ONLY_ICC)

    tiny = widest.thumbnail_image(PLACEHOLDER_WIDTH, height=100_000)
    processed.dominant_color = _dominant_color(tiny)
    placeholder = tiny.webpsave_buffer(Q=30, keep=pyvips.enums.ForeignKeep.NONE)
    processed.placeholder = "data:image/webp;base64," + base64.b64encode(placeholder).decode()
    return processed
