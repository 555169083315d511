"""How long the centre's dashboard takes for every footprint: the demo's plans (examples and the
illustrative plan of every other footprint), each submitted, in review with a challenge, with its
central case stored, and the national total stored; then GET /centre/ as a national reviewer.

Run with `python benchmarks/centre_dashboard.py`; it prints its figures (target: under 1 s) and
asserts nothing. It works in a new SQLite database in a temporary folder."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

REQUESTS = 20


def main() -> None:
    folder = tempfile.mkdtemp(prefix="stpkit-centre-")
    os.environ["STPKIT_DATA"] = folder
    from stpkit.web.serve import prepare

    prepare()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from stpkit.inputs.located import InputError
    from stpkit.web import centre, results, review, transitions, workflow
    from stpkit.web.demo import load_demo_plans
    from stpkit.web.models import Mark, Membership, PlanState, Role, Round, Transition
    from stpkit.web.workflow import latest_revision

    setup_test_environment()  # the test client's host name is allowed
    started = time.perf_counter()
    plans = load_demo_plans()
    print(f"{len(plans)} demo plans loaded in {time.perf_counter() - started:.1f} s")
    from django.contrib.auth import get_user_model

    national = get_user_model().objects.create_user("bench-national", password="bench-national-Pa55word!")
    Membership.objects.create(user=national, role=Role.NATIONAL_REVIEWER)
    Round.objects.create(name="June 2016 submission", opens="2016-06-01", due="2016-06-30")
    started = time.perf_counter()
    refused = []
    for plan in plans:
        revision = latest_revision(plan)
        try:
            results.central(revision)
        except InputError as exc:  # left as a draft without figures; named below
            refused.append(f"{plan.footprint_id} {plan.title}: {str(exc).splitlines()[0]}")
            continue
        # A submission as the lead would make it (the demo plans' sign-off is not recorded).
        Transition.objects.create(plan=plan, step=1, action=transitions.SUBMIT, from_state=PlanState.DRAFT,
                                  to_state=PlanState.SUBMITTED, actor=national, revision=revision,
                                  round=workflow.current_round())
        plan.state, plan.step = PlanState.SUBMITTED, 1
        plan.save()
        workflow.act(national, plan, transitions.OPEN_REVIEW, 1)
        item = workflow.open_review(plan).items.first()
        if item is not None:
            review.mark(national, item, Mark.CHALLENGED, "Where does this come from?")
    print(f"central cases stored, plans submitted and reviews opened in {time.perf_counter() - started:.1f} s")
    for problem in refused:
        print(f"  no central case (the plan does not validate as stored): {problem}")
    started = time.perf_counter()
    centre.NATIONAL_RUNS = 0  # the central case alone: the page reads the stored total the same way
    centre.queue_national(centre.national_revisions(centre.rows_for(national)))
    job = results.run_next_job()
    print(f"national total ({job.state}) stored in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(national)
    times = []
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/centre/")
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"GET /centre/ as a national reviewer, {REQUESTS} requests, {len(queries)} queries each, "
          f"{len(response.content) / 1000:.0f} kB: p50 {1000 * statistics.median(times):.0f} ms, "
          f"p95 {1000 * p95:.0f} ms, max {1000 * times[-1]:.0f} ms (target under 1,000 ms)")
    started = time.perf_counter()
    client.get("/centre/export.xlsx")
    print(f"GET /centre/export.xlsx: {1000 * (time.perf_counter() - started):.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
