"""The test run's servers (pyproject's addopts load this plugin with `-p devservices.pytest_plugin`).

Before pytest-django imports the test settings, and only when those variables are not set already (in the
environment or `.env`): an embedded PostgreSQL (POSTGRES_*), a private SeaweedFS S3 server (SPACES_*) and
localstripe (STRIPE_*), exported for the settings to read and stopped when the run ends. Always: an SMTP
server of the run's own (EMAIL_*), so no test run sends real mail and the tests read what was sent. A run
without pytest-django (`-p no:django`: tests/load, which starts servers of its own) starts nothing.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest


@contextmanager
def run_services() -> Iterator[dict[str, str]]:
    """The variables of the test run's services, started for as long as the block runs."""
    from config.env import postgres_configured, spaces_configured, spaces_root_folder, stripe_configured

    with ExitStack() as stack:
        variables: dict[str, str] = {}
        if not spaces_configured():
            from devservices.s3 import start_seaweedfs

            s3 = start_seaweedfs()
            stack.callback(s3.stop)
            variables.update(s3.environment())
        if not stripe_configured():
            from devservices.stripe import start_localstripe

            stripe_server = start_localstripe()
            stack.callback(stripe_server.stop)
            variables.update(stripe_server.environment())
        if not postgres_configured():
            from devservices.postgres import embedded_postgres

            variables.update(stack.enter_context(embedded_postgres()))
        from devservices.smtp import start_test_server

        smtp = start_test_server()
        stack.callback(smtp.stop)
        variables.update(smtp.environment())
        variables["SPACES_CACHE_CONTROL"] = os.environ.get(
            "SPACES_CACHE_CONTROL", "public, max-age=31536000, immutable"
        )
        # A folder of its own per run, so counting a shared bucket's objects counts only this run's.
        variables["SPACES_ROOT_FOLDER"] = f"{spaces_root_folder()}/test-{uuid.uuid4().hex[:12]}"
        yield variables


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    # tryfirst: before pytest-django's hook of the same name, which imports the settings.
    if early_config.pluginmanager.is_blocked("django"):
        return
    options = parser.parse_known_args(args)
    if options.help or options.version:
        return
    stack = ExitStack()
    early_config.add_cleanup(stack.close)
    os.environ.update(stack.enter_context(run_services()))
