"""What a publication keeps: everything an anonymous visitor is shown of an agreed revision,
worked out once when it is published and then only read, so that a later revision or new
national parameters never change what an earlier publication showed."""

from __future__ import annotations

from typing import Any

from stpkit.api import PlanRun, to_pdf
from stpkit.outputs.results import to_csv
from stpkit.web import results
from stpkit.web.models import Revision
from stpkit.web.revisions import revision_plan


def frozen_content(revision: Revision) -> dict[str, Any]:
    """The fields of a ``Publication`` of ``revision`` other than who, when and which."""
    run = PlanRun.from_plan(revision_plan(revision))
    stored = results.central(revision)
    return {
        "parameter_version": stored.parameter_version,
        "summary_html": run.public_html(runs=0),
        "plan_yaml": run.plan_yaml(),
        "results": stored.results,
        "open_data": {name: to_csv(table) for name, table in run.result_tables().items()},
        "report_pdf": to_pdf(run.report_html(runs=0)),
    }
