"""Job queue benchmark (`make bench-jobs`, not a test): what the workers get through, and how long mail waits.

Starts `manage.py procrastinate worker` processes with the production settings (on POSTGRES_* as `make bench`
does, in a database of its own, `shopbuilder_bench_jobs`) and an SMTP server in this process (aiosmtpd,
devservices/smtp.py), then prints:

- jobs/s of one and of two workers: a batch of trivial jobs (`mail.deliver` of a message that does not exist:
  the row lookup and nothing sent, so the queue's own cost), then a batch of real mail (row locked, a message
  of both parts sent over SMTP, row updated), each batch committed at once with the workers idle and timed
  until the queue is empty;
- enqueue -> delivered latency of mail (p50, p95): messages queued one per transaction at a steady rate below
  what one worker gets through, from the commit of each to its arrival at the SMTP server.

Writes bench-results/jobs.md."""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api  # noqa: E402 - the repository root is put on the path first
from devservices.smtp import Inbox, ReceivedMail, SmtpServer  # noqa: E402

api.DATABASE = "shopbuilder_bench_jobs"  # apart from `make bench`, which may run at the same time
TRIVIAL_JOBS = 3000
MAIL_JOBS = 1000
LATENCY_MAILS = 300
LATENCY_RATE = 20.0  # messages per second, below what one worker gets through
RESULTS = ROOT / "bench-results" / "jobs.md"


class TimedInbox(Inbox):
    """The inbox, with the time each message arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}

    def add(self, mail: ReceivedMail) -> None:
        self.arrived[mail.message_id] = time.time()
        super().add(mail)


# --- children: Django processes that queue the work ---


def queue_trivial(count: int) -> dict[str, Any]:
    from django.db import transaction

    from mail.tasks import mail_deliver

    with transaction.atomic():
        jobs: list[dict[str, Any]] = [{"mail_id": -number} for number in range(1, count + 1)]
        mail_deliver.batch_defer(*jobs)
    return {"queued": count}


def _queue_one(number: int) -> None:
    from mail.services import mail_queue

    mail_queue(
        kind="bench",
        to=f"buyer{number}@example.com",
        subject=f"Your order BENCH-{number}",
        text_body="Thank you for your order.\n" * 20,
        html_body="<p>Thank you for your order.</p>" * 20,
        reply_to="shop@example.com",
        sender_name="Bench Shop",
        reference=f"bench:{number}",
    )


def queue_mail(count: int) -> dict[str, Any]:
    from django.db import transaction

    with transaction.atomic():
        for number in range(count):
            _queue_one(number)
    return {"queued": count}


def queue_mail_steadily(count: int, rate: float) -> dict[str, Any]:
    """One message per transaction, `rate` a second; the commit time of each, by Message-ID."""
    from mail.models import OutboundMail

    committed: dict[str, float] = {}
    start = time.monotonic()
    for number in range(count):
        time.sleep(max(0.0, start + number / rate - time.monotonic()))
        _queue_one(number)
        committed[OutboundMail.objects.latest("id").message_id] = time.time()
    return committed


def run_child(command: str, *args: str) -> None:
    api.django_setup()
    commands = {"trivial": queue_trivial, "mail": queue_mail}
    if command == "steady":
        result = queue_mail_steadily(int(args[0]), float(args[1]))
    else:
        result = commands[command](int(args[0]))
    print(json.dumps(result))


# --- the run ---


def child(env: dict[str, str], *args: str) -> Any:
    output = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise SystemExit(f"bench child {args[0]} failed:\n{output.stderr[-5000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def queue_size(env: dict[str, str]) -> int:
    with api._pg_connect(env, api.DATABASE) as connection:  # noqa: SLF001 - the benchmarks' own helper
        row = connection.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') AND queue_name = 'mail'"
        ).fetchone()
    return int(row[0])


def reset(env: dict[str, str]) -> None:
    with api._pg_connect(env, api.DATABASE) as connection:  # noqa: SLF001 - the benchmarks' own helper
        connection.execute("DELETE FROM procrastinate_jobs WHERE queue_name = 'mail'")
        connection.execute("DELETE FROM mail_outboundmail")


class Workers:
    def __init__(self, env: dict[str, str], count: int) -> None:
        self.env, self.count = env, count
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> "Workers":
        for _ in range(self.count):
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "mail"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        time.sleep(4)  # started and listening, idle
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)


def drain_rate(env: dict[str, str], workers: int, kind: str, count: int) -> float:
    """Jobs per second: `count` jobs committed at once, `workers` idle workers, until the queue is empty."""
    reset(env)
    with Workers(env, workers):
        started = time.monotonic()
        child(env, kind, str(count))
        while queue_size(env) > 0:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    return count / elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def latency(env: dict[str, str], inbox: TimedInbox, workers: int) -> list[float]:
    reset(env)
    inbox.clear()
    with Workers(env, workers):
        committed: dict[str, float] = child(env, "steady", str(LATENCY_MAILS), str(LATENCY_RATE))
        deadline = time.monotonic() + 60
        while len(inbox.messages()) < LATENCY_MAILS and time.monotonic() < deadline:
            time.sleep(0.1)
    return [inbox.arrived[message_id] - at for message_id, at in committed.items() if message_id in inbox.arrived]


def main() -> None:
    env, keep_alive = api.start_services()
    inbox = TimedInbox()
    smtp = SmtpServer()
    smtp.inbox = inbox
    smtp.start()
    env.update(smtp.environment(), EMAIL_TIMEOUT="10", LOG_LEVEL="ERROR")
    env["PYTHONPATH"] = str(ROOT)
    try:
        api.manage(env, "migrate", "--no-input", "-v", "0")
        rates: dict[tuple[str, int], float] = {}
        for kind, count in (("trivial", TRIVIAL_JOBS), ("mail", MAIL_JOBS)):
            for workers in (1, 2):
                print(f"{count} {kind} jobs, {workers} worker(s)...", flush=True)
                rates[(kind, workers)] = drain_rate(env, workers, kind, count)
                inbox.clear()
        print(f"{LATENCY_MAILS} mails at {LATENCY_RATE:g}/s, 1 worker...", flush=True)
        delays = latency(env, inbox, 1)
    finally:
        smtp.stop()
        for server in keep_alive:
            server.stop()
    report(rates, delays)


def report(rates: dict[tuple[str, int], float], delays: list[float]) -> None:
    lines = [
        "| jobs | 1 worker | 2 workers | 2 / 1 |",
        "|---|---|---|---|",
        *(
            f"| {label} | {rates[(kind, 1)]:.0f}/s | {rates[(kind, 2)]:.0f}/s "
            f"| {rates[(kind, 2)] / rates[(kind, 1)]:.2f} |"
            for kind, label in (
                ("trivial", f"trivial ({TRIVIAL_JOBS}: row lookup, nothing sent)"),
                ("mail", f"mail ({MAIL_JOBS}: sent over SMTP)"),
            )
        ),
        "",
        f"Mail enqueue -> delivered, {len(delays)} of {LATENCY_MAILS} messages queued one per transaction at "
        f"{LATENCY_RATE:g}/s, 1 worker: p50 {statistics.median(delays) * 1000:.0f} ms, "
        f"p95 {percentile(delays, 0.95) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms.",
    ]
    text = "\n".join(lines)
    print("\n" + text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        run_child(sys.argv[1], *sys.argv[2:])
    else:
        main()
