"""Stored objects: unguessable names, writes with the real Content-Type, and a journal (PendingDeletion) so
that no object outlives the row that should reference it — whatever fails, even a killed process."""

import logging
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import IO

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from images.models import PendingDeletion

logger = logging.getLogger(__name__)

STORAGE_ERRORS = (BotoCoreError, ClientError, OSError)


class StorageUnavailable(Exception):
    """The object storage failed: nothing was saved (api.exceptions answers 503 with Retry-After)."""


def new_object_stem(*, folder: str) -> str:
    """`{folder}/{32 random hex}`: unguessable, and never the client's file name."""
    return f"{folder}/{secrets.token_hex(16)}"


def object_url(name: str, *, request: HttpRequest | None = None) -> str:
    """The public url of a stored object: the storage's own url (both storage classes build it without a
    network call: images.backends), made absolute with the request's host when it is a path (local storage)."""
    url = default_storage.url(name)
    if request is not None and url.startswith("/"):
        return request.build_absolute_uri(url)
    return url


# An object's body: its bytes, or a file object read from its start (S3Storage sends a large one part after
# part, so it is never held in memory whole).
Body = bytes | IO[bytes]


def store_objects(objects: Mapping[str, tuple[Body, str]]) -> list[str]:
    """Store `{name: (body, content_type)}` and return the names, journaled as pending deletion.

    The journal entries are committed before the first byte is stored, so a crash at any point leaves them
    for the purge. The caller must `release_objects(names)` in the transaction that commits the row
    referencing them, or `discard_objects(names)` when giving up. On a storage error every object stored so
    far is deleted (or, while the storage still fails, left journaled) and StorageUnavailable is raised.
    """
    names = list(objects)
    journal_objects(names)
    stored: list[str] = []
    try:
        for name, (data, content_type) in objects.items():
            content = ContentFile(data, name=name) if isinstance(data, bytes) else File(data, name=name)
            # S3Storage sends it as the object's Content-Type: an attribute it reads if present, which File's
            # type does not declare.
            content.content_type = content_type  # type: ignore[attr-defined]
            saved_as = default_storage.save(name, content)
            if saved_as != name:  # never happens with 128 random bits, but never serve a wrong name
                default_storage.delete(saved_as)
                raise OSError(f"storage renamed {name} to {saved_as}")
            stored.append(name)
    except STORAGE_ERRORS as error:
        logger.warning("Storing %s failed: %s", names, error)
        # The one that failed may be stored all the same (its reply lost); the others were never sent.
        attempted = names[: len(stored) + 1]
        # A storage that just failed likely fails again, each try costing its timeout: the first failed
        # deletion leaves the rest journaled for the purge, so the client gets its 503 in one timeout, not n.
        deleted = _delete_from_storage(attempted, stop_at_first_failure=True)
        PendingDeletion.objects.filter(name__in=[*deleted, *names[len(attempted) :]]).delete()
        raise StorageUnavailable() from error
    return names


def journal_objects(names: Iterable[str]) -> None:
    """Record objects about to be written as pending deletion, committed at once (call it outside a
    transaction: a rollback must not take the record away)."""
    with transaction.atomic():
        PendingDeletion.objects.bulk_create([PendingDeletion(name=name) for name in names], ignore_conflicts=True)


@contextmanager
def objects_committed(names: Iterable[str]) -> Iterator[None]:
    """The transaction that writes the rows referencing the objects `names` just stored (journaled): the
    block runs in it, the objects are released from the journal in it, and on any exception (the transaction
    rolled back) they are deleted. Enter it outside a transaction."""
    names = list(names)
    try:
        with transaction.atomic():
            yield
            release_objects(names)
    except BaseException:
        discard_objects(names)
        raise


def release_objects(names: Iterable[str]) -> None:
    """The objects are now referenced by a row written in the current transaction: keep them."""
    PendingDeletion.objects.filter(name__in=list(names)).delete()


def discard_objects(names: Iterable[str]) -> None:
    """Delete objects that will not be referenced (best effort); what cannot be deleted stays journaled."""
    names = [name for name in names if name]
    deleted = _delete_from_storage(names)
    PendingDeletion.objects.filter(name__in=deleted).delete()


def delete_objects_on_commit(names: Iterable[str | None]) -> None:
    """The rows referencing these objects are being deleted in the current transaction: journal the objects
    now, and delete them once the transaction commits (nothing happens if it rolls back). If the storage is
    down then, they stay journaled and the purge deletes them later. Empty names (no object) are skipped."""
    stored = [name for name in names if name]
    if not stored:
        return
    PendingDeletion.objects.bulk_create([PendingDeletion(name=name) for name in stored], ignore_conflicts=True)
    transaction.on_commit(lambda: discard_objects(stored))


def purge_pending(*, older_than: timedelta) -> tuple[int, int]:
    """Delete the journaled objects older than `older_than` (uploads that crashed or were abandoned,
    deletions that failed). Returns (deleted, still failing)."""
    cutoff = timezone.now() - older_than
    names = list(PendingDeletion.objects.filter(created_at__lt=cutoff).values_list("name", flat=True))
    deleted = _delete_from_storage(names)
    PendingDeletion.objects.filter(name__in=deleted).delete()
    return len(deleted), len(names) - len(deleted)


def _delete_from_storage(names: list[str], *, stop_at_first_failure: bool = False) -> list[str]:
    deleted = []
    for name in names:
        try:
            default_storage.delete(name)
            deleted.append(name)
        except STORAGE_ERRORS as error:
            logger.error("Deleting stored object %s failed; the purge will retry: %s", name, error)
            if stop_at_first_failure:
                break
    return deleted
