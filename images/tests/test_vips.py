"""libvips loads only JPEG, PNG, WebP and GIF: a file of another format it could load (TIFF, SVG, HEIF, its own
.v format) never reaches that loader, whatever Pillow said the file was."""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from images.processing import process_image, process_image_file
from images.tests.samples import image_bytes
from images.validation import ALLOWED_FORMATS
from images.vips import allow_only_accepted_loaders, pyvips

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="red"/></svg>'


def _other_formats() -> dict[str, bytes]:
    """Files libvips can load (with its loaders unblocked), made by its savers, which are not blocked."""
    black = pyvips.Image.black(8, 8, bands=3)
    formats = {"tiff": black.tiffsave_buffer(), "svg": SVG}
    with suppress(pyvips.Error):  # no AV1 encoder in this libvips build: no HEIF case
        formats["heif"] = black.heifsave_buffer(compression="av1", lossless=True)
    return formats


@contextmanager
def every_loader_allowed() -> Iterator[None]:
    pyvips.operation_block_set("VipsForeignLoad", False)
    try:
        yield
    finally:
        allow_only_accepted_loaders()


@pytest.mark.parametrize("fmt", ["tiff", "svg", "heif"])
def test_a_file_of_another_format_reaches_no_loader(fmt: str, tmp_path: Path) -> None:
    data = _other_formats().get(fmt)
    if data is None:
        pytest.skip(f"this libvips cannot write {fmt}")
    with every_loader_allowed():
        assert pyvips.Image.new_from_buffer(data, "").width == 8  # libvips could load it

    for claimed in ALLOWED_FORMATS.values():  # whatever Pillow took it for
        with pytest.raises(pyvips.Error):
            pyvips.Image.new_from_buffer(data, "").avg()
        with pytest.raises(pyvips.Error):
            process_image(data, claimed, widths=(4,))
        path = tmp_path / f"disguised.{claimed.extension}"
        path.write_bytes(data)
        with pytest.raises(pyvips.Error):
            pyvips.Image.new_from_file(str(path)).avg()
        with pytest.raises(pyvips.Error):
            process_image_file(str(path), claimed, widths=(4,), original=(tmp_path / "out").open("wb"))


def test_libvips_own_format_reaches_no_loader(tmp_path: Path) -> None:
    path = tmp_path / "image.v"
    pyvips.Image.black(8, 8).write_to_file(str(path))
    with every_loader_allowed():
        assert pyvips.Image.new_from_file(str(path)).width == 8

    with pytest.raises(pyvips.Error):
        pyvips.Image.new_from_file(str(path)).avg()


def test_the_accepted_formats_load_and_pillow_made_others_do_not() -> None:
    for fmt in ("JPEG", "PNG", "WEBP", "GIF"):
        assert pyvips.Image.new_from_buffer(image_bytes(fmt, (6, 4)), "").width == 6
    with pytest.raises(pyvips.Error):
        pyvips.Image.new_from_buffer(image_bytes("TIFF", (6, 4)), "")
    with pytest.raises(pyvips.Error):
        pyvips.Image.new_from_buffer(image_bytes("BMP", (6, 4)), "")
