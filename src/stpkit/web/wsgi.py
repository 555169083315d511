"""The WSGI application, for a production server (docs/web.md)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from stpkit.web import SETTINGS_MODULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
application = get_wsgi_application()
