"""`check --deploy`: a production instance without an SMTP server would write its mail to files."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility, deploy=True)
def smtp_configured(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return []
    return [
        checks.Warning(
            "EMAIL_HOST is not set: mail (order confirmations, password resets) is written to files in "
            f"{settings.EMAIL_FILE_PATH}, not delivered.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) to an SMTP server.",
            id="mail.W001",
        )
    ]
