"""Fixtures for the accounts tests: a fixed clock and a client that enforces CSRF like a browser."""

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

NOW = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """`django.utils.timezone.now()` (token creation and expiry checks) answers NOW."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


@pytest.fixture
def browser_client() -> APIClient:
    """A client that, like a browser, is subject to Django's CSRF check."""
    return APIClient(enforce_csrf_checks=True)
