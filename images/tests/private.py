"""Images carrying what an allow-list must drop: a private chunk or segment with a name and a GPS position,
and a C2PA manifest (PNG caBX, JPEG APP11 JUMBF, WebP and GIF in their own chunk/extension), one per format."""

import io
import struct
import zlib

from PIL import Image

NAME_AND_GPS = b"Jane Doe, 48.858370N 2.294481E"
C2PA = b"jumb\x00\x00\x00\x1ejumdc2pa\x00Jane Doe's camera manifest"
SECRETS = (NAME_AND_GPS, C2PA, b"Jane Doe")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def _picture() -> Image.Image:
    picture = Image.new("RGB", (24, 16), (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, 12, 16))
    return picture


def private_png() -> bytes:
    buffer = io.BytesIO()
    _picture().save(buffer, format="PNG")
    data = buffer.getvalue()
    extra = _png_chunk(b"prVt", NAME_AND_GPS) + _png_chunk(b"caBX", C2PA) + _png_chunk(b"pHYs", b"\x00" * 9)
    return data[:33] + extra + data[33:]  # after IHDR


def private_jpeg() -> bytes:
    buffer = io.BytesIO()
    _picture().save(buffer, format="JPEG", quality=95)
    data = buffer.getvalue()
    # A JFIF header with a 1x1 thumbnail and the name after it, C2PA in APP11, vendor APP9 and APP15.
    jfif = b"JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x01\x01" + NAME_AND_GPS[:3]
    extra = (
        _jpeg_segment(0xE0, jfif + b"Jane Doe")
        + _jpeg_segment(0xEB, b"JP\x00\x01\x00\x00\x00\x01" + C2PA)
        + _jpeg_segment(0xE9, NAME_AND_GPS)
        + _jpeg_segment(0xEF, NAME_AND_GPS)
    )
    assert data[2:4] == b"\xff\xe0"
    return data[:2] + extra + data[4 + struct.unpack(">H", data[4:6])[0] :]  # Pillow's own JFIF header replaced


def private_webp(*, animated: bool = False) -> bytes:
    buffer = io.BytesIO()
    if animated:
        frames = [_picture(), Image.new("RGB", (24, 16), (30, 200, 30))]
        frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:], lossless=True, duration=80)
    else:
        _picture().save(buffer, format="WEBP", lossless=True)
    data = buffer.getvalue()
    chunks = data[12:]
    if animated:
        # An unknown chunk inside the first frame, after its image.
        start = chunks.index(b"ANMF")
        (length,) = struct.unpack("<I", chunks[start + 4 : start + 8])
        frame = chunks[start + 8 : start + 8 + length] + _riff_chunk(b"PRIV", NAME_AND_GPS)
        chunks = chunks[:start] + _riff_chunk(b"ANMF", frame) + chunks[start + 8 + length + (length & 1) :]
    chunks += _riff_chunk(b"PRIV", NAME_AND_GPS) + _riff_chunk(b"C2PA", C2PA)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def private_gif() -> bytes:
    buffer = io.BytesIO()
    frames = [_picture(), Image.new("RGB", (24, 16), (30, 200, 30))]
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    data = buffer.getvalue()
    comment = b"!\xfe" + bytes([len(NAME_AND_GPS)]) + NAME_AND_GPS + b"\x00"
    application = b"!\xff\x0bC2PA_GIF1.0" + bytes([len(C2PA)]) + C2PA + b"\x00"
    # After the loop extension, and a trailer after the end.
    position = data.index(b"NETSCAPE2.0") + 11 + 5
    return data[:position] + comment + application + data[position:] + NAME_AND_GPS


PRIVATE = {"PNG": private_png, "JPEG": private_jpeg, "WEBP": private_webp, "GIF": private_gif}
