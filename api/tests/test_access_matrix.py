"""The access matrix, enumerated from the OpenAPI schema (so new endpoints are in it without a change): every
write endpoint refuses the anonymous client (401), and every write endpoint that names an object of the owner's
in its path refuses another user (403/404); a refused request changes no row and stores no object.

Each request is one the owner could make: a valid body built from the schema."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from api.tests.conftest import WRITE_METHODS, World, openapi_schema, schema_operations
from api.tests.requests import request_body
from api.tests.rows import all_rows
from conftest import client_for
from shops.tests.factories import ShopFactory

OPENAPI = openapi_schema()
# Writes that need no login: they act on nobody's objects (the direct upload's token is its own credential).
PUBLIC_WRITES = {
    ("POST", "/api/v1/auth/register/"),
    ("POST", "/api/v1/auth/login/"),
    ("POST", "/api/v1/shops/uploads/{token}/"),
}
WRITES = [operation for operation in schema_operations(WRITE_METHODS) if operation not in PUBLIC_WRITES]
# Writes on objects named in the path: only their owner may make them.
WRITES_ON_OBJECTS = [(method, path) for method, path in WRITES if "{" in path]


def send(client: APIClient, method: str, path: str, world: World) -> Any:
    body, fmt = request_body(method, path, OPENAPI, world)
    handler = getattr(client, method.lower())
    return handler(world.path(path), body, format=fmt) if fmt else handler(world.path(path))


def test_the_matrix_covers_the_endpoints_the_tests_know() -> None:
    """A guard against an empty enumeration (a schema that failed to load would make every test vacuous)."""
    assert ("DELETE", "/api/v1/shops/{shop_id}/") in WRITES_ON_OBJECTS
    assert ("POST", "/api/v1/shops/{shop_id}/products/{product_id}/images/upload/") in WRITES_ON_OBJECTS
    assert ("POST", "/api/v1/shops/") in WRITES
    assert ("PATCH", "/api/v1/auth/me/") in WRITES


def _anonymous() -> APIClient:
    return APIClient()


def _other_user() -> APIClient:
    other = UserFactory()
    ShopFactory(owner=other)  # owning a shop of one's own grants nothing over another's
    return client_for(other)


@pytest.mark.parametrize(("method", "path"), WRITES, ids=lambda value: value)
def test_anonymous_client_is_refused_and_nothing_changes(method: str, path: str, world: World, bucket: Any) -> None:
    missing = {name for name in _parameters(path) if name not in world.path_values}
    assert not missing, f"add {missing} to World.path_values so {method} {path} is tested on a real object"
    rows, keys = all_rows(), bucket.keys()

    response = send(_anonymous(), method, path, world)

    assert response.status_code == 401, (response.status_code, response.content[:300])
    assert all_rows() == rows
    assert bucket.keys() == keys


@pytest.mark.parametrize(("method", "path"), WRITES_ON_OBJECTS, ids=lambda value: value)
def test_another_user_is_refused_and_nothing_changes(method: str, path: str, world: World, bucket: Any) -> None:
    client = _other_user()
    rows, keys = all_rows(), bucket.keys()

    response = send(client, method, path, world)

    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    assert all_rows() == rows
    assert bucket.keys() == keys


@pytest.mark.parametrize(("method", "path"), WRITES_ON_OBJECTS, ids=lambda value: value)
def test_the_owner_may_make_the_same_request(method: str, path: str, world: World, bucket: Any) -> None:
    """The refusals above are about who asks, not about the request: the owner gets no 401/403/404 (a 400 is
    allowed where the schema-made body cannot be right, e.g. an upload id that was never issued)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")

    response = send(client, method, path, world)

    assert response.status_code not in (401, 403, 404), (response.status_code, response.content[:300])
    assert response.status_code < 500


def _parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.replace("/", " ").split() if part.startswith("{")]
