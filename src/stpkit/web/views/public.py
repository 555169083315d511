"""The public pages: published plans, read from their publications alone (permission PUBLIC)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from stpkit.web import publication
from stpkit.web.access import (
    PUBLIC,
    requires,
)
from stpkit.web.jinja import day


@requires(PUBLIC)
def published_plans(request):
    """Every footprint with a published plan, by region."""
    return render(request, "stpkit/published_plans.html", {"regions": publication.published_footprints()})


@requires(PUBLIC)
def published_plan(request, code: str, number: int | None = None):
    """A publication of a footprint's plan (its latest without a number), as it was published."""
    found, versions = publication.find_publication(code, number)
    open_data = sorted(found.open_data)
    return render(request, "stpkit/published_plan.html", {
        "publication": found, "versions": versions, "latest": versions[-1], "open_data": open_data,
        "published_on": day(found.when),
    })


@requires(PUBLIC)
def published_file(request, code: str, number: int, name: str):
    """A file of a publication, byte for byte as it was stored when published."""
    found, _ = publication.find_publication(code, number)
    content, content_type = publication.published_file(found, name)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{code}-plan-v{number}-{name}"'
    return response
