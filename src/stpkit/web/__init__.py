"""The web service (issue 12): one shared place for every plan, with a database, roles and
revisions, built on the library face (``stpkit.api``). Django is imported only by the modules of
this package, and only when something here is used: ``stp --help`` never loads it.

``setup()`` configures Django for use from Python (``stp serve``, scripts); the tests configure
it through pytest-django."""

from __future__ import annotations

import os

SETTINGS_MODULE = "stpkit.web.settings"


def setup() -> None:
    """Configure Django with stpkit's settings (environment first) and load the apps."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()
