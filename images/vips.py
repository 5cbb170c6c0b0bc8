"""libvips as this project uses it, configured once on import (images.validation and images.processing import
pyvips from here): the loaders of the four formats we accept and no other, no untrusted operation, no cache.

Pillow decides the format first, but libvips sniffs the bytes again and picks its own loader: a file that
Pillow takes for a PNG but libvips recognises as TIFF, SVG or HEIF would otherwise reach that loader (and its
library's attack surface). Blocked, it fails as a damaged image. Zulip's thumbnailing does the same."""

import pyvips

# Each name covers its file, buffer and source loaders. Nsgif is libvips' GIF loader.
ALLOWED_LOADERS = ("VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp", "VipsForeignLoadNsgif")


def allow_only_accepted_loaders() -> None:
    pyvips.block_untrusted_set(True)
    pyvips.operation_block_set("VipsForeignLoad", True)
    for loader in ALLOWED_LOADERS:
        pyvips.operation_block_set(loader, False)


allow_only_accepted_loaders()
# No operation cache: a server processes each image once, and cached pixels would stay resident.
pyvips.cache_set_max(0)

__all__ = ["ALLOWED_LOADERS", "allow_only_accepted_loaders", "pyvips"]
