"""What a publication keeps: everything an anonymous visitor is shown of an agreed revision,
worked out once when it is published and then only read, so that a later revision or new
national parameters never change what an earlier publication showed. The public pages read
publications here and serve them from the stored row alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from stpkit.api import PlanRun, to_pdf
from stpkit.outputs.json_text import json_text
from stpkit.outputs.results import to_csv
from stpkit.web import results
from stpkit.web.models import Footprint, Publication, Revision
from stpkit.web.revisions import revision_plan

#: The files of every publication besides its open data (one CSV per results table, by the
#: table's own file name): (file name, content type).
FILES = {
    "report.pdf": "application/pdf",
    "plan.yaml": "application/yaml",
    "results.json": "application/json",
}
CSV = "text/csv; charset=utf-8"


def frozen_content(revision: Revision) -> dict[str, Any]:
    """The fields of a ``Publication`` of ``revision`` other than who, when and which. The
    summary is the sections of ``stp public`` (``public_parts``), joined: the public pages show
    them inside the site's own layout."""
    run = PlanRun.from_plan(revision_plan(revision))
    stored = results.central(revision)
    return {
        "parameter_version": stored.parameter_version,
        "summary_html": "".join(run.public_parts(runs=0).values()),
        "plan_yaml": run.plan_yaml(),
        "results": stored.results,
        "open_data": {name: to_csv(table) for name, table in run.result_tables().items()},
        "report_pdf": to_pdf(run.report_html(runs=0)),
    }


@dataclass(frozen=True)
class Published:
    """A footprint with a published plan: its latest publication, for the list of them."""

    footprint: Footprint
    latest: Publication


def published_footprints() -> dict[str, list[Published]]:
    """Every footprint with a publication, by region (regions and footprints in name order)."""
    latest: dict[str, Publication] = {}
    for publication in Publication.objects.select_related("footprint").only(
        "footprint__code", "footprint__name", "footprint__region", "number", "when", "revision_id"
    ).order_by("footprint", "number"):
        latest[publication.footprint_id] = publication
    by_region: dict[str, list[Published]] = {}
    for publication in sorted(latest.values(), key=lambda p: (p.footprint.region, p.footprint.name)):
        by_region.setdefault(publication.footprint.region, []).append(Published(publication.footprint, publication))
    return by_region


def find_publication(code: str, number: int | None = None) -> tuple[Publication, list[Publication]]:
    """Publication ``number`` of footprint ``code`` (its latest without a number), and all of
    that footprint's publications in order; Http404 for a footprint never published or a number
    it does not have."""
    versions = list(Publication.objects.filter(footprint_id=code).defer(
        "summary_html", "plan_yaml", "results", "open_data", "report_pdf").order_by("number"))
    wanted = versions[-1].number if versions and number is None else number
    found = Publication.objects.filter(footprint_id=code, number=wanted).select_related("footprint", "revision").first()
    if found is None:
        raise Http404("no such publication")
    return found, versions


def published_file(found: Publication, name: str) -> tuple[bytes, str]:
    """A file of a publication as it was stored, with its content type; Http404 for a file it
    does not have."""
    if name == "report.pdf":
        return bytes(found.report_pdf), FILES[name]
    if name == "plan.yaml":
        return found.plan_yaml.encode("utf-8"), FILES[name]
    if name == "results.json":
        return json_text(found.results).encode("utf-8"), FILES[name]
    if name in found.open_data:
        return found.open_data[name].encode("utf-8"), CSV
    raise Http404("no such file")
