#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys


def main() -> None:
    from config.env import default_settings_module

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_settings_module(for_server_entry_point=False))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
