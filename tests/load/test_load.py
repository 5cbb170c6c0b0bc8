"""50 concurrent clients for 60 s of mixed reads and writes against gunicorn, owners and buyers alike (storefront
reads, me, product and category creates and updates, uploads, adding to anonymous carts and checking out,
sometimes retried with the same Idempotency-Key): no error at all, every write the server acknowledged can be
read back afterwards as acknowledged (every order by its shop's owner, with its lines and total), and the stock
of the tracked products never went negative: what is left is exactly what was there less what was ordered."""

import asyncio
import io
import json
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from bench.api import BOUNDARY, Gunicorn, multipart
from bench.loadgen import Connection, split_url
from tests.load.conftest import Services, call, register

CLIENTS = 50
SECONDS = 60
OWNERS = 10
REQUEST_TIMEOUT = 30
# Each shop's first seeded product is tracked with this little stock, so buyers run it out during the run.
TRACKED_STOCK = 40
SEED_PRICE = "10.00"


@dataclass
class Owner:
    token: str
    shop_id: int
    slug: str
    product_slugs: list[str]
    tracked_id: int
    tracked_slug: str


@dataclass
class Order:
    shop_id: int
    order_number: str
    total: str
    lines: dict[str, int]  # product slug -> quantity


@dataclass
class Ledger:
    """What the server acknowledged: product id -> (name, price), category ids, image count per product."""

    products: dict[int, tuple[int, str, str]] = field(default_factory=dict)  # id -> (shop id, name, price)
    categories: dict[int, tuple[int, str]] = field(default_factory=dict)
    images: Counter[int] = field(default_factory=Counter)
    orders: dict[int, Order] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def small_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def seed(base_url: str, services: Services) -> list[Owner]:
    """Owners on the enterprise plan (a free plan's 20 products would end the product creates), each with a
    shop of 5 active products, the first tracked with TRACKED_STOCK units and the others untracked."""
    owners = []
    for number in range(OWNERS):
        username = f"load{secrets.token_hex(3)}{number}"
        token = register(base_url, username)
        with services.postgres.connect() as connection:
            connection.execute("UPDATE accounts_user SET account_type = 'enterprise' WHERE username = %s", (username,))
        status, shop = call(base_url, "POST", "/api/v1/shops/", {"name": f"Load shop {secrets.token_hex(3)}"}, token)
        assert status == 201, shop
        products = []
        for index in range(5):
            stock = {"stock_status": "limited", "stock_quantity": TRACKED_STOCK} if index == 0 else {}
            status, product = call(
                base_url,
                "POST",
                f"/api/v1/shops/{shop['id']}/products/",
                {"name": f"Seed product {index}", "price": SEED_PRICE, "status": "active", **stock},
                token,
            )
            assert status == 201, product
            products.append(product)
        owners.append(
            Owner(
                token=token,
                shop_id=shop["id"],
                slug=shop["slug"],
                product_slugs=[product["slug"] for product in products],
                tracked_id=products[0]["id"],
                tracked_slug=products[0]["slug"],
            )
        )
    return owners


def out_of_stock(status: int, body: bytes) -> bool:
    """A buyer refused because the tracked product ran out: the expected answer once its stock is gone."""
    return status == 400 and any(
        words in body for words in (b"out of stock", b"left in stock", b"in stock for this quantity")
    )


class Buyer:
    """An anonymous buyer of one shop: adds its products to a cart, checks out, sometimes retries the checkout
    with the same Idempotency-Key (which must give back the same order)."""

    def __init__(self, connection: Connection, rng: random.Random, ledger: Ledger) -> None:
        self.connection, self.rng, self.ledger = connection, rng, ledger
        self.json = {"Content-Type": "application/json"}
        self.cart: dict[str, tuple[Owner, dict[str, int]]] = {}  # token -> (shop, slug -> quantity)

    async def add(self, shop: Owner) -> tuple[str, int, int, bytes]:
        token = next((token for token, (owner, _) in self.cart.items() if owner is shop), None)
        slug = shop.tracked_slug if self.rng.random() < 0.5 else self.rng.choice(shop.product_slugs)
        quantity = self.rng.randint(1, 3)
        payload = json.dumps({"cart_token": token, "product_slug": slug, "quantity": quantity}).encode()
        path = f"/api/v1/shops/slug/{shop.slug}/cart/items/"
        status, _, body = await self.connection.request("POST", path, self.json, payload)
        if status in (200, 201):
            cart = json.loads(body)
            if cart["token"] != token:
                self.cart.pop(token or "", None)
            lines = self.cart.setdefault(cart["token"], (shop, {}))[1]
            lines[slug] = lines.get(slug, 0) + quantity
            return "cart add", status, status, body
        return "cart add", status, status if out_of_stock(status, body) else 201, body

    async def checkout(self) -> tuple[str, int, int, bytes]:
        token, (shop, lines) = self.rng.choice(list(self.cart.items()))
        del self.cart[token]  # converted, or refused for want of stock: either way, a new cart next time
        headers = {**self.json, "Idempotency-Key": secrets.token_hex(16)}
        payload = json.dumps({"customer_name": "Load Buyer", "customer_email": "buyer@example.com"}).encode()
        path = f"/api/v1/shops/carts/{token}/checkout/"
        status, _, body = await self.connection.request("POST", path, headers, payload)
        if status != 201:
            return "checkout", status, status if out_of_stock(status, body) else 201, body
        order = json.loads(body)
        self.ledger.orders[order["id"]] = Order(shop.shop_id, order["order_number"], order["total_amount"], lines)
        if self.rng.random() < 0.3:
            again, _, replayed = await self.connection.request("POST", path, headers, payload)
            if (again, json.loads(replayed).get("id") if again == 201 else None) != (201, order["id"]):
                return "checkout retry", again, 201, replayed
        return "checkout", status, 201, body


# C901: the weighted mix of requests reads best as one if-chain (a load test, not production code).
async def client(number: int, base_url: str, owners: list[Owner], ledger: Ledger, deadline: float) -> None:  # noqa: C901
    rng = random.Random(number)  # noqa: S311 - a workload mix, not a secret
    owner = owners[number % OWNERS]
    auth = {"Authorization": f"Token {owner.token}"}
    json_auth = {**auth, "Content-Type": "application/json"}
    own_products: list[int] = []
    photo = multipart(small_jpeg())
    connection = Connection(*split_url(base_url), timeout=REQUEST_TIMEOUT)
    buyer = Buyer(connection, rng, ledger)
    count = 0
    while time.monotonic() < deadline:
        count += 1
        roll = rng.random()
        shop = rng.choice(owners)
        try:
            if roll < 0.10:
                kind = "cart add"
                kind, status, expected, body = await buyer.add(shop)
            elif roll < 0.15 and buyer.cart:
                kind = "checkout"
                kind, status, expected, body = await buyer.checkout()
            elif roll < 0.35:
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
    # All the clients share one address: the per-client cart and checkout throttles would refuse them as one.
    with Gunicorn(services.env(THROTTLE_CART="100000/min", THROTTLE_CHECKOUT="100000/min"), workers=5) as server:
        owners = seed(server.base_url, services)
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
        assert ledger.statuses["checkout 201"] > 0, ledger.statuses
        assert ledger.statuses["cart add 201"] > 0, ledger.statuses
        for order_id, order in ledger.orders.items():
            status, read = call(
                server.base_url,
                "GET",
                f"/api/v1/shops/{order.shop_id}/orders/{order_id}/",
                token=by_owner[order.shop_id].token,
            )
            assert status == 200, read
            assert (read["order_number"], read["total_amount"]) == (order.order_number, order.total)
            assert {line["product_slug"]: line["quantity"] for line in read["items"]} == order.lines
            # The seeded products' prices never change during the run.
            assert Decimal(read["total_amount"]) == Decimal(SEED_PRICE) * sum(order.lines.values())
        for owner in owners:
            status, listed = call(server.base_url, "GET", f"/api/v1/shops/{owner.shop_id}/orders/", token=owner.token)
            assert status == 200, listed
            # No order that was not acknowledged (every checkout got its answer: there were no errors).
            assert {order["id"] for order in listed} == {
                order_id for order_id, order in ledger.orders.items() if order.shop_id == owner.shop_id
            }
            ordered = sum(
                order.lines.get(owner.tracked_slug, 0)
                for order in ledger.orders.values()
                if order.shop_id == owner.shop_id
            )
            status, tracked = call(
                server.base_url, "GET", f"/api/v1/shops/{owner.shop_id}/products/{owner.tracked_id}/", token=owner.token
            )
            assert (status, tracked["stock_quantity"]) == (200, TRACKED_STOCK - ordered)
            assert tracked["stock_quantity"] >= 0
        with services.postgres.connect() as connection:
            negative = connection.execute(
                "SELECT (SELECT count(*) FROM shops_product WHERE stock_quantity < 0)"
                " + (SELECT count(*) FROM shops_productinventoryitem WHERE stock_quantity < 0)"
            ).fetchone()
        assert negative == (0,)
    print(f"\n{sum(ledger.statuses.values())} requests in {elapsed:.0f} s: {dict(sorted(ledger.statuses.items()))}")
