"""Email confirmation (POST auth/email/verify/ with the mailed token; auth/email/verify/resend/): on register,
and before a new address replaces the account's, so that a stolen session cannot move the account to another
inbox without the current one being told."""

from datetime import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import auth_token_issue
from accounts.tests.bodies import (
    EMAIL_VERIFY_RESEND_URL,
    EMAIL_VERIFY_URL,
    LOGIN_URL,
    ME_URL,
    NOT_AUTHENTICATED,
    PASSWORD_RESET_CONFIRM_URL,
    PASSWORD_RESET_URL,
    REGISTER_URL,
    auth_header,
    user_body,
)
from accounts.tests.clients import client_for
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mailbox import LinkClock, delivered, freeze_link_clock, link_in, link_query, summary, text
from jobs.tests.running import queued_task_names
from mail.models import OutboundMail
from mail.tests.inbox import inbox

pytestmark = pytest.mark.django_db

CONFIRM_SUBJECT = "Confirm your email address for Shop builder"
REQUESTED_SUBJECT = "Your Shop builder account is asked to move to another address"
CHANGED_SUBJECT = "The email address of your Shop builder account was changed"
INVALID_LINK = {"token": ["The confirmation link is invalid or has expired."]}
LINK_TIME = datetime(2030, 1, 2, 3, 4, 5)  # noqa: DTZ001 - the links' clock is naive, as Django's reset tokens


@pytest.fixture(autouse=True)
def _empty_inbox() -> None:
    inbox().clear()


@pytest.fixture
def link_clock(monkeypatch: pytest.MonkeyPatch) -> LinkClock:
    return freeze_link_clock(monkeypatch, LINK_TIME)


@pytest.fixture
def bob(db: Any) -> User:
    return UserFactory(username="bob", email="bob@example.com")


def verify(token: str, n: int = 1) -> Any:
    return APIClient().post(EMAIL_VERIFY_URL, {"token": token}, format="json", REMOTE_ADDR=f"10.0.3.{n}")


def me(user: User) -> dict[str, Any]:
    return client_for(user).get(ME_URL).json()["user"]


def change_email(client: APIClient, email: str) -> Any:
    return client.patch(ME_URL, {"email": email}, format="json")


def logs_in(identifier: str) -> bool:
    return APIClient().post(LOGIN_URL, {"identifier": identifier, "password": PASSWORD}).status_code == 200


# Register


def test_register_mails_a_link_that_confirms_the_address(db: Any, link_clock: Any) -> None:
    response = APIClient().post(
        REGISTER_URL, {"username": "ann", "email": "Ann@Example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["user"]["email_verified"] is False
    ann = User.objects.get()
    [received] = delivered()
    assert (received.envelope_to, received.subject) == (["Ann@example.com"], CONFIRM_SUBJECT)
    token = link_query(received)["token"]
    assert link_in(received) == f"http://localhost:3000/verify-email?token={token}"
    assert text(received) == (
        "Hello ann,\n\n"
        "Please confirm that this is the email address of your Shop builder account: open this link within 3 days:\n\n"
        f"http://localhost:3000/verify-email?token={token}\n\n"
        "If you did not ask for this, ignore this mail.\n\n"
        "— Shop builder\n"
    )

    confirmed = verify(token)

    assert confirmed.status_code == 200
    assert confirmed.json() == {"detail": "Email address confirmed.", "email": "Ann@example.com"}
    assert me(ann) == user_body(ann) | {"email_verified": True, "pending_email": None}
    assert me(ann)["email_verified"] is True


def test_a_confirmation_link_works_once(bob: User, link_clock: Any) -> None:
    client_for(bob).post(EMAIL_VERIFY_RESEND_URL)
    [received] = delivered()
    token = link_query(received)["token"]
    assert verify(token).status_code == 200

    again = verify(token)

    assert (again.status_code, again.json()) == (400, INVALID_LINK)


def test_a_confirmation_link_expires_after_the_verification_timeout(bob: User, link_clock: LinkClock) -> None:
    client_for(bob).post(EMAIL_VERIFY_RESEND_URL)
    token = link_query(delivered()[0])["token"]

    link_clock.advance(3 * 24 * 3600 + 1)
    late = verify(token)
    link_clock.advance(-1)
    in_time = verify(token)

    assert (late.status_code, late.json()) == (400, INVALID_LINK)
    assert in_time.status_code == 200


@pytest.mark.parametrize("token", ["", "garbage", "eyJ1c2VyIjoxLCJlbWFpbCI6ImFAYi5jIn0:1abc:forged"])
def test_a_token_that_is_not_one_confirms_nothing(bob: User, token: str) -> None:
    response = verify(token)

    assert response.status_code == 400
    assert response.json() in (INVALID_LINK, {"token": ["This field may not be blank."]})
    bob.refresh_from_db()
    assert bob.email_verified_at is None


# Changing the address


def test_a_new_address_takes_effect_only_once_confirmed_from_its_inbox(bob: User, link_clock: Any) -> None:
    client = client_for(bob)

    response = change_email(client, "Bob.New@Example.net")

    assert response.status_code == 200
    assert response.json()["user"] | {"date_joined": None} == {
        **user_body(bob),
        "date_joined": None,
        "email": "bob@example.com",
        "pending_email": "Bob.New@example.net",
    }
    assert (logs_in("bob@example.com"), logs_in("Bob.New@example.net")) == (True, False)
    confirmation, notice = delivered()
    assert (confirmation.envelope_to, confirmation.subject) == (["Bob.New@example.net"], CONFIRM_SUBJECT)
    token = link_query(confirmation)["token"]
    assert text(confirmation) == (
        "Hello bob,\n\n"
        "You asked to use this address for your Shop builder account instead of the current one. It\n"
        "takes effect once you open this link within 3 days:\n\n"
        f"http://localhost:3000/verify-email?token={token}\n\n"
        "If you did not ask for this, ignore this mail.\n\n"
        "— Shop builder\n"
    )
    assert (notice.envelope_to, notice.subject) == (["bob@example.com"], REQUESTED_SUBJECT)
    assert "asked to move it to the address Bob.New@example.net. Nothing\nchanges until" in text(notice)
    assert "<strong>Bob.New@example.net</strong>" in notice.part("text/html")
    inbox().clear()

    confirmed = verify(token)

    assert confirmed.json() == {"detail": "Email address confirmed.", "email": "Bob.New@example.net"}
    bob.refresh_from_db()
    assert (bob.email, bob.pending_email, bob.email_verified_at is not None) == ("Bob.New@example.net", "", True)
    assert (logs_in("bob@example.com"), logs_in("bob.new@example.net")) == (False, True)
    [told] = delivered()
    assert (told.envelope_to, told.subject) == (["bob@example.com"], CHANGED_SUBJECT)
    assert text(told) == (
        "Hello bob,\n\n"
        "The email address of your Shop builder account is now Bob.New@example.net; this address (bob@example.com) no\n"
        "longer receives its mail or its password reset links.\n\n"
        "If this was not you, contact the support of Shop builder at once.\n\n"
        "— Shop builder\n"
    )


def test_a_stolen_session_cannot_move_the_account_without_its_owner_being_told_and_able_to_stop_it(
    bob: User, link_clock: Any
) -> None:
    thief = APIClient()
    thief.credentials(HTTP_AUTHORIZATION=f"Token {auth_token_issue(user=bob)[0]}")

    assert change_email(thief, "thief@example.net").status_code == 200
    confirmation, notice = delivered()
    inbox().clear()
    # The owner is told at the address the account still has, and takes it back with a reset link mailed there.
    assert (notice.envelope_to, confirmation.envelope_to) == (["bob@example.com"], ["thief@example.net"])
    assert APIClient().post(PASSWORD_RESET_URL, {"email": "bob@example.com"}, format="json").status_code == 202
    [reset_mail] = delivered()
    assert reset_mail.envelope_to == ["bob@example.com"]
    reset = APIClient().post(
        PASSWORD_RESET_CONFIRM_URL, {**link_query(reset_mail), "new_password": "a-New-Strong-passw0rd"}, format="json"
    )
    assert reset.json()["revoked"] == 1

    late = verify(link_query(confirmation)["token"])

    assert (late.status_code, late.json()) == (400, INVALID_LINK)
    assert thief.get(ME_URL).status_code == 401
    bob.refresh_from_db()
    assert (bob.email, bob.pending_email) == ("bob@example.com", "")


def test_asking_for_another_address_voids_the_links_of_the_previous_one(bob: User, link_clock: Any) -> None:
    client = client_for(bob)
    change_email(client, "first@example.net")
    change_email(client, "second@example.net")
    first, _, second, _ = delivered()

    refused = verify(link_query(first)["token"])
    accepted = verify(link_query(second)["token"])

    assert (refused.status_code, refused.json()) == (400, INVALID_LINK)
    assert accepted.json()["email"] == "second@example.net"


def test_the_current_address_in_another_case_is_set_at_once_and_withdraws_a_pending_one(bob: User) -> None:
    client = client_for(bob)
    change_email(client, "new@example.net")
    OutboundMail.objects.all().delete()

    response = change_email(client, "Bob@example.com")

    assert response.status_code == 200
    bob.refresh_from_db()
    assert (bob.email, bob.pending_email) == ("Bob@example.com", "")
    assert OutboundMail.objects.count() == 0


def test_an_address_taken_before_its_confirmation_is_refused_then(bob: User, link_clock: Any) -> None:
    change_email(client_for(bob), "wanted@example.net")
    token = link_query(delivered()[0])["token"]
    UserFactory(username="quicker", email="WANTED@example.net")

    response = verify(token)

    assert (response.status_code, response.json()) == (400, {"email": ["A user with that email already exists."]})
    bob.refresh_from_db()
    assert (bob.email, bob.pending_email) == ("bob@example.com", "wanted@example.net")


def test_a_taken_address_is_refused_when_asked_for_and_nothing_is_mailed(bob: User) -> None:
    UserFactory(username="carol", email="carol@example.com")

    response = change_email(client_for(bob), "Carol@example.com")

    assert (response.status_code, response.json()) == (400, {"email": ["A user with that email already exists."]})
    assert User.objects.get(id=bob.id).pending_email == ""
    assert queued_task_names() == []


# Resend


def test_resend_mails_the_pending_address_else_the_unconfirmed_one(bob: User) -> None:
    client = client_for(bob)

    own = client.post(EMAIL_VERIFY_RESEND_URL)
    change_email(client, "new@example.net")
    inbox().clear()
    OutboundMail.objects.all().delete()
    pending = client.post(EMAIL_VERIFY_RESEND_URL)

    assert own.status_code == 202
    assert pending.status_code == 202
    assert pending.json() == {"user": user_body(bob)}
    assert summary(delivered()) == [(["new@example.net"], CONFIRM_SUBJECT)]


def test_resend_refuses_when_there_is_nothing_to_confirm(bob: User, link_clock: Any) -> None:
    User.objects.filter(id=bob.id).update(email_verified_at="2030-01-01T00:00:00Z")

    response = client_for(bob).post(EMAIL_VERIFY_RESEND_URL)

    assert (response.status_code, response.json()) == (400, {"detail": "The email address is already confirmed."})
    assert OutboundMail.objects.count() == 0


def test_resend_needs_a_login(db: Any) -> None:
    response = APIClient().post(EMAIL_VERIFY_RESEND_URL)

    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_resend_is_throttled_per_user_three_times_an_hour(bob: User, throttle_clock: Any) -> None:
    token, _ = auth_token_issue(user=bob)
    answers = [
        APIClient().post(EMAIL_VERIFY_RESEND_URL, REMOTE_ADDR=f"10.0.4.{n}", **auth_header(token)) for n in range(4)
    ]
    throttle_clock.advance(3600)
    later = APIClient().post(EMAIL_VERIFY_RESEND_URL, **auth_header(token))

    assert [answer.status_code for answer in answers] == [202, 202, 202, 429]
    assert answers[3].json() == {"detail": "Request was throttled. Expected available in 3600 seconds."}
    assert later.status_code == 202
    assert OutboundMail.objects.filter(kind="email_verify").count() == 4
