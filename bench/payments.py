"""Checkout with a PaymentIntent vs without (`make bench-payments`, not a test): what card payment adds to a
checkout, in our own server time and queries.

Starts PostgreSQL (embedded unless POSTGRES_* is set, in a database of its own: `shopbuilder_bench_payments`),
SeaweedFS and localstripe (devservices), seeds two shops selling the same 3 products, one taking manual
payments and one connected to Stripe, and checks out BENCH_PAYMENT_CARTS carts of 3 lines in each, one at a
time through the WSGI handler in this process (production settings). Prints p50/p99 of the whole request and of
the request without the time spent waiting for Stripe (the PaymentIntent's creation), the queries, and the
ratios to the checkout without payment. Writes bench-results/payments.md."""

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api  # noqa: E402 - the repository root is put on the path first

api.DATABASE = "shopbuilder_bench_payments"
CARTS = int(os.environ.get("BENCH_PAYMENT_CARTS", "200"))
WARM_UP = 10  # first checkouts of each mode, not counted (connections, caches, imports)
CUSTOMER = {"customer_name": "Ada Lovelace", "customer_email": "ada@example.com"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def seed() -> dict[str, list[str]]:
    """Two shops (manual, Stripe) of 3 products with stock for every cart; CARTS carts of 3 lines in each."""
    from decimal import Decimal

    import requests

    from accounts.models import User
    from orders.services.carts import cart_item_add
    from payments.services.settings import payment_settings_update, stripe_account_refresh, stripe_connect_start
    from shops.models import Product, Shop

    owner = User.objects.create_user(username="seller", email="seller@example.com", password=api.PASSWORD)
    tokens: dict[str, list[str]] = {}
    for mode in ("manual", "stripe"):
        shop = Shop.objects.create(owner=owner, name=f"{mode} shop", slug=f"{mode}-shop", currency="EUR")
        if mode == "stripe":
            requests.get(stripe_connect_start(shop=shop), allow_redirects=False, timeout=5).raise_for_status()
            stripe_account_refresh(shop=shop)
            payment_settings_update(shop=shop, manual_enabled=False)
        products = [
            Product.objects.create(
                shop=shop,
                name=f"Item {index}",
                slug=f"item-{index}",
                price=Decimal("9.90"),
                status="active",
                stock_status="limited",
                stock_quantity=CARTS * 2,
            )
            for index in range(3)
        ]
        tokens[mode] = []
        for _ in range(CARTS + WARM_UP):
            token = None
            for product in products:
                token = cart_item_add(shop=shop, cart_token=token, product_id=product.id).cart.token
            tokens[mode].append(str(token))
    return tokens


def measure(tokens: list[str]) -> dict[str, list[float]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from payments import gateway

    stripe_seconds: list[float] = []
    create = gateway.intent_create

    def timed_create(**kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return create(**kwargs)
        finally:
            stripe_seconds.append(time.perf_counter() - started)

    gateway.intent_create = timed_create  # timing only: the real call is made
    client = Client(HTTP_HOST="127.0.0.1")
    total, own, queries = [], [], []
    try:
        for token in tokens:
            waited = len(stripe_seconds)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(
                    f"/api/v1/shops/carts/{token}/checkout/", CUSTOMER, content_type="application/json"
                )
                elapsed = time.perf_counter() - started
            if response.status_code != 201:
                raise RuntimeError(f"checkout answered {response.status_code}: {response.content[:300]!r}")
            stripe_wait = sum(stripe_seconds[waited:])
            total.append(elapsed * 1000)
            own.append((elapsed - stripe_wait) * 1000)
            queries.append(float(len(captured.captured_queries)))
    finally:
        gateway.intent_create = create
    return {"total": total[WARM_UP:], "own": own[WARM_UP:], "queries": queries[WARM_UP:]}


def main() -> None:
    env, keep_alive = api.start_services()
    from devservices.stripe import start_localstripe

    stripe_server = start_localstripe()
    keep_alive.append(stripe_server)
    env.update(stripe_server.environment(), PAYMENT_TIMEOUT_MINUTES="30")
    api.manage(env, "migrate", "--no-input", "-v", "0")
    os.environ.update(env)
    api.django_setup()
    tokens = seed()
    figures = {mode: measure(tokens[mode]) for mode in ("manual", "stripe")}
    base, card = figures["manual"], figures["stripe"]
    rows = [
        ("p50 request (ms)", statistics.median(base["total"]), statistics.median(card["total"])),
        ("p99 request (ms)", percentile(base["total"], 0.99), percentile(card["total"], 0.99)),
        (
            "p50 our own time (ms, without waiting for Stripe)",
            statistics.median(base["own"]),
            statistics.median(card["own"]),
        ),
        ("p99 our own time (ms)", percentile(base["own"], 0.99), percentile(card["own"], 0.99)),
        ("queries", statistics.median(base["queries"]), statistics.median(card["queries"])),
    ]
    lines = [
        f"Checkout of a 3-line cart, {CARTS} carts each, one at a time, in-process WSGI, production settings; "
        "Stripe is localstripe on loopback.",
        "",
        "| | without payment (manual) | with a PaymentIntent (Stripe) | ratio |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {name} | {without:.1f} | {with_intent:.1f} | {with_intent / without:.2f} |"
        for name, without, with_intent in rows
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    api.RESULTS.mkdir(exist_ok=True)
    (api.RESULTS / "payments.md").write_text(text)
    stripe_server.stop()


if __name__ == "__main__":
    main()
