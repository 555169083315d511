"""Results of a revision, worked out once per (revision, national parameters, runs, seed) and
then read from the database. The central case is worked out in the request that first asks
for it (about a second); risk runs are queued as a ``Job`` and done by the worker, as is the
centre's national total (``centre.compute_national``)."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from functools import cache
from importlib.resources import files

from django.db import IntegrityError, transaction
from django.utils import timezone

from stpkit.api import PlanRun, Progress
from stpkit.outputs.json_text import json_text
from stpkit.reference.parameters import PARAMETERS_FILE, load_parameters
from stpkit.web.models import Job, Revision, StoredResult
from stpkit.web.revisions import revision_plan

CENTRAL_RUNS, CENTRAL_SEED = 0, 0
#: The most risk runs one request may queue: ten times `stp report`'s default, a few minutes' work.
MAX_RUNS = 20_000
#: A job's progress is written at most this often: a few writes a second, not one per block.
PROGRESS_SECONDS = 0.5


@cache
def parameter_version() -> str:
    """The national parameters' date and a hash of their file: results under other parameters
    are other results."""
    params = load_parameters()
    text = files("stpkit.reference").joinpath("data").joinpath(PARAMETERS_FILE).read_bytes()
    return f"{params.as_of.isoformat()}-{hashlib.sha256(text).hexdigest()[:16]}"


def _compute(revision: Revision, runs: int, seed: int, progress: Progress | None = None) -> tuple[dict, dict]:
    """The results and assessment documents of ``revision`` (the engine's work); ``progress`` is
    told the number of risk runs in each block as it is done."""
    run = PlanRun.from_plan(revision_plan(revision))
    risk = run.risk(runs, seed, progress=progress) if runs else None
    results = run.results_document(risk)
    assessment = run.assurance_document(runs, seed)
    # Through stpkit's strict JSON writer: no NaN reaches the database (PostgreSQL refuses it).
    return json.loads(json_text(results)), json.loads(json_text(assessment))


def stored(revision: Revision, runs: int, seed: int) -> StoredResult | None:
    return StoredResult.objects.filter(
        revision=revision, parameter_version=parameter_version(), runs=runs, seed=seed
    ).first()


def compute_and_store(revision: Revision, runs: int, seed: int, progress: Progress | None = None) -> StoredResult:
    """The stored results for the key, worked out now if there are none."""
    found = stored(revision, runs, seed)
    if found is not None:
        return found
    started = time.perf_counter()
    results, assessment = _compute(revision, runs, seed, progress=progress)
    try:
        with transaction.atomic():
            return StoredResult.objects.create(
                revision=revision,
                parameter_version=parameter_version(),
                runs=runs,
                seed=seed,
                results=results,
                assessment=assessment,
                seconds=time.perf_counter() - started,
            )
    except IntegrityError:  # someone else stored the same results meanwhile: theirs are these
        return stored(revision, runs, seed)


def central(revision: Revision) -> StoredResult:
    """The central case (no risk runs), worked out at once the first time."""
    return compute_and_store(revision, CENTRAL_RUNS, CENTRAL_SEED)


def with_risk(revision: Revision, runs: int, seed: int) -> StoredResult | Job:
    """The stored results with ``runs`` risk runs, or the job (queued now, or already) that will
    store them."""
    found = stored(revision, runs, seed)
    if found is not None:
        return found
    key = {"revision": revision, "parameter_version": parameter_version(), "runs": runs, "seed": seed}
    pending = Job.objects.filter(**key, state__in=[Job.State.QUEUED, Job.State.RUNNING]).first()
    return pending or Job.objects.create(**key)


def job_progress(job: Job) -> Progress:
    """A risk run's progress callback that writes the share of ``job``'s runs done to the job, at
    most once every ``PROGRESS_SECONDS`` (and always when the last run is done), for the page."""
    done, last_write = 0, -math.inf

    def report(runs_done: int) -> None:
        nonlocal done, last_write
        done += runs_done
        now = time.monotonic()
        if now - last_write >= PROGRESS_SECONDS or done >= job.runs:
            last_write = now
            _write_progress(job.pk, min(done / job.runs, 1.0))

    return report


def _write_progress(job_pk: int, share: float) -> None:
    # A plain update: only the worker that claimed the job writes its progress.
    Job.objects.filter(pk=job_pk).update(progress=share)


def run_next_job() -> Job | None:
    """Claim the oldest queued job and do it; None when there is none. Safe with several workers:
    a job is claimed by a compare-and-swap on its state."""
    for job in Job.objects.filter(state=Job.State.QUEUED)[:5]:
        if Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(state=Job.State.RUNNING):
            break
    else:
        return None
    try:
        if job.parameter_version != parameter_version():
            raise RuntimeError(f"queued under parameters {job.parameter_version}; these are {parameter_version()}")
        if job.kind == Job.Kind.NATIONAL:
            from stpkit.web.centre import compute_national  # the centre's module builds on this one

            compute_national(job)
        else:
            compute_and_store(job.revision, job.runs, job.seed, job_progress(job))
    except Exception as exc:  # the job records why it failed; the worker goes on with the next
        Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, error=str(exc)[:2000], finished=timezone.now())
    else:
        Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, progress=1.0, finished=timezone.now())
    job.refresh_from_db()
    return job


def work(stop: threading.Event, idle_seconds: float = 1.0) -> None:
    """Do queued jobs until ``stop`` is set, looking again every ``idle_seconds`` when idle."""
    from django.db import close_old_connections

    while not stop.is_set():
        close_old_connections()
        if run_next_job() is None:
            stop.wait(idle_seconds)


def start_worker() -> tuple[threading.Thread, threading.Event]:
    """A worker thread in this process (``stp serve`` starts one)."""
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(stop,), name="stpkit-worker", daemon=True)
    thread.start()
    return thread, stop
