"""`make run`: Django's dev server and job workers in one command. The workers are child processes of this one
(they share its database, the embedded one included) and stop with it. A worker does not reload on code
changes: stop and start the command after editing a task."""

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

WORKER_STOP_SECONDS = 10


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=1, help="Job worker processes (default 1).")

    def handle(self, *args: Any, addrport: str, workers: int, **options: Any) -> None:
        # runserver's autoreloader runs this command again in a child (RUN_MAIN=true) that it restarts on every
        # change: only the outer process, which lives as long as the command, starts the workers.
        reloaded_child = os.environ.get("RUN_MAIN") == "true"
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "procrastinate", "worker"]
        # And one worker for webhooks alone, with many deliveries in flight: a slow receiver holds one of them.
        webhooks = [*command, "--queues", "webhooks", "--concurrency", str(settings.WEBHOOKS_WORKER_CONCURRENCY)]
        # An endpoint's next delivery waits for its lock and no notification says when that is free: look often.
        webhooks += ["--fetch-job-polling-interval", "0.2"]
        commands = [*([command] * workers), webhooks]
        processes = [] if reloaded_child else [subprocess.Popen(each) for each in commands]  # noqa: S603
        try:
            call_command("runserver", addrport)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=WORKER_STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
