"""``stp serve``: make the database if need be, bring it up to date, and run the site.

The site runs on Django's own server (``runserver`` without auto-reload, serving the static files
itself): enough for a team on one machine or for trying it. For a service open to others, run
the WSGI application ``stpkit.web.wsgi`` under a production server behind HTTPS (docs/web.md)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


def prepare(data_dir: Path | None = None, demo: bool = False, say: Callable[[str], None] = print) -> dict[str, str]:
    """Configure Django, migrate (which seeds the reference data) and, with ``demo``, load the
    examples, play the demo's assurance cycle (once) and reset the demo accounts; returns the
    demo accounts' passwords."""
    if data_dir is not None:
        os.environ["STPKIT_DATA"] = str(data_dir)
    from stpkit.web import setup

    setup()
    from django.conf import settings
    from django.core.management import call_command

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        Path(settings.DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    if not demo:
        return {}
    from stpkit.web.demo import demo_users, load_demo_cycle, load_demo_plans

    started = time.perf_counter()
    loaded = load_demo_plans()
    played = load_demo_cycle()
    say(f"{len(loaded)} demo plans loaded and {len(played)} moves of the assurance cycle made "
        f"in {time.perf_counter() - started:.1f} s (no emails sent)")
    return demo_users()


def run(host: str, port: int) -> None:
    """Serve until interrupted, with a worker thread doing queued risk runs."""
    from django.core.management import call_command

    from stpkit.web.results import start_worker

    _, stop = start_worker()
    try:
        call_command("runserver", f"{host}:{port}", use_reloader=False, insecure_serving=True)
    finally:
        stop.set()
