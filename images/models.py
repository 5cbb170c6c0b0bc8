"""The journal of stored objects that must not outlive their purpose.

A key is written here *before* its object is stored (in its own committed transaction), and removed in the
same transaction that commits the row referencing the object. So if anything fails or the process dies in
between, the key stays here, and `manage.py purge_stale_uploads` deletes the object later. Deleting a row
that references objects writes their keys here in the deleting transaction; once it commits, the objects
are deleted and the keys removed — or, if the storage is down, left for the purge to retry.
"""

from django.db import models


class PendingDeletion(models.Model):
    name = models.CharField(max_length=255, unique=True, help_text="Stored object name (below the root folder).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
