"""Outgoing mail: every message is a row (its state visible in the admin), queued in the transaction of the write
that causes it and delivered by a job through Django's mail backend, retried with backoff."""
