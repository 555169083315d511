"""How long risk runs take, against the targets of the risk issue and against an arithmetic floor.

Run with `python benchmarks/risk.py` (add `--quick` for fewer repeats); it prints its figures
and asserts nothing. Targets: one footprint with 50 schemes, 10,000 runs over 5 years in 1 s;
all 44 footprints x 10,000 runs in 10 s; peak memory 2 GB."""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import numpy as np

from stpkit.domain import ActsOnKind
from stpkit.engine.model import prepare
from stpkit.engine.risk import compact, simulate
from stpkit.examples import example_paths
from stpkit.inputs.plan_file import load_plan
from stpkit.national.rollup import run_national
from stpkit.reference.parameters import load_parameters

REPEAT = 1 if "--quick" in sys.argv else 3
CLONABLE = {ActsOnKind.ACTIVITY, ActsOnKind.UNIT_COST, ActsOnKind.COST_TYPE, ActsOnKind.INCOME}


def timed(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def arithmetic_floor(shape: tuple[int, ...]) -> tuple[float, int]:
    left = np.random.default_rng(0).random(shape)
    right = np.random.default_rng(1).random(shape)
    out = np.empty_like(left)
    return timed(lambda: np.multiply(left, right, out=out), repeat=5), left.size


def with_schemes(plan, n: int):
    """The plan with ``n`` schemes: its own, then quarter-size copies of those that can be
    repeated (activity, unit cost, cost type and income schemes), under new ids."""
    schemes = list(plan.schemes)
    clonable = [s for s in plan.schemes if s.acts_on.kind in CLONABLE]
    i = 0
    while len(schemes) < n:
        source = clonable[i % len(clonable)]
        update = {"id": f"{source.id}-COPY{i}", "name": f"{source.name} (copy {i})"}
        if source.size_pct is not None:
            update["size_pct"] = source.size_pct / 4
        else:
            update["size_gbp000"] = source.size_gbp000 / 4
        schemes.append(source.model_copy(update=update))
        i += 1
    return plan.model_copy(update={"schemes": schemes[:n]})


def main() -> None:
    params = load_parameters()
    base = load_plan(example_paths()["north_west_london"], params)
    plan = with_schemes(base, 50)
    prepared = prepare(plan, params)
    fast = compact(prepared)
    years = len(prepared.ledger.years)
    print(
        f"footprint: {plan.footprint.name} with {len(plan.schemes)} schemes ({prepared.schemes.n_components} "
        f"components), {len(plan.organisations)} organisations, {years} years; ledger {prepared.ledger.n_lines} "
        f"lines, {fast.ledger.n_lines} after merging"
    )

    runs = 10_000
    seconds = timed(lambda: simulate(prepared, runs, seed=1))
    print(f"one footprint, 50 schemes, {runs:,} runs: {seconds:.2f} s (target 1 s)")
    print(f"  peak memory traced: {peak_mb(lambda: simulate(prepared, runs, seed=1)):.0f} MB")

    # The floor: one fused numpy pass (a multiply into a preallocated array) over arrays of the
    # size the model works on, runs x years x merged lines.
    floor, size = arithmetic_floor((runs, years, fast.ledger.n_lines))
    print(f"  arithmetic floor, one pass over {size:,} values: {1000 * floor:.1f} ms; model / floor = "
          f"{seconds / floor:.0f}")

    print("scaling with runs (50 schemes):")
    for n in (2_500, 5_000, 10_000, 20_000):
        t = timed(lambda n=n: simulate(prepared, n, seed=1))
        print(f"  {n:>6,} runs: {t:.2f} s, {1e6 * t / n:.0f} µs a run")
    print(f"scaling with schemes ({runs:,} runs):")
    for k in (10, 20, 30, 40, 50):
        p = prepare(with_schemes(base, k), params)
        t = timed(lambda p=p: simulate(p, runs, seed=1))
        print(f"  {k:>2} schemes ({compact(p).ledger.n_lines} merged lines): {t:.2f} s")

    start = time.perf_counter()
    national = run_national(params, runs=runs, seed=1)
    seconds = time.perf_counter() - start
    print(f"all 44 footprints x {runs:,} runs, footprints shared over this machine's cores (with the central "
          f"case and the national sum): {seconds:.1f} s (target 10 s); England P50 in {national.horizon}: "
          f"£{national.risk.percentiles_of_sum[1, -1] / 1000:,.0f}m")
    start = time.perf_counter()
    run_national(params, runs=runs, seed=1, mapper=map)
    print(f"the same on one core: {time.perf_counter() - start:.1f} s")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak resident memory: this process {own:,.0f} MB, largest worker process {workers:,.0f} MB "
          "(target 2,048 MB)")

if __name__ == "__main__":
    main()
