"""50 concurrent clients for 60 s of mixed reads and writes against gunicorn: no error at all, and every write
the server acknowledged can be read back afterwards, as acknowledged."""

import asyncio
import io
import json
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.api import BOUNDARY, Gunicorn, multipart
from bench.loadgen import Connection, split_url
from tests.load.conftest import Services, call, register

CLIENTS = 50
SECONDS = 60
OWNERS = 10
REQUEST_TIMEOUT = 30


@dataclass
class Owner:
    token: str
    shop_id: int
    slug: str
    product_slugs: list[str]


@dataclass
class Ledger:
    """What the server acknowledged: product id -> (name, price), category ids, image count per product."""

    products: dict[int, tuple[int, str, str]] = field(default_factory=dict)  # id -> (shop id, name, price)
    categories: dict[int, tuple[int, str]] = field(default_factory=dict)
    images: Counter[int] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def small_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def seed(base_url: str) -> list[Owner]:
    owners = []
    for number in range(OWNERS):
        token = register(base_url, f"load{secrets.token_hex(3)}{number}")
        status, shop = call(base_url, "POST", "/api/v1/shops/", {"name": f"Load shop {secrets.token_hex(3)}"}, token)
        assert status == 201, shop
        slugs = []
        for index in range(5):
            status, product = call(
                base_url,
                "POST",
                f"/api/v1/shops/{shop['id']}/products/",
                {"name": f"Seed product {index}", "price": "10.00", "status": "active"},
                token,
            )
            assert status == 201, product
            slugs.append(product["slug"])
        owners.append(Owner(token=token, shop_id=shop["id"], slug=shop["slug"], product_slugs=slugs))
    return owners


async def client(number: int, base_url: str, owners: list[Owner], ledger: Ledger, deadline: float) -> None:
    rng = random.Random(number)  # noqa: S311 - a workload mix, not a secret
    owner = owners[number % OWNERS]
    auth = {"Authorization": f"Token {owner.token}"}
    json_auth = {**auth, "Content-Type": "application/json"}
    own_products: list[int] = []
    photo = multipart(small_jpeg())
    connection = Connection(*split_url(base_url), timeout=REQUEST_TIMEOUT)
    count = 0
    while time.monotonic() < deadline:
        count += 1
        roll = rng.random()
        shop = rng.choice(owners)
        try:
            if roll < 0.35:
                kind, expected = "list", 200
                status, _, body = await connection.request("GET", f"/api/v1/shops/slug/{shop.slug}/products/")
            elif roll < 0.50:
                kind, expected = "detail", 200
                path = f"/api/v1/shops/slug/{shop.slug}/products/{rng.choice(shop.product_slugs)}/"
                status, _, body = await connection.request("GET", path)
            elif roll < 0.60:
                kind, expected = "me", 200
                status, _, body = await connection.request("GET", "/api/v1/auth/me/", auth)
            elif roll < 0.77 or not own_products:
                kind, expected = "create", 201
                name = f"Product {number}-{count}"
                price = f"{rng.randint(1, 999)}.{rng.randint(0, 99):02d}"
                payload = json.dumps({"name": name, "price": price, "status": "active"}).encode()
                status, _, body = await connection.request(
                    "POST", f"/api/v1/shops/{owner.shop_id}/products/", json_auth, payload
                )
                if status == 201:
                    ledger.products[json.loads(body)["id"]] = (owner.shop_id, name, price)
                    own_products.append(json.loads(body)["id"])
            elif roll < 0.92:
                kind, expected = "update", 200
                product_id = rng.choice(own_products)
                price = f"{rng.randint(1, 999)}.{rng.randint(0, 99):02d}"
                payload = json.dumps({"price": price}).encode()
                path = f"/api/v1/shops/{owner.shop_id}/products/{product_id}/"
                status, _, body = await connection.request("PATCH", path, json_auth, payload)
                if status == 200:
                    shop_id, name, _ = ledger.products[product_id]
                    ledger.products[product_id] = (shop_id, name, price)
            elif roll < 0.97:
                kind, expected = "category", 201
                name = f"Category {number}-{count}"
                payload = json.dumps({"name": name}).encode()
                path = f"/api/v1/shops/{owner.shop_id}/categories/"
                status, _, body = await connection.request("POST", path, json_auth, payload)
                if status == 201:
                    ledger.categories[json.loads(body)["id"]] = (owner.shop_id, name)
            else:
                kind, expected = "upload", 201
                product_id = rng.choice(own_products)
                if ledger.images[product_id] >= 20:
                    continue
                headers = {**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
                path = f"/api/v1/shops/{owner.shop_id}/products/{product_id}/images/upload/"
                status, _, body = await connection.request("POST", path, headers, photo)
                if status == 201:
                    ledger.images[product_id] += 1
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ConnectionError) as error:
            ledger.errors.append(f"{kind}: {error!r}")
            continue
        ledger.statuses[f"{kind} {status}"] += 1
        if status != expected:
            ledger.errors.append(f"{kind}: {status} {body[:200]!r}")
    await connection.close()


async def drive(base_url: str, owners: list[Owner], ledger: Ledger) -> None:
    deadline = time.monotonic() + SECONDS
    await asyncio.gather(*(client(number, base_url, owners, ledger, deadline) for number in range(CLIENTS)))


def test_fifty_clients_for_a_minute_get_no_error_and_every_acknowledged_write_reads_back(services: Services) -> None:
    with Gunicorn(services.env(), workers=5) as server:
        owners = seed(server.base_url)
        ledger = Ledger()
        started = time.monotonic()
        asyncio.run(drive(server.base_url, owners, ledger))
        elapsed = time.monotonic() - started

        assert ledger.errors == []
        assert elapsed < SECONDS + REQUEST_TIMEOUT + 5
        assert sum(ledger.statuses.values()) > CLIENTS * 10, ledger.statuses  # it really was under load
        by_owner = {owner.shop_id: owner for owner in owners}
        for product_id, (shop_id, name, price) in ledger.products.items():
            path = f"/api/v1/shops/{shop_id}/products/{product_id}/"
            status, product = call(server.base_url, "GET", path, token=by_owner[shop_id].token)
            assert status == 200, product
            assert (product["name"], product["price"]) == (name, price)
            assert len(product["images"]) == ledger.images[product_id]
        for category_id, (shop_id, name) in ledger.categories.items():
            path = f"/api/v1/shops/{shop_id}/categories/{category_id}/"
            status, category = call(server.base_url, "GET", path, token=by_owner[shop_id].token)
            assert (status, category["name"]) == (200, name)
    print(f"\n{sum(ledger.statuses.values())} requests in {elapsed:.0f} s: {dict(sorted(ledger.statuses.items()))}")
