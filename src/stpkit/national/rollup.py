"""All 44 footprints at once: each footprint's position and the national total.

Bodies that span footprints (ambulance trusts) appear in several plans, each with the
footprint's share, so adding footprints counts each body once as long as the shares of a body
add up to no more than 100%; a warning names any body whose shares do not."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from stpkit import __version__
from stpkit.assurance.check import Assessment, assess
from stpkit.assurance.core import Severity
from stpkit.domain import Measure, OrgKind, Plan, fy_range
from stpkit.engine.model import PlanResult, Prepared, central_case, prepare
from stpkit.engine.risk import PERCENTILES, Mapper, RiskSummary, Simulation, compact, simulate, summarise
from stpkit.engine.uncertainty import distributions
from stpkit.inputs.baseline import SuppliedBaseline, apply_baseline
from stpkit.reference.footprints import Footprint, load_footprints
from stpkit.reference.illustrative import illustrative_plan
from stpkit.reference.parameters import ParameterSet

SHARE_TOLERANCE_PCT = 0.01


@dataclass(frozen=True)
class NationalResult:
    base_year: str
    horizon: str
    table: pd.DataFrame  # one row per footprint
    totals: dict[str, Any]
    results: dict[str, PlanResult] = field(repr=False)
    warnings: tuple[str, ...] = ()
    risk: NationalRisk | None = None

    @property
    def any_illustrative(self) -> bool:
        return bool(self.table["illustrative"].any())


@dataclass(frozen=True)
class NationalRisk:
    """Risk runs of every footprint with the same national draws in each run, so that England's
    percentiles come from the sum of the footprints' runs."""

    runs: int
    seed: int
    by_footprint: dict[str, RiskSummary]
    percentiles_of_sum: np.ndarray  # (P, years) England with the plan: percentiles of summed runs
    sum_of_percentiles: np.ndarray  # (P, years) what adding each footprint's percentiles would wrongly give
    p_balance: np.ndarray  # (years,) share of runs in which England as a whole balances
    do_nothing_percentiles: np.ndarray  # (P, years)


def _footprint_risk(runs: int, seed: int, laid_out: bytes | Prepared) -> Simulation:
    """One footprint's risk runs, keeping only its totals: all the national view needs. The
    plan comes laid out by the caller (it was laid out for the central case) with its lines
    merged across organisations, pickled, so the task only runs. Module-level so that a worker
    process or a cluster can run it; one footprint is one task, so its own runs stay on one
    thread."""
    prepared = pickle.loads(laid_out) if isinstance(laid_out, bytes) else laid_out
    fast = prepared if prepared.ledger.merged else compact(prepared, by_org=False)
    return simulate(fast, runs, seed, mapper=map, by_org=False)


def _local_pool() -> ProcessPoolExecutor:
    """Worker processes on this machine's cores, for footprints run side by side."""
    return ProcessPoolExecutor(max_workers=os.cpu_count() or 1)


def run_national(
    params: ParameterSet,
    plans: Iterable[Plan | Prepared] = (),
    runs: int = 0,
    seed: int = 0,
    mapper: Mapper | None = None,
    progress: Callable[[int], None] | None = None,
    baseline: SuppliedBaseline | None = None,
) -> NationalResult:
    """Run every footprint: the given plans where there is one (a plan, or a plan already laid
    out by ``prepare``), the illustrative plan elsewhere. All plans must share a base year and
    horizon to be added up. With ``runs``, also the risk runs of every footprint, handed out
    one footprint per task by ``mapper`` (by default to worker processes on this machine's
    cores); the central cases are worked out here while the tasks run. A ``baseline`` replaces the
    illustrative figures of the organisations it covers (plans given keep their own); InputError
    when it names an organisation of none of the illustrative plans."""
    given: dict[str, Plan | Prepared] = {}
    for p in plans:
        given[_plan(p).footprint.code] = p
    footprints = load_footprints()
    chosen = {code: given.get(code) or illustrative_plan(code, params) for code in footprints}
    supplied: set[str] = set()
    if baseline is not None:
        codes = [code for code in footprints if code not in given]
        applied = apply_baseline(
            [_plan(chosen[c]) for c in codes], baseline, "any footprint's illustrative plan"
        )
        for code, plan in zip(codes, applied, strict=True):
            if plan is not chosen[code]:
                chosen[code] = plan
                supplied.add(code)
    spans = {(y[0], y[-1]) for y in (fy_range(_plan(p).base_year, _plan(p).horizon) for p in chosen.values())}
    if len(spans) > 1:
        raise ValueError(f"plans cover different years {sorted(spans)}; a national roll-up needs one span")
    ((base_year, horizon),) = spans
    prepared: dict[str, Prepared] = {}

    def laid_out(code: str) -> Prepared:
        """Each plan is laid out once, when first needed: by the risk tasks or the central case."""
        if code not in prepared:
            p = chosen[code]
            prepared[code] = p if isinstance(p, Prepared) else prepare(p, params)
        return prepared[code]

    with ExitStack() as stack:
        local = runs and mapper is None
        if local:
            distributions()  # imported once here, not in every worker process forked below
            mapper = stack.enter_context(_local_pool()).map
        pending = _start_risk(chosen, laid_out, runs, seed, mapper, lazily=bool(local)) if runs else None
        results = {
            code: central_case(p)
            for code, p in ((code, laid_out(code)) for code in footprints)
        }
        table, totals = _table(results, footprints, given, supplied)
        risk = _national_risk(results, runs, seed, pending, progress) if pending is not None else None
    if risk is not None:
        final = {code: summary for code, summary in risk.by_footprint.items()}
        table["with_plan_p10_gbp000"] = [float(final[c].percentiles[0, -1]) for c in table["code"]]
        table["with_plan_p50_gbp000"] = [float(final[c].percentiles[1, -1]) for c in table["code"]]
        table["with_plan_p90_gbp000"] = [float(final[c].percentiles[2, -1]) for c in table["code"]]
        table["probability_of_balance"] = [float(final[c].p_balance[-1]) for c in table["code"]]
        table["balances_only_on_paper"] = [final[c].balances_only_on_paper for c in table["code"]]
        totals["with_plan_p50_gbp000"] = float(risk.percentiles_of_sum[1, -1])
        totals["probability_of_balance"] = float(risk.p_balance[-1])
    return NationalResult(base_year, horizon, table, totals, results, _share_warnings(results), risk)


def _table(
    results: dict[str, PlanResult],
    footprints: dict[str, Footprint],
    given: dict[str, Plan | Prepared],
    supplied: frozenset[str] | set[str] = frozenset(),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    rows = []
    for code, result in results.items():
        population = footprints[code].population
        rows.append(
            {
                "code": code,
                "name": footprints[code].name,
                "population": population,
                "illustrative": result.plan.illustrative,
                "source": "plan file"
                if code in given
                else "bundled illustrative plan with a supplied baseline"
                if code in supplied
                else "bundled illustrative plan",
                "base_gbp000": float(result.do_nothing[0, 0]),
                "do_nothing_gbp000": float(result.do_nothing[0, -1]),
                "with_plan_gbp000": float(result.with_plan[0, -1]),
                "with_plan_per_head_gbp": 1000 * float(result.with_plan[0, -1]) / population,
            }
        )
    table = pd.DataFrame(rows)
    population = int(table["population"].sum())
    totals = {
        "population": population,
        "base_gbp000": float(table["base_gbp000"].sum()),
        "do_nothing_gbp000": float(table["do_nothing_gbp000"].sum()),
        "with_plan_gbp000": float(table["with_plan_gbp000"].sum()),
    }
    totals["with_plan_per_head_gbp"] = 1000 * totals["with_plan_gbp000"] / population
    return table, totals


def _plan(p: Plan | Prepared) -> Plan:
    return p.plan if isinstance(p, Prepared) else p


def _start_risk(
    chosen: dict[str, Plan | Prepared],
    laid_out: Callable[[str], Prepared],
    runs: int,
    seed: int,
    mapper: Mapper,
    lazily: bool,
) -> tuple[list[str], Iterable[Simulation]]:
    """Hand out every footprint's risk runs; the largest footprints (most organisations, then
    schemes) go first, so that workers finish together. Mappers that send tasks out at once
    (worker processes, a cluster) start them here; the answers are read in ``_national_risk``.

    Each plan is laid out, its lines merged across organisations (a quarter of the plan to
    send) and pickled here, before the central cases fill in what a laid-out plan works out
    when first asked for: a pool pickles its tasks on a thread of its own, which must not read
    an object while it changes. ``lazily``, for this machine's worker processes, hands the tasks
    over as they are ready, so that the workers start on the first while the others are laid
    out."""
    order = sorted(chosen, key=lambda code: (-len(_plan(chosen[code]).organisations),
                                             -len(_plan(chosen[code]).schemes), code))

    def tasks() -> Iterator[bytes]:
        for code in order:
            yield pickle.dumps(compact(laid_out(code), by_org=False), protocol=pickle.HIGHEST_PROTOCOL)

    return order, mapper(partial(_footprint_risk, runs, seed), tasks() if lazily else list(tasks()))


def _national_risk(
    results: dict[str, PlanResult],
    runs: int,
    seed: int,
    pending: tuple[list[str], Iterable[Simulation]],
    progress: Callable[[int], None] | None,
) -> NationalRisk:
    # The sums below are taken in footprint order, so the result does not depend on the order
    # tasks ran in.
    order, answers = pending
    simulations: dict[str, Simulation] = {}
    for code, sim in zip(order, answers, strict=True):
        simulations[code] = sim
        if progress is not None:
            progress(1)
    summaries = {code: summarise(simulations[code], results[code]) for code in results}
    dn_total = sum(simulations[code].do_nothing for code in results)
    wp_total = sum(simulations[code].with_plan for code in results)
    return NationalRisk(
        runs=runs,
        seed=seed,
        by_footprint=summaries,
        percentiles_of_sum=np.percentile(wp_total, PERCENTILES, axis=0),
        sum_of_percentiles=sum(s.percentiles for s in summaries.values()),
        p_balance=(wp_total >= 0).mean(axis=0),
        do_nothing_percentiles=np.percentile(dn_total, PERCENTILES, axis=0),
    )


#: The national parameter holding England's efficiency challenge for the final year.
CHALLENGE = "national_efficiency_challenge_gbp000"


def national_challenge(params: ParameterSet, year: str) -> float | None:
    """The efficiency England had to find by ``year`` (Five Year Forward View), when known."""
    found = [p for p in params if p.name == CHALLENGE]
    if not found:
        return None
    value = found[0].values[found[0].members[0]].get(year)
    return None if value is None or value != value else float(value)


def assess_footprints(result: NationalResult, params: ParameterSet) -> dict[str, Assessment]:
    """Every footprint checked and rated as the centre would, reusing the national run's risk
    runs where there are any."""
    risk = result.risk.by_footprint if result.risk is not None else {}
    return {
        code: assess(r.plan, params, runs=0, result=r, risk=risk.get(code))
        for code, r in result.results.items()
    }


def rank(result: NationalResult, assessments: dict[str, Assessment]) -> pd.DataFrame:
    """The footprints ranked (1 is best) by position with the plan per head in the final year,
    by the chance of balance where risk runs were made, and by rating score. Ranks are worked
    out on the figures as shown (whole pounds, whole percentage points, scores to one place), so
    footprints that look the same share a rank."""
    table = result.table.copy()

    def ranked(values: pd.Series) -> pd.Series:
        return values.rank(ascending=False, method="min").astype(int)

    table["rank_per_head"] = ranked(table["with_plan_per_head_gbp"].round(0))
    if "probability_of_balance" in table:
        table["rank_probability_of_balance"] = ranked((100 * table["probability_of_balance"]).round(0))
    table["rating"] = [assessments[c].rating.category.value for c in table["code"]]
    table["rating_score"] = [assessments[c].rating.score for c in table["code"]]
    table["rank_rating"] = ranked(table["rating_score"].round(1))
    table["serious_findings"] = [assessments[c].count(Severity.ERROR) for c in table["code"]]
    measures = [_capacity_and_performance(result.results[c], assessments[c], p) for c, p in
                zip(table["code"], table["population"], strict=True)]
    for name in CAPACITY_AND_PERFORMANCE:
        table[name] = [m[name] for m in measures]
    return table.sort_values(["rank_per_head", "code"]).reset_index(drop=True)


#: What the ranking shows of each footprint's hospitals beside its money, base year unless named.
CAPACITY_AND_PERFORMANCE = (
    "beds_per_1000",  # general and acute beds of its acute trusts (each at its share) per 1,000 people
    "occupancy_pct",  # general and acute occupancy of those beds
    "occupancy_final_pct",  # the same at the horizon with the plan
    "ae_within_4_hours_pct",  # A&E patients seen within four hours at its providers, all types
)


def _capacity_and_performance(result: PlanResult, assessment: Assessment, population: int) -> dict[str, float | None]:
    indicators = {i.id: i for i in assessment.gaps.care_quality}
    acute = [o for o, kind in enumerate(result.ledger.org_kinds) if kind is OrgKind.ACUTE_TRUST]
    beds = float((result.beds.beds_do_nothing[0, 0, acute] * result.ledger.org_share[acute]).sum())
    occupancy = indicators.get(Measure.BED_OCCUPANCY_PCT.value)
    ae = indicators.get(Measure.AE_WITHIN_4_HOURS_PCT.value)
    return {
        "beds_per_1000": 1000 * beds / population,
        "occupancy_pct": occupancy.baseline if occupancy else None,
        "occupancy_final_pct": occupancy.final if occupancy else None,
        "ae_within_4_hours_pct": ae.baseline if ae else None,
    }


def _share_warnings(results: dict[str, PlanResult]) -> tuple[str, ...]:
    shares: dict[str, float] = {}
    for result in results.values():
        for code, share in zip(result.ledger.org_codes, result.ledger.org_share, strict=True):
            shares[code] = shares.get(code, 0.0) + 100 * share
    return tuple(
        f"{code} is counted {total:.1f}% across footprints: its shares should add up to 100% at most"
        for code, total in sorted(shares.items())
        if total > 100 + SHARE_TOLERANCE_PCT
    )


def national_document(result: NationalResult, ranking: pd.DataFrame | None = None) -> dict[str, Any]:
    """The ``stpkit-national`` JSON structure; with ``ranking`` (from ``rank``) each footprint
    also carries its ranks, rating and count of serious findings."""
    return {
        "format": "stpkit-national",
        "format_version": 1,
        "stpkit_version": __version__,
        "base_year": result.base_year,
        "horizon": result.horizon,
        "units": {"money": "GBP thousands (£000)", "sign": "surplus positive, deficit negative"},
        # a measure a footprint lacks (no acute trust, no A&E department) is null, not NaN
        "footprints": _with_nulls(ranking if ranking is not None else result.table).to_dict(orient="records"),
        "england": result.totals,
        "warnings": list(result.warnings),
        "risk": _risk_document(result.risk) if result.risk is not None else None,
    }


def _with_nulls(table: pd.DataFrame) -> pd.DataFrame:
    return table.astype(object).where(table.notna(), None)


def _risk_document(risk: NationalRisk) -> dict[str, Any]:
    def by_percentile(values: np.ndarray) -> dict[str, list[float]]:
        return {f"p{p}_gbp000": [float(v) for v in values[i]] for i, p in enumerate(PERCENTILES)}

    return {
        "runs": risk.runs,
        "seed": risk.seed,
        "with_plan_percentiles_of_summed_runs": by_percentile(risk.percentiles_of_sum),
        "with_plan_sum_of_footprint_percentiles": by_percentile(risk.sum_of_percentiles),
        "do_nothing_percentiles_of_summed_runs": by_percentile(risk.do_nothing_percentiles),
        "probability_england_balances": [float(v) for v in risk.p_balance],
    }
