"""A user's stored profile image goes with the user row (deleted directly, or in the admin), once the
transaction commits. A receiver, because the admin and cascades delete rows without calling services."""

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.models import User
from images.storage import delete_objects_on_commit


@receiver(post_delete, sender=User, dispatch_uid="accounts.delete_profile_image_object")
def delete_profile_image_object(sender: type[User], instance: User, **kwargs: Any) -> None:
    delete_objects_on_commit([instance.profile_image.name])
