"""Stored objects on the real bucket: names, Content-Type, the journal (PendingDeletion) that outlives any
failure, cleanup on failure, deletion after commit, and the purge."""

import logging
import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from storages.backends.s3 import S3Storage

from api.exceptions import exception_handler
from images.models import PendingDeletion
from images.storage import (
    StorageUnavailable,
    delete_objects_on_commit,
    discard_objects,
    journal_objects,
    new_object_stem,
    purge_pending,
    release_objects,
    store_objects,
)
from images.tests.samples import image_bytes

pytestmark = pytest.mark.django_db

UNAVAILABLE = "Image storage is unavailable. Nothing was saved; try again shortly."
UNREACHABLE = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")


def journaled() -> set[str]:
    return set(PendingDeletion.objects.values_list("name", flat=True))


def two_objects() -> dict[str, tuple[bytes, str]]:
    stem = new_object_stem(folder="things")
    return {
        f"{stem}.gif": (image_bytes("GIF", (9, 7)), "image/gif"),
        f"{stem}_w9_abcdef.webp": (image_bytes("WEBP", (9, 7)), "image/webp"),
    }


def test_new_object_stem_is_random_hex_in_the_folder() -> None:
    stems = {new_object_stem(folder="product_images") for _ in range(50)}

    assert len(stems) == 50
    assert all(re.fullmatch(r"product_images/[0-9a-f]{32}", stem) for stem in stems)


def test_store_objects_saves_each_object_with_its_content_type_and_journals_it(bucket: Any) -> None:
    objects = two_objects()

    names = store_objects(objects)

    assert names == list(objects)
    assert bucket.keys() == {f"{bucket.root}/{name}" for name in names}
    for name, (data, content_type) in objects.items():
        assert bucket.get(f"{bucket.root}/{name}") == data
        head = bucket.head(f"{bucket.root}/{name}")
        assert (head["ContentType"], head["CacheControl"], head["ContentLength"]) == (
            content_type,
            settings.STORAGES["default"]["OPTIONS"]["object_parameters"]["CacheControl"],
            len(data),
        )
    # Until a row references them, the purge may delete them.
    assert journaled() == set(names)


def test_release_objects_keeps_the_objects_and_ends_their_journal_entries(bucket: Any) -> None:
    names = store_objects(two_objects())

    release_objects(names)

    assert journaled() == set()
    assert bucket.keys() == {f"{bucket.root}/{name}" for name in names}


def test_store_objects_raises_storage_unavailable_when_the_bucket_is_unreachable(bucket: Any) -> None:
    with mock.patch.object(S3Storage, "_save", side_effect=UNREACHABLE), pytest.raises(StorageUnavailable) as caught:
        store_objects(two_objects())

    answered = exception_handler(caught.value, {})  # the API's answer to it
    assert answered is not None
    assert (answered.status_code, answered.data, answered["Retry-After"]) == (503, {"detail": UNAVAILABLE}, "5")
    assert caught.value.__cause__ is UNREACHABLE
    assert bucket.keys() == set()
    assert journaled() == set()


def test_store_objects_deletes_the_objects_stored_before_the_storage_failed(bucket: Any) -> None:
    """The first object reached the bucket, the second's reply timed out after it was stored: neither stays."""
    real_save = S3Storage.save
    stored: list[str] = []

    def save_then_time_out_on_the_second(storage: S3Storage, name: str, content: Any, **kwargs: Any) -> str:
        stored.append(real_save(storage, name, content, **kwargs))
        if len(stored) == 2:
            raise ReadTimeoutError(endpoint_url="http://bucket")
        return stored[-1]

    with mock.patch.object(S3Storage, "save", save_then_time_out_on_the_second), pytest.raises(StorageUnavailable):
        store_objects(two_objects())

    assert len(stored) == 2
    assert bucket.keys() == set()
    assert journaled() == set()


def test_store_objects_that_cannot_clean_up_leaves_the_objects_journaled_for_the_purge(bucket: Any) -> None:
    objects = two_objects()
    real_save = S3Storage.save
    calls: list[str] = []

    def fail_on_the_second(storage: S3Storage, name: str, content: Any, **kwargs: Any) -> str:
        calls.append(name)
        if len(calls) == 2:
            raise UNREACHABLE
        return real_save(storage, name, content, **kwargs)

    with (
        mock.patch.object(S3Storage, "save", fail_on_the_second),
        mock.patch.object(S3Storage, "delete", side_effect=UNREACHABLE),
        pytest.raises(StorageUnavailable),
    ):
        store_objects(objects)

    first = next(iter(objects))
    assert bucket.keys() == {f"{bucket.root}/{first}"}
    assert journaled() == set(objects)

    assert purge_pending(older_than=timedelta(0)) == (2, 0)
    assert bucket.keys() == set()
    assert journaled() == set()


@pytest.mark.django_db(transaction=True)
def test_the_journal_survives_the_rollback_of_the_transaction_that_should_have_recorded_the_row(
    bucket: Any,
) -> None:
    names = store_objects(two_objects())

    def release_then_fail() -> None:
        with transaction.atomic():
            release_objects(names)
            raise RuntimeError("the row could not be saved")

    with pytest.raises(RuntimeError):
        release_then_fail()

    assert journaled() == set(names)
    assert purge_pending(older_than=timedelta(0)) == (2, 0)
    assert (bucket.keys(), journaled()) == (set(), set())


def test_discard_objects_deletes_objects_and_journal_entries(bucket: Any) -> None:
    names = store_objects(two_objects())

    discard_objects([*names, ""])

    assert (bucket.keys(), journaled()) == (set(), set())


def test_discard_objects_logs_a_failure_and_keeps_the_entry_instead_of_raising(
    bucket: Any, caplog: pytest.LogCaptureFixture
) -> None:
    journal_objects(["things/a.png", "things/b.png"])

    with (
        mock.patch.object(S3Storage, "delete", side_effect=UNREACHABLE),
        caplog.at_level(logging.ERROR, "images.storage"),
    ):
        discard_objects(["things/a.png", "things/b.png"])

    assert [record.getMessage() for record in caplog.records] == [
        f"Deleting stored object things/{letter}.png failed; the purge will retry: {UNREACHABLE}" for letter in "ab"
    ]
    assert journaled() == {"things/a.png", "things/b.png"}


def test_delete_objects_on_commit_journals_at_once_and_deletes_after_the_commit(
    bucket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    names = store_objects(two_objects())
    release_objects(names)

    with django_capture_on_commit_callbacks() as callbacks:
        delete_objects_on_commit([*names, ""])

    assert len(callbacks) == 1
    assert bucket.keys() == {f"{bucket.root}/{name}" for name in names}
    assert journaled() == set(names)
    callbacks[0]()
    assert (bucket.keys(), journaled()) == (set(), set())


def test_delete_objects_on_commit_of_nothing_does_nothing(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        delete_objects_on_commit(["", ""])

    assert (callbacks, journaled()) == ([], set())


def test_delete_objects_on_commit_keeps_the_objects_when_the_transaction_rolls_back(
    bucket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    names = store_objects(two_objects())
    release_objects(names)

    def delete_then_roll_back() -> None:
        with transaction.atomic():
            delete_objects_on_commit(names)
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        delete_then_roll_back()

    assert callbacks == []
    assert bucket.keys() == {f"{bucket.root}/{name}" for name in names}
    assert journaled() == set()


def test_delete_objects_on_commit_with_the_storage_down_leaves_them_for_the_purge(
    bucket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    names = store_objects(two_objects())
    release_objects(names)

    with (
        mock.patch.object(S3Storage, "delete", side_effect=UNREACHABLE),
        django_capture_on_commit_callbacks(execute=True),
    ):
        delete_objects_on_commit(names)

    assert bucket.keys() == {f"{bucket.root}/{name}" for name in names}
    assert journaled() == set(names)
    assert purge_pending(older_than=timedelta(0)) == (2, 0)
    assert (bucket.keys(), journaled()) == (set(), set())


def test_purge_pending_deletes_only_what_is_older_than_the_cutoff(bucket: Any) -> None:
    old, fresh = store_objects(two_objects())
    PendingDeletion.objects.filter(name=old).update(created_at=timezone.now() - timedelta(minutes=61))

    assert purge_pending(older_than=timedelta(minutes=60)) == (1, 0)

    assert bucket.keys() == {f"{bucket.root}/{fresh}"}
    assert journaled() == {fresh}


def test_purge_pending_counts_what_still_fails_and_keeps_it(bucket: Any) -> None:
    names = store_objects(two_objects())

    with mock.patch.object(S3Storage, "delete", side_effect=UNREACHABLE):
        assert purge_pending(older_than=timedelta(0)) == (0, 2)

    assert bucket.keys() == {f"{bucket.root}/{name}" for name in names}
    assert journaled() == set(names)


def test_purge_pending_of_an_object_never_stored_clears_its_entry(bucket: Any) -> None:
    """A crash between journaling and storing: deleting a missing object succeeds, and the entry goes."""
    journal_objects(["things/never-stored.png"])

    assert purge_pending(older_than=timedelta(0)) == (1, 0)
    assert journaled() == set()
