"""How long risk runs take and how much memory they need, against the targets and against an
arithmetic floor. See benchmarks/README.md for what was measured and where the time goes.

Run with ``python benchmarks/risk.py`` (``--quick`` for fewer repeats, ``--repeat N`` to choose,
``--cases one,runs,schemes,memory,national,commands`` for some of them). It prints its figures
and a table against the targets, and asserts nothing.

How it measures, so that the figures can be trusted on a machine shared with others:

- CPU time (``time.process_time``, every thread of this process) is printed beside wall time;
  on a busy machine wall time says more about the neighbours than about the code. Where a
  thread pool runs the work, each thread's own CPU time is printed too (``time.thread_time``).
  Worker processes are counted through ``getrusage(RUSAGE_CHILDREN)`` once they have exited.
- Every case is repeated and both the minimum and the median are printed; the minimum is
  what the code costs, the median how steady that was.
- The model and its arithmetic floor are timed alternately in one process, under the same
  thread settings (one BLAS thread, set with threadpoolctl, and no thread pool), so that
  both see the same machine.
- Peak memory is traced (tracemalloc, which numpy reports its arrays to) around the model
  alone, in a pass of its own that is not timed; the floor's arrays do not exist then.

The floor is the least arithmetic any model of these runs must do: one multiplication for each
value of the arrays the model works on (runs x years x merged ledger lines), into an array
allocated once. It is timed two ways: as one pass over whole arrays (memory-bound; the floor
the 15x target was set against) and in chunks of the size the model uses (``risk.CHUNK_VALUES``,
which stay in cache: a stricter floor, several times lower). The model does a few dozen such
passes, over lines, activity cells, beds and organisations."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from stpkit.domain import ActsOnKind
from stpkit.engine.ledger import NONE, Behaviour, LineKind
from stpkit.engine.model import prepare
from stpkit.engine.risk import CHUNK_VALUES, MIN_CHUNK_RUNS, compact, simulate
from stpkit.examples import example_paths
from stpkit.inputs.plan_file import load_plan
from stpkit.reference.parameters import load_parameters

CLONABLE = {ActsOnKind.ACTIVITY, ActsOnKind.UNIT_COST, ActsOnKind.COST_TYPE, ActsOnKind.INCOME}
RUNS = 10_000
SCHEMES = 50
SEED = 1
CASES = ("one", "runs", "schemes", "memory", "national", "commands")

# Targets.
ONE_FOOTPRINT_CPU_S = 0.4
NATIONAL_WALL_S = 5.0
FLOOR_RATIO = 15.0
RUN_COMMAND_S = 1.5
HELP_COMMAND_S = 0.5


@dataclass(frozen=True)
class Clock:
    wall: float
    cpu: float


@dataclass(frozen=True)
class Spread:
    """Repeated measurements of one thing."""

    walls: list[float]
    cpus: list[float]

    @property
    def wall(self) -> float:
        return min(self.walls)

    @property
    def cpu(self) -> float:
        return min(self.cpus)

    def __str__(self) -> str:
        return (f"CPU min {self.cpu:.3f} s, median {statistics.median(self.cpus):.3f} s; "
                f"wall min {self.wall:.3f} s, median {statistics.median(self.walls):.3f} s")


def clocked(fn: Callable[[], object]) -> Clock:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return Clock(time.perf_counter() - wall, time.process_time() - cpu)


def repeated(fn: Callable[[], object], repeat: int) -> Spread:
    clocks = [clocked(fn) for _ in range(repeat)]
    return Spread([c.wall for c in clocks], [c.cpu for c in clocks])


def peak_mb(fn: Callable[[], object]) -> float:
    """Peak of the memory traced while ``fn`` runs, allocations made before it not counted."""
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


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


def single_threaded(prepared, runs: int) -> Callable[[], object]:
    """The model's risk runs in this thread alone (no thread pool, one BLAS thread)."""
    return lambda: simulate(prepared, runs, seed=SEED, mapper=map)


class Floor:
    """One multiplication per value of ``runs x years x lines``, a model-sized chunk at a time."""

    def __init__(self, runs: int, years: int, lines: int):
        self.runs = runs
        self.step = max(MIN_CHUNK_RUNS, CHUNK_VALUES // (years * lines))
        rng = np.random.default_rng(0)
        self.left = rng.random((self.step, years, lines))
        self.right = rng.random((self.step, years, lines))
        self.out = np.empty_like(self.left)
        self.values = runs * years * lines

    def __call__(self) -> None:
        for start in range(0, self.runs, self.step):
            n = min(self.step, self.runs - start)
            np.multiply(self.left[:n], self.right[:n], out=self.out[:n])


def one_pass_floor(runs: int, years: int, lines: int, repeat: int) -> float:
    """The floor as one multiplication over whole arrays (memory-bound: slower than in chunks)."""
    left = np.random.default_rng(0).random((runs, years, lines))
    right = np.random.default_rng(1).random((runs, years, lines))
    out = np.empty_like(left)
    return repeated(lambda: np.multiply(left, right, out=out), repeat).cpu


def lines_growing_alike(prepared) -> int:
    """Merged lines if only lines that also grow alike were merged (same volume driver, price
    index, emergency part and funding path, as well as what ``compact`` asks): the line count
    the floor was first measured on, before merged lines could mix combinations of indices."""
    ledger, schemes = prepared.ledger, prepared.schemes
    is_cost = ledger.kind == LineKind.COST
    own = is_cost & ((ledger.behaviour == Behaviour.FIXED)
                     | ((ledger.behaviour == Behaviour.SEMI_FIXED) & ledger.bedded & ~ledger.is_arrival))
    telling = own | ledger.is_arrival
    component = [ledger.arrivals[a].component if a != NONE else NONE for a in ledger.arrival]
    leaving = np.zeros((schemes.n_components, ledger.n_lines))
    for line in np.flatnonzero(ledger.is_arrival):
        leaving[:, line] = schemes.cells[:, ledger.arrivals[ledger.arrival[line]].cell]
    key = np.column_stack([
        ledger.org, np.where(telling, ledger.kind, NONE), ledger.volume_line, ledger.price_index,
        np.where(telling, ledger.behaviour, NONE), np.where(telling, ledger.bedded, False), ledger.mret, component,
        leaving.T, ledger.funding_path.T, schemes.paper.T, schemes.real.T, schemes.capacity.T,
    ]).astype(float)
    return len(np.unique(key, axis=0))


def threaded_run(prepared, runs: int) -> tuple[Clock, dict[str, float]]:
    """The risk runs as ``stp run --runs`` makes them (blocks shared over a pool of one thread a
    core), with each thread's own CPU time."""
    per_thread: dict[str, float] = defaultdict(float)
    lock = threading.Lock()

    def mapper(fn, items):
        def timed(item):
            start = time.thread_time()
            out = fn(item)
            with lock:
                per_thread[threading.current_thread().name] += time.thread_time() - start
            return out

        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            return list(pool.map(timed, items))

    main_start = time.thread_time()
    clock = clocked(lambda: simulate(prepared, runs, seed=SEED, mapper=mapper))
    per_thread["main (merging lines, summing up)"] = time.thread_time() - main_start
    return clock, dict(per_thread)


# ----------------------------------------------------------------------------------- cases


def case_one(base, params, repeat: int, figures: dict) -> None:
    plan = with_schemes(base, SCHEMES)
    prepared = prepare(plan, params)
    fast = compact(prepared)
    years = len(prepared.ledger.years)
    alike = lines_growing_alike(prepared)
    print(f"\n== one footprint: {plan.footprint.name}, {len(plan.schemes)} schemes ({len(base.schemes)} its own, "
          f"the rest quarter-size copies; {prepared.schemes.n_components} components), {len(plan.organisations)} "
          f"organisations, {years} years; ledger {prepared.ledger.n_lines} lines, {fast.ledger.n_lines} merged "
          f"({alike} merging only lines that grow alike)")
    model = single_threaded(prepared, RUNS)
    floor = Floor(RUNS, years, fast.ledger.n_lines)
    with threadpool_limits(limits=1):
        model()  # warm: caches, first faults
        model_clocks, floor_clocks = [], []
        for _ in range(repeat):  # alternately, so that both see the same machine
            model_clocks.append(clocked(model))
            floor_clocks.append(clocked(floor))
    m = Spread([c.wall for c in model_clocks], [c.cpu for c in model_clocks])
    f = Spread([c.wall for c in floor_clocks], [c.cpu for c in floor_clocks])
    print(f"{RUNS:,} runs, one thread: {m}")
    print(f"floor, {floor.values:,} multiplications in chunks of {floor.step} runs: {f}")
    with threadpool_limits(limits=1):
        whole = one_pass_floor(RUNS, years, fast.ledger.n_lines, repeat)
        whole_alike = one_pass_floor(RUNS, years, alike, repeat)
    print(f"floor as one pass over whole arrays (memory-bound, the floor the target was set against): CPU min "
          f"{1000 * whole:.0f} ms over {fast.ledger.n_lines} merged lines, {1000 * whole_alike:.0f} ms over {alike}")
    print(f"model / floor (CPU, one thread, minimum of each): {m.cpu / whole:.1f}x against one pass over whole "
          f"arrays of the merged lines, {m.cpu / whole_alike:.1f}x of the lines growing alike; {m.cpu / f.cpu:.0f}x "
          "against the chunked floor")
    clock, per_thread = threaded_run(prepared, RUNS)
    shown = ", ".join(f"{name} {cpu:.3f} s" for name, cpu in sorted(per_thread.items()))
    print(f"{RUNS:,} runs over a pool of {os.cpu_count()} threads: wall {clock.wall:.3f} s, CPU {clock.cpu:.3f} s "
          f"(by thread: {shown})")
    peak = peak_mb(model)
    print(f"peak memory traced, the model alone: {peak:.0f} MB")
    figures["one_cpu"] = m.cpu
    figures["one_wall_pool"] = clock.wall
    figures["ratio"] = m.cpu / whole
    figures["ratio_alike"] = m.cpu / whole_alike
    figures["lines"] = (fast.ledger.n_lines, alike)
    figures["ratio_chunked"] = m.cpu / f.cpu
    figures["one_peak"] = peak


def case_runs(base, params, repeat: int, figures: dict) -> None:
    prepared = prepare(with_schemes(base, SCHEMES), params)
    print(f"\n== scaling with runs ({SCHEMES} schemes, one thread)")
    peaks = {}
    with threadpool_limits(limits=1):
        for runs in (2_500, 5_000, 10_000, 20_000):
            s = repeated(single_threaded(prepared, runs), repeat)
            peaks[runs] = peak_mb(single_threaded(prepared, runs))
            print(f"{runs:>7,} runs: {s}; {1e6 * s.cpu / runs:.0f} µs CPU a run; peak {peaks[runs]:.0f} MB "
                  f"({1000 * peaks[runs] / runs:.1f} MB per 1,000 runs)")
    figures["runs_peaks"] = peaks


def case_schemes(base, params, repeat: int, figures: dict) -> None:
    print(f"\n== scaling with schemes ({RUNS:,} runs, one thread)")
    peaks = {}
    with threadpool_limits(limits=1):
        for n in (10, 25, 50, 100, 200):
            prepared = prepare(with_schemes(base, n), params)
            s = repeated(single_threaded(prepared, RUNS), repeat)
            peaks[n] = peak_mb(single_threaded(prepared, RUNS))
            print(f"{n:>4} schemes ({compact(prepared).ledger.n_lines} merged lines): {s}; peak {peaks[n]:.0f} MB "
                  f"({peaks[n] / n:.2f} MB a scheme)")
    figures["schemes_peaks"] = peaks


def case_memory(base, params, repeat: int, figures: dict) -> None:
    """Memory for many schemes, once each (the time is printed but not repeated)."""
    print(f"\n== memory with many schemes ({RUNS:,} runs, one thread, once each)")
    peaks = {}
    with threadpool_limits(limits=1):
        for n in (200, 400, 800):
            plan = with_schemes(base, n)
            prep_peak = peak_mb(lambda plan=plan: prepare(plan, params))
            prepared = prepare(plan, params)
            clock = clocked(single_threaded(prepared, RUNS))
            peaks[n] = peak_mb(single_threaded(prepared, RUNS))
            print(f"{n:>4} schemes: laying out {prep_peak:.0f} MB; risk runs CPU {clock.cpu:.2f} s, "
                  f"peak {peaks[n]:.0f} MB ({peaks[n] / n:.2f} MB a scheme)")
    figures["memory_peaks"] = peaks


NATIONAL_CHILD = """
import resource, sys, time
from stpkit.national.rollup import run_national
from stpkit.reference.parameters import load_parameters
params = load_parameters()
run_national(params)  # warm the reference data and the illustrative plans' caches
for _ in range({repeat}):
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, cpu = time.perf_counter(), time.process_time()
    national = run_national(params, runs={runs}, seed={seed})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    print(wall, cpu, workers, national.risk.percentiles_of_sum[1, -1], flush=True)
"""

#: One national risk run in a fresh process, for its peak resident memory (a high-water mark:
#: measured apart from the repeated runs above). The process's own peak is read from
#: /proc/self/status where there is one: getrusage's maximum is carried over from the process
#: that started this one (this benchmark, which may be larger), and so would overstate it.
NATIONAL_MEMORY_CHILD = """
import resource
from stpkit.national.rollup import run_national
from stpkit.reference.parameters import load_parameters
run_national(load_parameters(), runs={runs}, seed={seed})
try:
    status = open("/proc/self/status").read()
    own = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError):
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def case_national(repeat: int, figures: dict) -> None:
    print(f"\n== all 44 footprints x {RUNS:,} runs (run_national, worker processes on {os.cpu_count()} cores; "
          "in a fresh process, after one run without risk)")
    code = NATIONAL_CHILD.format(repeat=repeat, runs=RUNS, seed=SEED)
    lines = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split("\n")
    runs = [[float(x) for x in line.split()] for line in lines if line.strip()]
    memory = NATIONAL_MEMORY_CHILD.format(runs=RUNS, seed=SEED)
    own, worker = (float(x) for x in subprocess.run([sys.executable, "-c", memory], check=True, capture_output=True,
                                                     text=True).stdout.split())
    walls, parent, workers = [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]
    totals = [p + w for p, w in zip(parent, workers, strict=True)]
    print(f"wall min {min(walls):.2f} s, median {statistics.median(walls):.2f} s; CPU min {min(totals):.2f} s, "
          f"median {statistics.median(totals):.2f} s (this process {min(parent):.2f} s, the workers "
          f"{min(workers):.2f} s); CPU / cores {min(totals) / (os.cpu_count() or 1):.2f} s")
    print(f"England P50 in the final year: £{runs[0][3] / 1000:,.0f}m; peak resident memory of one run in a fresh "
          f"process: that process {own:,.0f} MB, largest worker {worker:,.0f} MB")
    figures["national_wall"] = min(walls)
    figures["national_cpu"] = min(totals)


def command_seconds(args: list[str], repeat: int) -> Spread:
    env = dict(os.environ)
    clocks = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "stpkit", *args], check=True, capture_output=True, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        clocks.append(Clock(wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)))
    return Spread([c.wall for c in clocks], [c.cpu for c in clocks])


def case_commands(repeat: int, figures: dict) -> None:
    repeat = max(repeat, 5)
    print(f"\n== whole commands (python -m stpkit, {repeat} times each)")
    run = command_seconds(["run"], repeat)
    print(f"stp run (the example): {run}")
    helped = command_seconds(["--help"], repeat)
    print(f"stp --help: {helped}")
    figures["run_command"] = run.wall
    figures["help_command"] = helped.wall


def linear(peaks: dict[int, float]) -> str:
    """How the peak grows: the ratio of peaks against the ratio of sizes, first to last."""
    (a, pa), (b, pb) = min(peaks.items()), max(peaks.items())
    return f"x{pb / pa:.1f} for x{b / a:.0f}"


def table(figures: dict) -> None:
    rows = []

    def row(label: str, key: str, target: float | None, unit: str, fmt: str = "{:.2f}") -> None:
        if key not in figures:
            return
        value = figures[key]
        met = "" if target is None else ("met" if value <= target else "NOT met")
        rows.append((label, fmt.format(value) + " " + unit, "" if target is None else f"<= {target:g} {unit}", met))

    row(f"one footprint, {SCHEMES} schemes, {RUNS:,} runs (CPU, one thread)", "one_cpu", ONE_FOOTPRINT_CPU_S, "s",
        "{:.3f}")
    row("  the same over the thread pool (wall)", "one_wall_pool", None, "s", "{:.3f}")
    row(f"all 44 footprints x {RUNS:,} runs (wall, {os.cpu_count()} cores)", "national_wall", NATIONAL_WALL_S, "s")
    row("  the same, CPU of this process and its workers", "national_cpu", None, "s")
    merged, alike = figures.get("lines", ("?", "?"))
    row(f"model / floor, one pass over whole arrays of the {merged} merged lines (CPU)", "ratio", FLOOR_RATIO, "x",
        "{:.1f}")
    row(f"  the same over the {alike} lines merged only if they grow alike", "ratio_alike", FLOOR_RATIO, "x",
        "{:.1f}")
    row("  model / floor in cache-sized chunks (stricter)", "ratio_chunked", None, "x", "{:.0f}")
    row("stp run, the example, whole command (wall, min)", "run_command", RUN_COMMAND_S, "s")
    row("stp --help (wall, min)", "help_command", HELP_COMMAND_S, "s")
    row(f"peak memory, one footprint, {RUNS:,} runs", "one_peak", None, "MB", "{:.0f}")
    for key, what in (("runs_peaks", "runs"), ("schemes_peaks", "schemes"), ("memory_peaks", "schemes")):
        if key in figures:
            rows.append((f"peak memory against {what}", linear(figures[key]), "linear", ""))
    width = max(len(r[0]) for r in rows)
    print("\n== figures against targets")
    for label, value, target, met in rows:
        print(f"{label:<{width}}  {value:>14}  {target:>12}  {met}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="two repeats, one national run")
    parser.add_argument("--repeat", type=int, default=None, help="repeats of each in-process case (default 5)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"some of {','.join(CASES)}")
    args = parser.parse_args()
    repeat = args.repeat or (2 if args.quick else 5)
    national_repeat = 1 if args.quick else min(repeat, 3)
    cases = args.cases.split(",")
    params = load_parameters()
    base = load_plan(example_paths()["north_west_london"], params)
    figures: dict = {}
    if "one" in cases:
        case_one(base, params, repeat, figures)
    if "runs" in cases:
        case_runs(base, params, repeat, figures)
    if "schemes" in cases:
        case_schemes(base, params, repeat, figures)
    if "memory" in cases:
        case_memory(base, params, repeat, figures)
    if "national" in cases:
        case_national(national_repeat, figures)
    if "commands" in cases:
        case_commands(5 if args.quick else repeat, figures)
    table(figures)


if __name__ == "__main__":
    main()
