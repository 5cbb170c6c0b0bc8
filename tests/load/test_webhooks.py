"""Webhooks under real time (`make test-long`): production settings, real worker processes, real receivers on
loopback. The scenarios live in bench/webhooks.py (run here in a child process on this run's PostgreSQL); these
tests assert on the figures they print.

- A receiver answering 500 for two minutes, then 200: every event delivered, every attempt in the log.
- A receiver that hangs: p95 enqueue -> delivered to the healthy endpoints of other shops under 2 s."""

import json
import subprocess
import sys
from typing import Any

from tests.load.conftest import ROOT, Services

ISOLATION_P95_BOUND_MS = 2000


def _scenario(services: Services, name: str) -> Any:
    output = subprocess.run(  # noqa: S603 - the repository's bench script
        [sys.executable, "bench/webhooks.py", "scenario", name],
        cwd=ROOT,
        env=services.env(WEBHOOKS_ALLOW_LOOPBACK="True", LOG_LEVEL="ERROR"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert output.returncode == 0, output.stderr[-5000:]
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_a_receiver_down_for_two_minutes_gets_every_event_and_every_attempt_is_logged(services: Services) -> None:
    result = _scenario(services, "retry")
    print(f"\nretry: {len(result['events'])} events, {len(result['attempts'])} attempts, {result['seconds']} s")

    assert result["pending"] == 0
    assert len(result["events"]) == 12
    assert result["delivered"] == result["events"]  # each answered 200 at least once
    # Every request the receiver saw is an attempt in the log, and the log holds nothing else.
    assert sorted(event_id for event_id, _ in result["requests"]) == sorted(
        event_id for event_id, _ in result["attempts"]
    )
    failures = [status for _, status in result["attempts"] if status != 200]
    assert failures == [500] * len(failures)
    assert len(failures) >= 6  # retried with backoff through the outage (2, 4, 8 ... 64 s apart)
    assert max(at for _, at in result["requests"]) >= 120


def test_a_hanging_receiver_does_not_delay_other_shops(services: Services) -> None:
    result = _scenario(services, "isolation")
    print(
        f"\nisolation: healthy p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms over "
        f"{result['healthy_delivered']} deliveries; the hanging endpoint got {result['hanging_requests']} requests, "
        f"{result['hanging_timeouts']} timed out"
    )

    assert result["healthy_delivered"] == result["healthy_events"] == 250
    assert result["hanging_requests"] >= 2  # it was tried, and held its attempts until they timed out
    assert result["p95_ms"] < ISOLATION_P95_BOUND_MS
