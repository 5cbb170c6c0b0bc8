from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = "Shops and catalogue"

    def ready(self) -> None:
        from shops import receivers  # noqa: F401 - connects the stored-object cleanup
