"""The user model: usernames and emails are unique whatever their case, and the database enforces it."""

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from accounts.selectors import user_login_lookup
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def violated_constraint(error: IntegrityError) -> str:
    cause = error.__cause__
    assert isinstance(cause, psycopg.Error)
    return cause.diag.constraint_name or ""  # psycopg names the violated constraint


def test_usernames_differing_only_in_case_violate_a_database_constraint() -> None:
    User.objects.create(username="Bob", email="bob@example.com")

    with pytest.raises(IntegrityError) as error, transaction.atomic():
        User.objects.create(username="bOB", email="robert@example.com")

    assert violated_constraint(error.value) == "accounts_user_username_ci_unique"
    assert list(User.objects.values_list("username", flat=True)) == ["Bob"]


def test_emails_differing_only_in_case_violate_a_database_constraint() -> None:
    User.objects.create(username="bob", email="BOB@x.com")

    with pytest.raises(IntegrityError) as error, transaction.atomic():
        User.objects.create(username="robert", email="bob@X.COM")

    assert violated_constraint(error.value) == "accounts_user_email_ci_unique"
    assert list(User.objects.values_list("email", flat=True)) == ["BOB@x.com"]


def test_a_case_changing_update_that_collides_violates_the_constraint_too() -> None:
    UserFactory(username="bob", email="bob@example.com")
    robert = UserFactory(username="robert", email="robert@example.com")

    with pytest.raises(IntegrityError) as error, transaction.atomic():
        User.objects.filter(id=robert.id).update(username="BOB")

    assert violated_constraint(error.value) == "accounts_user_username_ci_unique"
    robert.refresh_from_db()
    assert robert.username == "robert"


def test_constraint_validation_reports_the_taken_username_and_email_by_message() -> None:
    UserFactory(username="bob", email="bob@example.com")

    with pytest.raises(ValidationError) as error:
        User(username="BOB", email="BOB@EXAMPLE.COM").validate_constraints()

    assert error.value.messages == [
        "A user with that username already exists.",
        "A user with that email already exists.",
    ]


def test_field_validation_rejects_a_username_with_an_at_sign() -> None:
    with pytest.raises(ValidationError) as error:
        User(username="bob@home", email="bob@example.com", password="x").full_clean()

    assert error.value.message_dict == {
        "username": ["Enter a valid username: letters, digits and . + - _ only (no @ or spaces)."]
    }


def test_a_new_user_is_on_the_free_plan_and_reads_as_its_username() -> None:
    user = User.objects.create(username="bob", email="bob@example.com")

    assert user.account_type == "free"
    assert str(user) == "bob"


@pytest.mark.parametrize(
    ("identifier", "index"),
    [("Bob", "accounts_user_username_upper"), ("Bob@Example.com", "accounts_user_email_upper")],
)
def test_the_login_lookup_is_served_by_an_index(identifier: str, index: str) -> None:
    """Every login (and its throttle, and a password reset) looks the account up: not by reading the table."""
    UserFactory(username="bob", email="bob@example.com")
    # A table of some size, with its statistics: on a handful of rows every plan costs the same, and the planner
    # picked a scan of the primary key (in id order) or of the table as often as the lookup's index.
    User.objects.bulk_create(User(username=f"user{n}", email=f"user{n}@example.com") for n in range(2000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")
        cursor.execute("SET LOCAL enable_bitmapscan = off")  # the same index, in a plan of other wording

    plan = user_login_lookup(identifier=identifier).explain()

    assert f"Index Scan using {index} on accounts_user" in plan
