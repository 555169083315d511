"""``python -m django stpkit_worker``: do queued risk runs until stopped (Ctrl-C)."""

from __future__ import annotations

import threading

from django.core.management.base import BaseCommand

from stpkit.web.results import work


class Command(BaseCommand):
    help = "Do queued risk runs until stopped."

    def handle(self, *args, **options):
        stop = threading.Event()
        try:
            work(stop)
        except KeyboardInterrupt:
            stop.set()
