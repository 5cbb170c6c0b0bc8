"""What the strippers share: a file read through a bounded window, a budget of blocks, a target that keeps
nothing."""

import io
from collections.abc import Callable
from typing import IO

CHUNK_BYTES = 1024 * 1024


class Input:
    """A file read through a window of at most a few CHUNK_BYTES, from `start` in `buffer`."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.buffer = bytearray()
        self.start = 0

    def available(self) -> int:
        return len(self.buffer) - self.start

    def fill(self, count: int) -> bool:
        """At least `count` bytes from `start` in the buffer; False if the file ends first."""
        if self.available() >= count:
            return True
        del self.buffer[: self.start]
        self.start = 0
        while len(self.buffer) < count:
            chunk = self._file.read(max(CHUNK_BYTES, count - len(self.buffer)))
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def take(self, count: int) -> bytes:
        """The next `count` bytes (fewer at the end of the file); `count` must be small (a header or segment)."""
        self.fill(count)
        data = bytes(self.buffer[self.start : self.start + count])
        self.start += len(data)
        return data

    def copy(self, count: int, target: IO[bytes] | None) -> bool:
        """Copy the next `count` bytes to `target` (or skip them when None); False if the file ends first."""
        while count > 0:
            if not self.available() and not self.fill(1):
                return False
            size = min(count, self.available())
            if target is not None:
                target.write(self.buffer[self.start : self.start + size])
            self.start += size
            count -= size
        return True


def in_memory(strip: Callable[[IO[bytes], IO[bytes]], bool], data: bytes) -> bytes | None:
    target = io.BytesIO()
    return target.getvalue() if strip(io.BytesIO(data), target) else None


class TooManyBlocks(ValueError):
    """The file is made of more than MAX_BLOCKS chunks or blocks: walking it would cost seconds of Python."""


# Real files have a few thousand at most (a 10 MB PNG in 8 KB IDAT chunks: 1,280; a 10 MB GIF in 255-byte
# sub-blocks: 41,000); 10 MB of empty ones would be 870,000 PNG chunks or 5 million GIF sub-blocks.
MAX_BLOCKS = 100_000


class Budget:
    """Counts the chunks, segments or blocks of one file; raises TooManyBlocks past MAX_BLOCKS."""

    def __init__(self) -> None:
        self.left = MAX_BLOCKS

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise TooManyBlocks(f"more than {MAX_BLOCKS} chunks or blocks")


class Discard:
    """A target that keeps nothing: the strippers run over a file only to count its blocks."""

    def __init__(self) -> None:
        self._position = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def seek(self, position: int) -> int:
        self._position = position
        return position
