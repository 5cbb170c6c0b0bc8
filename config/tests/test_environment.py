"""The environment variables: every one the code reads is documented in .env.example, and blanks are unset."""

import re
from pathlib import Path

from config.env import KNOWN_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
READ_PATTERN = re.compile(r"""(?:env(?:\.\w+)?|require|os\.environ\.get)\(\s*f?["']([A-Z][A-Z0-9_]+)["']""")


def _variables_read_by_code() -> set[str]:
    names: set[str] = set()
    for path in ROOT.glob("**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        names.update(READ_PATTERN.findall(path.read_text()))
    return names


def _documented() -> list[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return [line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z][A-Z0-9_]*=", line)]


def test_env_example_documents_exactly_the_known_variables_each_with_a_comment() -> None:
    documented = _documented()
    assert sorted(documented) == sorted(KNOWN_VARIABLES)
    lines = (ROOT / ".env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            assert lines[index - 1].startswith("#"), f"{line} has no comment above it"


def test_code_reads_no_undocumented_variable() -> None:
    # Set by Django itself: the settings module, and RUN_MAIN in runserver's reloaded child.
    assert _variables_read_by_code() - set(KNOWN_VARIABLES) <= {"DJANGO_SETTINGS_MODULE", "RUN_MAIN"}
