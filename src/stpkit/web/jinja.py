"""The Jinja2 environment of the pages: our templates first, then the NHS.UK design system's
macros (``nhsuk-frontend-jinja``, the release matching the ``nhsuk-frontend`` CSS and scripts
that ``npm ci`` installs, see package.json)."""

from __future__ import annotations

from datetime import datetime

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from stpkit.outputs.report.public import date_words
from stpkit.web.access import manages_users, reviews_anything


def when(moment: datetime | None) -> str:
    """A time as the pages show it, in the service's time zone (UK time), to the minute; "never"
    for none. Times are kept in UTC: a bare strftime would show them an hour early in summer."""
    return f"{timezone.localtime(moment):%d %B %Y %H:%M}" if moment else "never"


def day(moment: datetime) -> str:
    """The day of a time written out (21 October 2016), in the service's time zone."""
    return date_words(timezone.localtime(moment).date())


def environment(**options) -> Environment:
    # The design system's macros read optional parameters through chains (params.x.y):
    # ChainableUndefined lets an absent one be empty, as in Nunjucks.
    options["undefined"] = ChainableUndefined
    options["loader"] = ChoiceLoader([options.pop("loader"), PackageLoader("nhsuk_frontend_jinja")])
    env = Environment(**options)
    env.globals.update(static=static, url=lambda name, *args: reverse(name, args=args), manages_users=manages_users,
                       reviews_anything=reviews_anything, when=when, day=day)
    return env
