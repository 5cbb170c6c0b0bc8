"""Property-based fuzzing (schemathesis) of every operation of the OpenAPI schema against a live server, as the
owner of a shop, a category, a product and an image: valid and invalid inputs alike never get a 5xx, and every
response has a status code, a content type and a body that the schema declares.

Bounded: a few examples per operation and mode, no shrinking, no example database."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tests.conftest import World, openapi_schema, schema_operations

EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 8}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCHEMA = schemathesis.openapi.from_dict(openapi_schema())


@pytest.mark.parametrize(("method", "path"), schema_operations(), ids=lambda value: value)
def test_operation_answers_every_input_as_the_schema_says(
    method: str, path: str, transactional_db: Any, live_server: Any, world: World
) -> None:
    operation = SCHEMA[path][method]
    pinned = {name: value for name, value in world.path_values.items() if "{" + name + "}" in path}
    for mode, examples in EXAMPLES.items():
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=pinned)

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def call(case: Any) -> None:
            case.call_and_validate(base_url=live_server.url, headers=world.headers, checks=CHECKS, timeout=30)

        try:
            call()
        except Unsatisfiable:
            # Nothing to make invalid: no parameter and no body (e.g. GET /auth/csrf/ in negative mode).
            assert mode is GenerationMode.NEGATIVE
