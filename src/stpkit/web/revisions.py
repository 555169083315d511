"""New revisions of a plan: checked by the same readers as ``stp validate``, saved only when
valid, and never over someone else's save (optimistic concurrency on the plan's version)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from stpkit.api import PlanRun
from stpkit.domain import Plan as PlanDocument
from stpkit.inputs.located import InputError, LocatedProblem
from stpkit.web import audit
from stpkit.web.models import Plan, PlanState, Revision

#: What an uploaded file's name may end in, and so how it is read.
PLAN_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")


class NotEditable(PermissionDenied):
    """The plan left the draft state (it was submitted) after the edit started: nothing was saved."""


class StaleVersion(Exception):
    """The plan has had a revision saved since the one the edit started from."""

    def __init__(self, plan: Plan, base_version: int):
        current = Plan.objects.get(pk=plan.pk).version
        super().__init__(
            f"revision {current} was saved after revision {base_version}, which this edit started from: "
            "nothing was saved; compare the two and save again"
        )
        self.current_version = current
        self.base_version = base_version


def _canonical_numbers(value: Any) -> Any:
    """``value`` with every whole-number float as an int (1.0 as 1), at any depth: a YAML ``1``
    and a JSON ``1.0`` are the same plan."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical_numbers(item) for item in value]
    return value


def canonical_json(document: Any) -> bytes:
    """One byte string per document, whatever the key order and however its numbers were
    written (1 or 1.0): what the content hash is of. The document itself is kept as it came."""
    return json.dumps(
        _canonical_numbers(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def content_sha256(document: Any) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


def _upload_name(name: str) -> str:
    """A file name safe to write in a folder of our own, keeping the suffix that says how to read it."""
    stem, suffix = Path(Path(name).name).stem, Path(name).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)[:80].strip("._") or "plan"
    return f"{stem}{suffix if suffix in PLAN_SUFFIXES else '.yaml'}"


def read_upload(content: str | bytes, name: str = "plan.yaml") -> PlanRun:
    """The plan in an uploaded file (YAML, JSON or a submission workbook, told apart by ``name``),
    checked as ``stp validate`` checks it. InputError names every problem with the upload's name
    and its line, or sheet and cell."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    shown = Path(name).name or "plan.yaml"
    with tempfile.TemporaryDirectory(prefix="stpkit-upload-") as folder:
        path = Path(folder) / _upload_name(name)
        path.write_bytes(raw)
        try:
            return PlanRun.load(path)
        except InputError as exc:
            # The readers name the file they read, which is ours, not the user's.
            raise InputError(
                [dataclasses.replace(p, file=shown) if p.file == str(path) else p for p in exc.problems]
            ) from None


def plan_document(run: PlanRun) -> dict[str, Any]:
    """The validated plan as a JSON plan file holds it: what a revision keeps."""
    return json.loads(run.plan_json())


def new_revision(
    user, plan: Plan, document: str | bytes | PlanRun, base_version: int, message: str = "", name: str = "plan.yaml"
) -> Revision:
    """Save ``document`` (file content named ``name``, or a plan already read) as the next
    revision of ``plan``, if ``base_version`` (the revision the edit started from) is still the
    latest. Raises InputError listing every problem, or StaleVersion; either way nothing is saved.
    The caller has checked that ``user`` may edit ``plan`` (``access.plan_for``)."""
    run = document if isinstance(document, PlanRun) else read_upload(document, name)
    if run.plan.footprint.code != plan.footprint_id:
        raise InputError(
            [
                LocatedProblem(
                    Path(name).name,
                    None,
                    "footprint.code",
                    f"this plan is for footprint {run.plan.footprint.code}; the plan being revised is for "
                    f"{plan.footprint_id} ({plan.footprint.name})",
                )
            ]
        )
    data = plan_document(run)
    with transaction.atomic():
        # Compare and swap: of two saves from the same version, the database lets one through,
        # and none once the plan has been submitted (a submitted revision is frozen).
        swapped = Plan.objects.filter(pk=plan.pk, version=base_version, state=PlanState.DRAFT).update(
            version=base_version + 1, title=run.plan.title[:300]
        )
        if not swapped:
            current = Plan.objects.get(pk=plan.pk)
            if current.state != PlanState.DRAFT:
                raise NotEditable(
                    f"the plan is {current.get_state_display().lower()} now, so only a draft can be changed: "
                    "nothing was saved"
                )
            raise StaleVersion(plan, base_version)
        revision = Revision.objects.create(
            plan=plan,
            number=base_version + 1,
            document=data,
            sha256=content_sha256(data),
            author=user,
            message=message[:500],
        )
        audit.record(user, "revision_created", revision, plan=plan.pk, number=revision.number, sha256=revision.sha256)
    plan.refresh_from_db()
    return revision


def revision_plan(revision: Revision) -> PlanDocument:
    """The plan a revision holds (it was valid when saved)."""
    return PlanDocument.model_validate(revision.document)


def create_plan(user, document: str | bytes | PlanRun, message: str = "", name: str = "plan.yaml") -> Revision:
    """A new plan with ``document`` as its first revision (its footprint is the document's);
    InputError when the document has problems, and then nothing is saved."""
    from stpkit.web.models import Footprint

    run = document if isinstance(document, PlanRun) else read_upload(document, name)
    with transaction.atomic():
        footprint = Footprint.objects.get(pk=run.plan.footprint.code)  # the readers checked the code
        plan = Plan.objects.create(footprint=footprint, title=run.plan.title[:300])
        audit.record(user, "plan_created", plan, footprint=footprint.code)
        return new_revision(user, plan, run, base_version=0, message=message, name=name)
