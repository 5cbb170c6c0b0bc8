"""Image validation: headers read with Pillow, then the first frame decoded with bounded memory (Pillow or
libvips); the file name and Content-Type are never trusted."""

import math
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

from images.metadata import (
    GIF_SIGNATURES,
    MAX_BLOCKS,
    PNG_SIGNATURE,
    TooManyBlocks,
    check_block_count,
    gif_frame_count,
)
from images.vips import pyvips


@dataclass(frozen=True)
class ImageFormat:
    pillow_name: str
    content_type: str
    extension: str


ALLOWED_FORMATS = {
    "JPEG": ImageFormat("JPEG", "image/jpeg", "jpg"),
    "PNG": ImageFormat("PNG", "image/png", "png"),
    "WEBP": ImageFormat("WEBP", "image/webp", "webp"),
    "GIF": ImageFormat("GIF", "image/gif", "gif"),
}

# Pillow names a JPEG with more pictures after the first (as many cameras and phones write) "MPO";
# it is a JPEG, and every viewer shows its first picture.
FORMAT_ALIASES = {"MPO": "JPEG"}


@dataclass(frozen=True)
class ValidatedImage:
    format: ImageFormat
    width: int
    height: int
    size: int
    frames: int = 1


# A WebP is checked decoded at a scale that gives at most this many pixels (libwebp still reads all of its data).
WEBP_CHECK_PIXELS = 1_000_000


def _invalid(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def validate_image(
    file: IO[bytes],
    *,
    field: str = "file",
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    max_frames: int | None = None,
    max_total_pixels: int | None = None,
    max_decode_bytes: int | None = None,
) -> ValidatedImage:
    """Check that `file` is a whole JPEG, PNG, WebP or GIF within the byte, pixel and frame limits.

    The pixel count of a frame, the number of frames (an animated GIF, PNG or WebP) and their product are read
    from the headers and checked before any pixel is decoded, so a decompression bomb, one frame or many, is
    refused without the memory it asks for. Then the first frame is decoded with bounded memory (a JPEG at 1/8
    scale, a PNG line by line, a WebP scaled down, a GIF at one byte a pixel): a truncated or corrupt file fails
    here, not in a customer's browser. Errors name `field`. The file is left at position 0.
    """
    max_bytes = settings.IMAGE_MAX_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.IMAGE_MAX_PIXELS if max_pixels is None else max_pixels
    max_frames = settings.IMAGE_MAX_FRAMES if max_frames is None else max_frames
    max_total_pixels = settings.IMAGE_MAX_TOTAL_PIXELS if max_total_pixels is None else max_total_pixels
    max_decode_bytes = settings.IMAGE_MAX_DECODE_BYTES if max_decode_bytes is None else max_decode_bytes

    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    if size == 0:
        raise _invalid(field, "The file is empty.", "empty")
    if size > max_bytes:
        raise _invalid(field, f"The file is {size} bytes; the limit is {max_bytes} bytes.", "file_too_large")

    try:
        # Chunks, segments and blocks counted first: Pillow reads those before the pixels one by one in Python
        # (3 s for 10 MB of empty PNG chunks, 1 s for 10 MB of 1-byte GIF sub-blocks), and the strippers after it.
        signature = file.read(len(PNG_SIGNATURE))
        file.seek(0)
        gif_frames = gif_frame_count(file, limit=max_frames) if signature[:6] in GIF_SIGNATURES else None
        file.seek(0)
        check_block_count(file)
        image_format, width, height, frames, whole = _read_header(file, gif_frames=gif_frames)
        if width * height > max_pixels:
            raise _invalid(
                field,
                f"The image is {width}x{height} ({width * height} pixels); the limit is {max_pixels} pixels.",
                "too_many_pixels",
            )
        if frames > max_frames:
            raise _invalid(
                field,
                f"The image has more than {max_frames} frames; the limit is {max_frames}.",
                "too_many_frames",
            )
        if frames * width * height > max_total_pixels:
            raise _invalid(
                field,
                f"The image has {frames} frames of {width}x{height} ({frames * width * height} pixels in all); "
                f"the limit is {max_total_pixels} pixels in all frames.",
                "too_many_pixels_in_total",
            )
        if whole is not None and whole[1] > max_decode_bytes:
            raise _invalid(
                field,
                f"As {whole[0]}, the image must be decoded whole: {whole[1]} bytes; the limit is {max_decode_bytes} "
                "bytes. Save it as a baseline JPEG or a non-interlaced PNG, or smaller.",
                "too_costly_to_decode",
            )
        file.seek(0)
        _decode_first_frame(file, image_format, width, height)
    except ValidationError:
        raise
    except TooManyBlocks as error:
        raise _invalid(
            field, f"The image is made of more than {MAX_BLOCKS} chunks or blocks.", "too_many_blocks"
        ) from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _invalid(field, "The image has too many pixels.", "too_many_pixels") from error
    except (UnidentifiedImageError, KeyError) as error:
        raise _invalid(
            field, "The file is not a supported image: upload a JPEG, PNG, WebP or GIF.", "unsupported_format"
        ) from error
    except (OSError, SyntaxError, ValueError, EOFError, pyvips.Error) as error:
        raise _invalid(field, "The image is damaged or incomplete and cannot be decoded.", "corrupt_image") from error
    finally:
        file.seek(0)
    return ValidatedImage(format=image_format, width=width, height=height, size=size, frames=frames)


def _read_header(
    file: IO[bytes], *, gif_frames: int | None
) -> tuple[ImageFormat, int, int, int, tuple[str, int] | None]:
    """Format, canvas size, number of frames, and for an image that no decoder can read a few lines at a time,
    what it is and the bytes its decoding holds at once; from the headers only. A GIF's frames were counted by
    walking its blocks (no decoding, `gif_frames`, None if malformed); a PNG's come from its acTL chunk, a WebP's
    from its ANMF chunks. Only the first picture of a JPEG is used: it counts as one frame."""
    whole = None
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(file, formats=list(ALLOWED_FORMATS)) as image:
            image_format = ALLOWED_FORMATS[FORMAT_ALIASES.get(image.format or "", image.format or "")]
            width, height = image.size
            frames = 1 if image_format.pillow_name in ("JPEG", "GIF") else getattr(image, "n_frames", 1)
            if isinstance(image, JpegImageFile) and image.info.get("progressive"):
                whole = ("a progressive JPEG", _jpeg_coefficient_bytes(width, height, image.layer))
            elif image_format.pillow_name == "PNG" and image.info.get("interlace"):
                whole = ("an interlaced PNG", _png_pixel_bytes(file, width, height))
    if image_format.pillow_name == "GIF":
        if not gif_frames:
            raise ValueError("not a whole GIF")
        frames = gif_frames
    return image_format, width, height, frames, whole


def _jpeg_coefficient_bytes(width: int, height: int, components: list[tuple[int, int, int, int]]) -> int:
    """libjpeg holds every DCT coefficient of a progressive JPEG (2 bytes each, 64 a block) until its last scan,
    whatever the scale it decodes at: 6 bytes a pixel without chroma subsampling, 3 with 4:2:0."""
    most_horizontal = max(horizontal for _, horizontal, _, _ in components)
    most_vertical = max(vertical for _, _, vertical, _ in components)
    blocks = sum(
        math.ceil(math.ceil(width * horizontal / most_horizontal) / 8)
        * math.ceil(math.ceil(height * vertical / most_vertical) / 8)
        for _, horizontal, vertical, _ in components
    )
    return blocks * 64 * 2


PNG_BANDS = {0: 1, 2: 3, 3: 4, 4: 2, 6: 4}  # by colour type (a palette may become RGBA)


def _png_pixel_bytes(file: IO[bytes], width: int, height: int) -> int:
    """An interlaced PNG's seven passes cover the whole image: libvips holds all of its pixels at once, 1 or 2
    bytes a sample (bit depth 16), as many samples as the colour type has."""
    file.seek(24)
    bit_depth, colour_type = file.read(2)
    return width * height * PNG_BANDS.get(colour_type, 4) * (2 if bit_depth == 16 else 1)


def _decode_first_frame(file: IO[bytes], image_format: ImageFormat, width: int, height: int) -> None:
    """Decode all the data of the first frame, holding at most a fraction of its pixels where the format allows.
    A JPEG decodes at 1/8 scale (DCT scaling): every byte is still read and checked, 3x faster. A PNG is read
    line by line by libvips, a WebP scaled down by libwebp (Pillow would hold the whole of either, 4 bytes a
    pixel: 150 MB for a one-colour 40 MP PNG of 100 KB). A GIF frame is 1 byte a pixel in Pillow."""
    if image_format.pillow_name in ("PNG", "WEBP"):
        source = pyvips.SourceCustom()
        source.on_read(file.read)
        source.on_seek(lambda offset, whence: file.seek(offset, whence))
        options: dict[str, object] = {"access": "sequential", "fail_on": "error"}
        if image_format.pillow_name == "WEBP":
            options["scale"] = min(1.0, math.sqrt(WEBP_CHECK_PIXELS / max(1, width * height)))
        pyvips.Image.new_from_source(source, "", **options).min()
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(file, formats=list(ALLOWED_FORMATS)) as image:
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
