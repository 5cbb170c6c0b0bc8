"""A worker middleware that writes the error of every failed attempt to JobFailure (procrastinate keeps only
the fact that an attempt failed), so the admin shows why a job keeps failing."""

import asyncio
import traceback
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connection
from procrastinate.job_context import JobContext

from jobs.models import ERROR_MAX_CHARS, JobFailure


def job_failure_record(*, job_id: int, task_name: str, attempt: int, error: BaseException) -> None:
    text = "".join(traceback.format_exception(error))
    try:
        JobFailure.objects.create(job_id=job_id, task_name=task_name, attempt=attempt, error=text[-ERROR_MAX_CHARS:])
    finally:
        # This runs on a thread of the worker's event loop that holds no other connection: let go of this one.
        connection.close()


async def record_failures(call_next: Callable[[], Awaitable[Any]], context: JobContext, worker: Any) -> Any:
    try:
        return await call_next()
    except Exception as error:
        job = context.job
        # thread_sensitive: the worker's one sync thread and its one database connection, not a new one per call.
        await sync_to_async(job_failure_record, thread_sensitive=True)(
            job_id=job.id or 0, task_name=job.task_name, attempt=job.attempts + 1, error=error
        )
        raise


_sized_loops: "weakref.WeakSet[asyncio.AbstractEventLoop]" = weakref.WeakSet()


async def threads_for_concurrency(call_next: Callable[[], Awaitable[Any]], context: JobContext, worker: Any) -> Any:
    """Sync tasks run on the event loop's default executor, which has min(32, cores + 4) threads: a worker started
    with `--concurrency 16` on 2 cores would run only 6 at once. Give its loop as many threads as it has slots."""
    loop = asyncio.get_running_loop()
    if loop not in _sized_loops:
        _sized_loops.add(loop)
        if worker.concurrency > 1:
            loop.set_default_executor(ThreadPoolExecutor(max_workers=worker.concurrency, thread_name_prefix="job"))
    return await call_next()


def on_app_ready(app: Any) -> None:
    """PROCRASTINATE_ON_APP_READY: every worker, wherever it runs, records its failures and runs as many sync tasks
    at once as its concurrency says."""
    defaults = app.worker_defaults
    defaults["worker_middleware"] = [*defaults.get("worker_middleware", []), threads_for_concurrency, record_failures]
