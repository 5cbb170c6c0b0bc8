"""WSGI entry point (gunicorn config.wsgi). Runs the production settings unless told otherwise."""

import os

from django.core.wsgi import get_wsgi_application

from config.env import default_settings_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_settings_module(for_server_entry_point=True))

application = get_wsgi_application()
