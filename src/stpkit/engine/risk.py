"""How likely the plan is to hold: many runs of the model with its uncertain inputs drawn.

Runs go through the same stages as the central case, a chunk of runs at a time, on a compact
copy of the ledger in which lines that the model treats alike are merged (same organisation,
the same schemes acting on them and, where wards, sites or moved activity make it matter, the
same kind and cost behaviour); a merged line mixes the demand, price and funding of the lines
it stands for. Merging is exact: every step of the model is linear in the lines' values. Each
block of runs draws its own inputs where it is worked out, so memory grows with the runs of a
block times the schemes, not all runs times the schemes. Only positions are kept for every run
(consolidated and by organisation); everything else is reduced to percentiles as the chunks go
by."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from functools import cache, partial

import numpy as np
from threadpoolctl import ThreadpoolController

from stpkit.engine.bridge import (
    CAPACITY_REMOVED,
    FUND_REGAINED,
    NATIONAL_UNCERTAINTY,
    SCHEMES_COMBINED,
    STRANDED_COST,
    Bridge,
    Leg,
    Step,
)
from stpkit.engine.ledger import NONE, SERVICE_LINES, Arrival, Behaviour, Cell, LineKind
from stpkit.engine.model import PlanResult, Prepared, Stages
from stpkit.engine.project import MixedLedger, Rates, central_rates
from stpkit.engine.uncertainty import (
    Draws,
    SeededRows,
    drawn_effect,
    drawn_rates,
    plan_uncertainty,
    scheme_profiles,
    seeded_blocks,
)

#: The percentiles reported for every position.
PERCENTILES = (10, 50, 90)
#: Values in each array of a chunk of runs (runs x years x lines): large enough that numpy's
#: per-call overhead is small, small enough that the arrays are reused from the heap rather
#: than mapped afresh (and faulted in) for every operation.
CHUNK_VALUES = 400_000
#: ... but never fewer runs than this, so that the work done once per chunk stays small.
MIN_CHUNK_RUNS = 64

Progress = Callable[[int], None]


def _row_codes(columns: list[np.ndarray], rows: int) -> np.ndarray:
    """One integer per row of the given columns (each of integers), equal for equal rows and in
    the order of the rows' values, first column first. Sorting whole rows is slow; this sorts
    one column of integers at a time."""
    code = np.zeros(rows, dtype=np.int64)
    for column in columns:
        values, inverse = np.unique(column, return_inverse=True)
        _, code = np.unique(code * len(values) + inverse.ravel(), return_inverse=True)
        code = code.ravel()
    return code


def _pattern_ids(incidence: np.ndarray) -> np.ndarray:
    """``(columns,)``: the same number for columns of ``incidence`` ``(rows, columns)`` that have
    the same non-zero rows. Columns are compared as packed bits, 64 rows to a word, so this needs
    far less memory and time than comparing the columns themselves."""
    packed = np.packbits(incidence != 0, axis=0)  # (bytes, columns)
    pad = -packed.shape[0] % 8
    words = np.ascontiguousarray(np.pad(packed, ((0, pad), (0, 0))).T).view(np.uint64)  # (columns, words)
    return _row_codes(list(words.T), incidence.shape[1])


def _groups(key: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For rows of the given columns: the first row of each distinct row, and each row's group,
    groups numbered in the order of the rows' values."""
    _, first, group = np.unique(_row_codes(key, len(key[0])), return_index=True, return_inverse=True)
    return first, group.ravel()


def _compact_cells(
    prepared: Prepared,
) -> tuple[tuple[Cell, ...], np.ndarray, np.ndarray, tuple[Arrival, ...], np.ndarray]:
    """The activity cells risk runs read (those using beds at a member provider, and those
    activity moves from), with cells of the same provider and service line that the same
    components reduce (and whose stays the same components shorten) merged; and the arrivals,
    with those of the same component from the same merged cell to the same provider and service
    line merged. Everything risk runs work out from cells and arrivals (activity, bed days, the
    share of activity moved) is linear in their units or depends only on the service line and
    the components acting, so merging changes nothing but the time. Returns the cells, the
    schemes' ``(components, cells)`` incidences (activity reduced, stays shortened), the
    arrivals and, for each old arrival, its new index."""
    ledger, schemes = prepared.ledger, prepared.schemes
    cells, arrivals = ledger.cells, ledger.arrivals
    needed = np.zeros(len(cells), dtype=bool)
    needed[prepared.beds_layout.cells] = True
    needed[ledger.arrival_cell] = True
    kept = np.flatnonzero(needed)
    if not len(kept):
        none = np.zeros((schemes.n_components, 0))
        return (), none, none, (), np.zeros(0, dtype=np.int64)
    provider = np.array([cells[c].provider for c in kept], dtype=np.int64)
    first, group = _groups(
        [provider, ledger.cell_line[kept], _pattern_ids(schemes.cells[:, kept]), _pattern_ids(schemes.stays[:, kept])]
    )
    activity = np.bincount(group, weights=ledger.cell_activity[kept], minlength=len(first))
    value = np.bincount(group, weights=[cells[c].value_gbp000 for c in kept], minlength=len(first))
    merged_cells = tuple(
        Cell(NONE, "", cells[kept[f]].provider, cells[kept[f]].provider_label, cells[kept[f]].service_line,
             float(value[g]), float(activity[g]))
        for g, f in enumerate(first)
    )
    new_cell = np.full(len(cells), NONE, dtype=np.int64)
    new_cell[kept] = group
    cell_incidence, stay_incidence = schemes.cells[:, kept[first]], schemes.stays[:, kept[first]]
    if not arrivals:
        return merged_cells, cell_incidence, stay_incidence, (), np.zeros(0, dtype=np.int64)
    line_of = {line: i for i, line in enumerate(SERVICE_LINES)}
    key = np.array([(a.component, new_cell[a.cell], a.provider, line_of[a.service_line]) for a in arrivals])
    first_arrival, arrival_group = _groups(list(key.T))
    units = np.bincount(arrival_group, weights=[a.units for a in arrivals], minlength=len(first_arrival))

    def per_unit(field: str) -> np.ndarray:
        """A price or cost per unit of merged arrivals: weighted by their units."""
        total = np.bincount(arrival_group, weights=[a.units * getattr(a, field) for a in arrivals],
                            minlength=len(first_arrival))
        return np.divide(total, units, out=np.zeros_like(total), where=units != 0)

    price, cost = per_unit("price_gbp000"), per_unit("cost_gbp000")
    merged_arrivals = tuple(
        replace(arrivals[f], cell=int(new_cell[arrivals[f].cell]), units=float(units[g]),
                price_gbp000=float(price[g]), cost_gbp000=float(cost[g]))
        for g, f in enumerate(first_arrival)
    )
    return merged_cells, cell_incidence, stay_incidence, merged_arrivals, arrival_group


def compact(prepared: Prepared, by_org: bool = True) -> Prepared:
    """The same plan with each organisation's ledger lines that the model treats alike merged
    into one: the same schemes acting on them (on paper, at once, once capacity is removed)
    and, for the costs that wards and sites release and for moved activity, the same kind and
    cost behaviour (and moved activity the same scheme component and cell left). Lines that
    grow differently merge too: a merged line mixes the combinations of demand, price and
    funding of the lines it stands for (``MixedLedger``), so its value in each run is the sum
    of theirs. Every step of the model is linear in the lines' values, so positions are
    unchanged (up to rounding). Lines are sorted by organisation, so positions are sums of runs
    of lines. Activity cells and arrivals are merged too (see ``_compact_cells``); the compact
    plan is for risk runs, which read only the cells that use beds.

    With ``by_org`` False only the footprint's total is kept: lines are merged across
    organisations too (all but the costs that wards and sites release, which depend on their
    organisation, are counted under the first), and the schemes on paper are left out."""
    # STF depends on each provider's own position: plans with control totals keep organisations.
    by_org = by_org or prepared.control_totals is not None
    ledger, schemes = prepared.ledger, prepared.schemes
    is_cost = ledger.kind == LineKind.COST
    own_capacity = is_cost & (
        (ledger.behaviour == Behaviour.FIXED)
        | ((ledger.behaviour == Behaviour.SEMI_FIXED) & ledger.bedded & ~ledger.is_arrival)
    )
    org = ledger.org if by_org else np.where(own_capacity, ledger.org, 0)
    # The model reads a line's kind and cost behaviour only for costs that wards and sites
    # release, for moved activity and for STF income (paid only where control totals are met);
    # other lines merge whatever they are.
    telling = own_capacity | ledger.is_arrival | (ledger.kind == LineKind.SUSTAINABILITY_FUND)
    paper = schemes.paper if by_org else np.zeros_like(schemes.paper)
    # Moved activity arrives as its scheme component and the others acting on the cell it
    # leaves are delivered (see ``arrival_share``), whichever arrival it is.
    arrival_component = np.array([ledger.arrivals[a].component if a != NONE else NONE for a in ledger.arrival])
    moved = np.flatnonzero(ledger.is_arrival)
    leaving = np.full(ledger.n_lines, NONE, dtype=np.int64)
    if len(moved):
        leaving[moved] = _pattern_ids(schemes.cells[:, [ledger.arrivals[a].cell for a in ledger.arrival[moved]]])
    # Which components act on each line, as one number for each pattern of them: the key has
    # a column per kind of incidence, not per component.
    acting = [_pattern_ids(incidence) for incidence in (paper, schemes.real, schemes.capacity)]
    key = [
        org,  # first, so that merged lines come out sorted by organisation
        np.where(telling, ledger.kind, NONE),
        np.where(telling, ledger.behaviour, NONE),
        np.where(telling, ledger.bedded, False),
        arrival_component,
        leaving,
        *acting,
    ]
    first, group = _groups([np.asarray(column, dtype=np.int64) for column in key])
    n_groups = len(first)
    # Each merged line's signed base value and funding path, by combination of indices.
    combos, which = ledger.index_combos
    scale = ledger.sign * ledger.base_gbp000 * ledger.funding_path  # (years, lines)
    mix = np.zeros((scale.shape[0], len(combos), n_groups))
    for t in range(scale.shape[0]):
        np.add.at(mix[t], (which, group), scale[t])

    def mixed(values: np.ndarray) -> np.ndarray:
        """NONE for attributes the merged lines need not share: nothing the model reads."""
        return np.full(n_groups, NONE, dtype=values.dtype)

    cells, cell_incidence, stay_incidence, arrivals, new_arrival = _compact_cells(prepared)
    arrival = ledger.arrival[first]
    arrival = np.where(arrival != NONE, new_arrival[np.maximum(arrival, 0)] if len(new_arrival) else NONE, NONE)
    merged = MixedLedger(
        **{f.name: getattr(ledger, f.name) for f in fields(ledger)}
        | dict(
            cells=cells,
            arrivals=arrivals,
            org=org[first],
            kind=ledger.kind[first],
            sign=np.ones(n_groups),
            base_gbp000=np.ones(n_groups),
            full_base_gbp000=np.bincount(group, weights=ledger.sign * ledger.full_base_gbp000, minlength=n_groups),
            cell=mixed(ledger.cell),
            service_line=mixed(ledger.service_line),
            volume_line=mixed(ledger.volume_line),
            cost_type=mixed(ledger.cost_type),
            behaviour=ledger.behaviour[first],
            bedded=ledger.bedded[first],
            mret=mixed(ledger.mret),
            source=np.full(n_groups, "", dtype=object),
            counterparty=mixed(ledger.counterparty),
            internal=np.zeros(n_groups, dtype=bool),
            price_basis=mixed(ledger.price_basis),
            funding_path=np.ones((scale.shape[0], n_groups)),
            arrival=arrival.astype(np.int64),
            merged=True,
            base_combos=combos,
            mix=mix,
        )
    )
    merged_schemes = replace(
        schemes, paper=paper[:, first], real=schemes.real[:, first], capacity=schemes.capacity[:, first],
        cells=cell_incidence, stays=stay_incidence,
    )
    return replace(prepared, ledger=merged, schemes=merged_schemes)


@dataclass(frozen=True)
class Simulation:
    """Positions of every run (run 0 is the central case), in £000, surplus positive. When
    only the footprint's total was kept, the organisation axis has one entry, the total, and
    there are no positions on paper."""

    seed: int
    do_nothing_by_org: np.ndarray  # (runs, years, orgs) STF only where control totals are met
    paper_by_org: np.ndarray | None  # (runs, years, orgs) schemes as drawn, every avoided cost removed
    landed_by_org: np.ndarray  # (runs, years, orgs) less the cost that stays
    with_plan_by_org: np.ndarray  # (runs, years, orgs) STF only where control totals are met
    realisation: np.ndarray  # (years, schemes) mean share of each scheme's planned effect in force
    capital_need: np.ndarray  # (runs, years) all schemes' capital with its overrun
    # (runs, years, orgs) STF withheld (<= 0) where control totals are missed, do nothing and with
    # the plan; None when no provider has a control total (STF is then paid whatever happens).
    fund_withheld_do_nothing_by_org: np.ndarray | None = None
    fund_withheld_by_org: np.ndarray | None = None

    @property
    def runs(self) -> int:
        return self.with_plan_by_org.shape[0]

    @property
    def do_nothing(self) -> np.ndarray:
        return self.do_nothing_by_org.sum(axis=-1)

    @property
    def with_plan(self) -> np.ndarray:
        return self.with_plan_by_org.sum(axis=-1)


#: Runs handed to one task: a worker of a cluster, or one step of the progress bar.
BLOCK_RUNS = 1000
#: Memory that what is kept of every run may take (positions by organisation and year, and the
#: drawn inputs where they are held for all runs); more runs than fit are refused, not started.
MAX_RUNS_BYTES = 1_000_000_000


class TooManyRuns(ValueError):
    """More runs than fit in ``MAX_RUNS_BYTES`` for this plan; nothing has been run.
    ``parameter`` names what asked for them (``runs``, ``samples``)."""

    def __init__(self, message: str, parameter: str):
        super().__init__(message)
        self.parameter = parameter


def risk_run_bytes(prepared: Prepared) -> int:
    """Bytes kept for each risk run: six positions by organisation and year (do nothing, on
    paper, landed, with the plan, and the fund withheld both ways) and capital and its overrun
    by year, three times over while they are joined and percentiles are worked out."""
    years, orgs = len(prepared.ledger.years), prepared.ledger.n_orgs
    return 8 * 3 * (6 * years * orgs + 2 * years)


def totals_run_bytes(years: int) -> int:
    """Bytes kept for each run of a footprint in the national view: as ``risk_run_bytes``, the
    footprint's totals only."""
    return 8 * 3 * 8 * years


def check_runs_fit(runs: int, bytes_per_run: int, asked: str, parameter: str) -> None:
    """Raise ``TooManyRuns`` when ``runs`` of ``bytes_per_run`` are more than ``MAX_RUNS_BYTES``;
    ``asked`` says what was asked for (``"5,000 runs of this plan"``) and ``parameter`` by which parameter."""
    need = runs * bytes_per_run
    if need > MAX_RUNS_BYTES:
        most = MAX_RUNS_BYTES // bytes_per_run
        raise TooManyRuns(
            f"{asked} would need about {need / 1e9:,.1f} GB ({bytes_per_run:,} bytes a run); "
            f"at most {most:,} runs fit in the {MAX_RUNS_BYTES / 1e9:g} GB allowed",
            parameter,
        )

Mapper = Callable[[Callable, list], Iterable]


@cache
def _threadpools() -> ThreadpoolController:
    """The thread pools of the libraries loaded in this process, found once: looking them up
    reads every loaded library, which took longer than some footprints' runs."""
    return ThreadpoolController()


def one_blas_thread():
    """Linear algebra on one thread, for as long as the ``with`` block lasts."""
    return _threadpools().limit(limits=1, user_api="blas")


def _keep_chunks_on_the_heap() -> None:
    """Let arrays of a chunk's size come from the heap and go back to it. The C library (glibc)
    maps every block larger than a threshold afresh from the system, and every page of it is
    faulted in when first written: a chunk's arrays are a few megabytes, allocated and freed by
    the dozen for every chunk, and in a fresh process faulting them in took half the time of the
    runs. Freeing a mapped block larger than the threshold raises the threshold to that size
    (and the amount of free memory kept before it is given back to twice that), for the life of
    the process; allocating an array and freeing it at once does that, and writes nothing. It
    changes no number, and does nothing where the C library behaves otherwise."""
    np.empty(HEAP_VALUES)


#: Values (8 bytes each) of the block that ``_keep_chunks_on_the_heap`` allocates and frees:
#: several chunks' arrays, within the largest threshold glibc sets itself (32 MB).
HEAP_VALUES = 3_500_000


def _run_block(fast: Prepared, central: Rates, by_org: bool, block: Draws | SeededRows) -> dict[str, np.ndarray]:
    """Positions for one block of runs, a chunk at a time; module-level so that it can be
    shipped to a cluster's workers, with its draws or only the recipe for them (``SeededRows``,
    drawn here). Linear algebra runs on one thread, as on a cluster's workers: a
    multi-threaded product can round differently, and results must not depend on where they
    were computed."""
    _keep_chunks_on_the_heap()
    with one_blas_thread():
        return _positions(fast, central, by_org, block.drawn())


def _positions(fast: Prepared, central: Rates, by_org: bool, block: Draws) -> dict[str, np.ndarray]:
    parts: dict[str, list[np.ndarray]] = {"dn": [], "paper": [], "landed": [], "wp": [], "fund_dn": [], "fund_wp": []}
    profile_sum = np.zeros_like(fast.schemes.profile)
    years, lines = fast.ledger.funding_path.shape
    step = max(MIN_CHUNK_RUNS, CHUNK_VALUES // (years * lines))
    for start in range(0, block.runs, step):
        chunk = block.rows(slice(start, min(start + step, block.runs)))
        profiles = scheme_profiles(fast.schemes, chunk)
        profile_sum += profiles.sum(axis=0)
        stages = Stages(fast, drawn_rates(central, chunk.national), drawn_effect(fast.schemes, chunk, profiles),
                        all_cells=False)
        # Risk runs keep positions only; national totals skip the schemes on paper.
        kept = {"dn": stages.do_nothing_position_by_org, "landed": stages.landed_position_by_org,
                "wp": stages.with_plan_by_org}
        if by_org:
            kept["paper"] = stages.paper_by_org
        if fast.control_totals is not None:
            kept["fund_dn"] = stages.fund_withheld_do_nothing_by_org
            kept["fund_wp"] = stages.fund_withheld_with_plan_by_org
        for name, values in kept.items():
            parts[name].append(values if by_org else values.sum(axis=-1, keepdims=True))
    out = {name: np.concatenate(arrays) for name, arrays in parts.items() if arrays}
    out["profile_sum"] = profile_sum
    # Each year's capital carries the overrun drawn between that year's optimism-bias bounds.
    out["capital"] = (fast.schemes.capital_gbp000[None] * (1.0 + block.capital_overrun)).sum(axis=2)
    return out


def simulate(
    prepared: Prepared,
    runs: int = 0,
    seed: int = 0,
    *,
    draws: Draws | None = None,
    mapper: Mapper | None = None,
    progress: Progress | None = None,
    by_org: bool = True,
) -> Simulation:
    """``runs`` runs of the plan from ``seed``, or the runs given by ``draws`` (sensitivity
    analysis sets the inputs itself). Blocks of runs go through ``mapper``, which may hand them
    to a cluster; by default they share this machine's cores. The result is the same whichever
    mapper runs them. ``by_org`` False keeps only the footprint's total (faster; no bridge).

    A plan already compacted (``compact``, with the same ``by_org``) is used as it is. Seeded
    draws are made block by block where the block is worked out, so that memory grows with
    the runs of a block times the schemes, not with all runs times the schemes."""
    blocks: list[Draws] | list[SeededRows]
    if draws is None:
        unc = plan_uncertainty(prepared.plan, prepared.assumptions)
        blocks = seeded_blocks(prepared.plan, unc, seed, runs, BLOCK_RUNS)
    else:
        runs = draws.runs
        blocks = [draws.rows(slice(a, min(a + BLOCK_RUNS, runs))) for a in range(0, runs, BLOCK_RUNS)]
    fast = prepared if prepared.ledger.merged else compact(prepared, by_org)
    task = partial(_run_block, fast, central_rates(prepared.assumptions), by_org)
    results = []
    # One BLAS thread for the whole run, so that blocks on this machine's threads are worked
    # out exactly as on a cluster's single-threaded workers.
    with one_blas_thread(), ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for block, result in zip(blocks, (mapper or pool.map)(task, blocks), strict=True):
            results.append(result)
            if progress is not None:
                progress(block.runs)
    planned = prepared.schemes.profile
    mean_profile = sum(r["profile_sum"] for r in results) / runs
    realisation = np.divide(mean_profile, planned, out=np.zeros_like(planned), where=planned > 0)
    return Simulation(
        seed=seed,
        do_nothing_by_org=np.concatenate([r["dn"] for r in results]),
        paper_by_org=np.concatenate([r["paper"] for r in results]) if by_org else None,
        landed_by_org=np.concatenate([r["landed"] for r in results]),
        with_plan_by_org=np.concatenate([r["wp"] for r in results]),
        fund_withheld_do_nothing_by_org=_joined(results, "fund_dn"),
        fund_withheld_by_org=_joined(results, "fund_wp"),
        realisation=realisation,
        capital_need=np.concatenate([r["capital"] for r in results]),
    )


def _joined(results: list[dict[str, np.ndarray]], name: str) -> np.ndarray | None:
    """The blocks' arrays of one kept quantity, end to end; None when the blocks kept none."""
    return np.concatenate([r[name] for r in results]) if name in results[0] else None


@dataclass(frozen=True)
class RiskSummary:
    """What many runs say about a plan; every money figure is the consolidated footprint's
    surplus (deficit negative) in £000 unless it says by organisation."""

    runs: int
    seed: int
    central: np.ndarray  # (years,) with the plan, central case (run 0)
    mean: np.ndarray  # (years,) with the plan, average over runs
    percentiles: np.ndarray  # (P, years) with the plan
    percentiles_by_org: np.ndarray | None  # (P, years, orgs); None when only totals were kept
    do_nothing_percentiles: np.ndarray  # (P, years)
    p_balance: np.ndarray  # (years,) share of runs in which the footprint balances or better
    expected_shortfall: np.ndarray  # (years,) average amount by which runs miss balance (0 if they balance)
    tail_shortfall: np.ndarray  # (years,) average shortfall of the worst tenth of runs
    bridge: Bridge | None  # from the central do-nothing to the average; None when only totals were kept
    capital_need_percentiles: np.ndarray  # (P, years) capital with cost overrun
    kept_runs: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # run -> (do nothing, with plan)
    # With control totals: the STF withheld from the footprint on average (>= 0), and each
    # provider's chance of being paid its STF (NaN for those without a control total).
    fund_withheld_mean: np.ndarray | None = None  # (years,)
    fund_paid_probability_by_org: np.ndarray | None = None  # (years, orgs)

    @property
    def balances_centrally(self) -> bool:
        return bool(self.central[-1] >= 0)

    @property
    def balances_only_on_paper(self) -> bool:
        """The central case balances in the final year but most runs do not."""
        return self.balances_centrally and bool(self.p_balance[-1] < 0.5)


#: The worst share of runs averaged in ``tail_shortfall``.
TAIL = 0.10


def tail_mean(values: np.ndarray, share: float = TAIL) -> np.ndarray:
    """Average of the lowest ``share`` of runs along axis 0."""
    k = max(1, int(np.ceil(share * values.shape[0])))
    return np.sort(values, axis=0)[:k].mean(axis=0)


def summarise(sim: Simulation, central: PlanResult, keep: tuple[int, ...] = ()) -> RiskSummary:
    """Percentiles, the chance of balance and the risk-adjusted bridge, and the footprint's
    positions in the runs asked for in ``keep`` (every run's arrays are not kept). In the bridge
    each scheme's central step is scaled by the share of its planned effect delivered on average
    (its running cost is not); what that misses is in the combined step."""
    outside = [k for k in keep if not 0 <= k < sim.runs]
    if outside:
        raise ValueError(f"run {outside[0]} was asked for, but the runs are numbered 0 to {sim.runs - 1}")
    wp = sim.with_plan
    dn = sim.do_nothing
    by_org = sim.paper_by_org is not None
    shortfall = np.maximum(-wp, 0.0)
    return RiskSummary(
        runs=sim.runs,
        seed=sim.seed,
        central=central.with_plan[0],  # run 0 to rounding; the central result's own figures
        mean=wp.mean(axis=0),
        percentiles=np.percentile(wp, PERCENTILES, axis=0),
        percentiles_by_org=np.percentile(sim.with_plan_by_org, PERCENTILES, axis=0) if by_org else None,
        do_nothing_percentiles=np.percentile(dn, PERCENTILES, axis=0),
        p_balance=(wp >= 0).mean(axis=0),
        expected_shortfall=shortfall.mean(axis=0),
        tail_shortfall=np.maximum(-tail_mean(wp), 0.0),
        bridge=_risk_bridge(sim, central) if by_org else None,
        capital_need_percentiles=np.percentile(sim.capital_need, PERCENTILES, axis=0),
        kept_runs={k: (dn[k], wp[k]) for k in sorted(set(keep))},
        **_fund_summary(sim, central),
    )


def _fund_summary(sim: Simulation, central: PlanResult) -> dict[str, np.ndarray | None]:
    """What control totals do to the STF over the runs: the average withheld and, where
    organisations were kept, each provider's chance of being paid."""
    withheld = sim.fund_withheld_by_org
    if withheld is None:
        return {}
    out: dict[str, np.ndarray | None] = {"fund_withheld_mean": -withheld.sum(axis=-1).mean(axis=0)}
    if withheld.shape[-1] == central.ledger.n_orgs:
        controlled = {o.code for o in central.plan.organisations if o.baseline.control_total_gbp000}
        has = np.array([code in controlled for code in central.ledger.org_codes])
        paid = (withheld == 0).mean(axis=0)
        out["fund_paid_probability_by_org"] = np.where(has[None, :], paid, np.nan)
    return out


def _risk_bridge(sim: Simulation, central: PlanResult) -> Bridge:
    """From the central do-nothing to the average position with the plan: the national
    uncertainty in the do-nothing, each scheme's central step scaled by the share of its
    planned effect delivered on average (its running cost is not), what that misses (measured
    against the average position on paper), the cost that stays, the capacity removed, and,
    with control totals, the STF withheld or regained against the central do-nothing."""

    def mean(by_org: np.ndarray) -> np.ndarray:
        return by_org.mean(axis=0, keepdims=True)

    start = sim.do_nothing_by_org[:1]
    fund_dn = sim.fund_withheld_do_nothing_by_org
    fund_wp = sim.fund_withheld_by_org
    conditional = fund_dn is not None
    # The steps below are worked on the positions with all STF paid; STF comes last.
    dn = mean(sim.do_nothing_by_org - fund_dn) if conditional else mean(sim.do_nothing_by_org)
    unconditional_start = start - fund_dn[:1] if conditional else start
    paper, landed = mean(sim.paper_by_org), mean(sim.landed_by_org)
    wp = mean(sim.with_plan_by_org)
    wp_before_fund = wp - mean(fund_wp) if conditional else wp
    investment = central.schemes.investment_gbp000
    owner = central.schemes.owner
    steps = [Step(*NATIONAL_UNCERTAINTY, dn - unconditional_start)]
    for s, step in enumerate(central.to_with_plan.scheme_steps()):
        own = np.zeros_like(step.by_org[:1])
        own[0, :, owner[s]] = investment[:, s]
        adjusted = (step.by_org[:1] + own) * sim.realisation[None, :, s, None] - own
        steps.append(Step(step.id, step.label, adjusted, scheme=s))
    alone = sum((st.by_org for st in steps[1:]), np.zeros_like(dn))
    steps.append(Step(*SCHEMES_COMBINED, paper - dn - alone))
    steps.append(Step(*STRANDED_COST, landed - paper))
    steps.append(Step(*CAPACITY_REMOVED, wp_before_fund - landed))
    if conditional:
        steps.append(Step(*FUND_REGAINED, mean(fund_wp) - fund_dn[:1]))
    leg = Leg("average_with_plan", "Average position with the plan", start, tuple(steps), wp)
    return Bridge("do_nothing", "Do-nothing position (central)", (leg,))
