"""API benchmark (`make bench`, not a test): the API as production runs it (gunicorn, production settings,
PostgreSQL, an S3 server) on a seeded catalogue, driven by a load generator, against a ceiling measured in the
same run (GET /api/v1/health/live/: the middleware stack and a DRF view, no database).

Storefront reads are measured twice: misses on a server with the storefront cache off (every request renders,
rotating over 50 shops and their pages), hits on a server with it on (every page requested once first). Each
phase measures its own ceiling, and each run (BENCH_RUNS, default 3) gives a ratio; the median is reported.
Prints per operation req/s, p50/p99 latency, CPU ms per request (of the gunicorn processes: less sensitive to
a busy machine than req/s), response bytes, queries per request (the same request made in-process with
CaptureQueriesContext) and the ratio to the ceiling; login against the hasher alone and a worker's memory per
login; checks the targets; writes bench-results/api.md and bench-results/api.png. Uses POSTGRES_* / SPACES_*
when set (a database `shopbuilder_bench` is created there afresh), else the embedded PostgreSQL of .devdata/pg
and a private SeaweedFS.

To add an operation: seed what it needs in `seed()`, add an Operation in `miss_operations()` (or
`owner_operations()`) and its in-process twin in `query_requests()`."""

import http.client
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402 - the repository root is put on the path first

RESULTS = ROOT / "bench-results"
DATABASE = "shopbuilder_bench"
SHOPS, PRODUCTS_PER_SHOP, IMAGES_PER_PRODUCT, CATEGORIES_PER_SHOP = 50, 200, 3, 5
PASSWORD = "bench-Password-7"  # noqa: S105 - a throwaway account on a loopback benchmark
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# Carts of 3 lines, each checked out once across every run (warm-ups included): enough for 3 runs at ~450
# checkouts/s; a run that runs out stops early and `measure` refuses its figures.
CHECKOUT_CARTS = 15000
CUSTOMER = {
    "customer_name": "Bench Buyer",
    "customer_email": "buyer@example.com",
    "shipping_address": {"line1": "1 Loop St", "city": "Localhost", "postal_code": "12345"},
}
# The README's Deploy command (2 x cores + 1 sync workers); BENCH_WORKERS to compare another count.
WORKERS = int(os.environ.get("BENCH_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
BIG_UPLOAD_BYTES = 25 * 1024 * 1024
BOUNDARY = "----benchboundary7MA4YWxkTrZu0gW"
STARTUP_SECONDS = 60


# --- services and the app server ---


def start_services() -> tuple[dict[str, str], list[Any]]:
    """The environment of a production process on this machine's database and bucket (or embedded ones)."""
    env = dict(os.environ)
    keep_alive: list[Any] = []
    if not any(env.get(f"POSTGRES_{part}") for part in ("HOST", "DB", "USER")):
        from devservices.postgres import postgres_environment, start_embedded_postgres

        env.update(postgres_environment(start_embedded_postgres()))  # held until this process exits
    _recreate_database(env)
    env["POSTGRES_DB"] = DATABASE
    if not env.get("SPACES_BUCKET_NAME"):
        from devservices.s3 import start_seaweedfs

        server = start_seaweedfs()
        keep_alive.append(server)
        env.update(server.environment())
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_hex(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="False",
        SPACES_ROOT_FOLDER=f"bench-{secrets.token_hex(4)}",
        IMAGE_MAX_BYTES=str(64 * 1024 * 1024),
        # The benchmark logs in thousands of times from one address: the throttles would answer 429.
        THROTTLE_LOGIN_CLIENT="100000000/min",
        THROTTLE_LOGIN_ACCOUNT_CLIENT="100000000/min",
        THROTTLE_LOGIN_ACCOUNT="100000000/min",
        THROTTLE_CART="100000000/min",
        THROTTLE_CHECKOUT="100000000/min",
        LOG_LEVEL="WARNING",
    )
    return env, keep_alive


def _pg_connect(env: dict[str, str], dbname: str) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=dbname,
        user=env.get("POSTGRES_USER", "postgres"),
        password=env.get("POSTGRES_PASSWORD", ""),
        host=env.get("POSTGRES_HOST", "127.0.0.1"),
        port=env.get("POSTGRES_PORT", "5432"),
        autocommit=True,
    )


def _recreate_database(env: dict[str, str]) -> None:
    with _pg_connect(env, "postgres") as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def database_connections(env: dict[str, str]) -> int:
    with _pg_connect(env, "postgres") as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DATABASE]
        ).fetchone()
    return int(row[0])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Gunicorn:
    """`gunicorn config.wsgi` as the README's Deploy section runs it, bound to loopback."""

    def __init__(self, env: dict[str, str], *, workers: int) -> None:
        self.env, self.workers, self.port = env, workers, free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Gunicorn":
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            f"--workers={self.workers}",
            f"--bind=127.0.0.1:{self.port}",
            "--timeout=120",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited at start")
            try:
                if (
                    request(self.base_url, "GET", "/api/v1/health/")[0] == 200
                    and len(self.worker_pids()) == self.workers
                ):
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not come up")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def __exit__(self, *exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def request(
    base_url: str, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    host, port = loadgen.split_url(base_url)
    connection = http.client.HTTPConnection(host, port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def vm_hwm_kib(pid: int) -> int:
    return _status_kib(pid, "VmHWM:")


def _status_kib(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    raise RuntimeError(f"no {name}")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (/proc/<pid>/stat, clock ticks)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


# --- sample images ---


def photo_jpeg(width: int, height: int, *, sigma: float, quality: int) -> bytes:
    """A photo-like JPEG: gradients with per-channel grain (grain is what makes camera files big)."""
    import pyvips

    x = pyvips.Image.xyz(width, height)
    red = (x[0] * 255 / width).cast("uchar")
    green = (x[1] * 255 / height).cast("uchar")
    blue = ((x[0] + x[1]) * 255 / (width + height)).cast("uchar")
    grain = pyvips.Image.gaussnoise(width, height, sigma=sigma)
    grain = grain.bandjoin([pyvips.Image.gaussnoise(width, height, sigma=sigma) for _ in range(2)])
    return bytes((red.bandjoin([green, blue]) + grain).cast("uchar").jpegsave_buffer(Q=quality))


def big_jpeg(target: int) -> bytes:
    """A 24 MP camera-like JPEG of about `target` bytes."""
    sigma = 12.0
    data = b""
    for _ in range(6):
        data = photo_jpeg(6000, 4000, sigma=sigma, quality=96)
        if abs(len(data) - target) < target * 0.03:
            break
        sigma *= (target / len(data)) ** 1.3
    return data


def multipart(data: bytes, filename: str = "photo.jpg") -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="alt_text"\r\n\r\nA photo\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


# --- children: the parts that run in a Django process with the production settings ---


def django_setup() -> None:
    import django

    django.setup()


def seed() -> dict[str, Any]:
    """50 shops x 200 active products x 3 images (rows sharing three really stored images and their renditions)."""
    django_setup()
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from accounts.services import auth_token_issue
    from images.storage import release_objects
    from images.uploads import store_uploaded_image
    from shops.models import Category, Product, ProductImage, Shop

    stored = []
    for shade in range(IMAGES_PER_PRODUCT):
        data = photo_jpeg(2000, 1500, sigma=3, quality=85) if shade == 0 else photo_jpeg(1200, 900, sigma=3, quality=85)
        image = store_uploaded_image(file=io.BytesIO(data), folder="product_images")
        release_objects(image.names)
        stored.append(image)
    password = make_password(PASSWORD)  # one Argon2 hash (production hasher) for every account
    with transaction.atomic():
        # Enterprise: 200 products per shop and the product-create runs are beyond the free plan's limits.
        users = User.objects.bulk_create(
            [
                User(username=f"owner{n}", email=f"owner{n}@example.com", password=password, account_type="enterprise")
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
                    category=categories[s * CATEGORIES_PER_SHOP + p % CATEGORIES_PER_SHOP],
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
            ],
            batch_size=2000,
        )
        ProductImage.objects.bulk_create(
            [
                ProductImage(
                    product=product,
                    image=image.name,
                    alt_text=f"Photo {position}",
                    position=position,
                    width=image.width,
                    height=image.height,
                    content_type=image.content_type,
                    size=image.size,
                    renditions={str(width): name for width, name in image.renditions.items()},
                    dominant_color=image.dominant_color,
                    placeholder=image.placeholder,
                )
                for product in products
                for position, image in enumerate(stored, 1)
            ],
            batch_size=5000,
        )
    from orders.models import Cart, CartItem

    with transaction.atomic():
        # Carts of 3 lines (untracked stock: no buyer waits on another's row lock), over every shop but the
        # owner's, for the checkout runs; each is checked out once.
        carts = Cart.objects.bulk_create(
            [
                Cart(shop=shops[1 + n % (SHOPS - 1)], token=secrets.token_urlsafe(32))
                for n in range(CHECKOUT_CARTS + 10)
            ],
            batch_size=2000,
        )
        CartItem.objects.bulk_create(
            [
                CartItem(cart=cart, product=products[(1 + n % (SHOPS - 1)) * PRODUCTS_PER_SHOP + line * 11], quantity=2)
                for n, cart in enumerate(carts)
                for line in range(3)
            ],
            batch_size=5000,
        )
    token, _ = auth_token_issue(user=users[0])
    owner_products = [product.id for product in products[:PRODUCTS_PER_SHOP]]
    return {
        "token": token,
        "shop_id": shops[0].id,
        "owner_products": owner_products,
        "shop_slugs": [shop.slug for shop in shops],
        "usernames": [user.username for user in users],
        "cart_tokens": [cart.token for cart in carts],
        "cart_product": products[PRODUCTS_PER_SHOP].id,
    }


def query_requests(fixture: dict[str, Any], upload_body: bytes) -> dict[str, dict[str, Any]]:
    """Each operation as one in-process request: {name: {method, path, body, content_type, auth}}. The
    checkout uses the last spare cart (the load runs take them from the front)."""
    shop, products = fixture["shop_slugs"][1], f"/api/v1/shops/{fixture['shop_id']}/products/"
    return {
        "ceiling": {"method": "GET", "path": "/api/v1/health/live/"},
        "storefront list": {"method": "GET", "path": f"/api/v1/shops/slug/{shop}/products/?page=2"},
        "storefront list, page_size=1": {"method": "GET", "path": f"/api/v1/shops/slug/{shop}/products/?page_size=1"},
        "storefront list, page_size=100": {
            "method": "GET",
            "path": f"/api/v1/shops/slug/{shop}/products/?page_size=100",
        },
        "storefront detail": {"method": "GET", "path": f"/api/v1/shops/slug/{shop}/products/product-7/"},
        "storefront shop page": {"method": "GET", "path": f"/api/v1/shops/slug/{shop}/"},
        "storefront categories": {"method": "GET", "path": f"/api/v1/shops/slug/{shop}/categories/"},
        "cart add": {
            "method": "POST",
            "path": f"/api/v1/shops/slug/{shop}/cart/items/",
            "body": json.dumps({"product_id": fixture["cart_product"], "quantity": 1}).encode(),
            "content_type": "application/json",
        },
        "checkout of 3 lines": {
            "method": "POST",
            "path": f"/api/v1/shops/carts/{fixture['cart_tokens'][-1]}/checkout/",
            "body": json.dumps(CUSTOMER).encode(),
            "content_type": "application/json",
            "once": True,
        },
        "me": {"method": "GET", "path": "/api/v1/auth/me/", "auth": True},
        "login": {
            "method": "POST",
            "path": "/api/v1/auth/login/",
            "body": json.dumps({"identifier": fixture["usernames"][3], "password": PASSWORD}).encode(),
            "content_type": "application/json",
        },
        "owner product create": {
            "method": "POST",
            "path": products,
            "body": json.dumps({"name": "In-process product", "price": "12.50"}).encode(),
            "content_type": "application/json",
            "auth": True,
        },
        "image upload": {
            "method": "POST",
            "path": f"{products}{fixture['owner_products'][-1]}/images/upload/",
            "body": upload_body,
            "content_type": f"multipart/form-data; boundary={BOUNDARY}",
            "auth": True,
        },
    }


def queries(fixture: dict[str, Any], upload_file: str) -> dict[str, Any]:
    """Queries per request of every operation (the second of two identical requests: warm caches; a
    checkout counts its only request), and what the database settings are."""
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts: dict[str, Any] = {}
    for name, spec in query_requests(fixture, Path(upload_file).read_bytes()).items():
        headers = {"authorization": f"Token {fixture['token']}"} if spec.get("auth") else {}
        for _ in range(1 if spec.get("once") else 2):
            with CaptureQueriesContext(connection) as captured:
                response = client.generic(
                    spec["method"],
                    spec["path"],
                    spec.get("body", b""),
                    content_type=spec.get("content_type", "application/octet-stream"),
                    headers=headers,
                )
        counts[name] = {"queries": len(captured), "status": response.status_code}
    database = settings.DATABASES["default"]
    return {
        "counts": counts,
        "conn_max_age": database["CONN_MAX_AGE"],
        "conn_health_checks": database["CONN_HEALTH_CHECKS"],
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    }


def hasher(seconds: float = 5) -> dict[str, Any]:
    """Argon2 verifications per second with the production PASSWORD_HASHERS, in-process: one thread, and one
    per core (argon2-cffi releases the GIL). The higher is what the hasher alone can do."""
    django_setup()
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password(PASSWORD)

    def verify_for(deadline: float) -> int:
        count = 0
        while time.monotonic() < deadline:
            if not check_password(PASSWORD, encoded):
                raise RuntimeError("the hasher refused its own password")
            count += 1
        return count

    rates = {}
    for threads in (1, os.cpu_count() or 1):
        deadline = time.monotonic() + seconds
        with ThreadPoolExecutor(threads) as pool:
            total = sum(pool.map(verify_for, [deadline] * threads))
        rates[threads] = total / seconds
    return {"hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1], "rates": rates, "best": max(rates.values())}


def bracketed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The hasher of a run: the mean of its measures before and after the run's logins."""
    rates = {threads: (rate + after["rates"][threads]) / 2 for threads, rate in before["rates"].items()}
    return {"hasher": before["hasher"], "rates": rates, "best": max(rates.values()), "measures": [before, after]}


def child(env: dict[str, str], *args: str) -> Any:
    output = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise SystemExit(f"bench child {args[0]} failed:\n{output.stderr[-5000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=ROOT, check=True)  # noqa: S603


# --- the run ---


def storefront_operations(fixture: dict[str, Any], *, suffix: str) -> list[loadgen.Operation]:
    """The public pages, rotating over every shop (and its list pages, and 12 products each)."""
    pages = range(1, PRODUCTS_PER_SHOP // 24 + 1)
    slugs = fixture["shop_slugs"]
    return [
        loadgen.Operation(
            f"storefront list {suffix}",
            "GET",
            [f"/api/v1/shops/slug/{slug}/products/?page={page}" for slug in slugs for page in pages],
        ),
        loadgen.Operation(
            f"storefront detail {suffix}",
            "GET",
            [f"/api/v1/shops/slug/{slug}/products/product-{p}/" for slug in slugs for p in range(0, 200, 17)],
        ),
        loadgen.Operation(f"storefront shop page {suffix}", "GET", [f"/api/v1/shops/slug/{slug}/" for slug in slugs]),
    ]


def miss_operations(fixture: dict[str, Any], checkout_paths: list[str]) -> list[loadgen.Operation]:
    json_body = {"Content-Type": "application/json"}
    return [
        loadgen.Operation("ceiling", "GET", ["/api/v1/health/live/"]),
        *storefront_operations(fixture, suffix="(miss)"),
        loadgen.Operation(
            "cart add",
            "POST",
            [f"/api/v1/shops/slug/{slug}/cart/items/" for slug in fixture["shop_slugs"][1:2]],
            headers=json_body,
            body=json.dumps({"product_id": fixture["cart_product"], "quantity": 1}).encode(),
            ok_statuses=(201,),
        ),
        loadgen.Operation(
            "checkout of 3 lines",
            "POST",
            checkout_paths,
            headers=json_body,
            body=json.dumps(CUSTOMER).encode(),
            ok_statuses=(201,),
            once=True,
        ),
        loadgen.Operation(
            "login",
            "POST",
            ["/api/v1/auth/login/"],
            headers=json_body,
            bodies=[json.dumps({"identifier": name, "password": PASSWORD}) for name in fixture["usernames"]],
        ),
    ]


def owner_operations(fixture: dict[str, Any], upload_body: bytes) -> list[loadgen.Operation]:
    token = {"Authorization": f"Token {fixture['token']}"}
    owner = f"/api/v1/shops/{fixture['shop_id']}/products/"
    return [
        loadgen.Operation("me", "GET", ["/api/v1/auth/me/"], headers=token),
        loadgen.Operation(
            "owner product create",
            "POST",
            [owner],
            headers={**token, "Content-Type": "application/json"},
            body_template=json.dumps(
                {
                    "name": f"New product {loadgen.COUNTER}",
                    "price": "24.50",
                    "short_description": "Made by the benchmark.",
                    "stock_quantity": 3,
                }
            ),
            ok_statuses=(201,),
        ),
        loadgen.Operation(
            "image upload",
            "POST",
            [f"{owner}{product}/images/upload/" for product in fixture["owner_products"]],
            headers={**token, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            body=upload_body,
            ok_statuses=(201,),
        ),
    ]


def measure(server: "Gunicorn", operation: loadgen.Operation) -> dict[str, Any]:
    """One timed run of `operation` (after a second of warm-up): rate, latency, errors, CPU ms per request of
    the gunicorn processes, and the bytes of one response."""
    loadgen.run(operation, base_url=server.base_url, seconds=1, connections=CONNECTIONS)
    pids = [server.process.pid, *server.worker_pids()] if server.process else []
    cpu_before = cpu_seconds(pids)
    result = loadgen.run(operation, base_url=server.base_url, seconds=SECONDS, connections=CONNECTIONS)
    cpu = cpu_seconds(pids) - cpu_before
    if operation.once and not operation.paths:
        raise RuntimeError(f"{operation.name} used every path before its run ended: raise CHECKOUT_CARTS")
    size = 0
    if operation.method == "GET":
        # The last path: of the last shop. The first shop is the owner's, which the owner operations fill with
        # products of their own (no image, no description), so its pages are smaller than the seeded ones.
        size = len(request(server.base_url, "GET", operation.paths[-1], headers=operation.headers)[2])
    return {
        "rate": result.rate,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "errors": result.errors,
        "cpu_ms": cpu * 1000 / max(1, result.requests),
        "bytes": size,
    }


def measure_big_upload(env: dict[str, str], fixture: dict[str, Any], small: bytes) -> dict[str, Any]:
    """The peak memory a 25 MB upload adds to a worker: a fresh single-worker server, warmed with a small upload
    (imports, libvips, the S3 client), then VmHWM (the resident high-water mark) before and after."""
    data = big_jpeg(BIG_UPLOAD_BYTES)
    body = multipart(data, "big.jpg")
    product = fixture["owner_products"][-2]
    path = f"/api/v1/shops/{fixture['shop_id']}/products/{product}/images/upload/"
    headers = {
        "Authorization": f"Token {fixture['token']}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    with Gunicorn(env, workers=1) as server:
        (pid,) = server.worker_pids()
        warm = request(server.base_url, "POST", path, multipart(small), headers)[0]
        before = vm_hwm_kib(pid)
        started = time.perf_counter()
        status, _, response = request(server.base_url, "POST", path, body, headers)
        elapsed = time.perf_counter() - started
        after = vm_hwm_kib(pid)
    if (warm, status) != (201, 201):
        raise SystemExit(f"upload failed: {warm} {status} {response[:500]!r}")
    return {"file_bytes": len(data), "before_kib": before, "after_kib": after, "seconds": elapsed}


def login_memory(env: dict[str, str], fixture: dict[str, Any], logins: int = 10) -> dict[str, Any]:
    """What logins cost a worker's memory: a fresh single-worker server warmed with a storefront read, then
    `logins` logins one after another; the rise of the resident high-water mark (VmHWM) and of the resident
    set after them (VmRSS: what stays)."""
    body = json.dumps({"identifier": fixture["usernames"][5], "password": PASSWORD}).encode()
    with Gunicorn(env, workers=1) as server:
        (pid,) = server.worker_pids()
        request(server.base_url, "GET", f"/api/v1/shops/slug/{fixture['shop_slugs'][0]}/products/")
        rss_before, hwm_before = _status_kib(pid, "VmRSS:"), vm_hwm_kib(pid)
        statuses = {
            request(server.base_url, "POST", "/api/v1/auth/login/", body, {"Content-Type": "application/json"})[0]
            for _ in range(logins)
        }
        rss_after, hwm_after = _status_kib(pid, "VmRSS:"), vm_hwm_kib(pid)
    if statuses != {200}:
        raise SystemExit(f"login failed: {statuses}")
    return {
        "logins": logins,
        "peak_rise_mib": (hwm_after - max(hwm_before, rss_before)) / 1024,
        "kept_per_login_mib": (rss_after - rss_before) / 1024 / logins,
        "rss_before_mib": rss_before / 1024,
        "hwm_after_mib": hwm_after / 1024,
    }


def main() -> None:
    started = time.monotonic()
    env, keep_alive = start_services()
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        print("seeding...", flush=True)
        fixture = child(env, "seed")
        small = photo_jpeg(1600, 1200, sigma=3, quality=85)
        upload_body = multipart(small)
        RESULTS.mkdir(exist_ok=True)
        upload_file = RESULTS / "upload-body.bin"
        upload_file.write_bytes(upload_body)
        # Counted with the storefront cache off: what rendering a page costs (a cache hit makes none).
        fixture_file = RESULTS / "fixture.json"  # too long for a command line (the cart tokens)
        fixture_file.write_text(json.dumps(fixture))
        counted = child({**env, "STOREFRONT_CACHE_SECONDS": "0"}, "queries", str(fixture_file), str(upload_file))
        fixture_file.unlink()
        checkout_paths = [f"/api/v1/shops/carts/{token}/checkout/" for token in fixture["cart_tokens"][:-10]]
        runs: list[dict[str, dict[str, Any]]] = []
        for run in range(RUNS):
            figures: dict[str, dict[str, Any]] = {}
            # Misses: the cache off, every request renders.
            with Gunicorn({**env, "STOREFRONT_CACHE_SECONDS": "0"}, workers=WORKERS) as server:
                for operation in miss_operations(fixture, checkout_paths):
                    if operation.name == "login":
                        # The hasher alone just before and just after the logins (the server idle), their mean
                        # the hasher of this run: this machine's Argon2 speed drifts by ±7% from one minute to
                        # the next (78 to 89 verifications/s in six runs in a row), by more over a whole bench.
                        print(f"run {run + 1}/{RUNS}: the hasher alone, before the logins...", flush=True)
                        hasher_before = child(env, "hasher")
                    print(f"run {run + 1}/{RUNS}: {operation.name}...", flush=True)
                    figures[operation.name] = measure(server, operation)
                    if operation.name == "login":
                        print(f"run {run + 1}/{RUNS}: the hasher alone, after the logins...", flush=True)
                        figures["login"]["hasher"] = bracketed(hasher_before, child(env, "hasher"))
                ceiling = figures["ceiling"]["rate"]
                for name in list(figures):
                    figures[name]["ratio"] = figures[name]["rate"] / ceiling
                if run == 0:
                    for operation in owner_operations(fixture, upload_body):
                        print(f"run 1: {operation.name}...", flush=True)
                        figures[operation.name] = measure(server, operation)
                        figures[operation.name]["ratio"] = figures[operation.name]["rate"] / ceiling
                connections_open = database_connections(env)
            # Hits: the cache on, every page requested once first (as a minute of real traffic leaves it).
            with Gunicorn(env, workers=WORKERS) as server:
                hit_ceiling = measure(server, loadgen.Operation("ceiling", "GET", ["/api/v1/health/live/"]))
                figures["ceiling (hit phase)"] = {**hit_ceiling, "ratio": 1.0}
                for operation in storefront_operations(fixture, suffix="(hit)"):
                    for path in operation.paths:
                        request(server.base_url, "GET", path)
                    print(f"run {run + 1}/{RUNS}: {operation.name}...", flush=True)
                    figures[operation.name] = measure(server, operation)
                    figures[operation.name]["ratio"] = figures[operation.name]["rate"] / hit_ceiling["rate"]
            runs.append(figures)
        memory = measure_big_upload(env, fixture, small)
        logins = login_memory(env, fixture)
        upload_file.unlink()
    finally:
        for server in keep_alive:
            server.stop()
    report(runs, counted, memory, logins, connections_open, time.monotonic() - started)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(
    runs: list[dict[str, dict[str, Any]]],
    counted: dict[str, Any],
    memory: dict[str, Any],
    logins: dict[str, Any],
    connections_open: int,
    elapsed: float,
) -> None:
    counts = counted["counts"]
    names = list(runs[0])
    figures = {
        name: {
            key: _median([run[name][key] for run in runs if name in run])
            for key in ("rate", "p50_ms", "p99_ms", "cpu_ms", "bytes", "ratio")
        }
        | {"errors": sum(run[name]["errors"] for run in runs if name in run), "runs": sum(name in run for run in runs)}
        for name in names
    }
    generator = "wrk" if _uses_wrk() else "asyncio load generator (bench/loadgen.py)"
    lines = [
        f"API benchmark: gunicorn, {WORKERS} sync workers, config.settings.production, {os.cpu_count()} cores, "
        f"{generator} with {CONNECTIONS} connections, {SECONDS:.0f} s per operation, median of {RUNS} runs "
        f"(owner operations: 1 run); {SHOPS} shops x {PRODUCTS_PER_SHOP} products x {IMAGES_PER_PRODUCT} images. "
        "Misses on a server with the storefront cache off, hits on one with it on, each against the ceiling "
        "(health/live) measured on the same server in the same run.",
        "",
        "| operation | req/s | p50 | p99 | CPU ms/request | bytes | queries/request | vs ceiling (median) "
        "| ratios per run | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def queries_of(name: str) -> Any:
        base = name.replace(" (miss)", "").replace(" (hit)", "").replace(" (hit phase)", "")
        if name.endswith("(hit)"):
            return 0
        return counts.get(base, {}).get("queries", "")

    for name, figure in figures.items():
        per_run = ", ".join(f"{run[name]['ratio']:.0%}" for run in runs if name in run)
        size = f"{figure['bytes'] / 1024:.1f} KB" if figure["bytes"] else ""
        lines.append(
            f"| {name} | {figure['rate']:.0f} | {figure['p50_ms']:.1f} ms | {figure['p99_ms']:.1f} ms "
            f"| {figure['cpu_ms']:.1f} | {size} | {queries_of(name)} | {figure['ratio']:.1%} | {per_run} "
            f"| {figure['errors']} |"
        )
    list_queries = {name: spec["queries"] for name, spec in counts.items() if name.startswith("storefront list")}
    login_rate = figures["login"]["rate"]
    hashers = [run["login"]["hasher"] for run in runs]
    login_ratios = [run["login"]["rate"] / hasher["best"] for run, hasher in zip(runs, hashers, strict=True)]
    login_ratio = _median(login_ratios)
    growth = (memory["after_kib"] - memory["before_kib"]) * 1024

    def ratio(name: str) -> float:
        return figures[name]["ratio"]

    def held(value: float, goal: float) -> str:
        return f"{value:.1%} (goal {goal:.0%}: {value / goal:.2f}x)"

    hits = [name for name in figures if name.endswith("(hit)")]
    shop_bytes = figures["storefront shop page (miss)"]["bytes"]
    targets = [
        (
            f"uncached product list (24) ≥ 10% of the ceiling: {held(ratio('storefront list (miss)'), 0.10)}, "
            + ", ".join(
                f"{name.removeprefix('storefront list').strip(', ') or '24'}: {n} queries"
                for name, n in list_queries.items()
            ),
            ratio("storefront list (miss)") >= 0.10 and counts["storefront list"]["queries"] <= 2,
        ),
        (
            f"uncached product detail ≥ 15%: {held(ratio('storefront detail (miss)'), 0.15)}, "
            f"{counts['storefront detail']['queries']} queries",
            ratio("storefront detail (miss)") >= 0.15,
        ),
        (
            f"uncached shop page ≤ 100 KB and ≥ 5%: {shop_bytes / 1024:.1f} KB, "
            f"{held(ratio('storefront shop page (miss)'), 0.05)}, {counts['storefront shop page']['queries']} queries",
            shop_bytes <= 100 * 1024 and ratio("storefront shop page (miss)") >= 0.05,
        ),
        (
            f"cart add ≥ 20%: {held(ratio('cart add'), 0.20)}, {counts['cart add']['queries']} queries",
            ratio("cart add") >= 0.20,
        ),
        (
            f"checkout of 3 lines ≥ 5%: {held(ratio('checkout of 3 lines'), 0.05)}, "
            f"{counts['checkout of 3 lines']['queries']} queries",
            ratio("checkout of 3 lines") >= 0.05,
        ),
        (
            f"login ≥ 40/s and ≥ 80% of the hasher alone: {login_rate:.1f} logins/s; the hasher alone in-process "
            f"({hashers[0]['hasher']}, the best of 1 and {os.cpu_count()} threads) around each run's logins: "
            + ", ".join(
                f"{hasher['best']:.1f}/s (mean of {hasher['measures'][0]['best']:.1f} before and "
                f"{hasher['measures'][1]['best']:.1f} after; {run['login']['rate']:.1f} logins/s = {ratio_of_run:.0%})"
                for run, hasher, ratio_of_run in zip(runs, hashers, login_ratios, strict=True)
            )
            + f"; median {login_ratio:.0%}",
            login_rate >= 40 and login_ratio >= 0.80,
        ),
        (
            f"a worker's memory per login < 32 MB: {logins['logins']} logins in a row raise its peak resident memory "
            f"by {logins['peak_rise_mib']:.1f} MiB (VmRSS {logins['rss_before_mib']:.0f} -> VmHWM "
            f"{logins['hwm_after_mib']:.0f} MiB) and keep {logins['kept_per_login_mib']:.2f} MiB per login",
            logins["peak_rise_mib"] * 1.048576 < 32,
        ),
        (
            "hits ≥ 40%: " + ", ".join(f"{name}: {held(ratio(name), 0.40)}" for name in hits),
            all(ratio(name) >= 0.40 for name in hits),
        ),
        (
            f"a {memory['file_bytes'] / 1e6:.1f} MB upload raises a worker's peak memory by < 2x its size: "
            f"VmHWM {memory['before_kib'] / 1024:.0f} -> {memory['after_kib'] / 1024:.0f} MiB, "
            f"+{growth / 1e6:.1f} MB = {growth / memory['file_bytes']:.2f}x (upload took {memory['seconds']:.1f} s)",
            growth < 2 * memory["file_bytes"],
        ),
        (
            f"0 errors: {sum(figure['errors'] for figure in figures.values())}",
            all(figure["errors"] == 0 for figure in figures.values()),
        ),
    ]
    lines += ["", "Targets:", ""]
    lines += [f"- {'met' if ok else '**NOT met**'}: {text}" for text, ok in targets]
    lines += [
        "",
        f"Database connections open after the load: {connections_open} for {WORKERS} workers "
        f"(CONN_MAX_AGE={counted['conn_max_age']}, CONN_HEALTH_CHECKS={counted['conn_health_checks']}). "
        f"Cache: {counted['cache']}. CPU ms/request: user + system time of the gunicorn processes during the timed "
        "run over its requests (PostgreSQL's own time not included).",
        f"Queries per request are counted in-process (CaptureQueriesContext) on the same database, with the "
        f"storefront cache off (what a miss costs; a hit makes none). Run took {elapsed:.0f} s.",
    ]
    text = "\n".join(lines)
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api.md").write_text(text + "\n")
    chart(figures, RESULTS / "api.png")
    print(f"\nwrote {RESULTS / 'api.md'} and {RESULTS / 'api.png'}")


def _uses_wrk() -> bool:
    import shutil

    return shutil.which("wrk") is not None


def chart(figures: dict[str, dict[str, Any]], path: Path) -> None:
    """Horizontal bars of each operation's ratio to its ceiling (median of the runs)."""
    from PIL import Image, ImageDraw

    row, left, width = 34, 260, 900
    image = Image.new("RGB", (width, row * (len(figures) + 2)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 8), "ratio to the ceiling (health/live) per operation, median of the runs", fill="black")
    scale = (width - left - 160) / max(figure["ratio"] for figure in figures.values())
    for index, (name, figure) in enumerate(figures.items()):
        top = row * (index + 1) + 8
        draw.text((10, top + 8), name, fill="black")
        colour = "#888888" if name.startswith("ceiling") else "#3b7dd8"
        draw.rectangle([left, top + 4, left + max(1, int(figure["ratio"] * scale)), top + row - 6], fill=colour)
        label = f"{figure['ratio']:.1%}  {figure['rate']:.0f}/s"
        draw.text((left + int(figure["ratio"] * scale) + 8, top + 8), label, fill="black")
    image.save(path)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "seed":
        print(json.dumps(seed()))
    elif command == "queries":
        print(json.dumps(queries(json.loads(Path(sys.argv[2]).read_text()), sys.argv[3])))
    elif command == "hasher":
        print(json.dumps(hasher()))
    else:
        main()
