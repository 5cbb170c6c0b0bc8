"""The test run's SMTP server (devservices/smtp.py, started by the pytest plugin) and what it received."""

from devservices import smtp
from devservices.smtp import Inbox, SmtpServer


def smtp_server() -> SmtpServer:
    if smtp.test_server is None:
        raise RuntimeError("No test SMTP server: run the tests with pytest (devservices.pytest_plugin starts it).")
    return smtp.test_server


def inbox() -> Inbox:
    return smtp_server().inbox
