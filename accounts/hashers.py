"""The password hasher: Argon2id at a cost set from the environment (OWASP's minimum by default), at most
PASSWORD_HASH_CONCURRENCY hashes at once on the machine."""

import contextlib
import fcntl
import os
import select
import socket
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ImproperlyConfigured

# How long the first of the waiting hashes waits for a doorbell before it looks at the slots anyway (a slot whose
# holder died is freed by the kernel, with no doorbell).
_FALLBACK_POLL_SECONDS = 0.01
_SOCKET_PATH_MAX = 107  # bytes of a Unix socket's path (Linux: 108 with the NUL)
_slot_held = threading.local()
_doorbell_sender: dict[int, socket.socket] = {}  # by process id: a forked worker makes its own


def _slots_directory() -> str:
    """This user's slot files, in the temporary directory (TMPDIR): one directory per user, so every worker
    process of the user's deployments on the machine shares the slots. Refused unless it is a directory the
    user owns and no one else may write to (a slot file that another account could lock would stop logins)."""
    directory = os.path.join(tempfile.gettempdir(), f"shopbuilder-password-hashing-{os.getuid()}")
    with contextlib.suppress(FileExistsError):
        os.mkdir(directory, 0o700)
    status = os.lstat(directory)
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o022:
        raise ImproperlyConfigured(
            f"{directory} (where password hashing takes its slots) must be a directory of this user that no one "
            "else may write to: remove it, or point TMPDIR elsewhere."
        )
    if len(os.path.join(directory, "doorbell").encode()) > _SOCKET_PATH_MAX:
        raise ImproperlyConfigured(f"{directory} is too long for a socket's path: point TMPDIR to a shorter one.")
    return directory


def _open(path: str) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)


def _lock_free_slot(descriptors: list[int]) -> int | None:
    for descriptor in descriptors:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue
        return descriptor
    return None


def _ring_doorbell(path: str) -> None:
    """Tell the first waiting hash (if any) that a slot is free: an empty datagram to its socket."""
    sender = _doorbell_sender.get(os.getpid())
    if sender is None:
        sender = _doorbell_sender[os.getpid()] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sender.setblocking(False)
    with contextlib.suppress(OSError):  # no one waits (no socket, or a stale one), or rings enough are queued
        sender.sendto(b"", path)


def _wait_for_free_slot(descriptors: list[int], directory: str) -> None:
    """Blocks until one of `descriptors` is locked. The waiters queue on the "waiting" lock (asleep in the
    kernel); the first of them listens on the doorbell socket, which every hash rings as it gives its slot back,
    and tries the slots at each ring (flock cannot wait for the first of several files to free)."""
    waiting_room = _open(os.path.join(directory, "waiting"))
    try:
        fcntl.flock(waiting_room, fcntl.LOCK_EX)
        doorbell_path = os.path.join(directory, "doorbell")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as doorbell:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(doorbell_path)  # left by a waiter that died; the waiting lock is ours
            doorbell.bind(doorbell_path)
            doorbell.setblocking(False)
            try:
                while _lock_free_slot(descriptors) is None:  # after the bind: a ring before it is not missed
                    select.select([doorbell], [], [], _FALLBACK_POLL_SECONDS)
                    with contextlib.suppress(BlockingIOError):
                        while True:
                            doorbell.recv(1)
            finally:
                os.unlink(doorbell_path)
    finally:
        os.close(waiting_room)


@contextmanager
def hashing_slot() -> Iterator[None]:
    """Holds one of the machine's PASSWORD_HASH_CONCURRENCY hashing slots (0: no limit) while the block runs.

    Why: an Argon2 hash is ~20 ms of one core and 19 MiB of memory. Every worker process hashing at once (5
    sync workers on 2 cores: five logins) makes each hash ~12% dearer (the cores and their cache are shared)
    and takes 5 x 19 MiB; with one hash per core at a time the others wait their turn for the same total
    time, and the memory that hashing takes is bounded by the slots whatever the number of workers.

    A slot is a file locked with flock(2): the kernel releases it when its holder closes it or dies (no slot
    is lost with a killed worker), and a lock taken through a descriptor of this call alone excludes other
    threads of the process too."""
    count = int(settings.PASSWORD_HASH_CONCURRENCY)
    if count <= 0 or getattr(_slot_held, "held", False):  # nested (a hash inside a hash): the slot is ours
        yield
        return
    directory = _slots_directory()
    descriptors: list[int] = []
    try:
        for number in range(count):  # one by one: those opened are closed if one fails
            descriptors.append(_open(os.path.join(directory, f"slot-{number}")))
        if _lock_free_slot(descriptors) is None:
            _wait_for_free_slot(descriptors, directory)
        _slot_held.held = True
        try:
            yield
        finally:
            _slot_held.held = False
    finally:
        for descriptor in descriptors:
            os.close(descriptor)  # the slot's lock goes with its descriptor
        _ring_doorbell(os.path.join(directory, "doorbell"))


class ConfiguredArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher with its cost read from settings instead of Django's defaults (100 MiB, 8 lanes:
    ~110 ms and 100 MB a verification, so five parallel logins filled a 2-core box), and every hash and
    verification in a machine-wide slot (`hashing_slot`). The algorithm name stays "argon2", so existing hashes
    still verify, and Django's `must_update` re-hashes one at the new cost on its next successful login. The
    unknown-account path of the login backend hashes with this hasher too (`encode`, in a slot as well), so it
    costs and waits what a wrong password costs and waits."""

    @property
    def time_cost(self) -> int:  # type: ignore[override]  # a class attribute in Django, read per call here
        return int(settings.ARGON2_TIME_COST)

    @property
    def memory_cost(self) -> int:  # type: ignore[override]  # as time_cost
        return int(settings.ARGON2_MEMORY_COST_KIB)

    @property
    def parallelism(self) -> int:  # type: ignore[override]  # as time_cost
        return int(settings.ARGON2_PARALLELISM)

    def encode(self, password: str, salt: str) -> str:
        with hashing_slot():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with hashing_slot():
            return super().verify(password, encoded)
