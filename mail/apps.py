from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        from mail import checks  # noqa: F401 - registers the deploy check
