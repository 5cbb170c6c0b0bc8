"""Retry policies shared by the tasks: exponential backoff, capped, for long enough to outlast an outage."""

from dataclasses import dataclass
from datetime import timedelta

from procrastinate import BaseRetryStrategy, RetryDecision, RetryStrategy
from procrastinate.jobs import Job


@dataclass(frozen=True, kw_only=True)
class CappedBackoff(BaseRetryStrategy):
    """Waits base, base², base³ ... seconds between attempts, never more than `max_wait_seconds` (so a long
    outage is still retried every few minutes), for `max_attempts` attempts in all; then the job is failed
    (visible in the admin, with each attempt's error, and can be retried from there)."""

    max_attempts: int
    base_seconds: int = 2
    max_wait_seconds: int = 600

    def wait_after(self, attempts: int) -> int:
        return int(min(self.base_seconds ** (attempts + 1), self.max_wait_seconds))

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts + 1 >= self.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": self.wait_after(job.attempts)})


def backoff_for(total: timedelta, *, base_seconds: int = 2, max_wait_seconds: int = 600) -> CappedBackoff:
    """A capped backoff with as many attempts as it takes to keep trying for at least `total`."""
    probe = CappedBackoff(max_attempts=1, base_seconds=base_seconds, max_wait_seconds=max_wait_seconds)
    waited, attempts = 0, 0
    while waited < total.total_seconds():
        waited += probe.wait_after(attempts)
        attempts += 1
    return CappedBackoff(max_attempts=attempts + 1, base_seconds=base_seconds, max_wait_seconds=max_wait_seconds)


# Delivery to the outside world (mail, webhooks): retried for at least 25 hours, at most ten minutes apart.
DELIVERY_RETRY = backoff_for(timedelta(hours=25))
# Housekeeping that the next period runs again anyway.
HOUSEKEEPING_RETRY = RetryStrategy(max_attempts=3, exponential_wait=2)
