"""Login alone through gunicorn against the hasher alone (a short `make bench` of one operation, ~1 minute):
`python bench/login.py` with POSTGRES_HOST/USER/PORT set. It makes a database of its own
(shopbuilder_bench_login) with 50 accounts, runs gunicorn with `make bench`'s workers and settings, and
prints logins/s, the worker CPU per login (user and system apart: system time per login is page faults on
Argon2's memory), the hasher alone in-process before and after the logins (bench/api.py `hasher`, `bracketed`),
and the ratio to their mean. BENCH_WORKERS sets the number of workers (default: the Deploy section's 2 x cores + 1),
BENCH_SECONDS the length of the timed run (5)."""

import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api, loadgen  # noqa: E402 - the repository root is put on the path first

DATABASE = "shopbuilder_bench_login"
ACCOUNTS = 50


def environment() -> dict[str, str]:
    env = dict(os.environ)
    with api._pg_connect(env, "postgres") as connection:  # noqa: SLF001 - the benchmark's own helper
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    env.update(
        POSTGRES_DB=DATABASE,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_hex(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="False",
        THROTTLE_LOGIN_CLIENT="100000000/min",
        THROTTLE_LOGIN_ACCOUNT_CLIENT="100000000/min",
        THROTTLE_LOGIN_ACCOUNT="100000000/min",
        LOG_LEVEL="WARNING",
    )
    return env


def seed() -> list[str]:
    api.django_setup()
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    password = make_password(api.PASSWORD)
    User.objects.bulk_create(
        [User(username=f"owner{n}", email=f"owner{n}@example.com", password=password) for n in range(ACCOUNTS)]
    )
    return [f"owner{n}" for n in range(ACCOUNTS)]


def cpu_split(pids: list[int]) -> tuple[float, float]:
    """User and system CPU seconds of these processes so far (/proc/<pid>/stat utime, stime)."""
    user = system = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        user, system = user + int(fields[11]), system + int(fields[12])
    ticks = os.sysconf("SC_CLK_TCK")
    return user / ticks, system / ticks


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "5"))
    env = environment()
    api.manage(env, "migrate", "--no-input", "-v", "0")
    api.manage(env, "createcachetable")
    usernames = _child(env, "seed")
    login = loadgen.Operation(
        "login",
        "POST",
        ["/api/v1/auth/login/"],
        headers={"Content-Type": "application/json"},
        bodies=[json.dumps({"identifier": name, "password": api.PASSWORD}) for name in usernames],
    )
    hashing_before = _child(env, "hasher")
    with api.Gunicorn(env, workers=api.WORKERS) as server:
        loadgen.run(login, base_url=server.base_url, seconds=1, connections=api.CONNECTIONS)
        pids = [server.process.pid, *server.worker_pids()] if server.process else []
        user_before, system_before = cpu_split(pids)
        result = loadgen.run(login, base_url=server.base_url, seconds=seconds, connections=api.CONNECTIONS)
        user_after, system_after = cpu_split(pids)
    logins = max(1, result.requests)
    user_ms, system_ms = (user_after - user_before) * 1000 / logins, (system_after - system_before) * 1000 / logins
    hashing = api.bracketed(hashing_before, _child(env, "hasher"))
    print(
        f"login {result.rate:.1f}/s (errors {result.errors}, p50 {result.p50_ms:.0f} ms); worker CPU per login "
        f"user {user_ms:.1f} ms + system {system_ms:.1f} ms; "
        f"hasher {hashing['measures'][0]['best']:.1f}/s before, {hashing['measures'][1]['best']:.1f}/s after, "
        f"mean {hashing['best']:.1f}/s; ratio {result.rate / hashing['best']:.1%}"
    )


def _child(env: dict[str, str], what: str) -> Any:
    import subprocess

    output = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, what], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise SystemExit(f"child {what} failed:\n{output.stderr[-5000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        print(json.dumps(seed()))
    elif sys.argv[1:] == ["hasher"]:
        print(json.dumps(api.hasher(float(os.environ.get("BENCH_SECONDS", "5")))))
    else:
        started = time.monotonic()
        main()
        print(f"({time.monotonic() - started:.0f} s)")
