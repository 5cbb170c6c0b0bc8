"""The queue itself: retry policy, periodic schedule, failures visible with their error, stalled jobs rerun."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.tests.factories import UserFactory
from jobs.models import JobFailure
from jobs.retry import DELIVERY_RETRY, backoff_for
from jobs.tests.running import run_worker_until_idle


def test_delivery_retries_last_more_than_a_day_never_more_than_ten_minutes_apart() -> None:
    waits = [DELIVERY_RETRY.wait_after(attempt) for attempt in range(DELIVERY_RETRY.max_attempts - 1)]
    assert waits[:5] == [2, 4, 8, 16, 32]
    assert max(waits) == 600
    assert sum(waits) >= timedelta(hours=25).total_seconds()
    assert sum(waits[:-1]) < timedelta(hours=25).total_seconds()
    assert backoff_for(timedelta(seconds=10)).max_attempts == 4  # 2 + 4 + 8 >= 10: three retries


def test_the_periodic_work_is_scheduled_by_the_queue_not_cron() -> None:
    app.perform_import_paths()
    schedule = {periodic.task.name: periodic.cron for periodic in app.periodic_registry.periodic_tasks.values()}
    assert schedule == {
        "jobs.retry_stalled": "* * * * *",
        "jobs.remove_old": "17 3 * * *",
        "shops.purge_stale_uploads": "*/15 * * * *",
        "orders.abandon_stale_carts": "41 2 * * *",
        "payments.expire": "* * * * *",
        "payments.reconcile": "*/5 * * * *",
        "webhooks.remove_old": "41 3 * * *",
    }


@app.task(name="jobs.tests.always_fails", queue="tests", retry=False)
def always_fails(*, reason: str) -> None:
    raise ValueError(reason)


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_kept_with_its_error_and_the_admin_retries_it() -> None:
    always_fails.defer(reason="the receiver said no")
    run_worker_until_idle(queues=["tests"])

    job = ProcrastinateJob.objects.get(task_name="jobs.tests.always_fails")
    assert job.status == "failed"
    [failure] = JobFailure.objects.all()
    assert (failure.job_id, failure.task_name, failure.attempt) == (job.id, "jobs.tests.always_fails", 1)
    assert failure.error.strip().splitlines()[-1] == "ValueError: the receiver said no"

    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/jobs/jobfailure/")
    assert "ValueError: the receiver said no" in page.content.decode()
    client.post("/admin/jobs/jobfailure/", {"action": "retry_jobs", "_selected_action": [failure.id]})
    job.refresh_from_db()
    assert job.status == "todo"


@app.task(name="jobs.tests.noop", queue="tests")
def noop() -> None:
    return None


@pytest.mark.django_db(transaction=True)
def test_the_job_of_a_worker_that_died_goes_back_to_the_queue() -> None:
    noop.defer()
    with connection.cursor() as cursor:
        # A worker that took the job, then stopped beating a minute ago (killed).
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 minute') RETURNING id"
        )
        (worker_id,) = cursor.fetchone()
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s", [worker_id])
    app.configure_task("jobs.retry_stalled").defer(timestamp=0)
    run_worker_until_idle(queues=["housekeeping"])
    assert ProcrastinateJob.objects.get(task_name="jobs.tests.noop").status == "todo"
    run_worker_until_idle(queues=["tests"])
    assert ProcrastinateJob.objects.get(task_name="jobs.tests.noop").status == "succeeded"
