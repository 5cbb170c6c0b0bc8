"""The lossless metadata strippers: which JPEG segments, PNG chunks, WebP chunks and GIF blocks are kept or
dropped (an allow-list: private and C2PA ones too), that the pixels are untouched, and that input they cannot
strip safely gives None."""

import io
import struct
import zlib
from typing import Any

import pytest
from PIL import GifImagePlugin, Image, ImageCms, PngImagePlugin

from images.metadata import gif_frame_count, strip_gif, strip_jpeg, strip_png, strip_webp
from images.tests.bombs import animated_gif, animated_png
from images.tests.private import PRIVATE, SECRETS, private_gif, private_jpeg, private_png, private_webp

ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
SERIAL = b"SN-0042"


def exif_bytes(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0xA431] = SERIAL.decode()
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)
    if orientation != 1:
        exif[0x0112] = orientation
    return exif.tobytes()


def segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_markers(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, first bytes of the payload) of each segment before the first scan."""
    markers = []
    position = 2
    while data[position + 1] != 0xDA:
        marker = data[position + 1]
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        markers.append((marker, data[position + 4 : position + 4 + min(length - 2, 12)]))
        position += 2 + length
    return markers


def jpeg(**save: object) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((64, 48), 50).convert("RGB").save(buffer, format="JPEG", **save)
    return buffer.getvalue()


def jpeg_with_everything() -> bytes:
    data = jpeg(exif=exif_bytes(), icc_profile=ICC)
    extra = (
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>")
        + segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x00")
        + segment(0xFE, b"a comment")
        + segment(0xE2, b"FPXR\x00\x00 flashpix")
        + segment(0xEB, b"HDR vendor data")
        + segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")
    )
    return data[:2] + extra + data[2:]


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


# JPEG


def test_strip_jpeg_keeps_jfif_icc_and_adobe_and_drops_the_rest() -> None:
    data = jpeg_with_everything()

    stripped = strip_jpeg(data, orientation=1)

    assert stripped is not None
    kept_app = [(marker, start) for marker, start in jpeg_markers(stripped) if 0xE0 <= marker <= 0xEF]
    assert kept_app == [
        (0xEE, b"Adobe\x00d\x00\x00\x00\x00\x01"),
        (0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01"),
        (0xE2, b"ICC_PROFILE\x00"),
    ]
    assert all(marker != 0xFE for marker, _ in jpeg_markers(stripped))
    for secret in (SERIAL, b"http://ns.adobe.com/xap", b"Photoshop 3.0", b"a comment", b"FPXR", b"HDR vendor"):
        assert secret not in stripped
    assert pixels(stripped) == pixels(data)
    with Image.open(io.BytesIO(stripped)) as image:
        assert (dict(image.getexif()), image.info["icc_profile"]) == ({}, ICC)


def test_strip_jpeg_leaves_a_jpeg_without_metadata_byte_for_byte() -> None:
    for data in (jpeg(), jpeg(progressive=True), jpeg(restart_marker_blocks=1), jpeg(icc_profile=ICC)):
        assert strip_jpeg(data, orientation=1) == data


def test_strip_jpeg_keeps_an_orientation_as_the_only_exif_tag() -> None:
    data = jpeg(exif=exif_bytes(orientation=8))

    stripped = strip_jpeg(data, orientation=8)

    assert stripped is not None
    assert SERIAL not in stripped
    with Image.open(io.BytesIO(stripped)) as image:
        assert (dict(image.getexif()), image.getexif().get_ifd(0x8825)) == ({0x0112: 8}, {})
    assert pixels(stripped) == pixels(data)


def test_strip_jpeg_keeps_only_the_first_picture_of_a_multi_picture_file() -> None:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (16, 8), (255, 0, 0)), Image.new("RGB", (16, 8), (0, 0, 255))
    first.save(buffer, format="MPO", save_all=True, append_images=[second], exif=exif_bytes())
    data = buffer.getvalue()

    stripped = strip_jpeg(data, orientation=1)

    assert stripped is not None
    assert (SERIAL in stripped, b"MPF\x00" in stripped, stripped.endswith(b"\xff\xd9")) == (False, False, True)
    with Image.open(io.BytesIO(stripped)) as image:
        assert (image.format, getattr(image, "n_frames", 1)) == ("JPEG", 1)
        assert image.convert("RGB").getpixel((8, 4)) == (254, 0, 0)


def test_strip_jpeg_drops_a_trailer_after_the_picture() -> None:
    data = jpeg()

    assert strip_jpeg(data + b"vendor trailer with " + SERIAL, orientation=1) == data


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="not-a-jpeg"),
        pytest.param(jpeg()[:200], id="cut-in-the-headers"),
        pytest.param(jpeg()[: len(jpeg()) // 2], id="cut-in-the-scan"),
        pytest.param(b"\xff\xd8garbage" * 10, id="garbage-after-soi"),
        pytest.param(b"\xff\xd8" + segment(0xE1, b"Exif\x00\x00")[:5], id="segment-longer-than-the-file"),
    ],
)
def test_strip_jpeg_of_malformed_input_is_none(data: bytes) -> None:
    assert strip_jpeg(data, orientation=1) is None


# PNG


def png_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        chunks.append(data[position + 4 : position + 8])
        position += 12 + length
    return chunks


def png_with_everything() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane")
    info.add_text("Comment", "zipped " * 20, zip=True)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta/>")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format="PNG", pnginfo=info, exif=exif_bytes(), icc_profile=ICC)
    data = buffer.getvalue()
    time = b"tIME" + struct.pack(">HBBBBB", 2026, 1, 2, 3, 4, 5)
    time_chunk = struct.pack(">I", 7) + time + struct.pack(">I", zlib.crc32(time))
    return data[:33] + time_chunk + data[33:]


def test_strip_png_drops_exif_text_and_time_chunks_and_keeps_the_rest() -> None:
    data = png_with_everything()
    assert {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"iCCP"} <= set(png_chunks(data))

    stripped = strip_png(data)

    assert stripped is not None
    assert png_chunks(stripped) == [b"IHDR", b"iCCP", b"IDAT", b"IEND"]
    assert pixels(stripped) == pixels(data)
    with Image.open(io.BytesIO(stripped)) as image:
        assert (image.info, dict(image.getexif())) == ({"icc_profile": ICC}, {})


def test_strip_png_leaves_a_png_without_metadata_byte_for_byte() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (5, 5), (1, 2, 3, 4)).save(buffer, format="PNG")

    assert strip_png(buffer.getvalue()) == buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xd8\xff", id="not-a-png"),
        pytest.param(png_with_everything()[:-12], id="no-iend"),
        pytest.param(png_with_everything()[:60], id="chunk-longer-than-the-file"),
    ],
)
def test_strip_png_of_malformed_input_is_none(data: bytes) -> None:
    assert strip_png(data) is None


# WebP


def webp_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 12
    while position < len(data):
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        chunks.append(data[position : position + 4])
        position += 8 + length + (length & 1)
    return chunks


def webp(**save: object) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((32, 16), 50).convert("RGB").save(buffer, format="WEBP", **save)
    return buffer.getvalue()


def test_strip_webp_drops_exif_and_xmp_and_clears_their_flags() -> None:
    data = webp(exif=exif_bytes(), xmp=b"<x:xmpmeta/>", icc_profile=ICC)
    assert webp_chunks(data) == [b"VP8X", b"ICCP", b"VP8 ", b"EXIF", b"XMP "]
    assert data[20] & 0x0C == 0x0C

    stripped = strip_webp(data)

    assert stripped is not None
    assert webp_chunks(stripped) == [b"VP8X", b"ICCP", b"VP8 "]
    assert stripped[20] & 0x0C == 0  # the VP8X flags no longer announce EXIF or XMP
    assert stripped[20] & 0x20 == 0x20  # ... but still the ICC profile
    assert struct.unpack("<I", stripped[4:8])[0] == len(stripped) - 8
    assert pixels(stripped) == pixels(data)
    with Image.open(io.BytesIO(stripped)) as image:
        assert (image.info["icc_profile"], dict(image.getexif()), "xmp" in image.info) == (ICC, {}, False)


def test_strip_webp_leaves_a_webp_without_metadata_byte_for_byte() -> None:
    data = webp()

    assert strip_webp(data) == data


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"RIFF\x00\x00\x00\x00WAVE", id="not-a-webp"),
        pytest.param(webp(exif=exif_bytes())[:-10], id="chunk-longer-than-the-file"),
    ],
)
def test_strip_webp_of_malformed_input_is_none(data: bytes) -> None:
    assert strip_webp(data) is None


# Allow-lists: whatever is not needed to render goes, known or not.


@pytest.mark.parametrize(
    ("fmt", "make"),
    [
        *((fmt, make) for fmt, make in PRIVATE.items()),
        ("WEBP", lambda: private_webp(animated=True)),
    ],
)
def test_every_format_drops_private_chunks_and_c2pa_and_keeps_every_frame(fmt: str, make: Any) -> None:
    data = make()
    assert all(secret in data for secret in SECRETS)
    strip = {"JPEG": lambda data: strip_jpeg(data, orientation=1), "PNG": strip_png, "WEBP": strip_webp}.get(
        fmt, strip_gif
    )

    stripped = strip(data)

    assert stripped is not None
    assert [secret in stripped for secret in SECRETS] == [False, False, False]
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(stripped)) as after:
        assert (after.format, getattr(after, "n_frames", 1)) == (fmt, getattr(before, "n_frames", 1))
        for frame in range(getattr(before, "n_frames", 1)):
            before.seek(frame)
            after.seek(frame)
            assert after.convert("RGBA").tobytes() == before.convert("RGBA").tobytes()


def test_strip_png_keeps_only_the_allowed_chunks() -> None:
    stripped = strip_png(private_png())

    assert stripped is not None
    assert png_chunks(stripped) == [b"IHDR", b"IDAT", b"IEND"]


def test_strip_png_keeps_the_animation_chunks() -> None:
    data = animated_png(3, (8, 4))

    assert strip_png(data) == data


def test_strip_png_refuses_an_apng_with_more_frames_than_its_actl_declares() -> None:
    """The frame limits are checked against acTL: a file that lies about it is stored as a still instead."""
    data = animated_png(3, (8, 4))
    lying = data.replace(b"acTL\x00\x00\x00\x03", b"acTL\x00\x00\x00\x01", 1)
    crc_at = lying.index(b"acTL") + 12
    lying = lying[:crc_at] + struct.pack(">I", zlib.crc32(lying[crc_at - 12 : crc_at])) + lying[crc_at + 4 :]

    assert strip_png(lying) is None


def test_strip_jpeg_drops_the_jfif_thumbnail_and_keeps_its_header() -> None:
    stripped = strip_jpeg(private_jpeg(), orientation=1)

    assert stripped is not None
    assert [marker for marker, _ in jpeg_markers(stripped) if 0xE0 <= marker <= 0xEF] == [0xE0]
    assert stripped[2:20] == b"\xff\xe0\x00\x10JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"


def test_strip_webp_rewrites_a_frame_without_its_unknown_chunks() -> None:
    stripped = strip_webp(private_webp(animated=True))

    assert stripped is not None
    assert webp_chunks(stripped) == [b"VP8X", b"ANIM", b"ANMF", b"ANMF"]
    assert struct.unpack("<I", stripped[4:8])[0] == len(stripped) - 8


def test_strip_gif_keeps_the_loop_count_and_the_frame_timing() -> None:
    stripped = strip_gif(private_gif())

    assert stripped is not None
    assert stripped.endswith(b"\x00;")
    with Image.open(io.BytesIO(stripped)) as image:
        assert isinstance(image, GifImagePlugin.GifImageFile)
        assert (image.n_frames, image.info["loop"], image.info["duration"], "comment" in image.info) == (
            2,
            0,
            80,
            False,
        )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"GIF89a", id="cut-in-the-header"),
        pytest.param(private_gif()[:100], id="cut-in-the-frames"),
        pytest.param(private_gif().replace(b"!\xfe", b"!\xfe\xff", 1), id="sub-block-longer-than-the-file"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00?", id="no-frame"),
    ],
)
def test_strip_gif_of_malformed_input_is_none(data: bytes) -> None:
    assert strip_gif(data) is None


def test_strip_gif_ends_where_a_browser_stops_reading() -> None:
    """A GIF without its trailer, or with a stray byte between blocks, shows the frames before it."""
    data = animated_gif(3, (4, 4))
    two_frames = animated_gif(2, (4, 4))

    assert (strip_gif(data[:-1]), strip_gif(two_frames[:-1] + b"\x00" + data[len(two_frames) - 1 :])) == (
        data,
        two_frames,
    )


def test_gif_frame_count_stops_past_its_limit() -> None:
    data = animated_gif(50, (4, 4))

    assert (gif_frame_count(io.BytesIO(data), limit=100), gif_frame_count(io.BytesIO(data), limit=9)) == (50, 10)
