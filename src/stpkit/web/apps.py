from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "stpkit.web"
    label = "web"
    verbose_name = "stpkit web service"

    def ready(self) -> None:
        from stpkit.web import audit

        audit.connect_signals()
