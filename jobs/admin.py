"""Failed attempts, newest first, with the job's current state and a retry action (procrastinate's own job list,
"Procrastinate > jobs", is registered by procrastinate.contrib.django and has the same action)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from procrastinate.contrib.django import app as procrastinate_app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.jobs import Status
from procrastinate.utils import utcnow

from jobs.models import JobFailure


@admin.register(JobFailure)
class JobFailureAdmin(admin.ModelAdmin):
    list_display = ("job_id", "task_name", "attempt", "job_status", "failed_at", "error_last_line")
    list_filter = ("task_name", "failed_at")
    search_fields = ("task_name", "error", "job_id")
    readonly_fields = ("job_id", "task_name", "attempt", "error", "failed_at")
    actions = ["retry_jobs"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Job status now")
    def job_status(self, failure: JobFailure) -> str:
        job = ProcrastinateJob.objects.filter(id=failure.job_id).only("status").first()
        return job.status if job else "deleted"

    @admin.display(description="Error")
    def error_last_line(self, failure: JobFailure) -> str:
        return failure.error.strip().splitlines()[-1] if failure.error.strip() else ""

    @admin.action(description="Retry the failed jobs of the selected failures")
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet[JobFailure]) -> None:
        job_ids = set(queryset.values_list("job_id", flat=True))
        failed = ProcrastinateJob.objects.filter(id__in=job_ids, status=Status.FAILED.value)
        count = 0
        for job in failed:
            procrastinate_app.job_manager.retry_job_by_id(job.id, utcnow(), job.priority, job.queue_name, job.lock)
            count += 1
        self.message_user(request, f"{count} failed job(s) queued again.", messages.SUCCESS)
