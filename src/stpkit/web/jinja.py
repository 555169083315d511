"""The Jinja2 environment of the pages: our templates first, then the NHS.UK design system's
macros (``nhsuk-frontend-jinja``, the release matching the ``nhsuk-frontend`` CSS and scripts
that ``npm ci`` installs, see package.json)."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from stpkit.web.access import manages_users


def environment(**options) -> Environment:
    # The design system's macros read optional parameters through chains (params.x.y):
    # ChainableUndefined lets an absent one be empty, as in Nunjucks.
    options["undefined"] = ChainableUndefined
    options["loader"] = ChoiceLoader([options.pop("loader"), PackageLoader("nhsuk_frontend_jinja")])
    env = Environment(**options)
    env.globals.update(static=static, url=lambda name, *args: reverse(name, args=args), manages_users=manages_users)
    return env
