"""localstripe (a stateful fake Stripe server) that a test run or a benchmark starts and stops itself.

It runs `devservices.localstripe_server`, localstripe with the few Connect calls it lacks, bound to a free
loopback port, and is stopped by its process id when the run ends. `environment()` holds the STRIPE_* variables
that point the settings (and so the official SDK) at it.
"""

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

STARTUP_SECONDS = 30
TERM_GRACE_SECONDS = 3
# Throwaway keys: localstripe takes any `sk_test_...` key, and signs its webhooks with the secret we give it.
SECRET_KEY = "sk_test_localstripe"  # noqa: S105
PUBLISHABLE_KEY = "pk_test_localstripe"
WEBHOOK_SECRET = "whsec_localstripe"  # noqa: S105


@dataclass(frozen=True)
class StripeServer:
    api_base: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def environment(self) -> dict[str, str]:
        """The STRIPE_* variables that point the settings at this server."""
        return {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": self.api_base,
        }

    def stop(self) -> None:
        """Stop the server by its process id: SIGTERM, then SIGKILL after a short grace."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(TERM_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.log_path.unlink(missing_ok=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_localstripe() -> StripeServer:
    """Start localstripe on a free loopback port; returns once it answers. Stopped when this process exits."""
    port = _free_port()
    log_file = tempfile.NamedTemporaryFile(prefix="localstripe-", suffix=".log", delete=False)  # noqa: SIM115
    command = [sys.executable, "-m", "devservices.localstripe_server", "--port", str(port)]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    log_file.close()
    server = StripeServer(api_base=f"http://127.0.0.1:{port}", process=process, log_path=Path(log_file.name))
    atexit.register(server.stop)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        request = urllib.request.Request(  # noqa: S310 - http on loopback
            f"{server.api_base}/v1/events?limit=1", headers={"Authorization": f"Bearer {SECRET_KEY}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310
                return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    log_tail = server.log_path.read_text(errors="replace")[-3000:]
    server.stop()
    raise RuntimeError(f"localstripe did not come up:\n{log_tail}")
