"""`user_json` (what the responses send) is exactly what `UserSerializer` (the OpenAPI schema) gives."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone as django_timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.models import Plan
from accounts.serializers import UserSerializer, user_json
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"first_name": "Zoë", "last_name": "O'Brien \u2028", "account_type": Plan.PRO},
        {"email_verified_at": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), "pending_email": "new@example.com"},
        {"profile_image": "profile_images/abc123", "account_type": Plan.ENTERPRISE},
        {"date_joined": datetime(2030, 6, 1, 23, 59, 59, 999999, tzinfo=UTC)},
        {"date_joined": datetime(2030, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))},
    ],
)
@pytest.mark.parametrize("with_request", [True, False])
def test_user_json_is_what_the_serializer_gives(fields: dict[str, Any], with_request: bool) -> None:
    user = UserFactory(**fields)
    user.refresh_from_db()
    request = APIRequestFactory().get("/api/v1/auth/me/") if with_request else None
    context = {"request": Request(request)} if request is not None else {}

    assert user_json(user, request=request) == UserSerializer(user, context=context).data


@override_settings(TIME_ZONE="America/New_York")
def test_user_json_writes_datetimes_in_the_current_time_zone_as_the_serializer_does() -> None:
    user = UserFactory(date_joined=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    with django_timezone.override("Asia/Kolkata"):
        assert user_json(user) == UserSerializer(user).data
        assert user_json(user)["date_joined"] == "2030-01-02T08:34:05+05:30"
