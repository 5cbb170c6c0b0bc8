"""Standard Webhooks signatures (https://www.standardwebhooks.com), made by its reference library: `webhook-id`,
`webhook-timestamp` and `webhook-signature` = `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one signature per
valid secret, space-separated (during a rotation the old secret signs too)."""

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret
SECRET_BYTES = 32
USER_AGENT = "shop-builder-webhooks/1"


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(*, message_id: str, body: str, signing_secrets: list[str], at: datetime) -> dict[str, str]:
    """The headers of one attempt at `at` (an aware UTC time: the timestamp is its whole seconds)."""
    signature = " ".join(Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body) for secret in signing_secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
