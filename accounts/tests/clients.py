"""API clients logged in as a user."""

from typing import Any

from rest_framework.test import APIClient

from accounts.services import auth_token_issue


def client_for(user: Any) -> APIClient:
    token, _ = auth_token_issue(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client
