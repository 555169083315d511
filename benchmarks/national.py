"""How long the central case takes: one plan, and all 44 footprints (`stp national`).

Run with `python benchmarks/national.py`; it prints its figures and asserts nothing."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from stpkit.engine.model import run_plan
from stpkit.national.rollup import run_national
from stpkit.reference.illustrative import all_illustrative_plans
from stpkit.reference.parameters import load_parameters


def timed(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    params = load_parameters()
    plans = all_illustrative_plans(params)
    largest = max(plans, key=lambda p: len(p.organisations))
    lines = run_plan(largest, params).ledger.n_lines
    print(
        f"largest illustrative footprint: {largest.footprint.name}, {len(largest.organisations)} organisations, "
        f"{len(largest.schemes)} schemes, {lines} ledger lines"
    )
    print(f"run_plan, largest footprint (median of 5): {1000 * timed(lambda: run_plan(largest, params)):.1f} ms")
    print(f"build the 44 illustrative plans:           {1000 * timed(lambda: all_illustrative_plans(params)):.0f} ms")
    print(f"run_national, 44 footprints (in process):   {1000 * timed(lambda: run_national(params)):.0f} ms")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "stpkit", "national"], check=True, capture_output=True)
    print(f"`stp national`, whole command (one run):   {1000 * (time.perf_counter() - start):.0f} ms")


if __name__ == "__main__":
    main()
