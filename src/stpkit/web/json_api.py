"""The JSON API (django-ninja; OpenAPI at /api/docs and /api/openapi.json). Signed-in users only
(the session cookie, with CSRF on every change); every plan is reached through
``access.plan_for``. A revision's ETag is its content hash; a new revision must name the
latest one in If-Match (428 without it, 412 when another was saved since)."""

# No ``from __future__ import annotations``: ninja reads the parameter types of the operations.

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema, Status
from ninja.security import django_auth

from stpkit.inputs.located import InputError
from stpkit.web import results
from stpkit.web.access import PLAN_EDIT, PLAN_READ, PUBLIC, SIGNED_IN, plan_for, plans_for, requires
from stpkit.web.compare import Comparison, YearsDiffer, compare_revisions
from stpkit.web.models import Job, Plan, Revision
from stpkit.web.revisions import StaleVersion, new_revision

api = NinjaAPI(
    title="stpkit",
    version="1",
    description="Plans, their revisions and results, for the footprints you may see.",
    auth=django_auth,
    docs_decorator=requires(PUBLIC),
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "forbidden"}, status=403)


class PlanOut(Schema):
    id: int
    footprint: str
    footprint_name: str
    title: str
    state: str
    version: int


class RevisionSummary(Schema):
    number: int
    author: str
    created: datetime
    message: str
    sha256: str


class RevisionOut(RevisionSummary):
    document: dict[str, Any]


class RevisionIn(Schema):
    #: The plan as YAML or JSON text, or as a JSON object.
    document: str | dict[str, Any]
    #: How to read ``document`` when it is text.
    format: str = "yaml"
    message: str = ""


class Detail(Schema):
    detail: str


class Problem(Schema):
    file: str
    line: int | None
    sheet: str | None = None
    cell: str | None = None
    field: str
    message: str
    text: str  # as `stp validate` prints it


class Problems(Schema):
    detail: str
    problems: list[Problem]


class ResultOut(Schema):
    revision: int
    parameter_version: str
    runs: int
    seed: int
    results: dict[str, Any]
    assessment: dict[str, Any]


class JobOut(Schema):
    revision: int
    runs: int
    seed: int
    state: str
    progress: float
    error: str


def _plan_out(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "footprint": plan.footprint_id,
        "footprint_name": plan.footprint.name,
        "title": plan.title,
        "state": plan.state,
        "version": plan.version,
    }


def _revision_out(revision: Revision, document: bool = False) -> dict[str, Any]:
    out = {
        "number": revision.number,
        "author": revision.author.get_username(),
        "created": revision.created,
        "message": revision.message,
        "sha256": revision.sha256,
    }
    return out | {"document": revision.document} if document else out


def etag(revision: Revision) -> str:
    return f'"{revision.sha256}"'


def _revision(plan: Plan, number: int) -> Revision:
    from django.http import Http404

    found = plan.revisions.select_related("author").filter(number=number).first()
    if found is None:
        raise Http404("no such revision")
    return found


@api.get("/plans", response=list[PlanOut], summary="The plans you may read")
@requires(SIGNED_IN)
def list_plans(request: HttpRequest):
    return [_plan_out(p) for p in plans_for(request.user)]


@api.get("/plans/{plan_id}", response={200: PlanOut, 404: Detail})
@requires(PLAN_READ)
def get_plan(request: HttpRequest, plan_id: int):
    return _plan_out(plan_for(request.user, plan_id, PLAN_READ))


@api.get("/plans/{plan_id}/revisions", response={200: list[RevisionSummary], 404: Detail})
@requires(PLAN_READ)
def list_revisions(request: HttpRequest, plan_id: int):
    plan = plan_for(request.user, plan_id, PLAN_READ)
    return [_revision_out(r) for r in plan.revisions.select_related("author")]


@api.get("/plans/{plan_id}/revisions/{number}", response={200: RevisionOut, 304: None, 404: Detail})
@requires(PLAN_READ)
def get_revision(request: HttpRequest, plan_id: int, number: int, response: HttpResponse):
    revision = _revision(plan_for(request.user, plan_id, PLAN_READ), number)
    response["ETag"] = etag(revision)
    if etag(revision) in _entity_tags(request.headers.get("If-None-Match", "")):
        return Status(304, None)
    return _revision_out(revision, document=True)


@api.post(
    "/plans/{plan_id}/revisions",
    response={201: RevisionSummary, 403: Detail, 404: Detail, 412: Detail, 422: Problems, 428: Detail},
    summary="Save a new revision (send the latest revision's ETag in If-Match)",
)
@requires(PLAN_EDIT)
def post_revision(request: HttpRequest, plan_id: int, body: RevisionIn, response: HttpResponse):
    plan = plan_for(request.user, plan_id, PLAN_EDIT)
    if_match = request.headers.get("If-Match")
    if not if_match:
        return Status(428, {"detail": "If-Match is required: send the ETag of the revision your edit started from"})
    latest = plan.revisions.order_by("-number").first()
    if latest is None or etag(latest) not in _entity_tags(if_match):
        return Status(412, {"detail": _stale(plan, latest)})
    if isinstance(body.document, dict):
        import json

        content, name = json.dumps(body.document), "plan.json"
    else:
        content, name = body.document, f"plan.{'json' if body.format == 'json' else 'yaml'}"
    try:
        revision = new_revision(request.user, plan, content, latest.number, body.message, name=name)
    except InputError as exc:
        detail = f"{len(exc.problems)} problem(s) found; nothing was saved"
        return Status(422, {"detail": detail, "problems": _problems(exc)})
    except StaleVersion as exc:
        return Status(412, {"detail": str(exc)})
    results.central(revision)  # the central case at once, so that pages read it
    response["ETag"] = etag(revision)
    response["Location"] = f"{request.path}/{revision.number}"
    return Status(201, _revision_out(revision))


@api.get(
    "/plans/{plan_id}/revisions/{number}/results",
    response={200: ResultOut, 202: JobOut, 400: Detail, 404: Detail},
    summary="Results: the central case at once; with runs, 202 and the job until the risk runs are done",
)
@requires(PLAN_READ)
def get_results(request: HttpRequest, plan_id: int, number: int, runs: int = 0, seed: int = 0):
    revision = _revision(plan_for(request.user, plan_id, PLAN_READ), number)
    if not (0 <= runs <= results.MAX_RUNS and seed >= 0):
        return Status(400, {"detail": f"runs must be 0 to {results.MAX_RUNS:,} and seed 0 or more"})
    found = results.central(revision) if runs == 0 else results.with_risk(revision, runs, seed)
    if isinstance(found, Job):
        fields = ("runs", "seed", "state", "progress", "error")
        return Status(202, {"revision": revision.number, **{f: getattr(found, f) for f in fields}})
    fields = ("parameter_version", "runs", "seed", "results", "assessment")
    return Status(200, {"revision": revision.number, **{f: getattr(found, f) for f in fields}})


@api.get(
    "/plans/{plan_id}/compare",
    response={200: Comparison, 404: Detail, 422: Detail},
    summary="What changed between two revisions, in the inputs and in the results",
)
@requires(PLAN_READ)
def compare(
    request: HttpRequest,
    plan_id: int,
    from_revision: int | None = Query(None, alias="from"),
    to_revision: int | None = Query(None, alias="to"),
):
    """``from`` and ``to`` are revision numbers; without them, the latest revision against the
    one before it."""
    plan = plan_for(request.user, plan_id, PLAN_READ)
    to_number = plan.version if to_revision is None else to_revision
    from_number = to_number - 1 if from_revision is None else from_revision
    try:
        return compare_revisions(_revision(plan, from_number), _revision(plan, to_number))
    except YearsDiffer as exc:
        return Status(422, {"detail": str(exc)})


def _entity_tags(header: str) -> set[str]:
    """The strong entity tags in an If-Match or If-None-Match header (weak ones never match)."""
    return {tag.strip() for tag in header.split(",") if tag.strip() and not tag.strip().startswith("W/")}


def _stale(plan: Plan, latest: Revision | None) -> str:
    if latest is None:
        return "this plan has no revision yet"
    return (
        f"If-Match does not name the latest revision, revision {latest.number} (ETag {etag(latest)}): it was "
        "saved after the one your edit started from; nothing was saved"
    )


def _problems(exc: InputError) -> list[dict[str, Any]]:
    return [
        {
            "file": p.file,
            "line": p.line,
            "sheet": getattr(p, "sheet", None),
            "cell": getattr(p, "cell", None),
            "field": p.field,
            "message": p.message,
            "text": str(p),
        }
        for p in exc.problems
    ]
