"""Image processing with libvips: the stored original (upright, metadata stripped but the ICC profile kept),
WebP renditions at fixed widths (shrink-on-load, never upscaled), and a placeholder for progressive loading."""

import base64
from dataclasses import dataclass, field

import pyvips

from images.metadata import strip_jpeg, strip_png, strip_webp
from images.validation import ImageFormat

# EXIF (GPS position, camera serial), XMP and IPTC (owner names) go; the colour profile stays.
KEEP_ONLY_ICC = pyvips.enums.ForeignKeep.ICC
RENDITION_QUALITY = 80
PLACEHOLDER_WIDTH = 16


@dataclass
class ProcessedImage:
    original: bytes
    width: int
    height: int
    renditions: dict[int, bytes] = field(default_factory=dict)
    dominant_color: str = ""
    placeholder: str = ""


def rendition_widths(original_width: int, widths: tuple[int, ...]) -> list[int]:
    """The configured widths narrower than the original; an original narrower than all of them gets one
    rendition at its own width. Never wider than the original."""
    narrower = sorted(width for width in widths if width < original_width)
    return narrower or [original_width]


def _stripped_losslessly(data: bytes, image_format: ImageFormat, orientation: int) -> bytes | None:
    if image_format.pillow_name == "JPEG":
        return strip_jpeg(data, orientation=orientation)
    if orientation not in (0, 1):
        return None  # only JPEG keeps an orientation tag; other formats are turned upright by re-encoding
    if image_format.pillow_name == "PNG":
        return strip_png(data)
    if image_format.pillow_name == "WEBP":
        return strip_webp(data)
    return None


def _reencoded(image: pyvips.Image, image_format: ImageFormat) -> bytes:
    if image_format.pillow_name == "JPEG":
        return image.jpegsave_buffer(Q=90, optimize_coding=True, keep=KEEP_ONLY_ICC)
    if image_format.pillow_name == "PNG":
        return image.pngsave_buffer(compression=6, keep=KEEP_ONLY_ICC)
    if image_format.pillow_name == "WEBP":
        return image.webpsave_buffer(Q=90, keep=KEEP_ONLY_ICC)
    return image.gifsave_buffer(keep=KEEP_ONLY_ICC)


def _dominant_color(thumbnail: pyvips.Image) -> str:
    image = thumbnail.flatten(background=[255, 255, 255]) if thumbnail.hasalpha() else thumbnail
    image = image.colourspace("srgb")
    red, green, blue = (round(image.extract_band(band).avg()) for band in range(3))
    return f"#{red:02x}{green:02x}{blue:02x}"


def process_image(data: bytes, image_format: ImageFormat, *, widths: tuple[int, ...]) -> ProcessedImage:
    """`data` is an image that `images.validation.validate_image` accepted as `image_format`."""
    is_gif = image_format.pillow_name == "GIF"
    # Opening reads only the header; pixels are decoded when an output needs them.
    source = pyvips.Image.new_from_buffer(data, "", n=-1) if is_gif else pyvips.Image.new_from_buffer(data, "")
    orientation = source.get("orientation") if source.get_typeof("orientation") else 1
    turned = orientation in (5, 6, 7, 8)
    width, height = (source.height, source.width) if turned else (source.width, source.get_page_height())

    original = None if is_gif else _stripped_losslessly(data, image_format, orientation)
    if original is None:
        original = _reencoded(source if is_gif else source.autorot(), image_format)
    processed = ProcessedImage(original=original, width=width, height=height)

    if not widths:
        return processed
    sizes = rendition_widths(width, widths)
    # The widest rendition shrinks on load (a JPEG decodes at 1/2, 1/4 or 1/8 scale) and is turned upright;
    # the narrower ones are made from it in memory instead of decoding the original again.
    widest = pyvips.Image.thumbnail_buffer(data, sizes[-1], height=100_000, size="down").copy_memory()
    for rendition_width in sizes:
        rendition = widest if rendition_width == sizes[-1] else widest.thumbnail_image(rendition_width, height=100_000)
        processed.renditions[rendition_width] = rendition.webpsave_buffer(Q=RENDITION_QUALITY, keep=KEEP_ONLY_ICC)

    tiny = widest.thumbnail_image(PLACEHOLDER_WIDTH, height=100_000)
    processed.dominant_color = _dominant_color(tiny)
    placeholder = tiny.webpsave_buffer(Q=30, keep=pyvips.enums.ForeignKeep.NONE)
    processed.placeholder = "data:image/webp;base64," + base64.b64encode(placeholder).decode()
    return processed
