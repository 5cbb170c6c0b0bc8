"""Property-based fuzzing (schemathesis) of every operation of the OpenAPI schema against a live server, as the
owner of a shop, a category, a product and an image: valid and invalid inputs alike never get a 5xx, and every
response has a status code, a content type and a body that the schema declares.

Bounded: a few examples per operation and mode (times `--fuzz-scale`, 5 in `make test-long`), no shrinking, no
example database. The product body's rules are in the schema (api/schema.py), so most fuzzed creates succeed and
the fuzz reaches the create path."""

import contextlib
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tests.world import World, openapi_schema, schema_operations

EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 8}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCHEMA = schemathesis.openapi.from_dict(openapi_schema())


@pytest.mark.parametrize(("method", "path"), schema_operations(), ids=lambda value: value)
def test_operation_answers_every_input_as_the_schema_says(
    method: str, path: str, transactional_db: Any, live_server: Any, world: World, request: Any
) -> None:
    operation = SCHEMA[path][method]
    pinned = {name: value for name, value in world.path_values.items() if "{" + name + "}" in path}
    scale = request.config.getoption("fuzz_scale", default=1)
    for mode, examples in EXAMPLES.items():
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=pinned)

        @settings(
            max_examples=examples * scale,
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


def test_fuzzed_product_creates_mostly_succeed(transactional_db: Any, live_server: Any, world: World) -> None:
    """The schema states the product body's rules: of 60 bodies made from it, a third or more create a product (what
    is left: rules no schema can state, such as the shop's currency, the currency's decimals, an existing slug or a
    discount below the price, and NUL characters, which the fuzz sends on purpose). Which bodies hypothesis draws
    moves with the rest of the suite (20 bodies made 5 to 12 products from one run to another; 60 make 24 to 37)."""
    operation = SCHEMA["/api/v1/shops/{shop_id}/products/"]["POST"]
    statuses: list[int] = []

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters={"shop_id": world.shop.id}))
    def call(case: Any) -> None:
        statuses.append(case.call(base_url=live_server.url, headers=world.headers, timeout=30).status_code)

    call()
    assert set(statuses) <= {201, 400}
    assert statuses.count(201) >= 20, statuses


# What a created object's id is called in the paths that name it, by the collection that created it.
CREATED_PARAMETER = {
    "/api/v1/shops/": ("shop_id", "id"),
    "/api/v1/shops/{shop_id}/products/": ("product_id", "id"),
    "/api/v1/shops/slug/{shop_slug}/cart/items/": ("token", "token"),
}


def test_stateful_sequences_along_the_schema_links(transactional_db: Any, live_server: Any, world: World) -> None:
    """Sequences of calls that follow the schema's OpenAPI links (create a product, then change, upload to and
    delete it; add to a cart, then check it out): no 5xx, every response as the schema declares. A path parameter
    that names no object of the owner (a made-up id) is pinned to the world's, one that a call made is kept."""
    known: dict[str, set[Any]] = {name: {value} for name, value in world.path_values.items()}
    calls: list[int] = []

    class Workflow(SCHEMA.as_state_machine()):  # type: ignore[misc]  # a class made at run time
        def before_call(self, case: Any) -> None:
            for name, value in (case.path_parameters or {}).items():
                if name in known and value not in known[name]:
                    case.path_parameters[name] = world.path_values[name]

        def after_call(self, response: Any, case: Any) -> None:
            calls.append(response.status_code)
            made = CREATED_PARAMETER.get(case.operation.path)
            if made and case.method == "POST" and response.status_code == 201:
                name, field = made
                known[name].add(response.json()[field])

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": live_server.url, "headers": world.headers, "timeout": 30}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    # The server's state carries over from one sequence to the next (a slug taken, a product deleted), so the
    # same choices can lead to other rules; Hypothesis then stops generating (FlakyStrategyDefinition). Not a
    # fault of the API: a failed check raises its own error, and the count below keeps an early stop from passing
    # for a run. For the same reason more examples add little (`--fuzz-scale` leaves this test alone).
    with contextlib.suppress(FlakyStrategyDefinition):
        Workflow.run(
            settings=settings(
                max_examples=10,
                stateful_step_count=8,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
        )
    assert len(calls) >= 40, calls  # 80 on this schema
