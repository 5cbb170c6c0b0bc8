"""The `world` fixture of the schema-driven tests (see api.tests.world)."""

from typing import Any

import pytest

from api.tests.world import World, build_world


@pytest.fixture
def world(db: Any, bucket: Any) -> World:
    return build_world()
