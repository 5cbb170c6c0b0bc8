"""Faults under way: the bucket crashing or freezing during uploads, PostgreSQL restarting under load. Clients get
a 503 JSON error fast while a service is down; nothing is left half-written (no image row without its objects,
no object without its row once purge_stale_uploads has run); the app recovers without a restart."""

import asyncio
import json
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from bench.api import BOUNDARY, Gunicorn, multipart, request
from bench.loadgen import Connection, split_url
from tests.load.conftest import Services, call, register, wait_until
from tests.load.test_load import small_jpeg

UPLOAD_HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
# SPACES_CONNECT_TIMEOUT=1, SPACES_MAX_ATTEMPTS=1 (conftest) and a 1 s read timeout here: 503s within seconds.
# botocore waits up to ~2.7 read timeouts for a PUT to a frozen server (the 100-continue wait, then the reply)
# and 2 for a DELETE; an upload makes one of each before its 503.
FAULT_ENV = {"SPACES_READ_TIMEOUT": "1"}
FAIL_FAST_SECONDS = 5  # crashed: connections are refused at once
FROZEN_SECONDS = 8


def upload(base_url: str, token: str, shop_id: int, product_id: int) -> tuple[int, Any, float]:
    """POST one small JPEG; (status, parsed body, seconds)."""
    headers = {"Authorization": f"Token {token}", **UPLOAD_HEADERS}
    path = f"/api/v1/shops/{shop_id}/products/{product_id}/images/upload/"
    started = time.monotonic()
    status, response_headers, content = request(base_url, "POST", path, multipart(small_jpeg()), headers)
    body = json.loads(content) if "json" in response_headers.get("content-type", "") else content
    return status, body, time.monotonic() - started


def owner_with_products(base_url: str, count: int) -> tuple[str, int, list[int]]:
    token = register(base_url, f"fault{time.monotonic_ns() % 10**8}")
    status, shop = call(base_url, "POST", "/api/v1/shops/", {"name": "Fault shop"}, token)
    assert status == 201, shop
    products = []
    for index in range(count):
        status, product = call(
            base_url, "POST", f"/api/v1/shops/{shop['id']}/products/", {"name": f"P{index}", "price": "1.00"}, token
        )
        assert status == 201, product
        products.append(product["id"])
    return token, shop["id"], products


def bucket_keys(services: Services) -> set[str]:
    client = boto3.client(
        "s3",
        endpoint_url=services.s3.endpoint_url,
        aws_access_key_id=services.s3.access_key,
        aws_secret_access_key=services.s3.secret_key,
        region_name="us-east-1",
    )
    keys: set[str] = set()
    prefix = f"{services.root_folder}/product_images/"
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=services.s3.bucket, Prefix=prefix):
        keys.update(item["Key"].removeprefix(f"{services.root_folder}/") for item in page.get("Contents", []))
    return keys


def stored_names(services: Services) -> set[str]:
    names: set[str] = set()
    for image, renditions in services.postgres.query("SELECT image, renditions FROM shops_productimage"):
        names.add(image)
        names.update(renditions.values())
    return names


def test_uploads_while_the_bucket_crashes_or_freezes_get_503_and_leave_nothing_behind(services: Services) -> None:
    with Gunicorn(services.env(**FAULT_ENV), workers=3) as server:
        token, shop_id, products = owner_with_products(server.base_url, 8)
        assert upload(server.base_url, token, shop_id, products[0])[0] == 201

        # Crash (SIGKILL) while six uploads are in flight: each either made it whole or got a 503.
        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(upload, server.base_url, token, shop_id, product) for product in products[:6]]
            time.sleep(0.15)
            services.s3.kill(signal.SIGKILL)
            in_flight = [future.result() for future in futures]
        assert {status for status, _, _ in in_flight} <= {201, 503}, in_flight
        down = [upload(server.base_url, token, shop_id, product) for product in products[:3]]
        for status, body, seconds in in_flight + down:
            if status == 503:
                assert body == {"detail": "Image storage is unavailable. Nothing was saved; try again shortly."}
                assert seconds < FAIL_FAST_SECONDS
        assert [status for status, _, _ in down] == [503, 503, 503]

        services.s3 = services.s3.restart()
        assert wait_until(lambda: upload(server.base_url, token, shop_id, products[6])[0] == 201, seconds=60)

        # Frozen (SIGSTOP): connections open but nothing answers; the read timeout turns it into a 503.
        services.s3.kill(signal.SIGSTOP)
        try:
            frozen = [upload(server.base_url, token, shop_id, product) for product in products[:2]]
        finally:
            services.s3.kill(signal.SIGCONT)
        assert [(status, seconds < FROZEN_SECONDS) for status, _, seconds in frozen] == [(503, True)] * 2, frozen
        assert wait_until(lambda: upload(server.base_url, token, shop_id, products[7])[0] == 201, seconds=60)

    # What the failed uploads stored before the crash is journaled; the purge deletes it.
    services.manage("purge_stale_uploads", "--older-than-minutes", "0")
    assert services.postgres.query("SELECT name FROM images_pendingdeletion") == []
    assert bucket_keys(services) == stored_names(services)
    rows = services.postgres.query(
        "SELECT count(*) FROM shops_productimage i JOIN shops_product p ON p.id = i.product_id WHERE p.shop_id = %s",
        shop_id,
    )
    accepted = 3 + sum(1 for status, _, _ in in_flight if status == 201)
    assert rows == [(accepted,)]


def test_a_database_restart_under_load_gives_fast_503s_and_the_app_recovers_without_a_restart(
    services: Services,
) -> None:
    with Gunicorn(services.env(), workers=3) as server:
        token, shop_id, _ = owner_with_products(server.base_url, 3)
        slug = call(server.base_url, "GET", f"/api/v1/shops/{shop_id}/", token=token)[1]["slug"]
        workers = sorted(server.worker_pids())
        log: list[tuple[float, int, float, bytes]] = []
        stop = threading.Event()

        async def client(number: int) -> None:
            connection = Connection(*split_url(server.base_url), timeout=30)
            paths = [f"/api/v1/shops/slug/{slug}/products/", "/api/v1/auth/me/", f"/api/v1/shops/{shop_id}/products/"]
            count = 0
            while not stop.is_set():
                count += 1
                started = time.monotonic()
                try:
                    status, _, body = await connection.request(
                        "GET", paths[(number + count) % 3], {"Authorization": f"Token {token}"}
                    )
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ConnectionError) as error:
                    status, body = 0, repr(error).encode()
                log.append((started, status, time.monotonic() - started, body))
                await asyncio.sleep(0.01)
            await connection.close()

        async def drive() -> None:
            await asyncio.gather(*(client(number) for number in range(6)))

        thread = threading.Thread(target=asyncio.run, args=(drive(),))
        thread.start()
        try:
            time.sleep(3)
            down_at = time.monotonic()
            services.postgres.stop()
            time.sleep(5)
            restart_at = time.monotonic()
            services.postgres.start()  # returns once the server accepts connections
            up_at = time.monotonic()
            time.sleep(6)
        finally:
            stop.set()
            thread.join(60)

        assert sorted(server.worker_pids()) == workers  # recovered without a restart
        # Answered before the stop: a request still in flight when PostgreSQL goes down may fairly get its 503.
        before = [status for started, status, seconds, _ in log if started + seconds < down_at]
        during = [(status, secs, body) for started, status, secs, body in log if down_at + 1 < started < restart_at]
        after = [status for started, status, _, _ in log if started > up_at + 1]
        assert set(before) == {200}
        assert during
        assert {status for status, _, _ in during} == {503}
        assert all(seconds < 3 for _, seconds, _ in during)
        assert {body for _, _, body in during} == {
            b'{"detail":"The database is unavailable. Nothing was saved; try again shortly."}'
        }
        assert after
        assert set(after) == {200}
