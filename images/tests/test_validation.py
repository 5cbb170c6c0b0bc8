"""validate_image: what it accepts, what it refuses (with which code and message), and where it leaves the file."""

import io
import struct
import time
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from PIL import Image

from bench.image_cost import interlaced_png
from images.tests.bombs import animated_gif, animated_png, animated_webp
from images.tests.samples import image_bytes
from images.validation import ALLOWED_FORMATS, ValidatedImage, validate_image

NOT_SUPPORTED = "The file is not a supported image: upload a JPEG, PNG, WebP or GIF."
DAMAGED = "The image is damaged or incomplete and cannot be decoded."

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def noisy_jpeg(size: tuple[int, int] = (256, 256)) -> bytes:
    """A JPEG whose scan data is most of the file, so cutting it in half keeps a readable header."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 64).convert("RGB").save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose header (IHDR, with a valid CRC) claims `width` x `height` pixels."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    # Signature (8 bytes), then the IHDR chunk: length (4), type (4), width (4), height (4), ...
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    ihdr = bytes(data[12:29])  # type and the 13 data bytes
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def rejection(file: io.BytesIO, **kwargs: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_image(file, **kwargs)  # type: ignore[arg-type]  # kwargs are the keyword-only limits
    return caught.value


def field_errors(error: ValidationError) -> dict[str, list[tuple[str, str | None]]]:
    return {field: [(str(e.message), e.code) for e in errors] for field, errors in error.error_dict.items()}


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("JPEG", "image/jpeg", "jpg"),
        ("PNG", "image/png", "png"),
        ("WEBP", "image/webp", "webp"),
        ("GIF", "image/gif", "gif"),
    ],
)
def test_validate_image_accepts_each_supported_format(fmt: str, content_type: str, extension: str) -> None:
    data = image_bytes(fmt, (30, 20))
    file = io.BytesIO(data)
    file.seek(7)

    result = validate_image(file)

    assert result == ValidatedImage(format=ALLOWED_FORMATS[fmt], width=30, height=20, size=len(data))
    assert (result.format.content_type, result.format.extension) == (content_type, extension)
    assert file.tell() == 0


def test_validate_image_accepts_an_animated_gif() -> None:
    frames = [Image.new("P", (12, 8), color) for color in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    result = validate_image(io.BytesIO(buffer.getvalue()))

    assert result == ValidatedImage(format=ALLOWED_FORMATS["GIF"], width=12, height=8, size=len(buffer.getvalue()))


def test_validate_image_accepts_a_multi_picture_jpeg_as_jpeg() -> None:
    """Many cameras and phones write MPO: a JPEG with more pictures after the first, which is what viewers show."""
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), (200, 0, 0)), Image.new("RGB", (40, 30), (0, 0, 200))
    first.save(buffer, format="MPO", save_all=True, append_images=[second])

    result = validate_image(io.BytesIO(buffer.getvalue()))

    assert result == ValidatedImage(format=ALLOWED_FORMATS["JPEG"], width=40, height=30, size=len(buffer.getvalue()))


def test_validate_image_trusts_the_bytes_not_a_name_or_content_type() -> None:
    png = io.BytesIO(image_bytes("PNG", (5, 6)))
    png.name = "photo.jpg"
    png.content_type = "image/jpeg"  # type: ignore[attr-defined]  # what an upload from a browser carries

    assert validate_image(png).format == ALLOWED_FORMATS["PNG"]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"This is a text file, not a photo.\n" * 10, id="text"),
        pytest.param(SVG, id="svg"),
        pytest.param(image_bytes("BMP", (4, 4)), id="bmp"),
        pytest.param(image_bytes("TIFF", (4, 4)), id="tiff"),
        pytest.param(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", id="pdf"),
    ],
)
def test_validate_image_refuses_what_is_not_a_supported_image(data: bytes) -> None:
    file = io.BytesIO(data)

    error = rejection(file)

    assert field_errors(error) == {"file": [(NOT_SUPPORTED, "unsupported_format")]}
    assert file.tell() == 0


def test_validate_image_refuses_a_truncated_jpeg() -> None:
    data = noisy_jpeg()
    file = io.BytesIO(data[: len(data) // 2])

    error = rejection(file)

    assert field_errors(error) == {"file": [(DAMAGED, "corrupt_image")]}
    assert file.tell() == 0


def test_validate_image_refuses_a_png_with_damaged_pixel_data() -> None:
    data = bytearray(image_bytes("PNG", (64, 64), color=(1, 2, 3)))
    idat = data.index(b"IDAT")
    data[idat + 10 : idat + 20] = b"\x00" * 10  # the CRC no longer matches either

    error = rejection(io.BytesIO(bytes(data)))

    assert field_errors(error) == {"file": [(DAMAGED, "corrupt_image")]}


def test_validate_image_refuses_more_bytes_than_the_limit() -> None:
    data = image_bytes("PNG", (10, 10))

    error = rejection(io.BytesIO(data), max_bytes=len(data) - 1)

    message = f"The file is {len(data)} bytes; the limit is {len(data) - 1} bytes."
    assert field_errors(error) == {"file": [(message, "file_too_large")]}


def test_validate_image_accepts_exactly_the_byte_limit() -> None:
    data = image_bytes("PNG", (10, 10))

    assert validate_image(io.BytesIO(data), max_bytes=len(data)).size == len(data)


def test_validate_image_reads_its_byte_limit_from_settings() -> None:
    data = image_bytes("PNG", (10, 10))

    with override_settings(IMAGE_MAX_BYTES=10):
        error = rejection(io.BytesIO(data))

    message = f"The file is {len(data)} bytes; the limit is 10 bytes."
    assert field_errors(error) == {"file": [(message, "file_too_large")]}


def test_validate_image_refuses_more_pixels_than_the_limit() -> None:
    error = rejection(io.BytesIO(image_bytes("JPEG", (20, 10))), max_pixels=199)

    message = "The image is 20x10 (200 pixels); the limit is 199 pixels."
    assert field_errors(error) == {"file": [(message, "too_many_pixels")]}


def test_validate_image_accepts_exactly_the_pixel_limit() -> None:
    assert validate_image(io.BytesIO(image_bytes("JPEG", (20, 10))), max_pixels=200).width == 20


def test_validate_image_reads_its_pixel_limit_from_settings() -> None:
    with override_settings(IMAGE_MAX_PIXELS=100):
        error = rejection(io.BytesIO(image_bytes("GIF", (20, 10))))

    message = "The image is 20x10 (200 pixels); the limit is 100 pixels."
    assert field_errors(error) == {"file": [(message, "too_many_pixels")]}


def test_validate_image_refuses_a_header_over_the_default_pixel_limit_without_decoding() -> None:
    # 48 MP is over the default 40 MP but under Pillow's own bomb threshold: our check is what refuses it.
    error = rejection(io.BytesIO(png_claiming_size(8000, 6000)))

    message = "The image is 8000x6000 (48000000 pixels); the limit is 40000000 pixels."
    assert field_errors(error) == {"file": [(message, "too_many_pixels")]}


@pytest.mark.parametrize(("width", "height"), [(30000, 30000), (10000, 10000)])
def test_validate_image_refuses_a_decompression_bomb_header(width: int, height: int) -> None:
    # Past Pillow's MAX_IMAGE_PIXELS (a warning, made an error) or twice it (an error): refused on open.
    file = io.BytesIO(png_claiming_size(width, height))

    error = rejection(file, max_pixels=10**12)

    assert field_errors(error) == {"file": [("The image has too many pixels.", "too_many_pixels")]}
    assert file.tell() == 0


def test_validate_image_refuses_an_empty_file() -> None:
    error = rejection(io.BytesIO(b""))

    assert field_errors(error) == {"file": [("The file is empty.", "empty")]}


def test_validate_image_names_the_field_it_is_given() -> None:
    error = rejection(io.BytesIO(b""), field="image")

    assert field_errors(error) == {"image": [("The file is empty.", "empty")]}


# Animations: frames and frames x pixels, from the headers.

TOTAL_300_OVER_299 = "The image has 3 frames of 10x10 (300 pixels in all); the limit is 299 pixels in all frames."
ANIMATIONS = {"GIF": animated_gif, "PNG": animated_png, "WEBP": animated_webp}


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_validate_image_counts_the_frames_of_an_animation(fmt: str) -> None:
    validated = validate_image(io.BytesIO(ANIMATIONS[fmt](7, (20, 10))))

    assert (validated.format.pillow_name, validated.width, validated.height, validated.frames) == (fmt, 20, 10, 7)


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_validate_image_refuses_more_frames_than_the_limit(fmt: str) -> None:
    error = rejection(io.BytesIO(ANIMATIONS[fmt](6, (4, 4))), max_frames=5)

    assert field_errors(error) == {"file": [("The image has more than 5 frames; the limit is 5.", "too_many_frames")]}


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_validate_image_accepts_exactly_the_frame_limit(fmt: str) -> None:
    assert validate_image(io.BytesIO(ANIMATIONS[fmt](5, (4, 4))), max_frames=5).frames == 5


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_validate_image_refuses_more_pixels_in_all_frames_than_the_limit(fmt: str) -> None:
    error = rejection(io.BytesIO(ANIMATIONS[fmt](4, (20, 10))), max_total_pixels=799)

    message = "The image has 4 frames of 20x10 (800 pixels in all); the limit is 799 pixels in all frames."
    assert field_errors(error) == {"file": [(message, "too_many_pixels_in_total")]}
    assert validate_image(io.BytesIO(ANIMATIONS[fmt](4, (20, 10))), max_total_pixels=800).frames == 4


def test_validate_image_reads_its_frame_limits_from_settings() -> None:
    data = animated_gif(3, (10, 10))

    with override_settings(IMAGE_MAX_FRAMES=2):
        too_many = rejection(io.BytesIO(data))
    with override_settings(IMAGE_MAX_TOTAL_PIXELS=299):
        too_large = rejection(io.BytesIO(data))

    assert (field_errors(too_many), field_errors(too_large)) == (
        {"file": [("The image has more than 2 frames; the limit is 2.", "too_many_frames")]},
        {"file": [(TOTAL_300_OVER_299, "too_many_pixels_in_total")]},
    )


def test_validate_image_refuses_a_gif_of_a_million_tiny_frames_without_walking_them_all() -> None:
    """Pillow's n_frames walks every frame in Python (seconds for a few MB of 1x1 frames); ours stops past the
    limit."""
    data = animated_gif(1_000_000, (1, 1))
    assert len(data) < 30_000_000

    started = time.perf_counter()
    error = rejection(io.BytesIO(data), max_bytes=len(data))
    elapsed = time.perf_counter() - started

    assert field_errors(error) == {
        "file": [("The image has more than 100 frames; the limit is 100.", "too_many_frames")]
    }
    assert elapsed < 0.5, f"{elapsed:.2f} s"


def test_validate_image_refuses_a_gif_cut_between_its_frames() -> None:
    data = animated_gif(3, (10, 10))

    error = rejection(io.BytesIO(data[:-20]))

    assert field_errors(error) == {"file": [(DAMAGED, "corrupt_image")]}


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_validate_image_refuses_damaged_pixel_data_after_a_good_header(fmt: str) -> None:
    data = image_bytes(fmt, (300, 200), **({"lossless": True} if fmt == "WEBP" else {"compress_level": 0}))
    damaged = data[: len(data) // 2] + bytes(len(data) // 2) + data[len(data) // 2 + len(data) // 2 :]

    error = rejection(io.BytesIO(damaged))

    assert field_errors(error) == {"file": [(DAMAGED, "corrupt_image")]}


# Images decoded whole: a progressive JPEG's coefficients, an interlaced PNG's pixels.


def progressive_jpeg(size: tuple[int, int], **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, format="JPEG", progressive=True, **save)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("subsampling", "decoded"),
    [(0, 3 * 100 * 50 * 128), (2, (100 * 50 + 2 * 50 * 25) * 128)],  # 4:4:4, 4:2:0 (blocks of 8x8 x 128 bytes)
)
def test_validate_image_refuses_a_progressive_jpeg_whose_coefficients_pass_the_limit(
    subsampling: int, decoded: int
) -> None:
    data = progressive_jpeg((800, 400), subsampling=subsampling)

    error = rejection(io.BytesIO(data), max_decode_bytes=decoded - 1)

    message = (
        f"As a progressive JPEG, the image must be decoded whole: {decoded} bytes; the limit is {decoded - 1} bytes. "
        "Save it as a baseline JPEG or a non-interlaced PNG, or smaller."
    )
    assert field_errors(error) == {"file": [(message, "too_costly_to_decode")]}
    assert validate_image(io.BytesIO(data), max_decode_bytes=decoded).width == 800


def test_validate_image_lets_a_baseline_jpeg_and_a_png_that_stream_pass_any_decode_limit() -> None:
    for data in (image_bytes("JPEG", (800, 400)), image_bytes("PNG", (800, 400))):
        assert validate_image(io.BytesIO(data), max_decode_bytes=1).width == 800


@pytest.mark.parametrize(("bands", "depth", "decoded"), [(3, 8, 300 * 200 * 3), (4, 16, 300 * 200 * 8)])
def test_validate_image_refuses_an_interlaced_png_whose_pixels_pass_the_limit(
    bands: int, depth: int, decoded: int
) -> None:
    data = interlaced_png((300, 200), bands=bands, depth=depth)

    with override_settings(IMAGE_MAX_DECODE_BYTES=decoded - 1):
        error = rejection(io.BytesIO(data))

    message = (
        f"As an interlaced PNG, the image must be decoded whole: {decoded} bytes; the limit is {decoded - 1} bytes. "
        "Save it as a baseline JPEG or a non-interlaced PNG, or smaller."
    )
    assert field_errors(error) == {"file": [(message, "too_costly_to_decode")]}
    assert validate_image(io.BytesIO(data), max_decode_bytes=decoded).height == 200


def test_validate_image_refuses_a_40_mp_progressive_jpeg_by_default() -> None:
    """+259 MiB to decode, once to check it and once for its renditions (6 bytes a pixel, whatever the scale)."""
    error = rejection(io.BytesIO(progressive_jpeg((8000, 5000), subsampling=0)))

    assert field_errors(error)["file"][0][1] == "too_costly_to_decode"


def empty_chunks_png(count: int) -> bytes:
    data = image_bytes("PNG", (10, 10))
    chunk = struct.pack(">I", 0) + b"prVt" + struct.pack(">I", zlib.crc32(b"prVt"))
    return data[:33] + chunk * count + data[33:]


def one_byte_sub_blocks_gif(count: int) -> bytes:
    data = image_bytes("GIF", (10, 10))
    table = 3 << ((data[10] & 0x07) + 1) if data[10] & 0x80 else 0
    start = data.index(b",", 13 + table)
    return data[:start] + b"!\xfe" + b"\x01x" * count + b"\x00" + data[start:]


def empty_segments_jpeg(count: int) -> bytes:
    data = image_bytes("JPEG", (10, 10))
    return data[:2] + b"\xff\xfe\x00\x02" * count + data[2:]


def empty_chunks_webp(count: int) -> bytes:
    data = image_bytes("WEBP", (10, 10))
    chunks = data[12:] + b"PRIV\x00\x00\x00\x00" * count
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(empty_chunks_png(870_000), id="png-of-10-MB-of-empty-chunks"),
        pytest.param(one_byte_sub_blocks_gif(5_000_000), id="gif-of-10-MB-of-1-byte-sub-blocks"),
        pytest.param(empty_segments_jpeg(2_600_000), id="jpeg-of-10-MB-of-empty-comments"),
        pytest.param(empty_chunks_webp(1_300_000), id="webp-of-10-MB-of-empty-chunks"),
    ],
)
def test_validate_image_refuses_a_file_of_too_many_chunks_before_walking_them(data: bytes) -> None:
    """Pillow reads them one by one in Python (3 s and 1 s for these), and the strippers after it."""
    started = time.perf_counter()
    error = rejection(io.BytesIO(data), max_bytes=len(data))
    elapsed = time.perf_counter() - started

    message = "The image is made of more than 100000 chunks or blocks."
    assert field_errors(error) == {"file": [(message, "too_many_blocks")]}
    assert elapsed < 0.5, f"{elapsed:.2f} s"


def test_validate_image_accepts_a_png_of_many_chunks_under_the_limit() -> None:
    assert validate_image(io.BytesIO(empty_chunks_png(99_000)), max_bytes=10**7).width == 10
