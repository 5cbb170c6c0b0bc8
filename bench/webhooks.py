"""Webhook delivery figures (`make bench-webhooks`, not a test), and the scenarios of the long webhook tests.

Runs with the production settings on POSTGRES_* (or an embedded PostgreSQL) in a database of its own
(`shopbuilder_bench_webhooks`), real worker processes (`manage.py procrastinate worker --queues webhooks
--concurrency WEBHOOKS_WORKER_CONCURRENCY --fetch-job-polling-interval 0.2`, as README's Deploy says) and real
HTTP receivers on loopback (threads of this process; hence WEBHOOKS_ALLOW_LOOPBACK=True). Events are made by the
catalogue's own service (product_create), so each costs what it costs in production (the product's JSON built in
its transaction).

Prints, for one and two worker processes: enqueue -> delivered p50 / p95 at a steady 20 events/s, and
deliveries/s draining a backlog of 1,000 deliveries to 10 shops. Writes bench-results/webhooks.md.

`python bench/webhooks.py scenario retry|isolation` runs one scenario of tests/load/test_webhooks.py on the
environment it is given and prints its figures as JSON (the test asserts on them)."""

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api  # noqa: E402 - the repository root is put on the path first

api.DATABASE = "shopbuilder_bench_webhooks"
STEADY_RATE, STEADY_SECONDS = 20, 15
BACKLOG_EVENTS, BACKLOG_SHOPS = 1000, 10
# The long tests' scenarios (tests/load/test_webhooks.py).
RETRY_FAIL_SECONDS, RETRY_EVENTS, RETRY_EVERY_SECONDS = 120, 12, 5
ISOLATION_HEALTHY_SHOPS, ISOLATION_RATE, ISOLATION_SECONDS = 5, 10, 30


# --- in the child: Django with the production settings ---


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


@contextmanager
def workers(count: int) -> Iterator[None]:
    """`count` webhook worker processes (each running WEBHOOKS_WORKER_CONCURRENCY deliveries at once)."""
    from django.conf import settings

    command = [
        sys.executable,
        "manage.py",
        "procrastinate",
        "worker",
        "--queues",
        "webhooks",
        "--concurrency",
        str(settings.WEBHOOKS_WORKER_CONCURRENCY),
        "--fetch-job-polling-interval",
        "0.2",
    ]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        for _ in range(count)
    ]
    try:
        time.sleep(2)  # started and listening
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _shop_with_endpoint(url: str) -> Any:
    from accounts.models import User
    from shops.models import Shop
    from webhooks.services.endpoints import endpoint_create

    name = f"bench-{secrets.token_hex(4)}"
    user = User.objects.create_user(
        username=name, email=f"{name}@example.com", password=api.PASSWORD, account_type="enterprise"
    )
    shop = Shop.objects.create(owner=user, name=name, slug=name, currency="USD")
    endpoint_create(shop=shop, url=url, event_types=["product.created"])
    return shop


def _emit(shop: Any) -> None:
    from decimal import Decimal

    from shops.services.products import product_create

    product_create(shop=shop, data={"name": f"Thing {secrets.token_hex(3)}", "price": Decimal("5.00")})


def _event_times(shop_ids: list[int]) -> dict[str, float]:
    from webhooks.models import WebhookEvent

    return {
        event_id: created_at.timestamp()
        for event_id, created_at in WebhookEvent.objects.filter(shop_id__in=shop_ids).values_list("id", "created_at")
    }


def _first_received(receiver: Any) -> dict[str, float]:
    first: dict[str, float] = {}
    for request in receiver.received():
        first.setdefault(request.headers["webhook-id"], request.received_at)
    return first


def _paced(shops: list[Any], *, rate: float, seconds: float) -> None:
    started = time.monotonic()
    for number in range(int(rate * seconds)):
        time.sleep(max(0.0, started + number / rate - time.monotonic()))
        _emit(shops[number % len(shops)])


def _wait(condition: Any, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _pending() -> int:
    from webhooks.models import DeliveryState, WebhookDelivery

    return WebhookDelivery.objects.filter(state=DeliveryState.PENDING).count()


def steady_latency(worker_count: int) -> dict[str, Any]:
    from webhooks.tests.receiver import Receiver

    receiver = Receiver()
    shops = [_shop_with_endpoint(receiver.url) for _ in range(BACKLOG_SHOPS)]
    with workers(worker_count):
        _paced(shops, rate=STEADY_RATE, seconds=STEADY_SECONDS)
        _wait(lambda: _pending() == 0, seconds=60)
    created = _event_times([shop.id for shop in shops])
    received = _first_received(receiver)
    receiver.close()
    latencies = [received[event_id] - at for event_id, at in created.items() if event_id in received]
    return {
        "events": len(created),
        "delivered": len(latencies),
        "p50_ms": round(_percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
    }


def backlog_drain(worker_count: int) -> dict[str, Any]:
    from webhooks.tests.receiver import Receiver

    receiver = Receiver()
    shops = [_shop_with_endpoint(receiver.url) for _ in range(BACKLOG_SHOPS)]
    for number in range(BACKLOG_EVENTS):
        _emit(shops[number % len(shops)])
    started = time.monotonic()
    with workers(worker_count):
        _wait(lambda: len(receiver.received()) >= BACKLOG_EVENTS, seconds=300)
        received = receiver.received()
    receiver.close()
    times = sorted(request.received_at for request in received)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    return {
        "deliveries": len(received),
        "per_second": round((len(received) - 1) / span, 1) if len(times) > 1 else 0,
        "wall_seconds": round(time.monotonic() - started, 1),
    }


def scenario_retry() -> dict[str, Any]:
    """A receiver that answers 500 for RETRY_FAIL_SECONDS, then 200; events made during the outage."""
    from webhooks.models import WebhookAttempt
    from webhooks.tests.receiver import Answer, Receiver

    started = time.monotonic()
    receiver = Receiver(
        answer=lambda request: Answer(status=500 if time.monotonic() - started < RETRY_FAIL_SECONDS else 200)
    )
    shop = _shop_with_endpoint(receiver.url)
    with workers(1):
        for _ in range(RETRY_EVENTS):
            _emit(shop)
            time.sleep(RETRY_EVERY_SECONDS)
        _wait(lambda: _pending() == 0, seconds=RETRY_FAIL_SECONDS + 300)
    requests = receiver.received()
    receiver.close()
    attempts = list(WebhookAttempt.objects.order_by("attempted_at").values_list("delivery__event_id", "status_code"))
    return {
        "events": sorted(_event_times([shop.id])),
        "delivered": sorted({event_id for event_id, status in attempts if status == 200}),
        "requests": [[r.headers["webhook-id"], r.received_at - started] for r in requests],
        "attempts": attempts,
        "pending": _pending(),
        "seconds": round(time.monotonic() - started, 1),
    }


def scenario_isolation() -> dict[str, Any]:
    """One shop's endpoint hangs (never answers); the other shops' deliveries are timed."""
    from webhooks.models import WebhookAttempt
    from webhooks.tests.receiver import Answer, Receiver

    hanging = Receiver(answer=lambda request: Answer(hang_seconds=120))
    healthy = Receiver()
    stuck = _shop_with_endpoint(hanging.url)
    shops = [_shop_with_endpoint(healthy.url) for _ in range(ISOLATION_HEALTHY_SHOPS)]
    with workers(1):
        _paced([stuck, *shops], rate=ISOLATION_RATE, seconds=ISOLATION_SECONDS)
        healthy_ids = _event_times([shop.id for shop in shops])
        _wait(lambda: len(_first_received(healthy)) >= len(healthy_ids), seconds=60)
    received = _first_received(healthy)
    hanging_requests = len(hanging.received())
    hanging.close()
    healthy.close()
    latencies = [received[event_id] - at for event_id, at in healthy_ids.items() if event_id in received]
    return {
        "healthy_events": len(healthy_ids),
        "healthy_delivered": len(latencies),
        "p50_ms": round(_percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "hanging_requests": hanging_requests,
        "hanging_timeouts": WebhookAttempt.objects.filter(delivery__endpoint__shop=stuck, status_code=None).count(),
    }


def child_main(args: list[str]) -> None:
    api.django_setup()
    if args[0] == "scenario":
        result = {"retry": scenario_retry, "isolation": scenario_isolation}[args[1]]()
    else:  # "measure <workers>"
        count = int(args[1])
        result = {"steady": steady_latency(count), "backlog": backlog_drain(count)}
    print(json.dumps(result))


# --- the parent: services, then one child per measurement ---


def child(env: dict[str, str], *args: str) -> Any:
    """This script in a child process with `env` (Django set up there); its last line of output, as JSON."""
    output = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise SystemExit(f"bench child {args} failed:\n{output.stderr[-5000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    env, keep_alive = api.start_services()
    env.update(WEBHOOKS_ALLOW_LOOPBACK="True", LOG_LEVEL="ERROR")
    api.manage(env, "migrate", "--no-input", "-v", "0")
    results = {count: child(env, "measure", str(count)) for count in (1, 2)}
    concurrency = env.get("WEBHOOKS_WORKER_CONCURRENCY", "16")
    lines = [
        "# Webhook delivery",
        "",
        f"Worker processes on the `webhooks` queue, {concurrency} deliveries in flight each; receivers on loopback.",
        "",
        f"| Workers | p50 enqueue -> delivered | p95 | at {STEADY_RATE} events/s | deliveries/s (backlog of "
        f"{BACKLOG_EVENTS}, {BACKLOG_SHOPS} shops) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for count, result in results.items():
        steady, backlog = result["steady"], result["backlog"]
        lines.append(
            f"| {count} | {steady['p50_ms']} ms | {steady['p95_ms']} ms | {steady['delivered']}/{steady['events']} "
            f"delivered | {backlog['per_second']} ({backlog['deliveries']} in {backlog['wall_seconds']} s) |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "webhooks.md").write_text(report)
    del keep_alive


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child_main(sys.argv[1:])
    else:
        main()
