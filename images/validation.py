"""Image validation: the bytes are decoded with Pillow; the file name and Content-Type are never trusted."""

import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError


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


def _invalid(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def validate_image(
    file: IO[bytes], *, field: str = "file", max_bytes: int | None = None, max_pixels: int | None = None
) -> ValidatedImage:
    """Check that `file` is a whole JPEG, PNG, WebP or GIF within the byte and pixel limits.

    The pixel count is read from the header and checked before any pixel is decoded, so a decompression
    bomb is refused without the memory it asks for. Errors name `field`. The file is left at position 0.
    """
    max_bytes = settings.IMAGE_MAX_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.IMAGE_MAX_PIXELS if max_pixels is None else max_pixels

    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    if size == 0:
        raise _invalid(field, "The file is empty.", "empty")
    if size > max_bytes:
        raise _invalid(field, f"The file is {size} bytes; the limit is {max_bytes} bytes.", "file_too_large")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=list(ALLOWED_FORMATS)) as image:
                image_format = ALLOWED_FORMATS[FORMAT_ALIASES.get(image.format or "", image.format or "")]
                width, height = image.size
                if width * height > max_pixels:
                    raise _invalid(
                        field,
                        f"The image is {width}x{height} ({width * height} pixels); the limit is {max_pixels} pixels.",
                        "too_many_pixels",
                    )
                # Decode all the data: a truncated or corrupt file fails here, not in a customer's browser. A JPEG
                # decodes at 1/8 scale (DCT scaling): every byte of it is still read and checked, 3x faster.
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _invalid(field, "The image has too many pixels.", "too_many_pixels") from error
    except (UnidentifiedImageError, KeyError) as error:
        raise _invalid(
            field, "The file is not a supported image: upload a JPEG, PNG, WebP or GIF.", "unsupported_format"
        ) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise _invalid(field, "The image is damaged or incomplete and cannot be decoded.", "corrupt_image") from error
    finally:
        file.seek(0)
    return ValidatedImage(format=image_format, width=width, height=height, size=size)
