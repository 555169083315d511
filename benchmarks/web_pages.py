"""How long the web service's plan page and compare page take from stored results, for every
footprint's plan, and how long a fresh revision takes to its first results.

Run with ``python benchmarks/web_pages.py`` (``--rounds N``, 3 by default; ``--profile`` to
cProfile the pages). On a fresh SQLite database in a temporary folder it loads the demo plans
(the four examples and the illustrative plan of every other footprint), gives each a second
revision (a changed copy, so that the compare page has two to compare), stores the central case
of both, and then, through Django's test client signed in as a national reviewer, asks for each
plan's page (latest revision and revision 1) and its compare page, round after round. The first
round is the first visit in this process (the plan page's sections are worked out from the plan
and kept then); the later rounds read what is kept. It prints p50, p95 and the largest, wall and
CPU, in ms, and asserts nothing. The target (issue 12) is a p95 under 300 ms from stored results."""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

SERVER = {"SERVER_NAME": "localhost"}  # a host the settings allow


def percentiles(ms: list[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f}  p95 {p95:6.1f}  max {ordered[-1]:6.1f} ms"


def changed_copy(document: dict, step: int) -> bytes:
    """The plan as a JSON plan file with a new title and, where it has schemes, its first scheme
    a tenth bigger per step: a change the compare page has inputs and results to show for."""
    copy = json.loads(json.dumps(document))
    copy["title"] = f"{copy['title']} (changed {step})"[:300]
    for scheme in copy.get("schemes", [])[:1]:
        if scheme.get("size_pct"):
            scheme["size_pct"] = round(scheme["size_pct"] * (1 + 0.1 * step), 6)
    return json.dumps(copy).encode()


def timed_get(client, path: str) -> tuple[float, float]:
    """Wall and CPU time of one GET, in ms (CPU time is steadier on a machine shared with others)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    response = client.get(path)
    elapsed, cpu = 1000 * (time.perf_counter() - start), 1000 * (time.process_time() - cpu_start)
    if response.status_code != 200:
        sys.exit(f"GET {path}: {response.status_code}")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every page (the first is the first visit)")
    parser.add_argument("--profile", action="store_true", help="cProfile the rounds and print where the time went")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory(prefix="stpkit-web-bench-")
    os.environ.pop("DATABASE_URL", None)  # SQLite in the temporary folder, never a real database

    from stpkit.web.serve import prepare

    start = time.perf_counter()
    prepare(Path(folder.name), say=lambda _: None)
    print(f"fresh database, migrated: {time.perf_counter() - start:.1f} s")

    from django.contrib.auth import get_user_model
    from django.test import Client

    from stpkit.inputs.located import InputError
    from stpkit.web import results
    from stpkit.web.demo import _loader, load_demo_plans
    from stpkit.web.models import Membership, Plan, Role
    from stpkit.web.revisions import new_revision

    start = time.perf_counter()
    load_demo_plans()
    plans = list(Plan.objects.select_related("footprint").order_by("pk"))
    print(f"demo plans loaded: {len(plans)} in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    for plan in list(plans):
        try:
            results.central(plan.revisions.get(number=1))
        except InputError as exc:  # a stored plan the checks now refuse: its pages cannot be shown
            print(f"  left out {plan.footprint_id} {plan.footprint.name}: {exc}".replace("\n", "; "))
            plans.remove(plan)
    print(f"central cases of revision 1 stored: {len(plans)} in {time.perf_counter() - start:.1f} s")

    loader = _loader()
    start = time.perf_counter()
    for plan in plans:
        first = plan.revisions.get(number=1)
        second = new_revision(loader, plan, changed_copy(first.document, 1), base_version=1,
                              message="a changed copy", name="changed.json")
        results.central(second)
    print(f"second revisions saved, their central cases stored: {time.perf_counter() - start:.1f} s")

    reviewer = get_user_model().objects.create_user(username="bench-national-reviewer")
    Membership.objects.create(user=reviewer, role=Role.NATIONAL_REVIEWER)
    client = Client(**SERVER)
    client.force_login(reviewer)

    # Both revisions' plan pages: 88 of them, so that what the process keeps must hold them all.
    pages = {"plan page, latest": "/plans/{}/", "plan page, rev 1": "/plans/{}/revisions/1/",
             "compare page": "/plans/{}/compare/"}
    times: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
    profiler = cProfile.Profile() if args.profile else None
    load = os.getloadavg()[0]
    for round_number in range(1, args.rounds + 1):
        visit = "first visit" if round_number == 1 else "later visits"
        for plan in plans:
            for page, path in pages.items():
                if profiler is not None:
                    profiler.enable()
                wall, cpu = timed_get(client, path.format(plan.pk))
                if profiler is not None:
                    profiler.disable()
                times.setdefault((page, visit), []).append((wall, cpu, plan.footprint.name))
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    print(f"\n{len(plans)} plans x {args.rounds} rounds, signed in as a national reviewer "
          f"(load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores):")
    for (page, visit), rows in times.items():
        print(f"  {page:<17} {visit:<12} wall {percentiles([r[0] for r in rows])}   "
              f"CPU {percentiles([r[1] for r in rows])}")
        print("      slowest (CPU): " + ", ".join(f"{name[:30]} {cpu:.0f} ms" for _, cpu, name in
                                              sorted(rows, key=lambda r: r[1])[-3:][::-1]))

    # A fresh revision: saved, its central case worked out, its page asked for the first time.
    print("\ntime to first result for a fresh revision (new_revision + results.central + first plan page GET):")
    steps: dict[str, list[float]] = {"save": [], "central": [], "page": [], "total": []}
    for plan in plans[:: max(1, len(plans) // 6)]:
        plan.refresh_from_db()
        latest = plan.revisions.get(number=plan.version)
        cpu_start = time.process_time()
        start = time.perf_counter()
        revision = new_revision(loader, plan, changed_copy(latest.document, 2), base_version=plan.version,
                                message="another changed copy", name="changed.json")
        saved = time.perf_counter()
        results.central(revision)
        worked_out = time.perf_counter()
        timed_get(client, f"/plans/{plan.pk}/")
        shown = time.perf_counter()
        cpu = time.process_time() - cpu_start
        for name, seconds in (("save", saved - start), ("central", worked_out - saved),
                              ("page", shown - worked_out), ("total", shown - start)):
            steps[name].append(1000 * seconds)
        print(f"  {plan.footprint.name[:40]:<40} wall {1000 * (shown - start):5.0f} ms "
              f"(save {1000 * (saved - start):4.0f}, central {1000 * (worked_out - saved):4.0f}, "
              f"page {1000 * (shown - worked_out):4.0f}), CPU {1000 * cpu:5.0f} ms")
    print("  median wall: " + ", ".join(f"{name} {statistics.median(ms):.0f} ms" for name, ms in steps.items()))
    folder.cleanup()


if __name__ == "__main__":
    main()
