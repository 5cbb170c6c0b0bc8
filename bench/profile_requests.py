"""Where a request's CPU goes (not a test): the WSGI application of the production settings called in-process
on a small seeded catalogue, CPU ms per request (process time, so a busy machine barely moves it) and, with
--profile, cProfile's top functions. Uses POSTGRES_* (default: 127.0.0.1:5432, user postgres, a database of
its own, shopbuilder_profile or PROFILE_DATABASE, created afresh with --seed) and a bucket on a closed port
(its urls are built as in production; nothing is sent).

    .venv/bin/python bench/profile_requests.py --seed
    .venv/bin/python bench/profile_requests.py [--profile NAME] [--requests N] [--cache]
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Several people profiling at once on one server each name their own (PROFILE_DATABASE).
DATABASE = os.environ.get("PROFILE_DATABASE", "shopbuilder_profile")
SHOPS, PRODUCTS_PER_SHOP = 3, 200
PASSWORD = "profile-Password-7"  # noqa: S105 - a throwaway account of a local database


def configure(*, cache: bool) -> None:
    defaults = {
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PORT": "5432",
        "DJANGO_SECRET_KEY": "profile-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        # Bucket-style urls as in production (a string format; nothing is sent).
        "SPACES_BUCKET_NAME": "bench",
        "SPACES_ENDPOINT_URL": "http://127.0.0.1:9",
        "SPACES_ACCESS_KEY_ID": "none",
        "SPACES_SECRET_ACCESS_KEY": "none",
        "LOG_LEVEL": "WARNING",
        "THROTTLE_CART": "100000000/min",
        "THROTTLE_CHECKOUT": "100000000/min",
        "THROTTLE_LOGIN_CLIENT": "100000000/min",
        "THROTTLE_LOGIN_ACCOUNT_CLIENT": "100000000/min",
        "THROTTLE_LOGIN_ACCOUNT": "100000000/min",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    os.environ["POSTGRES_DB"] = DATABASE
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    if not cache:
        os.environ["STOREFRONT_CACHE_SECONDS"] = "0"


def seed() -> None:
    import psycopg

    server = " ".join(f"{part}={os.environ[f'POSTGRES_{part.upper()}']}" for part in ("host", "port", "user"))
    with psycopg.connect(server, dbname="postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--no-input", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from accounts.services import auth_token_issue
    from orders.models import Cart, CartItem
    from shops.models import (
        Category,
        Product,
        ProductImage,
        ProductInventoryItem,
        ProductVariantOption,
        ProductVariantType,
        Shop,
    )

    users = User.objects.bulk_create(
        [
            User(
                username=f"owner{n}",
                email=f"o{n}@example.com",
                password=make_password(PASSWORD),
                account_type="enterprise",
            )
            for n in range(SHOPS)
        ]
    )
    shops = Shop.objects.bulk_create(
        [Shop(owner=user, name=f"Shop {n}", slug=f"shop-{n}", currency="USD") for n, user in enumerate(users)]
    )
    categories = Category.objects.bulk_create(
        [Category(shop=shop, name=f"Category {c}", slug=f"category-{c}") for shop in shops for c in range(5)]
    )
    products = Product.objects.bulk_create(
        [
            Product(
                shop=shop,
                category=categories[s * 5 + p % 5],
                name=f"Product {p} of shop {s}",
                slug=f"product-{p}",
                short_description="A product of the benchmark catalogue, with a sentence or two about it.",
                long_description="Longer text about the product. " * 20,
                price=Decimal("19.90") + p,
                compare_at_price=Decimal("29.90") + p if p % 3 == 0 else None,
                stock_quantity=p % 7,
            )
            for s, shop in enumerate(shops)
            for p in range(PRODUCTS_PER_SHOP)
        ]
    )
    renditions = {str(width): f"product_images/{secrets.token_hex(16)}" for width in (320, 640, 1024, 1600)}
    ProductImage.objects.bulk_create(
        [
            ProductImage(
                product=product,
                image=f"product_images/{secrets.token_hex(16)}",
                alt_text=f"Photo {position}",
                position=position,
                width=2000,
                height=1500,
                content_type="image/jpeg",
                size=100000,
                renditions=renditions,
                dominant_color="#808080",
                placeholder="data:image/webp;base64,UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA",
            )
            for product in products
            for position in (1, 2, 3)
        ]
    )
    carts = Cart.objects.bulk_create([Cart(shop=shops[1], token=secrets.token_urlsafe(32)) for _ in range(3000)])
    CartItem.objects.bulk_create(
        [
            CartItem(cart=cart, product=products[PRODUCTS_PER_SHOP + line * 11], quantity=2)
            for cart in carts
            for line in range(3)
        ]
    )
    # A tracked product of shop 1 with Size x Colour and an inventory item per combination (plenty of stock), and
    # carts of three of its items.
    varied = Product.objects.create(
        shop=shops[1], name="Varied product", slug="varied", price=Decimal("25.00"), stock_status="limited"
    )
    types = ProductVariantType.objects.bulk_create(
        [ProductVariantType(product=varied, name=name, position=n) for n, name in enumerate(("Size", "Colour"))]
    )
    sizes = ProductVariantOption.objects.bulk_create(
        [ProductVariantOption(variant_type=types[0], name=name, position=n) for n, name in enumerate("SML")]
    )
    colour = ProductVariantOption.objects.create(variant_type=types[1], name="Red")
    items = []
    for n, size in enumerate(sizes):
        item = ProductInventoryItem.objects.create(
            product=varied,
            option_key="-".join(str(option_id) for option_id in sorted((size.id, colour.id))),
            sku=f"VAR-{size.name}",
            stock_quantity=1_000_000,
            position=n,
            is_default=n == 0,
        )
        item.options.set([size, colour])
        items.append(item)
    Product.objects.filter(id=varied.id).update(stock_quantity=3_000_000)
    variant_carts = Cart.objects.bulk_create(
        [Cart(shop=shops[1], token=secrets.token_urlsafe(32)) for _ in range(1500)]
    )
    CartItem.objects.bulk_create(
        [
            CartItem(cart=cart, product=varied, inventory_item=item, quantity=1)
            for cart in variant_carts
            for item in items
        ]
    )
    token, _ = auth_token_issue(user=users[0])
    fixture = {
        "token": token,
        "carts": [cart.token for cart in carts],
        "variant_carts": [cart.token for cart in variant_carts],
        "product": products[PRODUCTS_PER_SHOP].id,
    }
    (ROOT / "bench-results").mkdir(exist_ok=True)
    (ROOT / "bench-results" / "profile-fixture.json").write_text(json.dumps(fixture))


def environ(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> dict[str, Any]:
    path, _, query = path.partition("?")
    result = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "wrk",
        "HTTP_ACCEPT": "*/*",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if body:
        result["CONTENT_LENGTH"] = str(len(body))
        result["CONTENT_TYPE"] = "application/json"
    for name, value in (headers or {}).items():
        result["HTTP_" + name.upper().replace("-", "_")] = value
    return result


def operations(fixture: dict[str, Any]) -> dict[str, Any]:
    """name -> a function of the request number giving (method, path, body, headers)."""
    cart = json.dumps({"product_id": fixture["product"], "quantity": 1}).encode()
    customer = json.dumps(
        {
            "customer_name": "Bench Buyer",
            "customer_email": "buyer@example.com",
            "shipping_address": {"line1": "1 Loop St", "city": "Localhost", "postal_code": "12345"},
        }
    ).encode()
    from orders.models import Cart

    def active(tokens: list[str]) -> list[str]:
        """The carts not checked out by an earlier run (a converted cart is a 404)."""
        found = set(Cart.objects.filter(token__in=tokens, status="active").values_list("token", flat=True))
        return [token for token in tokens if token in found]

    # The first 500 carts are added to (each add merges into one of its lines), the others checked out.
    simple_carts = active(fixture["carts"])
    added_to, carts = simple_carts[:500], iter(simple_carts[500:])
    variant_carts = iter(active(fixture.get("variant_carts", [])))
    login = json.dumps({"identifier": "owner1", "password": PASSWORD}).encode()
    return {
        "ceiling": lambda n: ("GET", "/api/v1/health/live/", b"", {}),
        "list": lambda n: ("GET", f"/api/v1/shops/slug/shop-{n % SHOPS}/products/?page={1 + n % 8}", b"", {}),
        "detail": lambda n: ("GET", f"/api/v1/shops/slug/shop-{n % SHOPS}/products/product-{n % 200}/", b"", {}),
        "shop": lambda n: ("GET", f"/api/v1/shops/slug/shop-{n % SHOPS}/", b"", {}),
        "cart add": lambda n: ("POST", "/api/v1/shops/slug/shop-1/cart/items/", cart, {}),
        "cart add existing": lambda n: (
            "POST",
            "/api/v1/shops/slug/shop-1/cart/items/",
            json.dumps({"product_id": fixture["product"], "cart_token": added_to[n % len(added_to)]}).encode(),
            {},
        ),
        "checkout": lambda n: ("POST", f"/api/v1/shops/carts/{next(carts)}/checkout/", customer, {}),
        "checkout variants": lambda n: ("POST", f"/api/v1/shops/carts/{next(variant_carts)}/checkout/", customer, {}),
        "login": lambda n: ("POST", "/api/v1/auth/login/", login, {}),
    }


OPERATION_NAMES = (
    "ceiling",
    "list",
    "detail",
    "shop",
    "cart add",
    "cart add existing",
    "checkout",
    "checkout variants",
    "login",
)


def run(app: Any, spec: Any, count: int, offset: int = 0) -> tuple[float, set[int]]:
    statuses = set()

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses.add(int(status.split()[0]))

    started = time.process_time()
    for n in range(offset, offset + count):
        method, path, body, headers = spec(n)
        response = app(environ(method, path, body, headers), start_response)
        b"".join(response)
        response.close()
    return (time.process_time() - started) / count * 1000, statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--cache", action="store_true", help="storefront cache on (hits after a first pass)")
    parser.add_argument("--profile", default="")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--dump", default="", help="with --profile: write the pstats file here too")
    parser.add_argument("--only", default="", help="one operation: " + ", ".join(OPERATION_NAMES))
    args = parser.parse_args()
    configure(cache=args.cache)
    if args.seed:
        seed()
        return
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    fixture = json.loads((ROOT / "bench-results" / "profile-fixture.json").read_text())
    ops = operations(fixture)
    names = [args.only] if args.only else list(ops)
    if args.cache:
        names = [name for name in names if not name.startswith(("cart add", "checkout", "login"))]
    for name in names:
        run(app, ops[name], 30)  # warm-up (and with --cache, the first pass fills it)
        if args.cache:
            run(app, ops[name], 600)
        ms, statuses = run(app, ops[name], args.requests, offset=1000)
        print(f"{name:10s} {ms:6.2f} ms CPU/request  statuses {sorted(statuses)}", flush=True)
        if name == args.profile:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            run(app, ops[name], args.requests, offset=5000)
            profiler.disable()
            stats = pstats.Stats(profiler)
            if args.dump:
                stats.dump_stats(args.dump)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
