"""Real image bytes of a format and size, made with Pillow."""

import io
from typing import Any

from PIL import Image


def image_bytes(
    fmt: str = "JPEG", size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 30), **save: Any
) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()
