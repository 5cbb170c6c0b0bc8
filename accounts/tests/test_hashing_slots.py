"""At most PASSWORD_HASH_CONCURRENCY password hashes at once on the machine: every Argon2 computation of a login
(the verification, the unknown account's hash, an upgrade's re-hash) takes a slot, slots exclude other threads
and processes, and a slot whose holder died is free again."""

import os
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from rest_framework.test import APIClient

from accounts import hashers
from accounts.models import User
from accounts.tests.bodies import LOGIN_URL
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.test_password_hashing import PRODUCTION_HASHERS

WAIT = 5  # seconds: far longer than any step here takes unless it waits for a slot


@pytest.fixture(autouse=True)
def private_slots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Slots of this test alone (the slots are machine-wide: other test runs on the machine share them)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path / f"shopbuilder-password-hashing-{os.getuid()}"


def test_a_hash_waits_while_every_slot_is_held_by_another_thread() -> None:
    entered = threading.Event()
    with override_settings(PASSWORD_HASH_CONCURRENCY=1):
        with hashers.hashing_slot():
            waiting = threading.Thread(target=_enter_slot, args=(entered,))
            waiting.start()
            assert not entered.wait(0.2)  # the one slot is ours
        assert entered.wait(WAIT)  # and free once we are done
        waiting.join()


def test_two_slots_let_two_hashes_run_at_once() -> None:
    entered = threading.Event()
    with override_settings(PASSWORD_HASH_CONCURRENCY=2):
        with hashers.hashing_slot():
            waiting = threading.Thread(target=_enter_slot, args=(entered,))
            waiting.start()
            assert entered.wait(WAIT)
        waiting.join()


def test_a_slot_held_by_another_process_is_waited_for_and_freed_when_that_process_dies(private_slots: Path) -> None:
    with override_settings(PASSWORD_HASH_CONCURRENCY=1):
        with hashers.hashing_slot():
            pass  # makes the directory
        holder = _process_holding(private_slots / "slot-0")
        try:
            entered = threading.Event()
            waiting = threading.Thread(target=_enter_slot, args=(entered,))
            waiting.start()
            assert not entered.wait(0.3)
        finally:
            holder.kill()  # as a worker killed mid-hash: the kernel drops its lock
            holder.wait()
        assert entered.wait(WAIT)
        waiting.join()


def test_no_limit_when_the_concurrency_is_zero() -> None:
    entered = threading.Event()
    with override_settings(PASSWORD_HASH_CONCURRENCY=0):
        with hashers.hashing_slot():
            waiting = threading.Thread(target=_enter_slot, args=(entered,))
            waiting.start()
            assert entered.wait(WAIT)
        waiting.join()


def test_a_hash_inside_a_hash_keeps_its_slot() -> None:
    with override_settings(PASSWORD_HASH_CONCURRENCY=1), hashers.hashing_slot(), hashers.hashing_slot():
        pass  # would wait for itself forever if the inner one took a slot too


def test_a_slots_directory_that_others_may_write_to_is_refused(private_slots: Path) -> None:
    private_slots.mkdir(mode=0o777)
    private_slots.chmod(0o777)  # past the umask
    with override_settings(PASSWORD_HASH_CONCURRENCY=1), pytest.raises(ImproperlyConfigured), hashers.hashing_slot():
        pass


def test_the_slots_directory_is_private(private_slots: Path) -> None:
    with override_settings(PASSWORD_HASH_CONCURRENCY=1), hashers.hashing_slot():
        pass
    assert stat.S_IMODE(private_slots.stat().st_mode) == 0o700


@pytest.fixture
def hashes_outside_a_slot(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Argon2 computation (new hash or verification), and whether it ran while a slot was held."""
    calls: list[str] = []
    hash_secret, verify_secret = argon2.low_level.hash_secret, argon2.low_level.verify_secret

    def note(kind: str) -> None:
        calls.append(kind if getattr(hashers._slot_held, "held", False) else f"{kind} OUTSIDE A SLOT")

    def hash_in_slot(*args: Any, **options: Any) -> bytes:
        note("hash")
        return hash_secret(*args, **options)

    def verify_in_slot(*args: Any) -> bool:
        note("verify")
        return verify_secret(*args)

    monkeypatch.setattr(argon2.low_level, "hash_secret", hash_in_slot)
    monkeypatch.setattr(argon2._password_hasher, "verify_secret", verify_in_slot)
    return calls


@pytest.mark.django_db
def test_every_hash_of_a_login_runs_in_a_slot(api_client: APIClient, hashes_outside_a_slot: list[str]) -> None:
    """Wrong password, unknown account (its stand-in hash), success, and the re-hash of an old-cost hash."""
    with PRODUCTION_HASHERS, override_settings(PASSWORD_HASH_CONCURRENCY=1):
        user = UserFactory(username="bob", password=PASSWORD)
        old_hash = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())  # Django's default cost
        User.objects.filter(pk=user.pk).update(password=old_hash)
        hashes_outside_a_slot.clear()

        statuses = [
            api_client.post(LOGIN_URL, {"identifier": identifier, "password": password}).status_code
            for identifier, password in [("bob", "wrong-password"), ("nobody", PASSWORD), ("bob", PASSWORD)]
        ]

        assert statuses == [400, 400, 200]
        assert hashes_outside_a_slot == ["verify", "hash", "verify", "hash"]  # the last: the upgrade


def _enter_slot(entered: threading.Event) -> None:
    """(Run in a thread: it sees the settings the test overrode, which are process-wide.)"""
    with hashers.hashing_slot():
        entered.set()


def _process_holding(slot: Path) -> "subprocess.Popen[str]":
    """Another process (a worker) holding `slot`, until killed."""
    holder = subprocess.Popen(  # noqa: S603 - this interpreter on a fixed script
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "descriptor = os.open(sys.argv[1], os.O_RDWR)\n"
            "fcntl.flock(descriptor, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
            str(slot),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    return holder
