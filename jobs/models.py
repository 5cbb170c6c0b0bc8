"""What procrastinate does not keep: the error of each failed attempt (it records only that an attempt failed)."""

from django.db import models

ERROR_MAX_CHARS = 4000


class JobFailure(models.Model):
    """One failed attempt of a job, written by the worker (jobs.middleware). The job itself is procrastinate's
    row (`procrastinate_jobs`), which this refers to by id only: procrastinate owns and deletes those rows."""

    job_id = models.BigIntegerField(db_index=True)
    task_name = models.CharField(max_length=128)
    attempt = models.PositiveIntegerField()
    error = models.TextField()
    failed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-failed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.job_id} attempt {self.attempt}"
