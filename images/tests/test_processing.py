"""process_image (libvips): the stored original, rendition widths and sizes, orientation, animated GIFs, the
dominant colour and the placeholder."""

import base64
import io

import pytest
from PIL import GifImagePlugin, Image

from images.processing import PLACEHOLDER_WIDTH, process_image, rendition_widths
from images.tests.samples import image_bytes
from images.validation import ALLOWED_FORMATS

WIDTHS = (160, 480, 960, 1600)


def rgb_at(image: Image.Image, xy: tuple[int, int]) -> tuple[float, float, float]:
    pixel = image.convert("RGB").getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel[0], pixel[1], pixel[2]


def decoded(data: bytes) -> tuple[str, tuple[int, int]]:
    with Image.open(io.BytesIO(data)) as image:
        return image.format or "", image.size


@pytest.mark.parametrize(
    ("original_width", "widths"),
    [
        (2000, [160, 480, 960, 1600]),
        (1601, [160, 480, 960, 1600]),
        (1600, [160, 480, 960]),
        (300, [160]),
        (161, [160]),
        (160, [160]),
        (100, [100]),
        (1, [1]),
    ],
)
def test_rendition_widths_are_the_narrower_ones_or_the_originals_own(original_width: int, widths: list[int]) -> None:
    assert rendition_widths(original_width, WIDTHS) == widths


def test_rendition_widths_are_sorted_whatever_the_configured_order() -> None:
    assert rendition_widths(1000, (960, 160, 480)) == [160, 480, 960]


def test_process_image_makes_a_webp_at_each_width_keeping_the_aspect_ratio() -> None:
    data = image_bytes("JPEG", (2000, 1000))

    processed = process_image(data, ALLOWED_FORMATS["JPEG"], widths=WIDTHS)

    assert (processed.original, processed.width, processed.height) == (data, 2000, 1000)
    assert {width: decoded(rendition) for width, rendition in processed.renditions.items()} == {
        160: ("WEBP", (160, 80)),
        480: ("WEBP", (480, 240)),
        960: ("WEBP", (960, 480)),
        1600: ("WEBP", (1600, 800)),
    }


def test_process_image_never_upscales() -> None:
    processed = process_image(image_bytes("PNG", (90, 30)), ALLOWED_FORMATS["PNG"], widths=WIDTHS)

    assert {width: decoded(rendition) for width, rendition in processed.renditions.items()} == {90: ("WEBP", (90, 30))}


def test_process_image_without_widths_makes_only_the_original() -> None:
    data = image_bytes("PNG", (90, 30))

    processed = process_image(data, ALLOWED_FORMATS["PNG"], widths=())

    assert (processed.original, processed.renditions, processed.dominant_color, processed.placeholder) == (
        data,
        {},
        "",
        "",
    )


@pytest.mark.parametrize(("orientation", "size"), [(1, (400, 300)), (3, (400, 300)), (6, (300, 400)), (8, (300, 400))])
def test_process_image_applies_the_exif_orientation(orientation: int, size: tuple[int, int]) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = image_bytes("JPEG", (400, 300), exif=exif.tobytes())

    processed = process_image(data, ALLOWED_FORMATS["JPEG"], widths=(100,))

    assert (processed.width, processed.height) == size
    assert decoded(processed.renditions[100]) == ("WEBP", (100, 100 * size[1] // size[0]))


def test_process_image_turns_a_half_red_photo_the_right_way() -> None:
    """Orientation 6 shows the stored left half at the top."""
    photo = Image.new("RGB", (200, 100), (0, 0, 255))
    photo.paste((255, 0, 0), (0, 0, 100, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", exif=exif.tobytes())

    processed = process_image(buffer.getvalue(), ALLOWED_FORMATS["JPEG"], widths=(50,))

    with Image.open(io.BytesIO(processed.renditions[50])) as rendition:
        assert rendition.size == (50, 100)
        red, _, blue = rgb_at(rendition, (25, 10))
        assert (red > 200, blue < 60) == (True, True)
        red, _, blue = rgb_at(rendition, (25, 90))
        assert (red < 60, blue > 200) == (True, True)


def test_process_image_keeps_an_animated_gif_animated() -> None:
    frames = [Image.new("RGB", (120, 80), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    processed = process_image(buffer.getvalue(), ALLOWED_FORMATS["GIF"], widths=WIDTHS)

    assert (processed.width, processed.height) == (120, 80)
    with Image.open(io.BytesIO(processed.original)) as original:
        assert isinstance(original, GifImagePlugin.GifImageFile)
        assert (original.format, original.size, original.n_frames) == ("GIF", (120, 80), 3)
    assert decoded(processed.renditions[120]) == ("WEBP", (120, 80))


@pytest.mark.parametrize(
    ("fmt", "color", "dominant"),
    [("PNG", (0, 128, 255), "#0080ff"), ("WEBP", (255, 255, 255), "#ffffff"), ("GIF", (0, 0, 0), "#000000")],
)
def test_the_dominant_colour_of_a_plain_image_is_its_colour(
    fmt: str, color: tuple[int, int, int], dominant: str
) -> None:
    data = image_bytes(fmt, (64, 64), color, **({"lossless": True} if fmt == "WEBP" else {}))

    assert process_image(data, ALLOWED_FORMATS[fmt], widths=WIDTHS).dominant_color == dominant


def test_the_dominant_colour_of_a_transparent_image_is_taken_on_white() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(buffer, format="PNG")

    assert process_image(buffer.getvalue(), ALLOWED_FORMATS["PNG"], widths=WIDTHS).dominant_color == "#ffffff"


def test_the_placeholder_is_a_tiny_webp_data_uri() -> None:
    processed = process_image(image_bytes("JPEG", (1000, 500)), ALLOWED_FORMATS["JPEG"], widths=WIDTHS)

    prefix = "data:image/webp;base64,"
    assert processed.placeholder.startswith(prefix)
    tiny = base64.b64decode(processed.placeholder.removeprefix(prefix))
    assert decoded(tiny) == ("WEBP", (PLACEHOLDER_WIDTH, 8))
    assert len(processed.placeholder) < 200


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_an_animation_keeps_its_frames_in_the_original_and_its_renditions_show_the_first(fmt: str) -> None:
    colours = ((220, 20, 20), (20, 220, 20), (20, 20, 220))
    frames = [Image.new("RGB", (120, 80), colour) for colour in colours]
    buffer = io.BytesIO()
    lossless = {"lossless": True} if fmt == "WEBP" else {}
    frames[0].save(buffer, format=fmt, save_all=True, append_images=frames[1:], duration=100, loop=0, **lossless)
    data = buffer.getvalue()

    processed = process_image(data, ALLOWED_FORMATS[fmt], widths=(100,))

    assert processed.original == data  # stripped losslessly: nothing to strip, byte for byte
    with Image.open(io.BytesIO(processed.renditions[100])) as rendition:
        assert (rendition.format, getattr(rendition, "n_frames", 1)) == ("WEBP", 1)
        red, green, blue = rgb_at(rendition, (50, 30))
        assert (red > 200, green < 60, blue < 60) == (True, True, True)
    assert processed.dominant_color == "#dc1414"
