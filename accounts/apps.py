from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imported for their side effects: the OpenAPI authentication extensions, deleting stored profile
        # images with their users, and the check of the mailed links' frontend paths.
        from accounts import checks, receivers, schema  # noqa: F401
