"""`api.uniqueness`: a unique violation that a check did not see (a concurrent writer won between the check and
the save) is a 400 naming the field, or the caller's conflict message; never a 500, nothing written."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import _save_unique
from api.uniqueness import save_or_raise_taken

pytestmark = pytest.mark.django_db


def test_a_lost_race_on_a_name_is_the_field_error(user: Any) -> None:
    """`_save_unique` rechecks after the violation: the other writer's row is now visible."""
    late = User(username=user.username.upper(), email="late@example.com")
    with pytest.raises(ValidationError) as error:
        _save_unique(late)
    assert error.value.message_dict == {"username": ["A user with that username already exists."]}
    assert User.objects.filter(email="late@example.com").exists() is False


def test_a_violation_no_check_names_is_the_callers_conflict_message(user: Any) -> None:
    late = User(username=user.username.upper(), email="late@example.com")
    with pytest.raises(ValidationError) as error:
        save_or_raise_taken(late, [], conflict="That username or email is already taken.")
    assert error.value.messages == ["That username or email is already taken."]
    assert User.objects.filter(email="late@example.com").exists() is False


def test_the_default_conflict_message(user: Any) -> None:
    late = User(username=user.username.upper(), email="late@example.com")
    with pytest.raises(ValidationError) as error:
        save_or_raise_taken(late, [])
    assert error.value.messages == ["This conflicts with another record; try again."]
