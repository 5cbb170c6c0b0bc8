"""A real SMTP server for the test run (aiosmtpd, a development requirement), in this process on loopback.

The pytest plugin starts one for the whole run and points EMAIL_HOST/EMAIL_PORT at it, so a test run never
sends real mail; tests read what it received (mail/tests/inbox.py), and may stop and start it to play an outage.
"""

import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


@dataclass
class ReceivedMail:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        return body.get_content() if body is not None else ""


@dataclass
class Inbox:
    """What the server received, in order; safe to read from any thread."""

    _messages: list[ReceivedMail] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._messages.append(mail)

    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[ReceivedMail]:
        """The messages once there are at least `count` (or all there are when `timeout` seconds pass)."""
        deadline = time.monotonic() + timeout
        while len(self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages()


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.inbox.add(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 in a thread of this process; `stop()` and `start()` again keep the same port."""

    def __init__(self, port: int = 0) -> None:
        self.inbox = Inbox()
        self.port = port or _free_port()
        self._controller: Any = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        # A controller's event loop is closed when it stops: each start gets a new one, on the same port.
        self._controller = Controller(_Handler(self.inbox), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def environment(self) -> dict[str, str]:
        return {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": "False",
            "EMAIL_USE_SSL": "False",
        }


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The run's server, set by the pytest plugin (devservices.pytest_plugin).
test_server: SmtpServer | None = None


def start_test_server() -> SmtpServer:
    global test_server
    server = SmtpServer()
    server.start()
    test_server = server
    return server
