"""Order mail under load, through an SMTP outage and a killed worker: checkouts through gunicorn (production
settings), mail delivered by real worker processes (`manage.py procrastinate worker`) to an SMTP server in this
process (aiosmtpd, devservices/smtp.py). Counted by Message-ID, the at-least-once rule of the README: every
message arrives; one arrives twice only when its worker died after the server accepted it and before the
worker recorded so."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from bench.api import Gunicorn
from devservices import smtp
from devservices.smtp import ReceivedMail, SmtpServer
from tests.load.conftest import ROOT, Services, call, register, wait_until

CHECKOUTS = 1000
BUYER_THREADS = 8
# The outage lasts a minute: a message that failed as it began is retried 2, 6, 14 and 30 s later, still inside
# it, and 62 s later, once it has ended (the retry schedule of jobs.retry.DELIVERY_RETRY).
OUTAGE_SECONDS = 60
UNLIMITED = "1000000/min"


@dataclass
class Shop:
    owner_email: str
    slug: str
    name: str
    product_id: int


@dataclass
class Placed:
    number: str
    buyer_email: str


class Workers:
    """`manage.py procrastinate worker` processes (every queue, the periodic housekeeping too)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log = tempfile.NamedTemporaryFile(prefix="mail-workers-", suffix=".log", delete=False)  # noqa: SIM115 - open while the workers write to it

    def start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.log.close()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def env(services: Services, smtp_server: SmtpServer) -> dict[str, str]:
    # All the buyers share one address: the per-client cart and checkout throttles would refuse them as one.
    return services.env(
        **smtp_server.environment(), EMAIL_TIMEOUT="5", THROTTLE_CART=UNLIMITED, THROTTLE_CHECKOUT=UNLIMITED
    )


@pytest.fixture
def app(env: dict[str, str]) -> Iterator[Gunicorn]:
    with Gunicorn(env, workers=3) as server:
        yield server


@pytest.fixture
def workers(services: Services, env: dict[str, str]) -> Iterator[Workers]:
    # The session's other tests queued mail of their orders that no worker sent: not what these tests count,
    # and sending it first would only make them longer.
    services.postgres.query(
        "UPDATE procrastinate_jobs SET status = 'cancelled' WHERE status = 'todo' AND queue_name = 'mail' RETURNING id"
    )
    started = Workers(env)
    yield started
    started.stop()


def open_shop(base_url: str, services: Services, label: str) -> Shop:
    username = f"mail{label}{os.urandom(3).hex()}"
    token = register(base_url, username)
    status, shop = call(base_url, "POST", "/api/v1/shops/", {"name": f"Mail shop {username}"}, token)
    assert status == 201, shop
    body = {"name": "Mug", "price": "12.50", "status": "active"}
    status, product = call(base_url, "POST", f"/api/v1/shops/{shop['id']}/products/", body, token)
    assert status == 201, product
    return Shop(owner_email=f"{username}@example.com", slug=shop["slug"], name=shop["name"], product_id=product["id"])


def checkout(base_url: str, shop: Shop, number: int) -> Placed:
    path = f"/api/v1/shops/slug/{shop.slug}/cart/items/"
    status, cart = call(base_url, "POST", path, {"product_id": shop.product_id, "quantity": 1 + number % 3})
    assert status == 201, cart
    buyer_email = f"buyer{number}-{os.urandom(2).hex()}@example.com"
    body = {"customer_name": f"Buyer {number}", "customer_email": buyer_email}
    status, order = call(base_url, "POST", f"/api/v1/shops/carts/{cart['token']}/checkout/", body)
    assert status == 201, order
    return Placed(number=order["order_number"], buyer_email=buyer_email)


def checkouts(base_url: str, shop: Shop, count: int) -> list[Placed]:
    with ThreadPoolExecutor(BUYER_THREADS) as pool:
        return list(pool.map(lambda number: checkout(base_url, shop, number), range(count)))


BUYER_SUBJECT = re.compile(r"^Your order (\S+) at ")
SELLER_SUBJECT = re.compile(r"^New order (\S+) at ")


def of_shop(received: list[ReceivedMail], shop: Shop) -> list[ReceivedMail]:
    """The shop's messages (the session's other tests leave mail of their orders in the queue)."""
    return [mail for mail in received if f" at {shop.name}" in mail.subject]


def distinct(received: list[ReceivedMail]) -> dict[str, ReceivedMail]:
    return {mail.message_id: mail for mail in received}


def mails_of(services: Services, shop: Shop) -> dict[str, str]:
    """Message-ID -> state of the shop's queued mails."""
    rows = services.postgres.query(
        "SELECT m.message_id, m.state FROM mail_outboundmail m JOIN orders_order o ON m.reference = 'order:' || "
        "o.order_number JOIN shops_shop s ON s.id = o.shop_id WHERE s.slug = %s",
        shop.slug,
    )
    return dict(rows)


def assert_each_order_mailed_once(received: dict[str, ReceivedMail], placed: list[Placed], shop: Shop) -> None:
    buyers = Counter(
        (mail.envelope_to[0], match.group(1))
        for mail in received.values()
        if (match := BUYER_SUBJECT.match(mail.subject))
    )
    sellers = Counter(
        (mail.envelope_to[0], match.group(1))
        for mail in received.values()
        if (match := SELLER_SUBJECT.match(mail.subject))
    )
    assert buyers == Counter((order.buyer_email, order.number) for order in placed)
    assert sellers == Counter((shop.owner_email, order.number) for order in placed)


def test_a_thousand_checkouts_mail_every_buyer_and_seller_once_through_an_smtp_outage(
    app: Gunicorn, services: Services, smtp_server: SmtpServer, workers: Workers
) -> None:
    shop = open_shop(app.base_url, services, "load")
    workers.start()
    workers.start()
    outage: dict[str, float] = {}

    def outage_while_mail_flows() -> None:
        wait_until(lambda: len(of_shop(smtp_server.inbox.messages(), shop)) >= 200, seconds=120, every=0.05)
        smtp_server.stop()
        outage["began"] = time.monotonic()
        outage["received before"] = len(of_shop(smtp_server.inbox.messages(), shop))
        time.sleep(OUTAGE_SECONDS)
        smtp_server.start()
        outage["ended"] = time.monotonic()

    down = threading.Thread(target=outage_while_mail_flows)
    down.start()
    started = time.monotonic()
    placed = checkouts(app.base_url, shop, CHECKOUTS)
    placed_at = time.monotonic()
    down.join()

    expected = 2 * CHECKOUTS
    assert wait_until(lambda: len(distinct(of_shop(smtp_server.inbox.messages(), shop))) >= expected, seconds=180)
    drained = time.monotonic()
    time.sleep(2)  # anything sent twice would arrive by now

    received = of_shop(smtp_server.inbox.messages(), shop)
    by_id = distinct(received)
    assert len({order.number for order in placed}) == CHECKOUTS
    assert_each_order_mailed_once(by_id, placed, shop)
    queued = mails_of(services, shop)
    assert set(queued) == set(by_id)
    assert set(queued.values()) == {"sent"}
    # The outage was met: sends were refused, recorded and retried.
    [(failed_attempts,)] = services.postgres.query(
        "SELECT count(*) FROM jobs_jobfailure WHERE task_name = 'mail.deliver' AND attempt >= 1"
    )
    assert failed_attempts >= 1
    # A server stopped in the middle of a session may have taken a message without acknowledging it: that
    # message, and no other, comes again under its Message-ID (at most one per worker).
    assert len(received) - len(by_id) <= 2
    print(
        f"\n{CHECKOUTS} checkouts in {placed_at - started:.1f} s; SMTP down from {outage['began'] - started:.1f} s to "
        f"{outage['ended'] - started:.1f} s ({outage['received before']:.0f} messages received before); "
        f"{failed_attempts} failed attempts; {len(received)} messages received ({len(by_id)} distinct), the last "
        f"{drained - max(placed_at, outage['ended']):.1f} s after the last checkout or the server's return"
    )


def slow_acceptance(seconds: float) -> Any:
    """The SMTP server keeps each message `seconds` before acknowledging it: a worker killed then has had it
    accepted without knowing (the window in which at-least-once delivery sends a message twice)."""
    original = smtp._Handler.handle_DATA

    async def handle_data(self: Any, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        answer = await original(self, server, session, envelope)
        await asyncio.sleep(seconds)
        return answer

    return handle_data


def test_the_jobs_of_a_killed_worker_run_on_another_and_nothing_is_lost(
    app: Gunicorn, services: Services, smtp_server: SmtpServer, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = open_shop(app.base_url, services, "kill")
    placed = checkouts(app.base_url, shop, 100)  # queued before any worker runs: one batch of 200 mails
    monkeypatch.setattr(smtp._Handler, "handle_DATA", slow_acceptance(0.1))

    doomed = workers.start()
    assert wait_until(lambda: len(of_shop(smtp_server.inbox.messages(), shop)) >= 20, seconds=60, every=0.02)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    killed_at = time.monotonic()
    running_when_killed = [
        mail_id
        for (mail_id,) in services.postgres.query(
            "SELECT (args->>'mail_id')::bigint FROM procrastinate_jobs "
            "WHERE status = 'doing' AND task_name = 'mail.deliver'"
        )
    ]
    workers.start()
    # The dead worker's heartbeat stops; after jobs.tasks.STALLED_AFTER_SECONDS its job is stalled, and the
    # every-minute jobs.retry_stalled puts it back in the queue. Deferring that task once the job is stalled
    # saves waiting for the next minute (the same task, run earlier).
    assert wait_until(lambda: time.monotonic() - killed_at > 31, seconds=40)
    services.manage("procrastinate", "defer", "--ignore-already-enqueued", "jobs.retry_stalled", '{"timestamp": 0}')
    assert wait_until(lambda: len(distinct(of_shop(smtp_server.inbox.messages(), shop))) >= 200, seconds=120)
    time.sleep(1)

    received = of_shop(smtp_server.inbox.messages(), shop)
    by_id = distinct(received)
    assert_each_order_mailed_once(by_id, placed, shop)
    queued = mails_of(services, shop)
    assert set(queued) == set(by_id)
    assert set(queued.values()) == {"sent"}
    assert len(running_when_killed) <= 1  # one job at a time per worker
    twice = [message_id for message_id, times in Counter(mail.message_id for mail in received).items() if times > 1]
    ids_when_killed = {
        message_id
        for (message_id,) in services.postgres.query(
            "SELECT message_id FROM mail_outboundmail WHERE id = ANY(%s)", running_when_killed
        )
    }
    # Only the message being sent when the worker died can come twice, under the same Message-ID.
    assert set(twice) <= ids_when_killed
    print(
        f"\nkilled with {len(running_when_killed)} job running; {len(received)} messages received "
        f"({len(by_id)} distinct, {len(twice)} twice)"
    )
