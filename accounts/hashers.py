"""The password hasher: Argon2id at a cost set from the environment (OWASP's minimum by default)."""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class ConfiguredArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher with its cost read from settings instead of Django's defaults (100 MiB, 8 lanes:
    ~110 ms and 100 MB a verification, so five parallel logins filled a 2-core box). The algorithm name stays
    "argon2", so existing hashes still verify, and Django's `must_update` re-hashes one at the new cost on its
    next successful login. The unknown-account path of the login backend hashes with this hasher too, so it
    costs what a wrong password costs."""

    @property
    def time_cost(self) -> int:  # type: ignore[override]  # a class attribute in Django, read per call here
        return int(settings.ARGON2_TIME_COST)

    @property
    def memory_cost(self) -> int:  # type: ignore[override]  # as time_cost
        return int(settings.ARGON2_MEMORY_COST_KIB)

    @property
    def parallelism(self) -> int:  # type: ignore[override]  # as time_cost
        return int(settings.ARGON2_PARALLELISM)
