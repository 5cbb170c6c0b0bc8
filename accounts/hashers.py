"""The password hasher: Argon2id at a cost set from the environment (OWASP's minimum by default), at most
PASSWORD_HASH_CONCURRENCY hashes at once on the machine."""

import contextlib
import fcntl
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ImproperlyConfigured

_slot_held = threading.local()


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
            # Every slot is taken: wait, asleep in the kernel, for the slot of this thread's number (the waiting
            # threads and processes spread over the slots, so none stays free while a hash waits long).
            fcntl.flock(descriptors[threading.get_native_id() % count], fcntl.LOCK_EX)
        _slot_held.held = True
        try:
            yield
        finally:
            _slot_held.held = False
    finally:
        for descriptor in descriptors:
            os.close(descriptor)  # the slot's lock goes with its descriptor


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
