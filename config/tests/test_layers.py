"""No module imports a layer above its own (README, "Map of the code"): read from every production module's
imports (all of them, inside functions and `TYPE_CHECKING` blocks too), so a new upward import fails here."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A package may import its own modules and those of any package below it, never one above.
# `config` is the composition root (settings, urls): it wires everything and nothing imports it.
LAYERS = [
    "devservices",
    "images",
    "api",
    "jobs",
    "mail",
    "events",
    "accounts",
    "shops",
    "orders",
    "payments",
    "webhooks",
    "config",
]
RANK = {package: rank for rank, package in enumerate(LAYERS)}

# Upward imports allowed for now; an entry that no longer occurs fails the test, so this list only shrinks.
KNOWN: set[tuple[str, str]] = set()

# Entry points, like `config`: the pytest plugin reads the project's environment rules (config.env) to decide
# which servers to start before the settings load.
ENTRY_POINTS = {"devservices/pytest_plugin.py"}


def _production_modules() -> list[Path]:
    modules = []
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.relative_to(ROOT).as_posix() in ENTRY_POINTS:
                continue
            modules.append(path)
    return modules


def imported(source: str, *, package: list[str]) -> list[str]:
    """The absolute names of the modules that `source`, a module of `package`, imports (relative ones resolved)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names.append(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module:
                names.append(node.module)
    return names


def upward_imports() -> set[tuple[str, str]]:
    found = set()
    for path in _production_modules():
        own = path.relative_to(ROOT).parts[0]
        package = list(path.relative_to(ROOT).parts[:-1])
        for name in imported(path.read_text(), package=package):
            target = name.split(".")[0]
            if target in RANK and RANK[target] > RANK[own]:
                found.add((path.relative_to(ROOT).as_posix(), name))
    return found


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert upward_imports() - KNOWN == set()


def test_the_known_exceptions_still_exist() -> None:
    """Remove an entry of KNOWN once its import is gone."""
    assert KNOWN - upward_imports() == set()


def test_the_walk_sees_every_form_of_import() -> None:
    """So that the tests above cannot pass by seeing nothing."""
    source = (
        "import shops.models\n"
        "from orders import apis\n"
        "from . import storage\n"
        "from ..shops.stock import take\n"
        "def f():\n"
        "    from accounts.plans import limits_of\n"
    )
    assert sorted(imported(source, package=["images", "metadata"])) == [
        "accounts.plans",
        "images.metadata",
        "images.shops.stock",
        "orders",
        "shops.models",
    ]
    assert ("shops/stock.py", "orders.models") not in upward_imports()
    assert "shops.models" in imported((ROOT / "orders" / "models.py").read_text(), package=["orders"])
