"""Driving localstripe (started by the test run, devservices/stripe.py) as Stripe's other parties would: the
seller finishing onboarding, the buyer's browser confirming a PaymentIntent with a test card, and Stripe's
webhook deliveries, captured as localstripe signed them so a test can deliver them when and as often as it
wants."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
import stripe
from django.conf import settings
from rest_framework.test import APIClient

from payments import gateway
from payments.services.settings import stripe_account_refresh, stripe_connect_start
from shops.models import Shop

WEBHOOK_URL = "/api/v1/payments/stripe/webhook/"
WAIT_SECONDS = 20


@dataclass(frozen=True)
class Delivery:
    """One webhook request as localstripe sent it."""

    payload: bytes
    signature: str

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.payload)

    @property
    def intent_id(self) -> str:
        obj = self.event["data"]["object"]
        return str(obj["id"] if self.event["type"].startswith("payment_intent.") else obj.get("payment_intent"))


class WebhookInbox:
    """A loopback HTTP server registered as a localstripe webhook endpoint: it keeps every delivery."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with inbox.lock:
                    inbox.deliveries.append(Delivery(payload=body, signature=self.headers["Stripe-Signature"]))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        response = requests.post(
            f"{settings.STRIPE_API_BASE}/_config/webhooks/test-inbox",
            data={"url": f"http://127.0.0.1:{self._server.server_port}/", "secret": settings.STRIPE_WEBHOOK_SECRET},
            timeout=5,
        )
        response.raise_for_status()

    def wait_for(self, *, intent_id: str, event_type: str, count: int = 1) -> list[Delivery]:
        """The deliveries of `event_type` about `intent_id`, once `count` of them arrived (localstripe sends
        each event about a second after the call that caused it)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            with self.lock:
                found = [
                    delivery
                    for delivery in self.deliveries
                    if delivery.event["type"] == event_type and delivery.intent_id == intent_id
                ]
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"{event_type} for {intent_id}: {len(found)} of {count} arrived"
                return found
            time.sleep(0.05)

    def wait_for_account(self, *, account_id: str) -> Delivery:
        """The `account.updated` delivery about `account_id`."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            with self.lock:
                for delivery in self.deliveries:
                    event = delivery.event
                    if event["type"] == "account.updated" and event["data"]["object"]["id"] == account_id:
                        return delivery
            time.sleep(0.05)
        raise AssertionError(f"account.updated for {account_id} did not arrive")


@cache
def webhook_inbox() -> WebhookInbox:
    return WebhookInbox()


def deliver(client: APIClient, delivery: Delivery) -> Any:
    return client.post(
        WEBHOOK_URL, data=delivery.payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=delivery.signature
    )


def signed(event: dict[str, Any], *, secret: str = "", at: int | None = None) -> Delivery:
    """An event signed as Stripe signs (t=<time>,v1=HMAC-SHA256 of "<time>.<payload>"), for the events
    localstripe never sends (disputes) and for bad signatures."""
    payload = json.dumps(event).encode()
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(
        (secret or settings.STRIPE_WEBHOOK_SECRET).encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return Delivery(payload=payload, signature=f"t={timestamp},v1={digest}")


def shop_connect(shop: Shop) -> str:
    """The seller goes through Stripe's onboarding (localstripe's stand-in) and comes back: returns the
    connected account's id."""
    url = stripe_connect_start(shop=shop)
    requests.get(url, allow_redirects=False, timeout=5).raise_for_status()
    return stripe_account_refresh(shop=shop).stripe_account_id


def buyer_confirms(*, intent_id: str, account: str, card: str = "pm_card_visa") -> stripe.PaymentIntent:
    """What Stripe.js does in the buyer's browser: attach the card and confirm. A declined card raises
    stripe.CardError, as Stripe answers."""
    client = gateway.client()
    options: Any = {"stripe_account": account}
    client.v1.payment_intents.update(intent_id, params={"payment_method": card}, options=options)
    return client.v1.payment_intents.confirm(intent_id, options=options)
