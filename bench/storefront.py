"""Public page benchmark (`make bench-storefront`, not a test): what one anonymous request costs on a big shop.

Seeds one shop of 100 products on sale x 100 variants (Size x Colour, an inventory item each, a photo each),
starts gunicorn with the production settings (as `make bench`), and prints for the shop page, the product
list (page_size=100) and a product page: the body size and the time of a cold request (the storefront cache
emptied first: what a miss costs) and of a warm one (served from the cache), anonymous and with a garbage
`Authorization` header (which must not miss the cache), a real token's (which bypasses it), and ten garbage
requests at once on a cold cache. Writes bench-results/storefront.md. Uses POSTGRES_* / SPACES_* as
`make bench` does, in a database of its own (`shopbuilder_bench_storefront`)."""

import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api  # noqa: E402 - the repository root is put on the path first

api.DATABASE = "shopbuilder_bench_storefront"  # apart from `make bench`, which may run at the same time
PRODUCTS, SIZES, COLOURS = 100, 10, 10
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
GARBAGE = {"Authorization": "Token garbage-that-logs-nobody-in"}


def seed() -> dict[str, Any]:
    """One enterprise shop: PRODUCTS products, each with Size x Colour options, one active item per
    combination (SIZES x COLOURS), a photo row with four renditions and a placeholder, 1 KB of description."""
    api.django_setup()
    from decimal import Decimal

    from django.db import transaction

    from accounts.models import User
    from accounts.services import auth_token_issue
    from shops.models import (
        FIRST_IMAGE_POSITION,
        Category,
        Product,
        ProductImage,
        ProductInventoryItem,
        ProductVariantOption,
        ProductVariantType,
        Shop,
    )

    with transaction.atomic():
        user = User.objects.create_user(
            username="big", email="big@example.com", password=api.PASSWORD, account_type="enterprise"
        )
        shop = Shop.objects.create(owner=user, name="Big Shop", slug="big-shop", currency="USD")
        category = Category.objects.create(shop=shop, name="Tees", slug="tees")
        products = Product.objects.bulk_create(
            Product(
                shop=shop,
                category=category,
                name=f"Tee {p}",
                slug=f"tee-{p}",
                short_description="A tee of the benchmark catalogue, with a sentence or two about it.",
                long_description="Longer text about the tee. " * 40,
                price=Decimal("19.90") + p,
                stock_status="limited",
                stock_quantity=SIZES * COLOURS * 5,
            )
            for p in range(PRODUCTS)
        )
        placeholder = "data:image/webp;base64," + "A" * 400
        ProductImage.objects.bulk_create(
            ProductImage(
                product=product,
                image=f"product_images/{product.id:032x}.jpg",
                alt_text=f"Photo of {product.name}",
                position=FIRST_IMAGE_POSITION,
                width=2000,
                height=1500,
                content_type="image/jpeg",
                size=900_000,
                renditions={str(w): f"product_images/{product.id:032x}-{w}.webp" for w in (160, 480, 960, 1600)},
                dominant_color="#336699",
                placeholder=placeholder,
            )
            for product in products
        )
        types = ProductVariantType.objects.bulk_create(
            ProductVariantType(product=product, name=name, position=position)
            for product in products
            for position, name in enumerate(("Size", "Colour"))
        )
        options = ProductVariantOption.objects.bulk_create(
            ProductVariantOption(variant_type=variant_type, name=f"{variant_type.name} {n}", value=f"v{n}", position=n)
            for variant_type in types
            for n in range(SIZES if variant_type.name == "Size" else COLOURS)
        )
        by_type: dict[int, list[Any]] = {}
        for option in options:
            by_type.setdefault(option.variant_type_id, []).append(option)
        combinations = []
        for index, product in enumerate(products):
            sizes, colours = by_type[types[2 * index].id], by_type[types[2 * index + 1].id]
            combinations += [(product, size, colour) for size in sizes for colour in colours]
        items = ProductInventoryItem.objects.bulk_create(
            (
                ProductInventoryItem(
                    product=product,
                    option_key=f"{min(size.id, colour.id)}-{max(size.id, colour.id)}",
                    sku=f"T{product.id}-{size.id}-{colour.id}",
                    stock_quantity=5,
                    position=n % (SIZES * COLOURS),
                )
                for n, (product, size, colour) in enumerate(combinations)
            ),
            batch_size=5000,
        )
        through = ProductInventoryItem.options.through
        through.objects.bulk_create(
            (
                through(productinventoryitem_id=item.id, productvariantoption_id=option.id)
                for item, (_, size, colour) in zip(items, combinations, strict=True)
                for option in (size, colour)
            ),
            batch_size=10000,
        )
    token, _ = auth_token_issue(user=user)
    return {"token": token, "items": len(items)}


def clear() -> dict[str, Any]:
    """Empty the cache (the storefront pages and versions): the next request of each page is a miss."""
    api.django_setup()
    from django.core.cache import cache

    cache.clear()
    return {}


def child(env: dict[str, str], *args: str) -> Any:
    output = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise SystemExit(f"bench child {args[0]} failed:\n{output.stderr[-5000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def timed(base_url: str, path: str, headers: dict[str, str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    status, response_headers, body = api.request(base_url, "GET", path, headers=headers)
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    return (time.perf_counter() - started) * 1000, len(body), response_headers.get("etag", "")


def measure(env: dict[str, str], base_url: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """Median cold (cache emptied before each) and warm (the same page again) times, and the body size."""
    cold, warm = [], []
    size = 0
    for _ in range(RUNS):
        child(env, "clear")
        elapsed, size, _ = timed(base_url, path, headers)
        cold.append(elapsed)
        warm.append(statistics.median(timed(base_url, path, headers)[0] for _ in range(5)))
    return {"cold_ms": statistics.median(cold), "warm_ms": statistics.median(warm), "bytes": size}


def burst(env: dict[str, str], base_url: str, path: str, headers: dict[str, str], count: int = 10) -> float:
    """`count` requests at once on an emptied cache: milliseconds until the last answers."""
    child(env, "clear")
    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda _: timed(base_url, path, headers), range(count)))
    return (time.perf_counter() - started) * 1000


def main() -> None:
    env, keep_alive = api.start_services()
    try:
        api.manage(env, "migrate", "--no-input", "-v", "0")
        api.manage(env, "createcachetable")
        print(f"seeding {PRODUCTS} products x {SIZES * COLOURS} variants...", flush=True)
        fixture = child(env, "seed")
        owner = {"Authorization": f"Token {fixture['token']}"}
        pages = {
            "shop page": "/api/v1/shops/slug/big-shop/",
            "product list, page_size=100": "/api/v1/shops/slug/big-shop/products/?page_size=100",
            "product page (100 variants)": "/api/v1/shops/slug/big-shop/products/tee-7/",
        }
        rows = []
        with api.Gunicorn(env, workers=api.WORKERS) as server:
            # Every worker's first request pays for lazy imports and its database connection: not measured.
            for path in pages.values():
                with ThreadPoolExecutor(api.WORKERS) as pool:
                    list(pool.map(lambda _, p=path: timed(server.base_url, p, owner), range(4 * api.WORKERS)))
            for name, path in pages.items():
                for who, headers in (("anonymous", {}), ("garbage token", GARBAGE), ("owner's token", owner)):
                    print(f"{name}, {who}...", flush=True)
                    rows.append((name, who, measure(env, server.base_url, path, headers)))
            ten = burst(env, server.base_url, pages["shop page"], GARBAGE)
    finally:
        for server in keep_alive:
            server.stop()
    report(rows, ten, fixture)


def report(rows: list[tuple[str, str, dict[str, Any]]], ten: float, fixture: dict[str, Any]) -> None:
    lines = [
        f"Public pages of one shop of {PRODUCTS} products x {SIZES * COLOURS} variants ({fixture['items']} "
        f"inventory items): gunicorn, {api.WORKERS} sync workers, production settings; median of {RUNS}. "
        "Cold: the cache emptied first (a miss); warm: the same request again.",
        "",
        "| page | client | bytes | cold | warm |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {who} | {m['bytes']:,} | {m['cold_ms']:.1f} ms | {m['warm_ms']:.1f} ms |" for name, who, m in rows
    ]
    lines += ["", f"Ten shop-page requests at once with a garbage token, cache emptied: {ten:.0f} ms until the last."]
    text = "\n".join(lines)
    print("\n" + text)
    api.RESULTS.mkdir(exist_ok=True)
    (api.RESULTS / "storefront.md").write_text(text + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps({"seed": seed, "clear": clear}[sys.argv[1]]()))
    else:
        main()
