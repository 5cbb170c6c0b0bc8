from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from events.bus import listen
        from webhooks.services.fanout import event_fan_out

        listen(event_fan_out)
