"""The account mails as the test SMTP server received them, and the links in them."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from devservices.smtp import ReceivedMail
from jobs.tests.running import run_queued_jobs
from mail.tests.inbox import inbox

LINK = re.compile(r"^http://localhost:3000/\S+$", re.MULTILINE)


def delivered() -> list[ReceivedMail]:
    """Run the queued jobs (the reset lookup, then deliveries) and return what the inbox received since it
    was last cleared."""
    run_queued_jobs()
    return inbox().messages()


def summary(messages: list[ReceivedMail]) -> list[tuple[list[str], str]]:
    return [(received.envelope_to, received.subject) for received in messages]


def text(received: ReceivedMail) -> str:
    """The plain text part with the line ends Python writes (SMTP carries CRLF)."""
    return received.part("text/plain").replace("\r\n", "\n")


def link_in(received: ReceivedMail) -> str:
    [link] = LINK.findall(text(received))
    assert f'href="{link.replace("&", "&amp;")}"' in received.part("text/html")
    return link


def link_query(received: ReceivedMail) -> dict[str, str]:
    """The query of the one frontend link in a mail: `{"uid": ..., "token": ...}` or `{"token": ...}`."""
    return {name: value for name, [value] in parse_qs(urlsplit(link_in(received)).query).items()}


@dataclass
class LinkClock:
    """The clock of the mailed links: Django's reset token generator (`_now`, naive local time) and the
    signer of email links (`time.time`), both standing still until moved."""

    now: datetime

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def freeze_link_clock(monkeypatch: pytest.MonkeyPatch, now: datetime) -> LinkClock:
    from django.core import signing

    from accounts import links

    clock = LinkClock(now)
    monkeypatch.setattr(links.password_reset_tokens, "_now", lambda: clock.now)

    class SigningTime:
        @staticmethod
        def time() -> float:
            return clock.now.replace(tzinfo=UTC).timestamp()  # the naive time read as UTC, as TIME_ZONE is

    monkeypatch.setattr(signing, "time", SigningTime)
    return clock
