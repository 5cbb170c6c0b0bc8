"""The OpenAPI schema and its docs page."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


def test_openapi_schema_is_valid_and_covers_every_endpoint() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = set(schema["paths"])
    assert {
        "/api/v1/auth/register/",
        "/api/v1/auth/login/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/me/",
        "/api/v1/shops/",
        "/api/v1/shops/{shop_id}/products/",
        "/api/v1/shops/{shop_id}/products/{product_id}/images/upload/",
        "/api/v1/shops/slug/{shop_slug}/products/",
    } <= paths


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_login(api_client) -> None:
    assert api_client.get("/api/schema/").status_code == 200
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
