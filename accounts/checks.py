"""`check`: the frontend paths of the mailed links carry the placeholders the links fill in."""

from string import Formatter
from typing import Any

from django.conf import settings
from django.core import checks

LINK_PATHS = {
    "FRONTEND_PASSWORD_RESET_PATH": {"uid", "token"},
    "FRONTEND_EMAIL_VERIFY_PATH": {"token"},
}


def _placeholders(template: str) -> set[str] | None:
    try:
        return {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    except ValueError:  # an unmatched brace
        return None


@checks.register()
def link_paths_have_their_placeholders(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for setting, needed in LINK_PATHS.items():
        template = getattr(settings, setting)
        found = _placeholders(template)
        if not template.startswith("/") or found != needed:
            names = ", ".join("{" + name + "}" for name in sorted(needed))
            errors.append(
                checks.Error(
                    f"{setting} is {template!r}: it must start with '/' and hold {names}, and no other placeholder.",
                    hint="See .env.example, e.g. /reset-password?uid={uid}&token={token}.",
                    id="accounts.E001",
                )
            )
    return errors
