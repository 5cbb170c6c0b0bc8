"""Rate-limit counters when the cache is not Redis: one row per key and window, counted by one upsert."""

from django.db import models


class ThrottleCounter(models.Model):
    """A fixed window of a rate limit. Written only by `api.throttling` (raw SQL); an expired row is reset in
    place by the next hit on its key, or deleted by the purge that runs now and then."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.IntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
