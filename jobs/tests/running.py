"""Running queued jobs in tests.

`run_queued_jobs()` runs them in this process and this test's transaction (the usual `db` tests, whose writes a
worker on another connection could not see): each job's task is called as a worker would call it, and the job
is then marked succeeded. A failing task raises into the test. `run_worker_until_idle()` runs procrastinate's
real worker (its own connection; for `transactional_db` tests) until the queue is empty.
"""

import asyncio
import json
import time
from typing import Any

from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.job_context import JobContext
from procrastinate.jobs import Job

_TODO = """
    SELECT id, status, task_name, priority, lock, queueing_lock, args, scheduled_at, queue_name, attempts,
           worker_id, abort_requested
    FROM procrastinate_jobs
    WHERE status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())
    ORDER BY priority DESC, id
    LIMIT 1
"""


def _next_job() -> Job | None:
    with connection.cursor() as cursor:
        cursor.execute(_TODO)
        row = cursor.fetchone()
        if row is None:
            return None
        names = [column[0] for column in cursor.description or ()]
    fields = dict(zip(names, row, strict=True))
    if isinstance(fields["args"], str):  # Django's cursor hands jsonb over as text
        fields["args"] = json.loads(fields["args"])
    return Job.from_row(fields)


def _run(job: Job) -> Any:
    task = app.tasks[job.task_name]
    arguments: list[Any] = []
    if task.pass_context:
        arguments.append(JobContext(app=app, job=job, start_timestamp=time.time(), abort_reason=lambda: None))
    result = task(*arguments, **job.task_kwargs)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result


def run_queued_jobs(*, limit: int = 1000) -> list[str]:
    """Run every job that is due (and those the jobs queue), oldest first; the names of the tasks run."""
    ran: list[str] = []
    while (job := _next_job()) is not None:
        if len(ran) >= limit:
            raise AssertionError(f"More than {limit} jobs: is a job queueing itself? Ran {ran[-5:]} last.")
        _run(job)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", [job.id])
        ran.append(job.task_name)
    return ran


def queued_task_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name FROM procrastinate_jobs WHERE status = 'todo' ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def run_worker_until_idle(**options: Any) -> None:
    """procrastinate's worker, on a connection of its own, until no job is due (`transactional_db` tests)."""
    worker_connector = app.connector.get_worker_connector()  # type: ignore[attr-defined]
    with app.replace_connector(worker_connector):
        app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False, **options)
