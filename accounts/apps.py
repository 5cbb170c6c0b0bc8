from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imported for their side effects: the OpenAPI authentication extensions, and deleting stored
        # profile images with their users.
        from accounts import receivers, schema  # noqa: F401
