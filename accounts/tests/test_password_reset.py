"""Password reset by a mailed link (POST auth/password/reset/, then auth/password/reset/confirm/): the same answer
and the same work for every address, a link that works once and expires, every session logged out, and mail
at each step, delivered by the jobs to the test SMTP server."""

import re
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import auth_token_issue
from accounts.tests.bodies import (
    INVALID_TOKEN,
    LOGIN_URL,
    ME_URL,
    PASSWORD_CHANGE_URL,
    PASSWORD_RESET_CONFIRM_URL,
    PASSWORD_RESET_URL,
    auth_header,
)
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mailbox import LinkClock, delivered, freeze_link_clock, link_in, link_query, summary, text
from jobs.tests.running import queued_task_names, run_queued_jobs
from mail.models import OutboundMail
from mail.tests.inbox import inbox

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Strong-passw0rd?"
REQUESTED = {"detail": "If an account uses this address, a link to reset its password is on its way."}
RESET_DONE = "Password reset. Every session was logged out: log in with the new password."
INVALID_LINK = {"token": ["The password reset link is invalid or has expired."]}
RESET_SUBJECT = "Reset your Shop builder password"
CHANGED_SUBJECT = "Your Shop builder password was changed"
LINK_TIME = datetime(2030, 1, 2, 3, 4, 5)  # noqa: DTZ001 - Django's token generator works in naive local time


@pytest.fixture(autouse=True)
def _empty_inbox() -> None:
    inbox().clear()


@pytest.fixture
def link_clock(monkeypatch: pytest.MonkeyPatch) -> LinkClock:
    return freeze_link_clock(monkeypatch, LINK_TIME)


@pytest.fixture
def bob(db: Any) -> User:
    return UserFactory(username="bob", email="bob@example.com")


def address(n: int) -> dict[str, Any]:
    return {"REMOTE_ADDR": f"10.0.2.{n}"}


def request_reset(email: Any, n: int = 1) -> Any:
    return APIClient().post(PASSWORD_RESET_URL, {"email": email}, format="json", **address(n))


def confirm(link: dict[str, str], password: str = NEW_PASSWORD, n: int = 1) -> Any:
    return APIClient().post(PASSWORD_RESET_CONFIRM_URL, {**link, "new_password": password}, format="json", **address(n))


def reset_link(email: str = "bob@example.com") -> dict[str, str]:
    """Ask for a link and take it from the mail that arrives."""
    assert request_reset(email).status_code == 202
    [received] = delivered()
    inbox().clear()
    return link_query(received)


def logs_in(password: str, identifier: str = "bob") -> bool:
    return APIClient().post(LOGIN_URL, {"identifier": identifier, "password": password}).status_code == 200


# Asking for a link


def test_the_reset_mail_goes_to_the_stored_address_with_a_single_use_link_to_the_frontend(
    bob: User, link_clock: LinkClock
) -> None:
    response = request_reset("bob@example.com")

    assert response.status_code == 202
    assert response.json() == REQUESTED
    [received] = delivered()
    assert (received.envelope_to, received.subject) == (["bob@example.com"], RESET_SUBJECT)
    link = link_in(received)
    query = link_query(received)
    assert link == f"http://localhost:3000/reset-password?uid={query['uid']}&token={query['token']}"
    assert text(received) == (
        "Hello bob,\n\n"
        "Someone asked to reset the password of your Shop builder account. To choose a new password, open this link\n"
        "within 1 hour:\n\n"
        f"{link}\n\n"
        "The link works once. If you did not ask for it, ignore this mail: your password stays as it is.\n\n"
        "— Shop builder\n"
    )
    assert OutboundMail.objects.get().kind == "password_reset"


def test_known_unknown_and_inactive_addresses_get_the_same_answer_and_the_same_queued_work(db: Any) -> None:
    UserFactory(username="bob", email="bob@example.com")
    UserFactory(username="gone", email="gone@example.com", is_active=False)
    answers = []
    for n, email in enumerate(["bob@example.com", "nobody@example.com", "gone@example.com"]):
        mails_before = OutboundMail.objects.count()
        response = request_reset(email, n=n)
        # What an attacker could see: the answer, and (were they to count) the rows the request wrote.
        written = (queued_task_names(), OutboundMail.objects.count() - mails_before)
        answers.append((response.status_code, response.json(), *written))
        run_queued_jobs()

    assert answers == [(202, REQUESTED, ["accounts.password_reset_mail"], 0)] * 3
    assert summary(inbox().messages()) == [(["bob@example.com"], RESET_SUBJECT)]


def _statement_shapes(email: str, n: int) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        request_reset(email, n=n)
    literals = re.compile(r"'(?:[^']|'')*'|\"s\d+_x\d+\"|\b\d+\b")  # values, savepoint names, numbers
    return [literals.sub("?", query["sql"]) for query in captured.captured_queries]


def test_a_request_runs_the_same_statements_for_a_known_and_an_unknown_address(bob: User) -> None:
    # (The throttle table's occasional purge, one hit in 200 at random, is held off by the root conftest.)
    known = _statement_shapes("bob@example.com", n=1)
    unknown = _statement_shapes("nobody@example.com", n=2)

    assert known == unknown
    # The address's account key (one query, known or not), the client's and the address's windows (one
    # statement), the job.
    assert [" ".join(shape.split())[:28] for shape in known] == [
        "SELECT UPPER(?::text) AS fol",
        "WITH hit0 AS ( INSERT INTO a",
        "SAVEPOINT ?",
        "SELECT unnest( procrastinate",
        "RELEASE SAVEPOINT ?",
    ]


def test_every_spelling_the_login_reaches_mails_the_one_account_at_its_stored_address(db: Any) -> None:
    bob = UserFactory(username="bob", email="Bob@example.com")

    for n, spelling in enumerate(["bob@example.com", "BOB@EXAMPLE.COM", "Bob@Example.Com"]):
        assert request_reset(spelling, n=n).status_code == 202

    messages = delivered()
    assert summary(messages) == [(["Bob@example.com"], RESET_SUBJECT)] * 3
    assert {link_query(received)["uid"] for received in messages} == {link_query(messages[0])["uid"]}
    assert User.objects.get(id=bob.id).email == "Bob@example.com"


def test_a_compatibility_form_the_login_does_not_reach_mails_nobody(bob: User) -> None:
    fullwidth = "bob@\uff45xample.com"  # a fullwidth e: NFKC makes it "e", the login compares it as typed

    assert not logs_in(PASSWORD, identifier=fullwidth)
    assert request_reset(fullwidth).json() == REQUESTED
    assert delivered() == []


def test_addresses_that_fold_to_one_reach_the_account_the_login_reaches_and_no_other(db: Any) -> None:
    # Stored before the addresses were unique case-insensitively (or differing only where LOWER and UPPER
    # disagree, like the dotless i): the login takes the oldest match, and so does the reset.
    first = UserFactory(username="first", email="mike@example.com")
    UserFactory(username="second", email="m\u0131ke@example.com")

    assert User.objects.filter(email__iexact="MIKE@EXAMPLE.COM").count() == 2  # the database folds both
    response = APIClient().post(LOGIN_URL, {"identifier": "MIKE@EXAMPLE.COM", "password": PASSWORD})
    assert request_reset("MIKE@EXAMPLE.COM").status_code == 202

    assert response.json()["user"]["id"] == first.id
    assert summary(delivered()) == [(["mike@example.com"], RESET_SUBJECT)]


def test_a_reset_job_that_runs_twice_mails_once(bob: User) -> None:
    from accounts.services import password_reset_mail_send

    assert password_reset_mail_send(email="bob@example.com", reference="password_reset:job:7") is True
    assert password_reset_mail_send(email="bob@example.com", reference="password_reset:job:7") is False
    assert len(delivered()) == 1


def test_a_reset_request_without_a_valid_address_is_refused_and_queues_nothing(bob: User) -> None:
    for body, errors in [
        ({}, {"email": ["This field is required."]}),
        ({"email": "bob"}, {"email": ["Enter a valid email address."]}),
        ({"email": ["bob@example.com"]}, {"email": ["Enter a valid email address."]}),
    ]:
        response = APIClient().post(PASSWORD_RESET_URL, body, format="json")
        assert (response.status_code, response.json()) == (400, errors)
    assert queued_task_names() == []


# Following the link


def test_the_link_sets_the_password_logs_out_every_session_and_says_so_by_mail(bob: User, link_clock: Any) -> None:
    sessions = [auth_token_issue(user=bob)[0] for _ in range(3)]
    link = reset_link()

    response = confirm(link)

    assert response.status_code == 200
    assert response.json() == {"detail": RESET_DONE, "revoked": 3}
    assert AuthToken.objects.filter(user=bob).count() == 0
    for token in sessions:
        assert APIClient().get(ME_URL, **auth_header(token)).json() == INVALID_TOKEN
    assert (logs_in(PASSWORD), logs_in(NEW_PASSWORD)) == (False, True)
    [received] = delivered()
    assert (received.envelope_to, received.subject) == (["bob@example.com"], CHANGED_SUBJECT)
    assert text(received) == (
        "Hello bob,\n\n"
        "The password of your Shop builder account was just changed through a reset link. Every device was logged"
        " out.\n\n"
        "If you did not do this, reset your password now and check the email address of your account.\n\n"
        "— Shop builder\n"
    )


def test_a_reset_logs_out_django_sessions_too(bob: User, link_clock: Any) -> None:
    User.objects.filter(id=bob.id).update(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(User.objects.get(id=bob.id))
    assert browser.get("/admin/").status_code == 200

    confirm(reset_link())

    response = browser.get("/admin/")
    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/")


def test_the_link_works_once(bob: User, link_clock: Any) -> None:
    link = reset_link()
    assert confirm(link).status_code == 200

    again = confirm(link, password="a-third-Strong-passw0rd")

    assert (again.status_code, again.json()) == (400, INVALID_LINK)
    assert (logs_in(NEW_PASSWORD), logs_in("a-third-Strong-passw0rd")) == (True, False)


def test_the_link_expires_after_the_reset_timeout(bob: User, link_clock: LinkClock) -> None:
    link = reset_link()

    link_clock.advance(3601)
    late = confirm(link)
    link_clock.advance(-1)
    in_time = confirm(link)

    assert (late.status_code, late.json()) == (400, INVALID_LINK)
    assert in_time.status_code == 200


def test_the_timeout_comes_from_the_setting(bob: User, link_clock: LinkClock, settings: Any) -> None:
    settings.PASSWORD_RESET_TIMEOUT = 60
    link = reset_link()
    link_clock.advance(61)

    assert confirm(link).json() == INVALID_LINK


def test_a_password_change_voids_the_links_sent_before(bob: User, link_clock: Any) -> None:
    link = reset_link()
    token, _ = auth_token_issue(user=bob)
    changed = APIClient().post(
        PASSWORD_CHANGE_URL,
        {"current_password": PASSWORD, "new_password": "a-third-Strong-passw0rd"},
        **auth_header(token),
    )

    assert changed.status_code == 200
    assert confirm(link).json() == INVALID_LINK
    assert logs_in("a-third-Strong-passw0rd")


def test_a_login_voids_the_links_sent_before(bob: User, link_clock: Any) -> None:
    link = reset_link()
    assert logs_in(PASSWORD)

    assert confirm(link).json() == INVALID_LINK


def test_a_weak_new_password_is_refused_and_the_link_still_works(bob: User, link_clock: Any) -> None:
    link = reset_link()

    weak = confirm(link, password="bob")

    assert weak.status_code == 400
    assert set(weak.json()) == {"new_password"}
    assert User.objects.get(id=bob.id).check_password(PASSWORD)  # (a login would void the link)
    assert confirm(link).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"uid": "MQ"},  # another user's id (or none)
        {"uid": "not base64!"},
        {"uid": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk"},  # a number beyond bigint
        {"token": "cn3k6l-0123456789abcdef0123456789abcdef"},
        {"token": ""},
    ],
    ids=["other-uid", "garbage-uid", "huge-uid", "forged-token", "empty-token"],
)
def test_a_link_that_is_not_one_sets_nothing(bob: User, link_clock: Any, change: dict[str, str]) -> None:
    UserFactory(username="other")
    link = reset_link()

    response = confirm({**link, **change})

    assert response.status_code == 400
    assert response.json() in (INVALID_LINK, {"token": ["This field may not be blank."]})
    assert logs_in(PASSWORD)
    assert delivered() == []


def test_an_inactive_account_cannot_be_reset(bob: User, link_clock: Any) -> None:
    link = reset_link()
    User.objects.filter(id=bob.id).update(is_active=False)

    assert confirm(link).json() == INVALID_LINK


def test_a_reset_confirms_the_address_and_withdraws_a_pending_email_change(bob: User, link_clock: Any) -> None:
    User.objects.filter(id=bob.id).update(pending_email="thief@example.net")
    confirm(reset_link())

    bob.refresh_from_db()
    assert (bob.email, bob.pending_email, bob.email_verified_at is not None) == ("bob@example.com", "", True)


# The password change endpoint mails too


def test_a_password_change_is_told_by_mail(bob: User) -> None:
    token, _ = auth_token_issue(user=bob)
    APIClient().post(
        PASSWORD_CHANGE_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, **auth_header(token)
    )

    [received] = delivered()
    assert (received.envelope_to, received.subject) == (["bob@example.com"], CHANGED_SUBJECT)
    assert "was just changed. Every other device was logged out." in text(received)


def test_a_refused_password_change_mails_nothing(bob: User) -> None:
    token, _ = auth_token_issue(user=bob)
    response = APIClient().post(
        PASSWORD_CHANGE_URL, {"current_password": "wrong", "new_password": NEW_PASSWORD}, **auth_header(token)
    )

    assert response.status_code == 400
    assert queued_task_names() == []
    assert OutboundMail.objects.count() == 0


# Throttles


def throttled(seconds: int) -> dict[str, str]:
    return {"detail": f"Request was throttled. Expected available in {seconds} seconds."}


def test_one_client_may_ask_ten_times_an_hour_whatever_the_address(bob: User, throttle_clock: Any) -> None:
    answers = [request_reset(f"someone{i}@example.com", n=9).status_code for i in range(10)]
    refused = request_reset("bob@example.com", n=9)
    throttle_clock.advance(3600)
    later = request_reset("bob@example.com", n=9)

    assert answers == [202] * 10
    assert (refused.status_code, refused.json(), refused["Retry-After"]) == (429, throttled(3600), "3600")
    assert later.status_code == 202
    assert queued_task_names() == ["accounts.password_reset_mail"] * 11


@pytest.mark.parametrize("target", ["bob@example.com", "nobody@example.com"])
def test_one_address_may_be_asked_for_five_times_an_hour_from_every_client_together(
    bob: User, throttle_clock: Any, target: str
) -> None:
    # Any spelling counts for the address, and a known and an unknown address are throttled alike.
    spellings = [target, target.upper(), target.title(), target, target.upper()]
    answers = [request_reset(spelling, n=n).status_code for n, spelling in enumerate(spellings)]
    refused = request_reset(target.upper(), n=50)
    other = request_reset("carol@example.com", n=50)

    assert answers == [202] * 5
    assert (refused.status_code, refused.json()) == (429, throttled(3600))
    assert other.status_code == 202
    assert len(queued_task_names()) == 6


def test_following_links_is_throttled_per_client(bob: User, throttle_rates: Any, throttle_clock: Any) -> None:
    throttle_rates(account_link="2/hour")
    link = reset_link()

    answers = [confirm({**link, "token": "x-y"}, n=3).status_code for _ in range(2)]
    refused = confirm(link, n=3)
    elsewhere = confirm(link, n=4)

    assert answers == [400, 400]
    assert (refused.status_code, refused.json()) == (429, throttled(3600))
    assert elsewhere.status_code == 200


# Configuration


@pytest.mark.parametrize(
    "path",
    [
        "/reset?token={token}",
        "reset?uid={uid}&token={token}",
        "/r?uid={uid}&token={token}&x={other}",
        "/r/{uid/{token}",
    ],
    ids=["no-uid", "relative", "unknown-placeholder", "unmatched-brace"],
)
def test_a_reset_path_without_its_placeholders_fails_the_system_check(settings: Any, path: str) -> None:
    from accounts.checks import link_paths_have_their_placeholders

    settings.FRONTEND_PASSWORD_RESET_PATH = path

    [error] = link_paths_have_their_placeholders(None)

    assert error.id == "accounts.E001"
    assert error.msg.startswith(
        f"FRONTEND_PASSWORD_RESET_PATH is {path!r}: it must start with '/' and hold {{token}}, {{uid}}"
    )


def test_the_default_link_paths_pass_the_system_check() -> None:
    from accounts.checks import link_paths_have_their_placeholders

    assert link_paths_have_their_placeholders(None) == []


def test_the_reset_path_comes_from_the_setting(bob: User, link_clock: Any, settings: Any) -> None:
    settings.FRONTEND_PASSWORD_RESET_PATH = "/account/reset#{uid}/{token}"
    request_reset("bob@example.com")

    [received] = delivered()
    uid, token = link_in(received).removeprefix("http://localhost:3000/account/reset#").split("/")
    assert confirm({"uid": uid, "token": token}).status_code == 200
